# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the ecs_service role derives from its inputs (documented in the .yml file of each filter).

The task definition (container, GUNICORN_CMD_ARGS, a digest of everything declared), the task
execution role's policy, ARN parts, the lines that say what a new revision changes, and the
check that an id handed on by another role is one. The role's tasks only pass these on.
"""

import json
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.inboxwine.fozzy.plugins.module_utils.images import parse_ecr_image
from ansible_collections.inboxwine.fozzy.plugins.module_utils.task_definition import DIGEST_LABEL
from ansible_collections.inboxwine.fozzy.plugins.module_utils.task_definition import SpecError
from ansible_collections.inboxwine.fozzy.plugins.module_utils.task_definition import gunicorn_cmd_args as _gunicorn_cmd_args
from ansible_collections.inboxwine.fozzy.plugins.module_utils.task_definition import task_definition

ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):(?P<account>[0-9]{12}|aws|\*)?:"
                 r"(?P<resource>.+)$")
# A Secrets Manager secret's complete ARN ends in -<6 random characters>.
COMPLETE_SECRET = re.compile(r"-[A-Za-z0-9]{6}$")
WIRED = {
    "vpc": (re.compile(r"^vpc-[0-9a-f]+$"), "a VPC id"),
    "security_group": (re.compile(r"^sg-[0-9a-f]+$"), "a security group id"),
    "subnets": (re.compile(r"^subnet-[0-9a-f]+$"), "a non-empty list of subnet ids"),
    "target_group": (re.compile(r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/"),
                     "a target group ARN"),
}


def aws_arn(arn):
    """The parts of an ARN: partition, service, region, account, resource."""
    match = ARN.match(str(arn or ""))
    if not match:
        raise AnsibleFilterError(f"aws_arn: {arn!r} is not an ARN (arn:<partition>:<service>:<region>:<account>:<resource>)")
    return match.groupdict(default="")


def ecs_image(image, tag, ecr_result=None):
    """The image the task definition runs: ``image`` (by default made from ecr_result.repository_uri);
    in check mode, before the ECR repository exists, ``<repository name>:<tag>`` stands in."""
    if image:
        return str(image)
    return f"{(ecr_result or {}).get('repository_name') or 'image'}:{tag}"


def gunicorn_cmd_args(port, workers, keepalive, graceful_timeout):
    """GUNICORN_CMD_ARGS (see module_utils/task_definition.py)."""
    return _gunicorn_cmd_args(port, workers, keepalive, graceful_timeout)


def ecs_task_definition(spec):
    """The arguments of community.aws.ecs_taskdefinition for the service's one container, with the digest label.

    Built by module_utils/task_definition.py (the ecs_release module of deploy.yml builds it there too).
    """
    try:
        return task_definition(spec)
    except SpecError as exc:
        raise AnsibleFilterError(f"ecs_task_definition: {exc}")


def _secret_resource(value_from):
    """The IAM resource of a secret's valueFrom: a Secrets Manager ARN without :json-key:stage:version,
    and a partial ARN (the secret's name, which ECS accepts) with IAM's -?????? for the random suffix."""
    if ":secretsmanager:" not in value_from:
        return value_from
    arn = ":".join(value_from.split(":")[:7])
    return arn if COMPLETE_SECRET.search(arn) else arn + "-??????"


def ecs_execution_policy(log_group_arn, image, secrets=None):
    """What the ECS agent needs to start the task, and nothing more: pull the image (from its ECR
    repository only), write to the service's log group, read the listed secrets."""
    log_group = aws_arn(log_group_arn)
    log_group_arn = re.sub(r":\*$", "", str(log_group_arn))
    statements = []
    ecr = parse_ecr_image(str(image or ""))
    if ecr:
        statements.append({"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"})
        statements.append({
            "Sid": "PullImage", "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": f"arn:{log_group['partition']}:ecr:{ecr['region']}:{ecr['account']}:repository/{ecr['repository']}",
        })
    statements.append({"Sid": "WriteLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                       "Resource": log_group_arn + ":log-stream:*"})
    values = [str(value) for value in (secrets or {}).values()]
    parameters = sorted({value for value in values if ":ssm:" in value})
    if parameters:
        statements.append({"Sid": "ReadParameters", "Effect": "Allow", "Action": "ssm:GetParameters", "Resource": parameters})
    secret_arns = sorted({_secret_resource(value) for value in values if ":secretsmanager:" in value})
    if secret_arns:
        statements.append({"Sid": "ReadSecrets", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                           "Resource": secret_arns})
    return {"Version": "2012-10-17", "Statement": statements}


def _get(mapping, *keys):
    """The first of ``keys`` in ``mapping`` (a definition as registered, camelCase, or as
    community.aws.ecs_taskdefinition_info returns it, snake_case)."""
    for key in keys:
        if isinstance(mapping, dict) and key in mapping:
            return mapping[key]
    return None


def _summary(definition):
    """The settings of a task definition a reader recognises, as name -> text."""
    containers = _get(definition, "containers", "container_definitions", "containerDefinitions") or [{}]
    container = containers[0] or {}
    platform = _get(definition, "runtime_platform", "runtimePlatform") or {}
    health = _get(container, "healthCheck", "health_check") or {}
    ports = _get(container, "portMappings", "port_mappings") or [{}]
    options = (_get(container, "logConfiguration", "log_configuration") or {}).get("options") or {}
    summary = {
        "cpu": _get(definition, "cpu"),
        "memory": _get(definition, "memory"),
        "cpu_architecture": _get(platform, "cpuArchitecture", "cpu_architecture"),
        "image": _get(container, "image"),
        "user": _get(container, "user"),
        "readonly_root_filesystem": _get(container, "readonlyRootFilesystem", "readonly_root_filesystem"),
        "container_port": _get(ports[0] or {}, "containerPort", "container_port"),
        "stop_timeout": _get(container, "stopTimeout", "stop_timeout"),
        "health_check": None if not health else " ".join(map(str, health.get("command") or [])) + " (every {} s, {} s"
        " timeout, {} retries, {} s start period)".format(health.get("interval"), health.get("timeout"),
                                                          health.get("retries"),
                                                          _get(health, "startPeriod", "start_period")),
        "log_group": options.get("awslogs-group") or options.get("awslogs_group"),
        "execution_role_arn": _get(definition, "execution_role_arn", "executionRoleArn"),
        "task_role_arn": _get(definition, "task_role_arn", "taskRoleArn"),
    }
    for item in _get(container, "environment") or []:
        summary[f"environment {item.get('name')}"] = item.get("value")
    for item in _get(container, "secrets") or []:
        summary[f"secrets {item.get('name')}"] = _get(item, "valueFrom", "value_from")
    return {name: None if value in (None, "") else str(value).lower() if isinstance(value, bool) else str(value)
            for name, value in summary.items()}


def _labels(definition):
    containers = _get(definition, "containers", "container_definitions", "containerDefinitions") or [{}]
    return _get(containers[0] or {}, "dockerLabels", "docker_labels") or {}


def ecs_task_definition_changes(current, planned):
    """What registering ``planned`` (from ecs_task_definition) changes from ``current`` (the
    family's newest revision, as ecs_taskdefinition_info returns it; {} when there is none), one
    ``setting: old -> new`` line each. [] when the newest revision is the one planned."""
    current = current or {}
    if not _get(current, "revision"):
        return [f"first revision of {planned['family']}"]
    if _labels(current).get(DIGEST_LABEL) == planned["digest"]:
        return []
    before, after = _summary(current), _summary(planned)
    lines = [f"{name}: {before.get(name) or '(unset)'} -> {after.get(name) or '(unset)'}"
             for name in list(after) + [name for name in before if name not in after]
             if before.get(name) != after.get(name)]
    return lines or ["other settings of the task definition"]


def ecs_task_definition_report(current, planned):
    """One line for the log: the revision that stays, or what a new one changes (see ecs_task_definition_changes)."""
    lines = ecs_task_definition_changes(current, planned)
    if not lines:
        return f"{planned['family']}:{_get(current, 'revision')} (unchanged)"
    if not _get(current or {}, "revision"):
        return lines[0]
    return f"new revision of {planned['family']} (now {_get(current, 'revision')}): " + "; ".join(lines)


def ecs_wired(value, variable, kind, source):
    """``value`` when it is the id ``kind`` (vpc, security_group, subnets, target_group) that ``variable``
    needs, else a failure naming the variable and where its default comes from (``source``)."""
    pattern, what = WIRED[kind]
    values = value if kind == "subnets" else [value]
    if not isinstance(values, list) or not values or not all(isinstance(item, str) and pattern.match(item) for item in values):
        raise AnsibleFilterError(f"{variable}={json.dumps(value)} is not {what}: it defaults to {source}; run that role"
                                 " first in the play or set the variable.")
    return value


# Who assumes which role: the tasks' roles (ecs-tasks) and the infrastructure role ECS uses to
# shift load balancer traffic (ecs). ECS passes the task's ARN as aws:SourceArn to ecs-tasks;
# for the infrastructure role it documents no source ARN, so that one is bound to the account only.
TRUSTED_SERVICES = {
    "ecs-tasks.amazonaws.com": ("EcsTasks", True),
    "ecs.amazonaws.com": ("EcsInfrastructure", False),
}


def ecs_trust_policy(service, account_id, region="", partition="aws"):
    """The trust policy of a role ``service`` assumes, limited to this account (aws:SourceAccount)
    and, for ECS tasks, to ECS resources of this account and region (aws:SourceArn), against the
    confused deputy. Without a 12-digit ``account_id`` (check mode before anything exists) it has
    no condition."""
    if service not in TRUSTED_SERVICES:
        raise AnsibleFilterError(f"ecs_trust_policy: {service!r} is not one of {', '.join(TRUSTED_SERVICES)}")
    sid, with_source_arn = TRUSTED_SERVICES[service]
    statement = {"Sid": sid, "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    account = str(account_id or "")
    if re.match(r"^[0-9]{12}$", account):
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": account}}
        if with_source_arn:
            statement["Condition"]["ArnLike"] = {"aws:SourceArn": f"arn:{partition or 'aws'}:ecs:{region or '*'}:{account}:*"}
    return {"Version": "2012-10-17", "Statement": [statement]}


class FilterModule:
    def filters(self):
        return {
            "aws_arn": aws_arn,
            "ecs_image": ecs_image,
            "gunicorn_cmd_args": gunicorn_cmd_args,
            "ecs_task_definition": ecs_task_definition,
            "ecs_execution_policy": ecs_execution_policy,
            "ecs_task_definition_changes": ecs_task_definition_changes,
            "ecs_task_definition_report": ecs_task_definition_report,
            "ecs_wired": ecs_wired,
            "ecs_trust_policy": ecs_trust_policy,
        }
