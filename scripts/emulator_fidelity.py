"""Fidelity patches for the test emulator: make moto answer as AWS does where its
defaults would hide real behaviour from our tests. Test tooling only; production code
never knows about them. Each patch says which AWS behaviour it restores.
"""
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
    _subnet_ipv6_associations_like_aws()
    _default_security_group_like_aws()


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
