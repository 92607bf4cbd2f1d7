# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the ecs_service role's inputs (and the STACK rules it mainly concerns).

Each rule yields one sentence per problem: the variable(s) with the value(s) and what is allowed.
The Fargate task sizes are here too: the rule is their only user.
"""

import functools
import re

from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import capacity_provider_strategy_problems
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import deployment_strategy_problems
from ansible_collections.inboxwine.fozzy.plugins.module_utils.images import image_reference_problems
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.inputs import STACK, as_int, not_allowed, rule, show, together, within

ROLE = "ecs_service"

# Fargate task sizes: CPU units -> (allowed memory in MiB, how the range reads in a message).
FARGATE_MEMORY = {
    256: ((512, 1024, 2048), "512, 1024 or 2048"),
    512: (tuple(range(1024, 4096 + 1, 1024)), "1024 to 4096 in steps of 1024"),
    1024: (tuple(range(2048, 8192 + 1, 1024)), "2048 to 8192 in steps of 1024"),
    2048: (tuple(range(4096, 16384 + 1, 1024)), "4096 to 16384 in steps of 1024"),
    4096: (tuple(range(8192, 30720 + 1, 1024)), "8192 to 30720 in steps of 1024"),
    8192: (tuple(range(16384, 61440 + 1, 4096)), "16384 to 61440 in steps of 4096"),
    16384: (tuple(range(32768, 122880 + 1, 8192)), "32768 to 122880 in steps of 8192"),
}
# Retention periods CloudWatch Logs accepts, in days.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                      3288, 3653)
CAPACITY_PROVIDERS = ("FARGATE", "FARGATE_SPOT")
IMAGE_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$")
VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:(ssm:[a-z0-9-]+:[0-9]{12}:parameter/.+"
                        r"|secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+)$")
MANAGED_POLICY_ARN = re.compile(r"^arn:aws[a-z-]*:iam::([0-9]{12}|aws):policy/.+$")
GUNICORN_VARIABLE = "GUNICORN_CMD_ARGS"


def present(function):
    """Only state present has inputs worth checking (absent finds what exists by the names)."""

    @functools.wraps(function)
    def checked(inputs):
        return function(inputs) if inputs.get("ecs_service_state", "present") == "present" else ()

    return checked


def _at_least(value, low):
    number = as_int(value)
    return number is not None and number >= low


@rule(ROLE)
@present
def fargate_size(inputs):
    cpu, memory = inputs["ecs_service_cpu"], inputs["ecs_service_memory"]
    if as_int(cpu) not in FARGATE_MEMORY:
        yield not_allowed("ecs_service_cpu", cpu, "use a Fargate size: " + ", ".join(map(str, FARGATE_MEMORY))
                          + " (CPU units, 1024 = 1 vCPU).")
        return
    allowed, text = FARGATE_MEMORY[as_int(cpu)]
    if as_int(memory) not in allowed:
        yield together([("ecs_service_cpu", cpu), ("ecs_service_memory", memory)],
                       f"that is not a Fargate task size; with ecs_service_cpu={cpu}, ecs_service_memory must be {text} (MiB).")


@rule(ROLE)
@present
def image_tag(inputs):
    tag = show(inputs["ecs_service_image_tag"])
    if not IMAGE_TAG.match(tag) or tag == "latest":
        yield not_allowed("ecs_service_image_tag", tag, "use the explicit tag of a pushed image, like 1.0.0 (letters,"
                          " digits, _ . -, at most 128 characters; not latest, which moves with every push).")


@rule(ROLE)
@present
def image_reference(inputs):
    image = inputs["ecs_service_image"]
    if image:
        yield from image_reference_problems(image, "ecs_service_image")


def empty_image_problems(image, ecr_name, ecr_enabled):
    """The problem of no image to deploy: ``ecs_service_image`` is empty and the ECR repository
    (``ecr_name``: ``ecr_enabled``, or ``ecr_result.enabled`` when the role runs alone) is off."""
    if not image and ecr_enabled is False:
        yield together([("ecs_service_image", image), (ecr_name, ecr_enabled)],
                       "without the ECR repository set ecs_service_image to an image that exists"
                       " (registry/repository:tag); only with ECR is it made from the repository's URI.")


@rule(ROLE)
@present
def image_without_ecr(inputs):
    """The role alone: the image comes from the ecr role's result, when that role ran."""
    ecr_result = inputs.get("ecr_result")
    if isinstance(ecr_result, dict) and "enabled" in ecr_result:
        yield from empty_image_problems(inputs["ecs_service_image"], "ecr_result.enabled", bool(ecr_result["enabled"]))


@rule(STACK)
@present
def image_without_ecr_repository(inputs):
    yield from empty_image_problems(inputs["ecs_service_image"], "ecr_enabled", bool(inputs["ecr_enabled"]))


@rule(ROLE)
@present
def stop_and_graceful_timeouts(inputs):
    stop, graceful = inputs["ecs_service_stop_timeout"], inputs["ecs_service_gunicorn_graceful_timeout"]
    if not within(stop, 2, 120):
        yield not_allowed("ecs_service_stop_timeout", stop, "use 2 to 120 seconds (the Fargate maximum).")
    if not _at_least(graceful, 1):
        yield not_allowed("ecs_service_gunicorn_graceful_timeout", graceful, "use 1 second or more, shorter than"
                          " ecs_service_stop_timeout.")
    elif within(stop, 2, 120) and as_int(graceful) >= as_int(stop):
        yield together([("ecs_service_gunicorn_graceful_timeout", graceful), ("ecs_service_stop_timeout", stop)],
                       "the graceful timeout must be shorter than the stop timeout, or ECS kills workers still"
                       " finishing requests.")


def keepalive_problems(keepalive, idle_name, idle_timeout):
    """The problem of a gunicorn keep-alive not longer than the load balancer's idle timeout."""
    if as_int(keepalive) is not None and as_int(idle_timeout) is not None and as_int(keepalive) <= as_int(idle_timeout):
        yield together([("ecs_service_gunicorn_keepalive", keepalive), (idle_name, idle_timeout)],
                       "gunicorn's keep-alive must be longer than the ALB idle timeout, or gunicorn closes connections"
                       " the ALB still sends requests on (502s).")


@rule(ROLE)
@present
def keepalive_above_alb_idle_timeout(inputs):
    """Against ecs_service_alb_idle_timeout: the load balancer's idle timeout (load_balancer_result) or 60."""
    yield from keepalive_problems(inputs["ecs_service_gunicorn_keepalive"], "ecs_service_alb_idle_timeout",
                                  inputs["ecs_service_alb_idle_timeout"])


@rule(STACK)
@present
def keepalive_above_load_balancer_idle_timeout(inputs):
    """Against the idle timeout the load_balancer role will set. When it is the value
    ecs_service_alb_idle_timeout has, the role's rule above already reports the same problem."""
    idle = inputs["load_balancer_idle_timeout"]
    if as_int(idle) != as_int(inputs.get("ecs_service_alb_idle_timeout")):
        yield from keepalive_problems(inputs["ecs_service_gunicorn_keepalive"], "load_balancer_idle_timeout", idle)


@rule(ROLE)
@present
def counts(inputs):
    for name, low in (("ecs_service_gunicorn_workers", 1), ("ecs_service_desired_count", 0),
                      ("ecs_service_health_check_grace_period", 0), ("ecs_service_wait_timeout", 0)):
        value = inputs.get(name)
        if name in inputs and not _at_least(value, low):
            unit = " seconds" if name.endswith(("_period", "_timeout")) else ""
            yield not_allowed(name, value, f"use {low} or more{unit}.")


@rule(ROLE)
@present
def deployment_percents(inputs):
    low, high = inputs["ecs_service_min_healthy_percent"], inputs["ecs_service_max_percent"]
    if not within(low, 0, 100):
        yield not_allowed("ecs_service_min_healthy_percent", low, "use 0 to 100 (percent of the desired count).")
    if not within(high, 100, 400):
        yield not_allowed("ecs_service_max_percent", high, "use 100 to 400 (percent of the desired count).")
    if within(low, 0, 100) and within(high, 100, 400) and as_int(low) >= as_int(high):
        yield together([("ecs_service_min_healthy_percent", low), ("ecs_service_max_percent", high)],
                       "the minimum healthy percent must be below the maximum percent, or a deployment cannot start"
                       " a new task.")


@rule(ROLE)
@present
def circuit_breaker(inputs):
    breaker = inputs["ecs_service_circuit_breaker"]
    enable, rollback = (breaker.get("enable"), breaker.get("rollback")) if isinstance(breaker, dict) else (None, None)
    if not isinstance(enable, bool) or not isinstance(rollback, bool) or (rollback and not enable) or len(breaker) != 2:
        yield not_allowed("ecs_service_circuit_breaker", breaker, "use {enable: true|false, rollback: true|false},"
                          " rollback only with enable.")


@rule(ROLE)
@present
def container_health_check(inputs):
    interval, timeout = inputs["ecs_service_health_check_interval"], inputs["ecs_service_health_check_timeout"]
    if not within(interval, 5, 300):
        yield not_allowed("ecs_service_health_check_interval", interval, "use 5 to 300 seconds.")
    if not within(timeout, 2, 60):
        yield not_allowed("ecs_service_health_check_timeout", timeout, "use 2 to 60 seconds, below the interval.")
    elif within(interval, 5, 300) and as_int(timeout) >= as_int(interval):
        yield together([("ecs_service_health_check_timeout", timeout), ("ecs_service_health_check_interval", interval)],
                       "a health check must time out before the next one starts (timeout below the interval).")
    retries = inputs["ecs_service_health_check_retries"]
    if not within(retries, 1, 10):
        yield not_allowed("ecs_service_health_check_retries", retries, "use 1 to 10.")
    start = inputs["ecs_service_health_check_start_period"]
    if not within(start, 0, 300):
        yield not_allowed("ecs_service_health_check_start_period", start, "use 0 to 300 seconds.")


@rule(ROLE)
@present
def health_check_command(inputs):
    command = inputs["ecs_service_health_check_command"]
    if not isinstance(command, list) or len(command) < 2 or command[0] not in ("CMD", "CMD-SHELL"):
        yield not_allowed("ecs_service_health_check_command", command, "use a list starting with CMD or CMD-SHELL"
                          ' followed by the command, like ["CMD-SHELL", "curl -f http://localhost/health"].')


@rule(ROLE)
@present
def capacity_providers(inputs):
    providers = inputs["ecs_service_capacity_providers"]
    other = [name for name in providers or () if name not in CAPACITY_PROVIDERS]
    if other or not providers:
        yield not_allowed("ecs_service_capacity_providers", providers, "use FARGATE, FARGATE_SPOT or both.")
    strategy = inputs["ecs_service_capacity_provider_strategy"]
    # The modules' rule (ecs_service_deploy, ecs_fargate_cluster), with the role's names.
    yield from capacity_provider_strategy_problems(strategy, providers, "ecs_service_capacity_provider_strategy",
                                                   "ecs_service_capacity_providers", allow_empty=False)
    architecture = inputs["ecs_service_cpu_architecture"]
    if architecture == "ARM64" and any(isinstance(item, dict) and item.get("capacity_provider") == "FARGATE_SPOT"
                                       for item in strategy or ()):
        yield together([("ecs_service_capacity_provider_strategy", strategy), ("ecs_service_cpu_architecture", architecture)],
                       "Fargate Spot runs X86_64 tasks only; place ARM64 tasks with FARGATE.")


@rule(ROLE)
@present
def user(inputs):
    value = show(inputs["ecs_service_user"])
    if not USER.match(value) or value.split(":")[0] in ("0", "root"):
        yield not_allowed("ecs_service_user", value, "use a non-root user[:group], like 1000:1000.")


@rule(ROLE)
@present
def log_retention(inputs):
    days = inputs["ecs_service_log_retention_days"]
    if as_int(days) not in LOG_RETENTION_DAYS:
        yield not_allowed("ecs_service_log_retention_days", days, "use one of " + ", ".join(map(str, LOG_RETENTION_DAYS))
                          + " (the retention periods CloudWatch Logs accepts).")


@rule(ROLE)
@present
def environment_and_secret_names(inputs):
    environment, secrets = inputs["ecs_service_environment"] or {}, inputs["ecs_service_secrets"] or {}
    for variable, values in (("ecs_service_environment", environment), ("ecs_service_secrets", secrets)):
        for name in values:
            if not VARIABLE_NAME.match(str(name)):
                yield (f"{variable} key {str(name)!r} is not allowed: name environment variables with letters, digits"
                       " and _, not starting with a digit.")
            elif name == GUNICORN_VARIABLE:
                yield (f"{variable} key {GUNICORN_VARIABLE!r} is not allowed: the role makes it from"
                       " ecs_service_gunicorn_* (workers, keep-alive, graceful timeout).")
    for name in sorted(set(map(str, environment)) & set(map(str, secrets))):
        yield together([("ecs_service_environment", {name: environment[name]}), ("ecs_service_secrets", {name: secrets[name]})],
                       f"{name} may be a plain variable or a secret, not both.")


@rule(ROLE)
@present
def secret_arns(inputs):
    for name, value in sorted((inputs["ecs_service_secrets"] or {}).items()):
        if not isinstance(value, str) or not SECRET_ARN.match(value):
            yield not_allowed(f"ecs_service_secrets[{name}]", value, "use the full ARN of an SSM parameter"
                              " (arn:aws:ssm:<region>:<account>:parameter/<name>) or a Secrets Manager secret"
                              " (arn:aws:secretsmanager:<region>:<account>:secret:<name>[:<json-key>:<stage>:<version>]),"
                              " so the execution role can be given read access to exactly it.")


@rule(ROLE)
def names(inputs):
    for name, pattern, allowed in (
        ("ecs_service_cluster_name", r"^[A-Za-z0-9_-]{1,255}$", "use 1 to 255 letters, digits, hyphens or underscores."),
        ("ecs_service_name", r"^[A-Za-z0-9_-]{1,255}$",
         "use 1 to 255 letters, digits, hyphens or underscores (it names the service and its container)."),
        ("ecs_service_family", r"^[A-Za-z0-9_-]{1,54}$", "use 1 to 54 letters, digits, hyphens or underscores (the IAM"
         " role <family>-execution must stay within 64 characters)."),
        ("ecs_service_log_group_name", r"^[A-Za-z0-9_./#-]{1,512}$", "use 1 to 512 letters, digits and _ - / . #"),
    ):
        value = inputs[name]
        if not re.match(pattern, show(value)):
            yield not_allowed(name, value, allowed)


@rule(ROLE)
@present
def task_role_policies(inputs):
    for arn in inputs["ecs_service_task_role_managed_policies"] or ():
        if not MANAGED_POLICY_ARN.match(show(arn)):
            yield not_allowed("ecs_service_task_role_managed_policies", arn, "use managed policy ARNs like"
                              " arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess.")


# The role's names of the deployment strategy inputs, for the rule the module shares.
STRATEGY_VARIABLES = {
    "strategy": "ecs_service_deployment_strategy",
    "bake_time": "ecs_service_deployment_bake_time",
    "step_percent": "ecs_service_deployment_linear_step_percent",
    "step_bake_time": "ecs_service_deployment_linear_step_bake_time",
    "canary_percent": "ecs_service_deployment_canary_percent",
    "canary_bake_time": "ecs_service_deployment_canary_bake_time",
    "controller": "ecs_service_deployment_controller",
    "choices": ("rolling", "blue_green", "linear", "canary"),
}


@rule(ROLE)
@present
def deployment_strategy(inputs):
    """The strategy and its parameters within AWS's ranges (the module's own rule), in the role's names."""
    strategy = inputs["ecs_service_deployment_strategy"]
    settings = {key: inputs.get(name) for key, name in STRATEGY_VARIABLES.items() if key != "choices"}
    settings["strategy"] = str(strategy).upper() if str(strategy) in STRATEGY_VARIABLES["choices"] else strategy
    for problem in deployment_strategy_problems(settings, STRATEGY_VARIABLES):
        # the messages show the value as the user wrote it
        yield problem.replace(f"ecs_service_deployment_strategy={settings['strategy']}",
                              f"ecs_service_deployment_strategy={strategy}")


@rule(ROLE)
@present
def deployment_alarms(inputs):
    alarms = inputs["ecs_service_deployment_alarms"]
    if not isinstance(alarms, list) or not all(isinstance(name, str) and 1 <= len(name) <= 255 for name in alarms):
        yield not_allowed("ecs_service_deployment_alarms", alarms, "use a list of CloudWatch alarm names (1 to 255"
                          " characters each), or [] for no deployment alarms.")
