# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The service's task definition: the one source of truth for its container.

``task_definition(spec)`` builds the arguments of a RegisterTaskDefinition (as
community.aws.ecs_taskdefinition takes them) with a digest of everything declared. site.yml
calls it through the ``inboxwine.fozzy.ecs_task_definition`` filter (plugins/filter/ecs.py),
deploy.yml and rollback.yml through the ecs_release module: both paths make the same
definition from the same inputs, so neither sees the other's revision as drift.

Standard library only.
"""

import hashlib
import json

# Docker label carrying a digest of everything the task definition declares:
# community.aws.ecs_taskdefinition ignores the task cpu, memory, execution role and runtime
# platform (and lists of equal length with other values) when it looks for a matching revision;
# the label makes any change of those a change of the container, which it does compare.
DIGEST_LABEL = "wine.inbox.fozzy.definition-sha256"
# The scratch volume mounted at /tmp when the root filesystem is read-only.
SCRATCH_VOLUME = "tmp"


class SpecError(ValueError):
    """The specification lacks a key or has a bad value."""


def gunicorn_cmd_args(port, workers, keepalive, graceful_timeout):
    """GUNICORN_CMD_ARGS: bind the container port, the workers, a keep-alive above the ALB idle timeout,
    a graceful timeout below the stop timeout, worker heartbeats in /dev/shm (writable by every user)."""
    return (f"--bind 0.0.0.0:{int(port)} --workers {int(workers)} --keep-alive {int(keepalive)}"
            f" --graceful-timeout {int(graceful_timeout)} --worker-tmp-dir /dev/shm")


def _digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def task_definition(spec):
    """The arguments of community.aws.ecs_taskdefinition for the service's one container, with the digest label.

    ``spec``: family, name, image, cpu, memory, cpu_architecture, container_port, user,
    readonly_root_filesystem, environment (dict), secrets (dict of ARNs), stop_timeout,
    gunicorn (workers, keepalive, graceful_timeout), health_check (command, interval, timeout,
    retries, start_period), log_group_name, region, execution_role_arn, task_role_arn.
    """
    try:
        port = int(spec["container_port"])
        gunicorn = spec["gunicorn"]
        health = spec["health_check"]
        environment = dict(spec.get("environment") or {})
        environment["GUNICORN_CMD_ARGS"] = gunicorn_cmd_args(port, gunicorn["workers"], gunicorn["keepalive"],
                                                             gunicorn["graceful_timeout"])
        readonly = bool(spec["readonly_root_filesystem"])
        container = {
            "name": spec["name"],
            "image": spec["image"],
            "essential": True,
            "user": str(spec["user"]),
            "readonlyRootFilesystem": readonly,
            "portMappings": [{"containerPort": port, "hostPort": port, "protocol": "tcp"}],
            "environment": [{"name": name, "value": str(environment[name])} for name in sorted(environment)],
            "secrets": [{"name": name, "valueFrom": value} for name, value in sorted((spec.get("secrets") or {}).items())],
            "mountPoints": [{"sourceVolume": SCRATCH_VOLUME, "containerPath": "/tmp", "readOnly": False}] if readonly else [],
            "stopTimeout": int(spec["stop_timeout"]),
            "healthCheck": {
                "command": list(health["command"]),
                "interval": int(health["interval"]),
                "timeout": int(health["timeout"]),
                "retries": int(health["retries"]),
                "startPeriod": int(health["start_period"]),
            },
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": spec["log_group_name"],
                    "awslogs-region": spec["region"],
                    "awslogs-stream-prefix": spec["name"],
                },
            },
        }
        cpu, memory = str(int(spec["cpu"])), str(int(spec["memory"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise SpecError(f"the specification lacks or has a bad {exc}")
    execution_role_arn, task_role_arn = spec.get("execution_role_arn") or "", spec.get("task_role_arn") or ""
    digest = _digest({"container": container, "cpu": cpu, "memory": memory, "architecture": spec["cpu_architecture"],
                      "volumes": readonly, "execution_role": execution_role_arn, "task_role": task_role_arn})
    return {
        "family": spec["family"],
        "cpu": cpu,
        "memory": memory,
        "runtime_platform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": spec["cpu_architecture"]},
        "volumes": [{"name": SCRATCH_VOLUME}] if readonly else [],
        "containers": [dict(container, dockerLabels={DIGEST_LABEL: digest})],
        "execution_role_arn": execution_role_arn,
        "task_role_arn": task_role_arn,
        "digest": digest,
    }
