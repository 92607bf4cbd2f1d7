"""Fidelity patches for the test emulator: make moto answer as AWS does where its
defaults would hide real behaviour from our tests. Test tooling only; production code
never knows about them. Each patch says which AWS behaviour it restores.
"""
import copy
import os
import sys
import uuid

# ECR image references are parsed by the collection's own module_utils (the same function
# ecs_service_deploy uses); the checkout exposes itself as
# collections/ansible_collections/inboxwine/fozzy, which scripts/emulator.py does not put on
# sys.path, so it goes there before the import.
_COLLECTIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "collections")
if _COLLECTIONS not in sys.path:
    sys.path.insert(0, _COLLECTIONS)

from ansible_collections.inboxwine.fozzy.plugins.module_utils.images import parse_ecr_image  # noqa: E402

# What AWS returns for a service created without a deploymentConfiguration.
ECS_DEFAULT_DEPLOYMENT_CONFIGURATION = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}



def _nat_gateway_tag_resource_type():
    """AWS reports a NAT gateway's tags with resource-type `natgateway`; moto says
    `nat-gateway`, so a DescribeTags filtered by the AWS name finds nothing and every
    module that reconciles tags (amazon.aws.ec2_vpc_nat_gateway) sees them missing forever."""
    from moto.ec2 import utils

    utils.EC2_PREFIX_TO_RESOURCE[utils.EC2_RESOURCE_TO_PREFIX["nat-gateway"]] = "natgateway"


def _security_group_rule_description_updates_return():
    """AWS answers UpdateSecurityGroupRuleDescriptionsIngress / ...Egress with `Return: true`;
    moto answers with an empty body, and amazon.aws.ec2_security_group (which reads
    `Return`) fails with KeyError 'Return' whenever it sets the description of an existing
    rule, for example the default egress rule of a new group."""
    from moto.core.responses import ActionResult
    from moto.ec2.responses.security_groups import SecurityGroups

    for name in ("update_security_group_rule_descriptions_ingress", "update_security_group_rule_descriptions_egress"):
        original = getattr(SecurityGroups, name)
        if getattr(original, "_fozzy_patched", False):
            continue

        def answer(self, _original=original):
            _original(self)
            return ActionResult({"Return": True})

        answer._fozzy_patched = True
        setattr(SecurityGroups, name, answer)


# Attributes AWS reports for a new application load balancer that moto leaves out.
ALB_DEFAULT_ATTRIBUTES = {
    "access_logs.s3.enabled": "false",
    "idle_timeout.timeout_seconds": "60",
    "client_keep_alive.seconds": "3600",
    "routing.http2.enabled": "true",
    "routing.http.desync_mitigation_mode": "defensive",
    "routing.http.drop_invalid_header_fields.enabled": "false",
    "routing.http.preserve_host_header.enabled": "false",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
    "routing.http.xff_client_port.enabled": "false",
    "routing.http.xff_header_processing.mode": "append",
    "waf.fail_open.enabled": "false",
}


def _alb_default_attributes():
    """DescribeLoadBalancerAttributes of a new application load balancer in AWS lists every
    attribute with its default (access logs off, idle timeout 60 s, HTTP/2 on, desync
    mitigation defensive ...). moto leaves out `access_logs.s3.enabled` and
    `idle_timeout.timeout_seconds` (and the routing.* ones), so amazon.aws.elb_application_lb,
    which reads them, fails with KeyError 'access_logs_s3_enabled'. Only missing keys are
    added; what moto has (and every later ModifyLoadBalancerAttributes) is kept."""
    from moto.elbv2.models import FakeLoadBalancer

    original = FakeLoadBalancer.__init__
    if getattr(original, "_fozzy_patched", False):
        return

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if self.type == "application":
            for key, value in ALB_DEFAULT_ATTRIBUTES.items():
                self.attrs.setdefault(key, value)

    __init__._fozzy_patched = True
    FakeLoadBalancer.__init__ = __init__


def _ecs_create_service_keeps_settings():
    """AWS keeps what CreateService was given and returns it from DescribeServices:
    `deploymentConfiguration` (AWS fills in 100/200 % and a disabled circuit breaker when
    it is left out), `healthCheckGracePeriodSeconds`, `enableExecuteCommand` (default
    false) and `capacityProviderStrategy`. A service placed by a capacity provider strategy
    (its own, or the cluster's default when neither strategy nor launch type is given) has
    no `launchType`. moto's CreateService drops all of these and reports launch type EC2,
    so any module that re-reads them would see a difference on every run (never idempotent)."""
    from moto.ecs.responses import EC2ContainerServiceResponse

    original = EC2ContainerServiceResponse.create_service
    if getattr(original, "_fozzy_patched", False):
        return

    def create_service(self):
        result = original(self)
        service = result.result["service"]
        config = self._get_param("deploymentConfiguration") or {}
        merged = dict(ECS_DEFAULT_DEPLOYMENT_CONFIGURATION, **config)
        merged["deploymentCircuitBreaker"] = dict(
            ECS_DEFAULT_DEPLOYMENT_CONFIGURATION["deploymentCircuitBreaker"], **(config.get("deploymentCircuitBreaker") or {})
        )
        service.deployment_configuration = merged
        grace = self._get_param("healthCheckGracePeriodSeconds")
        if grace is not None:
            service.health_check_grace_period_seconds = int(grace)
        service.enable_execute_command = bool(self._get_param("enableExecuteCommand") or False)
        strategy = self._get_param("capacityProviderStrategy")
        if not strategy and not self._get_param("launchType"):
            cluster = self.ecs_backend._get_cluster(self._get_param("cluster", "default"))
            strategy = cluster.default_capacity_provider_strategy
        if strategy:
            _set_capacity_provider_strategy(service, strategy)
        # the first deployment, now that the service knows its settings
        _start_deployment(service, previous=None)
        return result

    create_service._fozzy_patched = True
    EC2ContainerServiceResponse.create_service = create_service


def _ecs_deployments_like_aws():
    """How AWS runs a service's deployments, which moto does not model:
    - A deployment reaches steady state: its tasks run (runningCount = desiredCount),
      `rolloutState` becomes COMPLETED and the service logs "has reached a steady state".
      (moto leaves runningCount at MOTO_ECS_SERVICE_RUNNING, which must be an integer,
      and keeps the first deployment IN_PROGRESS forever, so stability waits never end.)
    - UpdateService starts a new PRIMARY deployment when the task definition, network
      configuration, capacity provider strategy, load balancers or platform version change,
      or with forceNewDeployment. (moto changes the service's task definition but keeps
      the old deployment, with the old task definition, as PRIMARY.) A desired count
      change alone only changes the count of the current deployment.
    - Tasks whose image is missing from ECR fail to start (CannotPullContainerError). With
      the deployment circuit breaker the deployment FAILS ("ECS deployment circuit breaker:
      tasks failed to start.") and, with rollback, ECS rolls the service back to the last
      completed deployment, logging both in the service events; once the rollback settled,
      only the rollback deployment is listed. Without the circuit breaker
      the deployment stays IN_PROGRESS with no running tasks. (moto never pulls images.)
    Everything happens at once (AWS takes minutes): the API answers are what AWS answers
    once the deployment has settled.
    """
    from moto.ecs.models import EC2ContainerServiceBackend

    original = EC2ContainerServiceBackend.update_service
    if getattr(original, "_fozzy_patched", False):
        return

    def update_service(self, service_properties):
        cluster = service_properties.get("cluster", "default")
        name = service_properties.get("service", "").split("/")[-1]
        service = self._get_service(cluster, name)
        before = {
            "task_definition": service.task_definition,
            "network_configuration": service.network_configuration,
            "capacity_provider_strategy": getattr(service, "capacity_provider_strategy", None),
            "load_balancers": service.load_balancers,
            "platform_version": service.platform_version,
        }
        previous = _primary(service)
        force = bool(service_properties.get("force_new_deployment"))
        strategy = service_properties.pop("capacity_provider_strategy", None)
        task_definition = service_properties.get("task_definition")
        if task_definition:
            # AWS stores the task definition's ARN, whatever form the request used
            service_properties["task_definition"] = self.describe_task_definition(task_definition).arn
        updated = original(self, service_properties)
        if strategy is not None:
            _set_capacity_provider_strategy(updated, strategy)
        after = {key: getattr(updated, key, None) for key in before}
        if force or after != before:
            _start_deployment(updated, previous)
        elif previous is not None:
            previous.update(
                desiredCount=updated.desired_count,
                runningCount=updated.desired_count if previous.get("rolloutState") != "FAILED" else 0,
                pendingCount=0,
            )
            updated.running_count = previous["runningCount"]
        return updated

    update_service._fozzy_patched = True
    EC2ContainerServiceBackend.update_service = update_service


# --- helpers of the ECS patches ----------------------------------------------------------


def _set_capacity_provider_strategy(service, strategy):
    service.capacity_provider_strategy = [
        {"capacityProvider": item["capacityProvider"], "weight": int(item.get("weight", 0)), "base": int(item.get("base", 0))}
        for item in strategy
    ]
    service.launch_type = None


def _primary(service):
    for deployment in service.deployments:
        if deployment.get("status") == "PRIMARY":
            return deployment
    return None


def _event(service, message):
    from moto.core.utils import utcnow

    service.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": utcnow(), "message": f"(service {service.name}) {message}"})
    del service.events[100:]


def _missing_images(service):
    """Container images of the service's task definition that ECR of the account does not hold."""
    from moto.ecr.models import ecr_backends
    from moto.ecs.models import ecs_backends

    ecs = ecs_backends[service._account_id][service.region_name]
    task_definition = ecs.describe_task_definition(service.task_definition)
    missing = []
    for container in task_definition.container_definitions:
        match = parse_ecr_image(container.get("image") or "")
        if not match or match["account"] != service._account_id:
            continue  # another registry: assume it can be pulled
        repository = ecr_backends[match["account"]][match["region"]].repositories.get(match["repository"])
        images = repository.images if repository else []
        if match["digest"]:
            found = any(image.get_image_digest() == match["digest"] for image in images)
        else:
            found = any((match["tag"] or "latest") in image.image_tags for image in images)
        if not found:
            missing.append(container["image"])
    return missing


def _start_deployment(service, previous):
    """Replace the deployments of `service` by what AWS shows once a new deployment settled."""
    from moto.core.utils import utcnow
    from moto.moto_api._internal import mock_random

    now = utcnow()
    deployment = {
        "id": f"ecs-svc/{mock_random.randint(0, 10**18)}",
        "status": "PRIMARY",
        "taskDefinition": service.task_definition,
        "desiredCount": service.desired_count,
        "pendingCount": 0,
        "runningCount": service.desired_count,
        "failedTasks": 0,
        "createdAt": now,
        "updatedAt": now,
        "launchType": service.launch_type,
        "platformVersion": service.platform_version,
        "platformFamily": "EC2" if service.launch_type == "EC2" else "FARGATE",
        "networkConfiguration": service.network_configuration or None,
        "rolloutState": "COMPLETED",
        "rolloutStateReason": "",
    }
    strategy = getattr(service, "capacity_provider_strategy", None)
    if strategy:
        deployment["capacityProviderStrategy"] = strategy
    deployment["rolloutStateReason"] = f"ECS deployment {deployment['id']} completed."

    missing = _missing_images(service) if service.task_definition else []
    breaker = (getattr(service, "deployment_configuration", None) or {}).get("deploymentCircuitBreaker") or {}
    if not missing:
        service.deployments = [deployment]
        service.running_count = service.desired_count
        service.pending_count = 0
        _event(service, "has reached a steady state.")
        return

    deployment.update(runningCount=0, pendingCount=0, failedTasks=max(service.desired_count, 1))
    _event(
        service,
        f"(task {uuid.uuid4().hex}) failed to start: CannotPullContainerError: pull image manifest has been retried"
        f" 5 time(s): failed to resolve ref {missing[0]}: not found",
    )
    if not breaker.get("enable"):
        deployment.update(rolloutState="IN_PROGRESS", rolloutStateReason=f"ECS deployment {deployment['id']} in progress.")
        old = [dict(previous, status="ACTIVE")] if previous else []
        service.deployments = [deployment] + old
        service.running_count = previous["runningCount"] if previous else 0
        return

    deployment.update(rolloutState="FAILED", rolloutStateReason="ECS deployment circuit breaker: tasks failed to start.")
    _event(service, f"(deployment {deployment['id']}) deployment failed: tasks failed to start.")
    if breaker.get("rollback") and previous and previous.get("rolloutState") == "COMPLETED":
        rollback = dict(
            previous,
            id=f"ecs-svc/{mock_random.randint(0, 10**18)}",
            status="PRIMARY",
            desiredCount=service.desired_count,
            runningCount=service.desired_count,
            createdAt=now,
            updatedAt=now,
            rolloutState="COMPLETED",
        )
        rollback["rolloutStateReason"] = f"ECS deployment {rollback['id']} completed."
        _event(service, f"rolling back to deployment {rollback['id']}.")
        service.task_definition = previous["taskDefinition"]
        # settled: the failed deployment's tasks are gone, so is the deployment
        service.deployments = [rollback]
        service.running_count = service.desired_count
        _event(service, "has reached a steady state.")
    else:
        service.deployments = [deployment]
        service.running_count = 0


def _certificate_released_with_its_listener():
    """AWS drops a listener from a certificate's InUseBy when the listener or its load
    balancer is deleted; moto only ever adds, so a teardown could never delete the
    certificate after removing the load balancer that used it."""
    from moto.acm.models import acm_backends
    from moto.elbv2 import models

    def release(backend, listener_arns):
        for cert in acm_backends[backend.account_id][backend.region_name]._certificates.values():
            cert.in_use_by = [user for user in cert.in_use_by if user not in listener_arns]

    delete_load_balancer = models.ELBv2Backend.delete_load_balancer
    delete_listener = models.ELBv2Backend.delete_listener

    def _delete_load_balancer(self, arn):
        balancer = self.load_balancers.get(arn)
        listener_arns = set(balancer.listeners) if balancer is not None else set()
        delete_load_balancer(self, arn)
        release(self, listener_arns)

    def _delete_listener(self, listener_arn):
        listener = delete_listener(self, listener_arn)
        release(self, {listener_arn})
        return listener

    models.ELBv2Backend.delete_load_balancer = _delete_load_balancer
    models.ELBv2Backend.delete_listener = _delete_listener


def _alb_deletion_protection():
    """AWS refuses DeleteLoadBalancer while deletion_protection.enabled is true
    (OperationNotPermitted); moto deletes anyway, hiding a teardown that forgets to turn it off."""
    from moto.elbv2 import models
    from moto.elbv2.exceptions import ELBClientError

    original = models.ELBv2Backend.delete_load_balancer

    def delete_load_balancer(self, arn):
        balancer = self.load_balancers.get(arn)
        if balancer is not None and balancer.attrs.get("deletion_protection.enabled") == "true":
            raise ELBClientError(
                "OperationNotPermitted",
                f"Load balancer '{arn}' cannot be deleted because deletion protection is enabled",
            )
        return original(self, arn)

    models.ELBv2Backend.delete_load_balancer = delete_load_balancer


def _acm_token_of_a_deleted_certificate():
    """Within the hour AWS remembers an idempotency token, a request with the token of a
    certificate deleted since answers with that (stale) ARN; moto fails with a 500 (KeyError).
    Our module then requests again with a new token, as it must on AWS."""
    from moto.acm import models

    original = models.AWSCertificateManagerBackend.request_certificate

    def request_certificate(self, domain_name, idempotency_token, *args, **kwargs):
        if idempotency_token is not None:
            arn = self._get_arn_from_idempotency_token(idempotency_token)
            if arn and arn not in self._certificates:
                return arn
        return original(self, domain_name, idempotency_token, *args, **kwargs)

    models.AWSCertificateManagerBackend.request_certificate = request_certificate


def _acm_key_algorithm_as_aws_answers_it():
    """DescribeCertificate and ListCertificates answer the key algorithm as RSA-2048 or
    EC-prime256v1 (hyphen), while RequestCertificate and the keyTypes filter take RSA_2048 or
    EC_prime256v1; moto answers the request form, which would hide a comparison of the two."""
    from moto.acm import responses

    def hyphenated(certificates):
        for certificate in certificates:
            if "KeyAlgorithm" in certificate:
                certificate["KeyAlgorithm"] = certificate["KeyAlgorithm"].replace("_", "-", 1)

    describe = responses.AWSCertificateManagerResponse.describe_certificate
    list_all = responses.AWSCertificateManagerResponse.list_certificates

    def describe_certificate(self):
        answer = describe(self)
        hyphenated([answer.result["Certificate"]])
        return answer

    def list_certificates(self):
        answer = list_all(self)
        hyphenated(answer.result["CertificateSummaryList"])
        return answer

    responses.AWSCertificateManagerResponse.describe_certificate = describe_certificate
    responses.AWSCertificateManagerResponse.list_certificates = list_certificates


def _ecs_task_definition_by_family_is_the_latest_active():
    """DescribeTaskDefinition with a family alone answers the latest ACTIVE revision, and
    ClientException when the family has none (AWS API reference: "If you specify only the
    family, the latest ACTIVE revision is used"); moto answers the highest revision even when
    it is INACTIVE, so a teardown that deregisters revisions newest first would never see the
    family as done."""
    from moto.ecs import models
    from moto.ecs.exceptions import TaskDefinitionNotFoundException

    original = models.EC2ContainerServiceBackend.describe_task_definition

    def describe_task_definition(self, task_definition_str):
        name = task_definition_str.split("/")[-1]
        if ":" not in name:
            active = [
                revision for revision, definition in self.task_definitions.get(name, {}).items()
                if definition.status == "ACTIVE"
            ]
            if not active:
                raise TaskDefinitionNotFoundException()
            return self.task_definitions[name][max(active)]
        return original(self, task_definition_str)

    models.EC2ContainerServiceBackend.describe_task_definition = describe_task_definition



# --- release (issue #13): service deployments, tasks and their targets ----------------------

# Service deployment statuses AWS reports (ListServiceDeployments / DescribeServiceDeployments).
_SETTLED = ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")


def _ecs_service_deployments_recorded():
    """AWS records every deployment of a service as a *service deployment*
    (ListServiceDeployments, DescribeServiceDeployments) and every configuration it deployed
    as a *service revision* (DescribeServiceRevisions): ids and ARNs, createdAt / startedAt /
    finishedAt, the source revisions (what ran before) and the target revision, and a status
    that moves IN_PROGRESS -> SUCCESSFUL, or to ROLLBACK_SUCCESSFUL (with `rollback.reason`)
    when the circuit breaker rolled it back, or STOPPED when it failed without rollback.
    moto 5.2.5 has none of these APIs. Recorded here whenever the deployments patch above
    starts a deployment; settled at once, as that patch settles deployments."""
    from moto.core.responses import ActionResult
    from moto.ecs.responses import EC2ContainerServiceResponse

    start = globals()["_start_deployment"]
    if getattr(start, "_fozzy_recorded", False):
        return

    def _start_deployment(service, previous):
        requested = service.task_definition
        source = getattr(service, "_fozzy_current_revision", None)
        start(service, previous)
        _record_service_deployment(service, requested, source)

    _start_deployment._fozzy_recorded = True
    globals()["_start_deployment"] = _start_deployment

    def list_service_deployments(self):
        service = self.ecs_backend._get_service(self._get_param("cluster", "default"), self._get_param("service"))
        wanted = self._get_param("status") or []
        created = self._get_param("createdAt") or {}
        after, before = _epoch(created.get("after")), _epoch(created.get("before"))
        found = []
        for record in sorted(getattr(service, "_fozzy_service_deployments", []), key=lambda r: r["createdAt"],
                             reverse=True):
            at = record["createdAt"].timestamp()
            if (wanted and record["status"] not in wanted) or (after is not None and at < after) or (
                    before is not None and at > before):
                continue
            found.append({key: record[key] for key in ("serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt",
                                                       "createdAt", "finishedAt", "targetServiceRevisionArn", "status",
                                                       "statusReason") if record.get(key) is not None})
        return ActionResult({"serviceDeployments": found[: int(self._get_param("maxResults") or 20)]})

    def describe_service_deployments(self):
        arns = self._get_param("serviceDeploymentArns") or []
        found = [dict(record) for record in _all_service_deployments(self.ecs_backend)
                 if record["serviceDeploymentArn"] in arns]
        missing = [{"arn": arn, "reason": "MISSING"} for arn in arns if arn not in {r["serviceDeploymentArn"] for r in found}]
        return ActionResult({"serviceDeployments": found, "failures": missing})

    def describe_service_revisions(self):
        arns = self._get_param("serviceRevisionArns") or []
        revisions = getattr(self.ecs_backend, "_fozzy_service_revisions", {})
        return ActionResult({"serviceRevisions": [revisions[arn] for arn in arns if arn in revisions],
                             "failures": [{"arn": arn, "reason": "MISSING"} for arn in arns if arn not in revisions]})

    EC2ContainerServiceResponse.list_service_deployments = list_service_deployments
    EC2ContainerServiceResponse.describe_service_deployments = describe_service_deployments
    EC2ContainerServiceResponse.describe_service_revisions = describe_service_revisions


def _epoch(value):
    if value is None:
        return None
    return value.timestamp() if hasattr(value, "timestamp") else float(value)


def _ecs_backend_of(service):
    from moto.ecs.models import ecs_backends

    return ecs_backends[service._account_id][service.region_name]


def _all_service_deployments(backend):
    for service in backend.services.values():
        yield from getattr(service, "_fozzy_service_deployments", [])


def _record_service_deployment(service, requested, source):
    """The service deployment (and target revision) of the deployment just started."""
    from moto.core.utils import utcnow
    from moto.moto_api._internal import mock_random

    backend = _ecs_backend_of(service)
    revisions = backend.__dict__.setdefault("_fozzy_service_revisions", {})
    now = utcnow()
    cluster = service.cluster_arn.split("/")[-1]
    prefix = f"arn:aws:ecs:{service.region_name}:{service._account_id}"
    revision_arn = f"{prefix}:service-revision/{cluster}/{service.name}/{mock_random.randint(10**17, 10**18)}"
    definition = backend.describe_task_definition(requested)
    revisions[revision_arn] = {
        "serviceRevisionArn": revision_arn, "serviceArn": service.arn, "clusterArn": service.cluster_arn,
        "taskDefinition": definition.arn, "launchType": service.launch_type,
        "capacityProviderStrategy": getattr(service, "capacity_provider_strategy", None) or [],
        "loadBalancers": service.load_balancers, "networkConfiguration": service.network_configuration or None,
        "containerImages": [{"containerName": c.get("name"), "image": c.get("image")}
                            for c in definition.container_definitions],
        "createdAt": now,
    }
    primary = _primary(service) or {}
    if service.task_definition != definition.arn:
        status, reason = "ROLLBACK_SUCCESSFUL", "ECS deployment circuit breaker: tasks failed to start."
    elif primary.get("rolloutState") == "COMPLETED":
        status, reason = "SUCCESSFUL", ""
    elif primary.get("rolloutState") == "FAILED":
        status, reason = "STOPPED", primary.get("rolloutStateReason") or ""
    else:
        status, reason = "IN_PROGRESS", ""
    record = {
        "serviceDeploymentArn": f"{prefix}:service-deployment/{cluster}/{service.name}/{mock_random.get_random_hex(20)}",
        "serviceArn": service.arn, "clusterArn": service.cluster_arn,
        "createdAt": primary.get("createdAt") or now, "startedAt": now, "updatedAt": now,
        "sourceServiceRevisions": [{"arn": source, "requestedTaskCount": 0, "runningTaskCount": 0, "pendingTaskCount": 0}]
        if source else [],
        "targetServiceRevision": {"arn": revision_arn, "requestedTaskCount": service.desired_count,
                                  "runningTaskCount": service.desired_count if status == "SUCCESSFUL" else 0,
                                  "pendingTaskCount": 0},
        "targetServiceRevisionArn": revision_arn,
        "status": status, "statusReason": reason,
        "deploymentConfiguration": getattr(service, "deployment_configuration", None) or {},
    }
    if status in _SETTLED:
        record["finishedAt"] = now
    if status == "ROLLBACK_SUCCESSFUL":
        record["rollback"] = {"reason": reason, "startedAt": now, "serviceRevisionArn": source}
    else:
        service._fozzy_current_revision = revision_arn if status != "STOPPED" else source
    service.__dict__.setdefault("_fozzy_service_deployments", []).append(record)
    # the recorded status follows what the service's tasks do (see _ecs_service_tasks_behind_targets)
    service._fozzy_latest_deployment = record


def _ecs_service_tasks_behind_targets():
    """AWS runs a service's tasks (ListTasks / DescribeTasks, group `service:<name>`,
    startedBy the deployment id, an ENI address each) and registers each task's address in the
    service's target groups, where DescribeTargetHealth reports it healthy once the ALB's
    health check reaches it; tasks of the old deployment are stopped and their targets
    deregistered. A deployment whose new targets never turn healthy does not complete: it stays
    IN_PROGRESS (until the circuit breaker, minutes later, counts enough failed tasks).
    moto runs no tasks for services and registers no targets. Here the tasks exist (without a
    network interface, so a teardown finds none left), their addresses are registered, and
    a target is healthy when the ALB can reach it: the task's security group lets one of the
    load balancer's security groups in on the target port (else unhealthy, Target.Timeout, as
    AWS reports a health check that times out). A target group without a load balancer keeps
    moto's answer, healthy."""
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup

    start = globals()["_start_deployment"]
    if getattr(start, "_fozzy_tasks", False):
        return

    def _start_deployment(service, previous):
        start(service, previous)
        _reconcile_service_tasks(service)
        primary = _primary(service)
        record = getattr(service, "_fozzy_latest_deployment", None)
        if primary and primary.get("rolloutState") == "COMPLETED" and not _targets_healthy(service, primary):
            primary.update(rolloutState="IN_PROGRESS", rolloutStateReason=f"ECS deployment {primary['id']} in progress.")
            if record and record["status"] in ("SUCCESSFUL", "ROLLBACK_SUCCESSFUL"):
                record.update(status="IN_PROGRESS" if record["status"] == "SUCCESSFUL" else "ROLLBACK_IN_PROGRESS")
                record.pop("finishedAt", None)

    _start_deployment._fozzy_tasks = True
    globals()["_start_deployment"] = _start_deployment

    update_service = EC2ContainerServiceBackend.update_service

    def update(self, service_properties):
        updated = update_service(self, service_properties)
        _reconcile_service_tasks(updated)  # a count change alone
        return updated

    EC2ContainerServiceBackend.update_service = update

    delete_service = EC2ContainerServiceBackend.delete_service

    def delete(self, cluster_name, service_name, force):
        service = delete_service(self, cluster_name, service_name, force)
        _reconcile_service_tasks(service, keep=False)
        return service

    EC2ContainerServiceBackend.delete_service = delete

    health_for = FakeTargetGroup.health_for

    def health(self, target, ec2_backend):
        status = health_for(self, target, ec2_backend)
        groups = getattr(self, "_fozzy_task_groups", {}).get(target["Id"])
        # a target group no load balancer uses keeps moto's answer (ECS refuses such a service in AWS;
        # moto lets a test stand one in for the load_balancer role)
        if status.status == "healthy" and groups is not None and self.load_balancer_arns and not _reachable(
                self, groups, int(status.port)):
            return FakeHealthStatus(status.instance_id, status.port, self.health_check_port, "unhealthy",
                                    "Target.Timeout", "Request timed out")
        return status

    FakeTargetGroup.health_for = health


def _service_target_groups(service):
    from moto.elbv2.models import elbv2_backends

    elbv2 = elbv2_backends[service._account_id][service.region_name]
    for lb in service.load_balancers or []:
        group = elbv2.target_groups.get(lb.get("targetGroupArn"))
        if group is not None:
            yield group, int(lb.get("containerPort") or group.port)


def _reachable(target_group, group_ids, port):
    """Whether a security group of the task lets a security group of the target group's load balancers in on `port`."""
    from moto.ec2.models import ec2_backends
    from moto.elbv2.models import elbv2_backends

    elbv2 = elbv2_backends[target_group.account_id][target_group.region_name]
    ec2 = ec2_backends[target_group.account_id][target_group.region_name]
    sources = {sg for arn in target_group.load_balancer_arns if arn in elbv2.load_balancers
               for sg in elbv2.load_balancers[arn].security_groups or []}
    for group_id in group_ids:
        group = ec2.get_security_group_from_id(group_id)
        for rule in group.ingress_rules if group else []:
            ports = rule.ip_protocol == "-1" or (rule.ip_protocol == "tcp" and rule.from_port <= port <= rule.to_port)
            if ports and (rule.source_group or {}).get("GroupId") in sources:
                return True
    return False


def _targets_healthy(service, deployment):
    tasks = [t for t in _service_tasks(service) if t.task_definition_arn == deployment["taskDefinition"]]
    for group, port in _service_target_groups(service):
        for task in tasks:
            if group.health_for({"Id": _task_ip(task), "Port": port}, None).status != "healthy":
                return False
    return True


def _service_tasks(service):
    backend = _ecs_backend_of(service)
    cluster = service.cluster_arn.split("/")[-1]
    return [task for task in backend.tasks.get(cluster, {}).values()
            if task.group == f"service:{service.name}" and task.desired_status == "RUNNING"]


def _task_ip(task):
    for attachment in task.attachments:
        for detail in attachment.get("details", []):
            if detail["name"] == "privateIPv4Address":
                return detail["value"]
    return None


def _reconcile_service_tasks(service, keep=True):
    """Run `runningCount` tasks of each deployment of the service (none once deleted), stop the
    others, and keep the target groups' registrations in step."""
    from moto.ec2.utils import random_private_ip
    from moto.ecs.models import Task

    backend = _ecs_backend_of(service)
    cluster_name = service.cluster_arn.split("/")[-1]
    cluster = backend.clusters.get(cluster_name)
    if cluster is None:
        return
    wanted = {}
    for deployment in (service.deployments if keep and service.status == "ACTIVE" else []):
        if deployment.get("taskDefinition"):
            wanted[deployment["taskDefinition"]] = wanted.get(deployment["taskDefinition"], 0) + int(
                deployment.get("runningCount") or 0)
    running = {}
    for task in _service_tasks(service):
        if running.get(task.task_definition_arn, 0) < wanted.get(task.task_definition_arn, 0):
            running[task.task_definition_arn] = running.get(task.task_definition_arn, 0) + 1
            continue
        task.desired_status = "STOPPED"
        task.last_status = "STOPPED"
        task.stopped_reason = "Scaling activity initiated by (deployment)"
        for group, port in _service_target_groups(service):
            if _task_ip(task) in group.targets:
                group.deregister([{"Id": _task_ip(task)}])
            getattr(group, "_fozzy_task_groups", {}).pop(_task_ip(task), None)
    network = (service.network_configuration or {}).get("awsvpcConfiguration") or {}
    primary = _primary(service) or {}
    for arn, count in wanted.items():
        # moto's awsvpc tasks make a network interface that fails to describe itself (and would
        # block a teardown): the task gets its address without one
        definition = copy.copy(backend.describe_task_definition(arn))
        definition.network_mode = "none"
        for _ in range(count - running.get(arn, 0)):
            task = Task(cluster, definition, None, None, backend, f"service:{service.name}", launch_type="FARGATE",
                        started_by=primary.get("id", ""))
            task._transitions = [("RUNNING", "RUNNING")]  # runs until stopped (moto's tasks stop when described)
            task.network_configuration = service.network_configuration
            task.attachments = [{
                "id": str(uuid.uuid4()), "type": "ElasticNetworkInterface", "status": "ATTACHED",
                "details": [{"name": "subnetId", "value": (network.get("subnets") or [""])[0]},
                            {"name": "privateIPv4Address", "value": random_private_ip()}],
            }]
            backend.tasks.setdefault(cluster_name, {})[task.task_arn] = task
            for group, port in _service_target_groups(service):
                group.register([{"Id": _task_ip(task), "Port": port}])
                group.__dict__.setdefault("_fozzy_task_groups", {})[_task_ip(task)] = list(network.get("securityGroups") or [])


def apply():
    """Apply every patch. Called once by `emulator.py serve` before the server starts."""
    _nat_gateway_tag_resource_type()
    _security_group_rule_description_updates_return()
    _alb_default_attributes()
    _ecs_create_service_keeps_settings()
    _ecs_deployments_like_aws()
    _certificate_released_with_its_listener()
    _alb_deletion_protection()
    _acm_token_of_a_deleted_certificate()
    _acm_key_algorithm_as_aws_answers_it()
    _ecs_task_definition_by_family_is_the_latest_active()
    _ecr_lifecycle_policy_refused_like_aws()
    _sns_subscriptions_pending_until_confirmed()
    _ecs_service_deployments_recorded()
    _ecs_service_tasks_behind_targets()
    apply_strategies()  # after the tasks: it moves their targets to the group that then serves
    _wafv2_web_acl_resources_like_aws()
    _subnet_ipv6_associations_like_aws()
    _default_security_group_like_aws()
    _kms_key_state_changes_by_arn()


def _ecr_lifecycle_policy_refused_like_aws():
    """PutLifecyclePolicy refuses what AWS's lifecycle policy rules forbid ("Lifecycle policy
    properties in Amazon ECR"): a `tagged` rule without tagPatternList or tagPrefixList, an
    `untagged` rule with one, more than 4 `*` wildcards in a pattern, two rules of the same
    rulePriority, an `any` rule that is not the last (highest rulePriority), more than one
    `untagged` rule, countUnit other than with sinceImagePushed. moto checks only the property
    names and values, so a policy AWS refuses would pass every emulator test."""
    import json

    from moto.ecr.exceptions import InvalidParameterException
    from moto.ecr.policy_validation import EcrLifecyclePolicyValidator

    original = EcrLifecyclePolicyValidator.validate
    if getattr(original, "_fozzy_patched", False):
        return

    def refuse(message):
        raise InvalidParameterException(EcrLifecyclePolicyValidator.INVALID_PARAMETER_ERROR_MESSAGE + message + "'")

    def validate(self):
        original(self)
        rules = json.loads(self._policy_text)["rules"]
        priorities = [rule["rulePriority"] for rule in rules]
        if len(set(priorities)) != len(priorities):
            refuse("rulePriority must be unique")
        untagged = 0
        for rule in rules:
            selection = rule["selection"]
            status = selection["tagStatus"]
            lists = [name for name in ("tagPatternList", "tagPrefixList") if selection.get(name)]
            if status == "tagged" and not lists:
                refuse("tagPatternList or tagPrefixList is required when tagStatus is tagged")
            if status != "tagged" and lists:
                refuse(f"{lists[0]} is not allowed when tagStatus is {status}")
            if any(pattern.count("*") > 4 for pattern in selection.get("tagPatternList") or []):
                refuse("a tagPatternList entry has more than 4 wildcards")
            if status == "any" and rule["rulePriority"] != max(priorities):
                refuse("the rule with tagStatus any must have the highest rulePriority")
            if ("countUnit" in selection) != (selection["countType"] == "sinceImagePushed"):
                refuse("countUnit is required with sinceImagePushed and not allowed otherwise")
            untagged += status == "untagged"
        if untagged > 1:
            refuse("only one rule may select untagged images")

    validate._fozzy_patched = True
    EcrLifecyclePolicyValidator.validate = validate


# Protocols whose endpoint must confirm a subscription before SNS delivers to it.
SNS_CONFIRMED_BY_ENDPOINT = ("email", "email-json", "http", "https")


def _sns_subscriptions_pending_until_confirmed():
    """AWS keeps an e-mail or HTTP(S) subscription pending until its endpoint confirms it (the
    link in the mail, the SubscribeURL): Subscribe answers "pending confirmation" (unless
    ReturnSubscriptionArn), the listings show SubscriptionArn "PendingConfirmation", and such a
    subscription cannot be unsubscribed (it goes with its topic, or after 3 days). moto confirms
    every subscription at once, which would hide a module that re-subscribes pending endpoints
    on every run or tries to unsubscribe them. Nobody confirms in the emulator: they stay pending."""
    from moto.core.responses import ActionResult
    from moto.sns.exceptions import SNSInvalidParameter
    from moto.sns.models import SNSBackend
    from moto.sns.responses import SNSResponse

    original_subscribe = SNSBackend.subscribe

    def subscribe(self, topic_arn, endpoint, protocol):
        subscription = original_subscribe(self, topic_arn, endpoint, protocol)
        if protocol in SNS_CONFIRMED_BY_ENDPOINT and not hasattr(subscription, "fozzy_pending"):
            subscription.fozzy_pending = True
            subscription.attributes["PendingConfirmation"] = "true"
        return subscription

    SNSBackend.subscribe = subscribe

    def answer_subscribe(self):
        result = original_answer_subscribe(self)
        arn = result.result["SubscriptionArn"]
        pending = getattr(self.backend.subscriptions.get(arn), "fozzy_pending", False)
        if pending and str(self._get_param("ReturnSubscriptionArn", "false")).lower() != "true":
            return ActionResult({"SubscriptionArn": "pending confirmation"})
        return result

    original_answer_subscribe = SNSResponse.subscribe
    SNSResponse.subscribe = answer_subscribe

    def listed(subscriptions):
        return [{"SubscriptionArn": "PendingConfirmation" if getattr(s, "fozzy_pending", False) else s.arn,
                 "Owner": s.owner, "Protocol": s.protocol, "Endpoint": s.endpoint, "TopicArn": s.topic.arn}
                for s in subscriptions]

    def list_subscriptions(self):
        subscriptions, token = self.backend.list_subscriptions(next_token=self._get_param("NextToken"))
        return ActionResult({"Subscriptions": listed(subscriptions), "NextToken": token})

    def list_subscriptions_by_topic(self):
        subscriptions, token = self.backend.list_subscriptions_by_topic(
            self._get_param("TopicArn"), next_token=self._get_param("NextToken"))
        return ActionResult({"Subscriptions": listed(subscriptions), "NextToken": token})

    SNSResponse.list_subscriptions = list_subscriptions
    SNSResponse.list_subscriptions_by_topic = list_subscriptions_by_topic

    original_unsubscribe = SNSBackend.unsubscribe

    def unsubscribe(self, subscription_arn):
        if subscription_arn in ("PendingConfirmation", "pending confirmation") or getattr(
                self.subscriptions.get(subscription_arn), "fozzy_pending", False):
            raise SNSInvalidParameter("Invalid parameter: SubscriptionArn Reason: a pending subscription cannot be"
                                      " unsubscribed")
        return original_unsubscribe(self, subscription_arn)

    SNSBackend.unsubscribe = unsubscribe


def _wafv2_web_acl_resources_like_aws():
    """AWS WAFv2 answers ListResourcesForWebACL with the ARNs of the resources a web ACL is
    associated with, and AssociateWebACL replaces a resource's web ACL (one per resource).
    moto 5.2.5 has no ListResourcesForWebACL (community.aws.wafv2_resources, which reads it
    before every association, fails) and appends the resource to the new web ACL without taking
    it off the old one (or twice to the same one)."""
    import json as _json

    from moto.wafv2.models import WAFV2Backend
    from moto.wafv2.responses import WAFV2Response

    if getattr(WAFV2Response, "_fozzy_list_resources", False):
        return

    def list_resources_for_web_acl(self):
        arn = self._get_param("WebACLArn")
        web_acl = self.wafv2_backend.wacls.get(arn)
        if web_acl is None:
            from moto.wafv2.exceptions import WAFNonexistentItemException

            raise WAFNonexistentItemException
        resource_type = self._get_param("ResourceType") or "APPLICATION_LOAD_BALANCER"
        kind = {"APPLICATION_LOAD_BALANCER": ":loadbalancer/app/"}.get(resource_type, "")
        arns = [resource for resource in web_acl.associated_resources if kind in resource]
        return 200, {}, _json.dumps({"ResourceArns": arns})

    original_associate = WAFV2Backend.associate_web_acl

    def associate_web_acl(self, web_acl_arn, resource_arn):
        if web_acl_arn in self.wacls:
            for web_acl in self.wacls.values():
                while resource_arn in web_acl.associated_resources:
                    web_acl.associated_resources.remove(resource_arn)
        return original_associate(self, web_acl_arn, resource_arn)

    WAFV2Response.list_resources_for_web_acl = list_resources_for_web_acl
    WAFV2Response._fozzy_list_resources = True
    WAFV2Backend.associate_web_acl = associate_web_acl


# --- deployment strategies (branch strategies) ----------------------------------------------


def _ecs_deployment_strategies_shift_traffic():
    """What ECS's blue/green, linear and canary deployments do to the load balancer, which moto
    does not run: the new tasks start in the target group that serves no traffic, ECS moves the
    production (and test) listener rule's forward weights over to it (100 to the new group, 0 to
    the old one; observed on AWS: the rule's forward turns into a weighted ForwardConfig over both
    groups and swings on every deployment), and it names the group that now serves the service's
    primary target group (`targetGroupArn`, the other becoming `alternateTargetGroupArn`), so the
    next deployment goes to the other one again. A failed, rolled back deployment leaves the
    traffic where it was; ROLLING deployments do not touch the rules. As every deployment here,
    it happens at once: the answers are those of AWS once the deployment (bake time included) is
    over."""
    global _start_deployment
    original = _start_deployment
    if getattr(original, "_fozzy_strategies", False):
        return

    def start_deployment(service, previous):
        requested = service.task_definition
        original(service, previous)
        strategy = (getattr(service, "deployment_configuration", None) or {}).get("strategy") or "ROLLING"
        primary = _primary(service)
        if strategy == "ROLLING" or primary is None or primary.get("rolloutState") != "COMPLETED":
            return
        if service.task_definition != requested:
            return  # rolled back: the old tasks kept serving
        _shift_traffic(service)

    start_deployment._fozzy_strategies = True
    _start_deployment = start_deployment


def _shift_traffic(service):
    """Production and test traffic of each load balancer of `service` to its idle target group."""
    from moto.elbv2.models import FakeAction
    from moto.elbv2.models import elbv2_backends

    elbv2 = elbv2_backends[service._account_id][service.region_name]
    shifted = []
    for lb in service.load_balancers or []:
        advanced = dict(lb.get("advancedConfiguration") or {})
        serving, idle = lb.get("targetGroupArn"), advanced.get("alternateTargetGroupArn")
        if not serving or not idle:
            shifted.append(lb)
            continue
        for rule_arn in filter(None, (advanced.get("productionListenerRule"), advanced.get("testListenerRule"))):
            rules = elbv2.describe_rules(listener_arn=None, rule_arns=[rule_arn])
            for rule in rules:
                rule.actions = [FakeAction({"Type": "forward", "ForwardConfig": {"TargetGroups": [
                    {"TargetGroupArn": idle, "Weight": 100}, {"TargetGroupArn": serving, "Weight": 0}]}})]
        _move_targets(elbv2.target_groups.get(serving), elbv2.target_groups.get(idle))
        shifted.append(dict(lb, targetGroupArn=idle, advancedConfiguration=dict(advanced, alternateTargetGroupArn=serving)))
    service.load_balancers = shifted


def _move_targets(source, destination):
    """The new tasks run behind the group that now serves (ECS registers them there), none behind the other."""
    if source is None or destination is None:
        return
    for target_id, target in list(source.targets.items()):
        destination.register([{"Id": target_id, "Port": target["Port"]}])
        source.deregister([{"Id": target_id}])
    moved = getattr(source, "_fozzy_task_groups", {})
    destination.__dict__.setdefault("_fozzy_task_groups", {}).update(moved)
    source.__dict__["_fozzy_task_groups"] = {}


def apply_strategies():
    """The patches of the deployment strategies (called by apply()). The service's new fields
    (strategy and its settings, alarms, advancedConfiguration, deploymentController) need none:
    the CreateService patch above keeps the whole deploymentConfiguration, and moto keeps what
    UpdateService is given."""
    _ecs_deployment_strategies_shift_traffic()


def _subnet_ipv6_associations_like_aws():
    """AWS describes a subnet's IPv6 association as `ipv6CidrBlockState: {state: associated}` and
    filters DescribeSubnets by `ipv6-cidr-block-association.ipv6-cidr-block`, `.state` and
    `.association-id`. moto 5.2.5 nests the state dict inside the state (`{state: "{'State': ...}"}`)
    and knows none of the three filters, so amazon.aws.ec2_vpc_subnet never sees a block it
    associated (and re-associates it on every run) and fails on its filtered reads."""
    from moto.ec2.models.subnets import Subnet

    if getattr(Subnet, "_fozzy_ipv6_patched", False):
        return

    def associated(subnet):
        return [association for association in subnet.ipv6_cidr_block_associations.values()
                if association["ipv6CidrBlockState"]["State"] == "associated"]

    def association_set(self):
        return [{"ipv6CidrBlock": association["ipv6CidrBlock"], "associationId": association["associationId"],
                 "ipv6CidrBlockState": {"state": association["ipv6CidrBlockState"]["State"]}}
                for association in associated(self)]

    original_filter = Subnet.get_filter_value
    by_filter = {
        "ipv6-cidr-block-association.ipv6-cidr-block": "ipv6CidrBlock",
        "ipv6-cidr-block-association.association-id": "associationId",
    }

    def get_filter_value(self, filter_name, method_name=None):
        if filter_name in by_filter:
            return [association[by_filter[filter_name]] for association in associated(self)]
        if filter_name == "ipv6-cidr-block-association.state":
            return [association["ipv6CidrBlockState"]["State"]
                    for association in self.ipv6_cidr_block_associations.values()]
        return original_filter(self, filter_name, method_name)

    Subnet.ipv6_cidr_block_association_set = property(association_set)
    Subnet.get_filter_value = get_filter_value
    Subnet._fozzy_ipv6_patched = True


def _default_security_group_like_aws():
    """The default security group AWS makes with a VPC allows inbound traffic from its own members
    and all outbound traffic (IPv4, and IPv6 once the VPC has a block). moto 5.2.5 makes it with
    the outbound rule only, so a test that the vpc role empties the group would pass without the
    role doing anything about the inbound rule. The self-referencing inbound rule is added when
    moto creates the group."""
    from moto.ec2.models.security_groups import SecurityGroupBackend

    if getattr(SecurityGroupBackend, "_fozzy_default_patched", False):
        return
    original = SecurityGroupBackend.create_security_group

    def create_security_group(self, name, description, vpc_id=None, *args, **kwargs):
        group = original(self, name, description, vpc_id, *args, **kwargs)
        if kwargs.get("is_default") and name == "default" and not group.ingress_rules:
            self.authorize_security_group_ingress(group.id, "-1", None, None, [], source_groups=[{"GroupId": group.id}],
                                                  vpc_id=group.vpc_id)
        return group

    SecurityGroupBackend.create_security_group = create_security_group
    SecurityGroupBackend._fozzy_default_patched = True


def _kms_key_state_changes_by_arn():
    """AWS's ScheduleKeyDeletion, CancelKeyDeletion, EnableKey and DisableKey take the key's ID
    or its ARN; moto looks the KeyId up as given, so an ARN (what amazon.aws.kms_key sends)
    fails with a 500."""
    from moto.kms.models import KmsBackend

    for name in ("schedule_key_deletion", "cancel_key_deletion", "enable_key", "disable_key"):
        original = getattr(KmsBackend, name)
        if getattr(original, "takes_arns", False):
            continue

        def by_id(self, key_id, *args, _original=original, **kwargs):
            return _original(self, self.get_key_id(key_id), *args, **kwargs)

        by_id.takes_arns = True
        setattr(KmsBackend, name, by_id)
