# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The ECS service logic of the ecs_service_deploy module.

``FIELDS`` is the one table of the module options and the API fields they set. Each
ServiceField knows the value a task asks for (``desired``), the current value in the form
it compares in (``current``), what differs (``changes``), and how the field shows in the
diff and in the result (``view``). Everything else reads the table:

- ``create_request()``: the CreateService request;
- ``compare()``: ``{dotted option: value to send}`` for every set field that differs;
- ``update_request()``: the UpdateService request for those, with ``forceNewDeployment``
  when a field only reaches running tasks through a new deployment;
- ``predicted()``: the service as a check-mode run expects it after the update;
- ``diff_view()``: the managed fields of a service (or of a create request), for ``diff``.

Then the service's reads, writes and waits (ServiceDeployer), the detection of a stable
or failed deployment, and the input rules (``service_input_problems()``).
"""

import re

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import WaitTimeoutError
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_client
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_errors
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import differences
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import error_code
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import make_diff
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import wait_for
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import capacity_provider_strategy_problems
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import deployment_strategy_problems
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import ecs_tag_list
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import ecs_tags
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import normalise_strategy
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import reconcile_ecs_tags
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import strategy_from_options
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import strategy_view
from ansible_collections.inboxwine.fozzy.plugins.module_utils.images import parse_ecr_image
from ansible_collections.inboxwine.fozzy.plugins.module_utils.images import push_instructions

# What AWS reports for a service created without a deploymentConfiguration.
DEPLOYMENT_DEFAULTS = {
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
}

# What AWS means when a service's answer leaves out the strategy or the alarms (compare only: the
# requests do not send them unless the task sets them).
COMPARE_DEFAULTS = dict(
    DEPLOYMENT_DEFAULTS,
    strategy="ROLLING",
    alarms={"alarmNames": [], "enable": False, "rollback": False},
)
# The settings of one strategy only; a task that sets the strategy drops the others' settings
# from the configuration it sends (ECS refuses a canary configuration on a linear deployment).
STRATEGY_SETTINGS = {
    "ROLLING": (),
    "BLUE_GREEN": ("bakeTimeInMinutes",),
    "LINEAR": ("bakeTimeInMinutes", "linearConfiguration"),
    "CANARY": ("bakeTimeInMinutes", "canaryConfiguration"),
}
ALL_STRATEGY_SETTINGS = ("bakeTimeInMinutes", "linearConfiguration", "canaryConfiguration")

EVENTS_IN_MESSAGE = 8


def short_td(arn):
    """`family:3` from a task definition ARN (or the value itself)."""
    return (arn or "").rsplit("/", 1)[-1]


def camel_to_option(path):
    """`deploymentCircuitBreaker.enable` -> `deployment_circuit_breaker.enable`."""
    return ".".join(re.sub(r"(?<!^)(?=[A-Z])", "_", part).lower() for part in path.split("."))


# --- option values in the API form ---------------------------------------------------------


def merged_deployment_configuration(current, desired):
    """``current`` with what the task sets; settings it does not manage (alarms, bake time ...) are kept,
    except the settings of another strategy than the one the task sets."""
    merged = dict(DEPLOYMENT_DEFAULTS)
    merged.update(current or {})
    for key, value in desired.items():
        if isinstance(value, dict) and key != "alarms":
            merged[key] = dict(merged.get(key) or {}, **value)
        else:
            merged[key] = value
    strategy = desired.get("strategy")
    if strategy in STRATEGY_SETTINGS:
        for key in ALL_STRATEGY_SETTINGS:
            if key not in STRATEGY_SETTINGS[strategy]:
                merged.pop(key, None)
    return merged


def normalise_deployment_configuration(config):
    """A deployment configuration whose alarm names are sorted (their order means nothing)."""
    config = dict(config or {})
    if isinstance(config.get("alarms"), dict) and "alarmNames" in config["alarms"]:
        config["alarms"] = dict(config["alarms"], alarmNames=sorted(config["alarms"]["alarmNames"] or []))
    return config


def desired_deployment_configuration(params):
    """The part of the deployment configuration the task sets ({} when none)."""
    config = params["deployment_configuration"] or {}
    desired = {}
    if config.get("minimum_healthy_percent") is not None:
        desired["minimumHealthyPercent"] = config["minimum_healthy_percent"]
    if config.get("maximum_percent") is not None:
        desired["maximumPercent"] = config["maximum_percent"]
    breaker = config.get("deployment_circuit_breaker")
    if breaker:
        desired["deploymentCircuitBreaker"] = {"enable": breaker["enable"], "rollback": breaker["rollback"]}
    strategy = config.get("strategy")
    if strategy:
        desired["strategy"] = strategy
        settings = STRATEGY_SETTINGS.get(strategy, ())
        if "bakeTimeInMinutes" in settings and config.get("bake_time_in_minutes") is not None:
            desired["bakeTimeInMinutes"] = config["bake_time_in_minutes"]
        linear = config.get("linear_configuration") or {}
        if "linearConfiguration" in settings and linear:
            desired["linearConfiguration"] = {
                key: value for key, value in (("stepPercent", linear.get("step_percent")),
                                              ("stepBakeTimeInMinutes", linear.get("step_bake_time_in_minutes")))
                if value is not None
            }
        canary = config.get("canary_configuration") or {}
        if "canaryConfiguration" in settings and canary:
            desired["canaryConfiguration"] = {
                key: value for key, value in (("canaryPercent", canary.get("canary_percent")),
                                              ("canaryBakeTimeInMinutes", canary.get("canary_bake_time_in_minutes")))
                if value is not None
            }
    alarms = config.get("alarms")
    if alarms is not None:
        names = sorted(alarms.get("alarm_names") or [])
        # no alarm to watch: off (ECS refuses enable without names)
        desired["alarms"] = {"alarmNames": names, "enable": bool(names) and alarms["enable"],
                             "rollback": bool(names) and alarms["rollback"]}
    return desired


def normalise_network(network):
    """A networkConfiguration with sorted subnets and groups and the public IP setting filled in ({} when none)."""
    awsvpc = dict((network or {}).get("awsvpcConfiguration") or {})
    if not awsvpc:
        return {}
    for key in ("subnets", "securityGroups"):
        if key in awsvpc:
            awsvpc[key] = sorted(awsvpc[key])
    awsvpc.setdefault("assignPublicIp", "DISABLED")
    return {"awsvpcConfiguration": awsvpc}


def desired_network_configuration(params):
    network = params["network_configuration"]
    if network is None:
        return None
    awsvpc = {
        "subnets": sorted(network["subnets"]),
        "assignPublicIp": "ENABLED" if network["assign_public_ip"] else "DISABLED",
    }
    if network.get("security_groups") is not None:
        awsvpc["securityGroups"] = sorted(network["security_groups"])
    return {"awsvpcConfiguration": awsvpc}


ADVANCED_KEYS = ("alternateTargetGroupArn", "productionListenerRule", "testListenerRule", "roleArn")


def _normalise_load_balancer(lb):
    entry = {"targetGroupArn": lb.get("targetGroupArn"), "containerName": lb.get("containerName"),
             "containerPort": lb.get("containerPort")}
    advanced = {key: value for key, value in (lb.get("advancedConfiguration") or {}).items()
                if key in ADVANCED_KEYS and value}
    if advanced:
        entry["advancedConfiguration"] = advanced
    return entry


def _pair(lb):
    """The target groups of a load balancer entry, unordered: ECS alternates which of the two it
    names the primary (``targetGroupArn``) after each blue/green, linear or canary deployment."""
    return frozenset(filter(None, (lb.get("targetGroupArn"), (lb.get("advancedConfiguration") or {}).get("alternateTargetGroupArn"))))


def _comparable(lb):
    """What of an entry must match: the target group pair (in any order), container, port, rules, role."""
    advanced = {key: value for key, value in (lb.get("advancedConfiguration") or {}).items() if key != "alternateTargetGroupArn"}
    return (sorted(_pair(lb)), lb.get("containerName") or "", lb.get("containerPort") or 0, sorted(advanced.items()))


def normalise_load_balancers(load_balancers):
    return sorted((_normalise_load_balancer(lb) for lb in load_balancers or []), key=_comparable)


def desired_load_balancers(params):
    if params["load_balancers"] is None:
        return None
    entries = []
    for lb in params["load_balancers"]:
        advanced = lb.get("advanced_configuration") or {}
        entries.append({
            "targetGroupArn": lb["target_group_arn"], "containerName": lb["container_name"], "containerPort": lb["container_port"],
            "advancedConfiguration": {
                "alternateTargetGroupArn": advanced.get("alternate_target_group_arn"),
                "productionListenerRule": advanced.get("production_listener_rule"),
                "testListenerRule": advanced.get("test_listener_rule"),
                "roleArn": advanced.get("role_arn"),
            },
        })
    return normalise_load_balancers(entries)


def _load_balancer_changes(current, desired):
    """One change when the entries differ; the target group pair is compared in any order. What is
    sent keeps the orientation ECS gave an entry of the same pair, so an update never moves the
    primary role back to the target group ECS has just drained (traffic stays where ECS put it)."""
    if sorted(map(_comparable, current)) == sorted(map(_comparable, desired)):
        return []
    by_pair = {_pair(lb): lb for lb in current}
    sent = []
    for lb in desired:
        have = by_pair.get(_pair(lb))
        if have is not None and len(_pair(lb)) == 2 and have.get("targetGroupArn") != lb["targetGroupArn"]:
            lb = dict(lb, targetGroupArn=have["targetGroupArn"],
                      advancedConfiguration=dict(lb["advancedConfiguration"], alternateTargetGroupArn=lb["targetGroupArn"]))
        sent.append(lb)
    return [("load_balancers", sent)]


# --- the field table -----------------------------------------------------------------------


def _same(value):
    return value


class ServiceField:
    """One module option and the API field it sets.

    ``desired(params, context)`` is the API value the task asks for, None when it does not
    set the option (``context`` holds the resolved ``task_definition`` ARN and whether the
    service is ``creating``); ``create`` turns it into what CreateService gets. ``default``
    is what AWS means when it leaves the field out; ``normalise`` puts a current or desired
    value in the form both compare in. ``changes(current, desired)`` lists the differences
    as (dotted option, value to send) pairs, by default one pair when the two differ.
    ``view`` is the snake_case form of the diff and the result; ``show_default`` shows
    ``default`` there when AWS leaves the field out. ``force_deployment``: a change reaches
    running tasks only through a new deployment, which UpdateService is asked for
    (``forceNewDeployment``); ECS starts one by itself for a new task definition, network
    configuration, load balancers or platform version. ``updatable=False``: only set at creation.
    """

    def __init__(self, option, api, desired, default=None, normalise=_same, changes=None, create=_same,
                 view=_same, show_default=True, force_deployment=False, updatable=True):
        self.option = option
        self.api = api
        self.desired = desired
        self.default = default
        self.normalise = normalise
        self.create = create
        self.view = view
        self.show_default = show_default
        self.force_deployment = force_deployment
        self.updatable = updatable
        self._changes = changes

    def current(self, service):
        value = service.get(self.api)
        return self.normalise(self.default if value is None else value)

    def changes(self, current, desired):
        if self._changes is not None:
            return self._changes(current, desired)
        return [(self.option, desired)] if desired != current else []

    def shown(self, service):
        value = service.get(self.api)
        if value is None and self.show_default:
            value = self.default
        return None if value is None else self.view(value)


def _deployment_configuration_changes(current, desired):
    # one entry per differing setting; UpdateService gets the whole merged configuration
    return [
        (f"deployment_configuration.{camel_to_option(path)}", merged_deployment_configuration(current, desired))
        for path in differences(desired, current, COMPARE_DEFAULTS)
    ]


def _network_changes(current, desired):
    # an option the task leaves out (security_groups) keeps its current value
    wanted = dict(current.get("awsvpcConfiguration", {}), **desired["awsvpcConfiguration"])
    if wanted != current.get("awsvpcConfiguration"):
        return [("network_configuration", {"awsvpcConfiguration": wanted})]
    return []


def _param(option):
    return lambda params, context: params[option]


def _desired_count(params, context):
    # an existing service keeps the count autoscaling gave it unless the task forces it
    if context["creating"] or params["force_desired_count"]:
        return params["desired_count"]
    return None


FIELDS = (
    ServiceField("task_definition", "taskDefinition", lambda params, context: context["task_definition"]),
    ServiceField("desired_count", "desiredCount", _desired_count),
    ServiceField(
        "deployment_configuration", "deploymentConfiguration",
        lambda params, context: desired_deployment_configuration(params),
        default={}, normalise=normalise_deployment_configuration,
        changes=_deployment_configuration_changes,
        create=lambda desired: merged_deployment_configuration(DEPLOYMENT_DEFAULTS, desired),
        view=camel_dict_to_snake_dict,
    ),
    ServiceField(
        "network_configuration", "networkConfiguration",
        lambda params, context: desired_network_configuration(params),
        normalise=normalise_network, changes=_network_changes,
        view=lambda value: camel_dict_to_snake_dict(normalise_network(value)),
    ),
    ServiceField(
        "load_balancers", "loadBalancers",
        lambda params, context: desired_load_balancers(params),
        default=[], normalise=normalise_load_balancers, changes=_load_balancer_changes,
        view=lambda value: [camel_dict_to_snake_dict(lb) for lb in normalise_load_balancers(value)],
    ),
    # ECS (the default), CODE_DEPLOY or EXTERNAL; changeable on an existing service since 2025
    ServiceField(
        "deployment_controller", "deploymentController",
        lambda params, context: {"type": params["deployment_controller"]} if params["deployment_controller"] else None,
        default={"type": "ECS"}, view=lambda value: value.get("type"),
    ),
    ServiceField(
        "health_check_grace_period_seconds", "healthCheckGracePeriodSeconds",
        _param("health_check_grace_period_seconds"), default=0, show_default=False,
    ),
    ServiceField(
        "capacity_provider_strategy", "capacityProviderStrategy",
        # [] sets nothing: the service keeps its strategy; a change moves the tasks
        lambda params, context: strategy_from_options(params["capacity_provider_strategy"]) or None,
        default=[], normalise=normalise_strategy, view=strategy_view, force_deployment=True,
    ),
    ServiceField("launch_type", "launchType", _param("launch_type"), updatable=False),
    ServiceField("platform_version", "platformVersion", _param("platform_version")),
    # running tasks get ECS Exec only when they are replaced
    ServiceField("enable_execute_command", "enableExecuteCommand", _param("enable_execute_command"), default=False,
                 force_deployment=True),
    ServiceField("propagate_tags", "propagateTags", _param("propagate_tags"), default="NONE"),
)
FIELDS_BY_OPTION = {field.option: field for field in FIELDS}


def create_request(cluster, name, params, task_definition_arn):
    """The CreateService request of the task."""
    request = dict(cluster=cluster, serviceName=name, schedulingStrategy="REPLICA")
    context = {"task_definition": task_definition_arn, "creating": True}
    for field in FIELDS:
        value = field.create(field.desired(params, context))
        if value is not None:
            request[field.api] = value
    request.setdefault("deploymentController", {"type": "ECS"})
    if params["tags"]:
        request["tags"] = ecs_tag_list(params["tags"])
    return request


def compare(service, params, task_definition_arn):
    """``{dotted option: value to send}`` for every field the task sets that differs in ``service``."""
    context = {"task_definition": task_definition_arn, "creating": False}
    found = {}
    for field in FIELDS:
        if not field.updatable:
            continue
        desired = field.desired(params, context)
        if desired is None:
            continue
        found.update(field.changes(field.current(service), desired))
    return found


def update_request(cluster, name, found, force_new_deployment=False):
    """The UpdateService request that applies ``found`` (see compare)."""
    request = dict(cluster=cluster, service=name)
    for path, value in found.items():
        field = FIELDS_BY_OPTION[path.split(".", 1)[0]]
        request[field.api] = value
        if field.force_deployment:
            request["forceNewDeployment"] = True
    if force_new_deployment:
        request["forceNewDeployment"] = True
    return request


def predicted(service, found, tags=None):
    """The service as it would be after the update (check mode); ``tags``: the tags afterwards, None for unchanged."""
    after = dict(service)
    for path, value in found.items():
        after[FIELDS_BY_OPTION[path.split(".", 1)[0]].api] = value
    if tags is not None:
        after["tags"] = ecs_tag_list(tags)
    return after


def diff_view(service):
    """The fields this module manages, for `diff`, of a service or of a CreateService request."""
    if not service:
        return {}
    view = {field.option: field.shown(service) for field in FIELDS}
    view["tags"] = ecs_tags(service)
    return {key: value for key, value in view.items() if value not in (None, [], {})}


# --- deployments ---------------------------------------------------------------------------


def is_stable(service, task_definition_arn):
    """One deployment, PRIMARY, of ``task_definition_arn``, completed, running the desired count."""
    if not service or service.get("status") != "ACTIVE":
        return False
    deployments = service.get("deployments") or []
    if len(deployments) != 1:
        return False
    primary = deployments[0]
    return (
        primary.get("status") == "PRIMARY"
        and primary.get("taskDefinition") == task_definition_arn
        and primary.get("rolloutState", "COMPLETED") == "COMPLETED"
        and service.get("runningCount") == service.get("desiredCount")
    )


def deployment_failure(service, task_definition_arn):
    """A message when the deployment of `task_definition_arn` failed or was rolled back, else None."""
    if not service:
        return "The ECS service disappeared while waiting for its deployment"
    failed = [
        d for d in service.get("deployments") or [] if d.get("taskDefinition") == task_definition_arn and d.get("rolloutState") == "FAILED"
    ]
    reason = failed[0].get("rolloutStateReason") if failed else None
    if not reason:
        for event in service.get("events") or []:
            if "deployment failed" in event.get("message", ""):
                reason = event["message"]
                break
    name = service.get("serviceName")
    if service.get("taskDefinition") != task_definition_arn:
        return (
            f"Deployment of {short_td(task_definition_arn)} to ECS service {name} failed and was rolled back to"
            f" {short_td(service.get('taskDefinition'))}: {reason or 'the deployment circuit breaker stopped it'}."
        )
    if failed:
        return f"Deployment of {short_td(task_definition_arn)} to ECS service {name} failed: {reason}."
    return None


def describe_progress(service):
    if not service:
        return "service not found"
    parts = [f"status {service.get('status')}, {service.get('runningCount')}/{service.get('desiredCount')} tasks running"]
    for d in service.get("deployments") or []:
        parts.append(
            f"{d.get('status')} deployment of {short_td(d.get('taskDefinition'))} {d.get('rolloutState', '')}"
            f" {d.get('runningCount')}/{d.get('desiredCount')} running".replace("  ", " ")
        )
    return "; ".join(parts)


def events_sentence(service, known_events):
    """The service events the deployment logged (oldest first), as one sentence."""
    events = [e for e in (service or {}).get("events") or [] if e.get("id") not in known_events]
    if not events:
        return ""
    messages = [e.get("message", "") for e in reversed(events[:EVENTS_IN_MESSAGE])]
    return " Service events: " + " | ".join(messages)


def format_service(service):
    """The ``service`` return value (see the module's RETURN)."""
    if not service:
        return {}
    keep = (
        "serviceName", "serviceArn", "clusterArn", "status", "taskDefinition", "desiredCount", "runningCount",
        "pendingCount", "launchType", "capacityProviderStrategy", "platformVersion", "deploymentConfiguration",
        "networkConfiguration", "loadBalancers", "healthCheckGracePeriodSeconds", "enableExecuteCommand",
        "propagateTags", "deploymentController",
    )
    result = camel_dict_to_snake_dict({key: service[key] for key in keep if service.get(key) is not None})
    result.setdefault("enable_execute_command", False)
    result.setdefault("load_balancers", [])
    result["tags"] = ecs_tags(service)
    result["deployments"] = [
        {
            "id": d.get("id"),
            "status": d.get("status"),
            "task_definition": d.get("taskDefinition"),
            "desired_count": d.get("desiredCount"),
            "running_count": d.get("runningCount"),
            "rollout_state": d.get("rolloutState"),
            "rollout_state_reason": d.get("rolloutStateReason"),
        }
        for d in sorted(service.get("deployments") or [], key=lambda d: d.get("status") != "PRIMARY")
    ]
    result["events"] = [
        {"created_at": str(e.get("createdAt")), "message": e.get("message")} for e in (service.get("events") or [])[:5]
    ]
    return result


# --- input rules ---------------------------------------------------------------------------


def service_input_problems(params):
    """Problems of the module's input that need no AWS call (state present only)."""
    if params["state"] != "present":
        return []
    problems = []
    if not params["task_definition"]:
        problems.append("task_definition is required when state=present")
    if params["desired_count"] is not None and params["desired_count"] < 0:
        problems.append(f"desired_count must be 0 or more, got {params['desired_count']}")
    if params["wait_timeout"] < 0:
        problems.append(f"wait_timeout must be 0 or more seconds, got {params['wait_timeout']}")
    grace = params["health_check_grace_period_seconds"]
    if grace is not None and not 0 <= grace <= 2147483647:
        problems.append(f"health_check_grace_period_seconds must be 0 or more, got {grace}")
    config = params["deployment_configuration"] or {}
    low, high = config.get("minimum_healthy_percent"), config.get("maximum_percent")
    if low is not None and not 0 <= low <= 100:
        problems.append(f"deployment_configuration.minimum_healthy_percent must be 0 to 100, got {low}")
    if high is not None and high < 100:
        problems.append(f"deployment_configuration.maximum_percent must be 100 or more, got {high}")
    if low is not None and high is not None and low >= high:
        problems.append(
            f"deployment_configuration.minimum_healthy_percent ({low}) must be below maximum_percent ({high}),"
            " otherwise ECS can neither start nor stop a task during a deployment"
        )
    problems.extend(capacity_provider_strategy_problems(params["capacity_provider_strategy"]))
    if config.get("strategy"):
        linear = config.get("linear_configuration") or {}
        canary = config.get("canary_configuration") or {}
        problems.extend(deployment_strategy_problems(
            {"strategy": config["strategy"], "bake_time": config.get("bake_time_in_minutes"),
             "step_percent": linear.get("step_percent"), "step_bake_time": linear.get("step_bake_time_in_minutes"),
             "canary_percent": canary.get("canary_percent"), "canary_bake_time": canary.get("canary_bake_time_in_minutes"),
             "controller": params.get("deployment_controller")},
            STRATEGY_OPTION_NAMES,
        ))
    return problems


STRATEGY_OPTION_NAMES = {
    "strategy": "deployment_configuration.strategy",
    "bake_time": "deployment_configuration.bake_time_in_minutes",
    "step_percent": "deployment_configuration.linear_configuration.step_percent",
    "step_bake_time": "deployment_configuration.linear_configuration.step_bake_time_in_minutes",
    "canary_percent": "deployment_configuration.canary_configuration.canary_percent",
    "canary_bake_time": "deployment_configuration.canary_configuration.canary_bake_time_in_minutes",
    "controller": "deployment_controller",
}


# --- the service in AWS --------------------------------------------------------------------


def missing_images(module, images, clients=None):
    """The ECR images of ``images`` that do not exist, as (image, parts, error code); other registries are not checked."""
    clients = {} if clients is None else clients
    missing = []
    for image in dict.fromkeys(images):
        parts = parse_ecr_image(image)
        if not parts:
            continue
        region = parts["region"]
        if region not in clients:
            extra = {} if region == module.region else {"region": region}
            clients[region] = aws_client(module, "ecr", **extra)
        image_id = {"imageDigest": parts["digest"]} if parts["digest"] else {"imageTag": parts["tag"] or "latest"}
        try:
            clients[region].describe_images(
                registryId=parts["account"], repositoryName=parts["repository"], imageIds=[image_id], aws_retry=True
            )
        except ClientError as e:
            if error_code(e) in ("ImageNotFoundException", "RepositoryNotFoundException"):
                missing.append((image, parts, error_code(e)))
                continue
            module.fail_json_aws(e, msg=f"Failed to look up image {image} in ECR")
        except BotoCoreError as e:
            module.fail_json_aws(e, msg=f"Failed to look up image {image} in ECR")
    return missing


class ServiceDeployer:
    """Creates, updates, deploys or deletes one ECS service as the module's params ask."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.cluster = module.params["cluster"]
        self.name = module.params["name"]
        self.ecs = aws_client(module, "ecs")
        self.cluster_missing = False
        self.existing_active = None
        self.changes = []

    # --- reads -----------------------------------------------------------------------

    def describe(self):
        """The service (any status), or None when it or its cluster does not exist."""
        try:
            response = self.ecs.describe_services(
                cluster=self.cluster, services=[self.name], include=["TAGS"], aws_retry=True
            )
        except ClientError as e:
            if error_code(e) == "ClusterNotFoundException":
                self.cluster_missing = True
                return None
            self.module.fail_json_aws(e, msg=f"Failed to describe ECS service {self.name} in cluster {self.cluster}")
        except BotoCoreError as e:
            self.module.fail_json_aws(e, msg=f"Failed to describe ECS service {self.name} in cluster {self.cluster}")
        for service in response.get("services", []):
            if service.get("serviceName") == self.name:
                return service
        return None

    def resolve_task_definition(self):
        """(ARN, definition or None). A full ARN is taken as is, without an API call."""
        wanted = self.params["task_definition"]
        if wanted.startswith("arn:") and ":task-definition/" in wanted and re.search(r":\d+$", wanted):
            return wanted, None
        try:
            definition = self.ecs.describe_task_definition(taskDefinition=wanted, aws_retry=True)["taskDefinition"]
        except ClientError as e:
            if error_code(e) == "ClientException" and self.module.check_mode:
                return wanted, None  # registered by an earlier task that ran in check mode too
            if error_code(e) == "ClientException":
                self.module.fail_json(msg=f"Task definition {wanted} (option task_definition) does not exist")
            self.module.fail_json_aws(e, msg=f"Failed to describe task definition {wanted}")
        except BotoCoreError as e:
            self.module.fail_json_aws(e, msg=f"Failed to describe task definition {wanted}")
        return definition["taskDefinitionArn"], definition

    def missing_images(self, task_definition_arn, definition):
        """ECR images of the task definition (and of O(images)) that do not exist, as (image, parts, error code)."""
        if definition is None:
            try:
                definition = self.ecs.describe_task_definition(taskDefinition=task_definition_arn, aws_retry=True)[
                    "taskDefinition"
                ]
            except ClientError as e:
                if error_code(e) != "ClientException" or not self.module.check_mode:
                    self.module.fail_json_aws(e, msg=f"Failed to describe task definition {task_definition_arn}")
                definition = {}  # not registered yet (check mode): only `images` can be checked
            except BotoCoreError as e:
                self.module.fail_json_aws(e, msg=f"Failed to describe task definition {task_definition_arn}")
        images = [container.get("image") or "" for container in (definition or {}).get("containerDefinitions", [])]
        images += [image for image in self.params["images"] if image not in images]
        return missing_images(self.module, images)

    def check_unchangeable(self, service):
        launch_type = self.params["launch_type"]
        if launch_type and service.get("launchType") != launch_type:
            current = service.get("launchType") or "a capacity provider strategy"
            self.module.fail_json(
                msg=(
                    f"ECS service {self.name} uses {current}; launch_type={launch_type} cannot be set on an existing"
                    " service. Delete the service (state=absent) and create it again, or use capacity_provider_strategy."
                )
            )

    # --- writes ------------------------------------------------------------------------

    def ensure_images(self, task_definition_arn, definition):
        if not self.params["check_images"]:
            return
        missing = self.missing_images(task_definition_arn, definition)
        if not missing:
            return
        lines = [push_instructions(image, parts, code) for image, parts, code in missing]
        self.module.fail_json(
            msg=(
                f"ECS service {self.name} was not {'updated' if self.existing_active else 'created'}: an image it would run"
                f" ({short_td(task_definition_arn)}) does not exist in Amazon ECR: " + "\n".join(lines)
            ),
            missing_images=[image for image, _parts, _code in missing],
            changed=False,
        )

    def create(self, request):
        with aws_errors(self.module, f"create ECS service {self.name} in cluster {self.cluster}"):
            return self.ecs.create_service(aws_retry=True, **request)["service"]

    def update(self, found):
        request = update_request(self.cluster, self.name, found, self.params["force_new_deployment"])
        with aws_errors(self.module, f"update ECS service {self.name} in cluster {self.cluster}"):
            return self.ecs.update_service(aws_retry=True, **request)["service"]

    def update_tags(self, service):
        """TagChanges of the service (none when O(tags) is not set); written unless in check mode."""
        return reconcile_ecs_tags(
            self.module, self.ecs, service["serviceArn"], ecs_tags(service), self.params["tags"], self.params["purge_tags"],
            what=f"ECS service {self.name}",
        )

    # --- waits ---------------------------------------------------------------------------

    def wait_until(self, done, what, known_events):
        def check():
            service = self.describe()
            return done(service), service

        try:
            return wait_for(check, self.params["wait_timeout"], what, describe=describe_progress)
        except WaitTimeoutError as e:
            self.module.fail_json(
                msg=e.message + events_sentence(e.last, known_events),
                changed=True,
                service=format_service(e.last),
                changes=self.changes,
            )

    def wait_for_inactive(self, what):
        return self.wait_until(lambda service: service is None or service.get("status") == "INACTIVE", what, set())

    def wait_until_stable(self, service, task_definition_arn, known_events):
        """The service once its deployment is done (the wait deploy.yml shares: the service deployment
        complete and the new tasks' targets healthy); fails on a failed or rolled back deployment."""
        from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_release import DeploymentWait

        if not self.changes and is_stable(service, task_definition_arn):
            return service  # nothing deployed by this run, and ECS reports it settled: no more reads
        primary = next((d for d in (service or {}).get("deployments") or [] if d.get("status") == "PRIMARY"), {})
        waiter = DeploymentWait(self.module, self.ecs, self.cluster, self.name)
        final, _seen = waiter.wait(
            task_definition_arn, self.params["wait_timeout"], service=service,
            since=primary.get("createdAt") if self.changes else None, known_events=known_events,
            changed=bool(self.changes), extra={"changes": self.changes, "stable": False},
        )
        return final

    # --- states --------------------------------------------------------------------------

    def present(self):
        params = self.params
        existing = self.describe()
        self.existing_active = existing if existing and existing.get("status") == "ACTIVE" else None
        task_definition_arn, definition = self.resolve_task_definition()
        self.changes = []
        known_events = {event.get("id") for event in (existing or {}).get("events", [])}
        before = diff_view(self.existing_active)

        if self.existing_active is None:
            if params["desired_count"] is None:
                self.module.fail_json(msg=f"desired_count is required to create ECS service {self.name}")
            self.changes = ["created"]
            self.ensure_images(task_definition_arn, definition)
            request = create_request(self.cluster, self.name, params, task_definition_arn)
            if self.module.check_mode:
                self.exit(existing or {}, before, diff_view(request), stable=False)
            if existing and existing.get("status") == "DRAINING":
                self.wait_for_inactive(f"the deleted ECS service {self.name} to become INACTIVE before it is created again")
            service = self.create(request)
        else:
            self.check_unchangeable(self.existing_active)
            found = compare(self.existing_active, params, task_definition_arn)
            self.changes = sorted(found)
            if params["force_new_deployment"]:
                self.changes.append("force_new_deployment")
            tags = self.update_tags(self.existing_active)
            if tags.changed:
                self.changes.append("tags")
            writes = [change for change in self.changes if change != "tags"]
            if writes:
                self.ensure_images(task_definition_arn, definition)
            if self.module.check_mode:
                after = predicted(self.existing_active, found, tags.after if params["tags"] is not None else None)
                self.exit(self.existing_active, before, diff_view(after), stable=False)
            service = self.update(found) if writes else self.existing_active
            if tags.changed:
                service = self.describe() or service

        stable = False
        if params["wait"]:
            latest = service
            if self.changes:
                latest = self.describe() or service
            service = self.wait_until_stable(latest, task_definition_arn, known_events)
            stable = True
        elif self.changes:
            service = self.describe() or service
        self.exit(service, before, diff_view(service), stable=stable)

    def absent(self):
        existing = self.describe()
        self.changes = []
        status = (existing or {}).get("status")
        before = diff_view(existing if status == "ACTIVE" else None)
        if status == "ACTIVE":
            self.changes = ["deleted"]
            if not self.module.check_mode:
                with aws_errors(self.module, f"delete ECS service {self.name} in cluster {self.cluster}"):
                    existing = self.ecs.delete_service(cluster=self.cluster, service=self.name, force=True, aws_retry=True)[
                        "service"
                    ]
        if status in ("ACTIVE", "DRAINING") and self.params["wait"] and not self.module.check_mode:
            existing = self.wait_for_inactive(f"ECS service {self.name} in cluster {self.cluster} to become INACTIVE")
        self.module.exit_json(
            changed=bool(self.changes),
            changes=self.changes,
            service=format_service(existing),
            diff=make_diff(before, {}),
        )

    def exit(self, service, before, after, stable):
        self.module.exit_json(
            changed=bool(self.changes),
            changes=self.changes,
            stable=stable,
            service=format_service(service),
            diff=make_diff(before, after),
        )
