# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the autoscaling role's inputs, and the STACK rule of the service's desired count
within the scaling bounds (the role itself never reads ecs_service_* variables)."""

from ansible_collections.inboxwine.fozzy.plugins.module_utils.scaling import scaling_bounds_problems
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.inputs import STACK, as_int, not_allowed, rule

ROLE = "autoscaling"
MAX_COOLDOWN = 86400


def _number(value):
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _as_written(value):
    """A target as the user wrote it: the argument spec makes 70 a float, 70.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _unset(value):
    return value is None or (isinstance(value, str) and not value.strip())


# The bounds are the module's rule too (ecs_service_scaling): one function, with the role's names.
BOUNDS = {"lowest": 1, "min_name": "autoscaling_min_capacity", "max_name": "autoscaling_max_capacity"}


@rule(ROLE)
def bounds(inputs):
    yield from scaling_bounds_problems(inputs["autoscaling_min_capacity"], inputs["autoscaling_max_capacity"], **BOUNDS)


@rule(STACK)
def desired_count_within_bounds(inputs):
    """The service's first task count within the bounds; unsound bounds are reported by
    ``bounds`` alone (no count could lie between them)."""
    if inputs.get("autoscaling_state", "present") != "present" or inputs.get("ecs_service_state", "present") != "present":
        return
    low, high = inputs["autoscaling_min_capacity"], inputs["autoscaling_max_capacity"]
    if not scaling_bounds_problems(low, high, **BOUNDS):
        yield from scaling_bounds_problems(low, high, inputs["ecs_service_desired_count"],
                                           desired_name="ecs_service_desired_count", **BOUNDS)


@rule(ROLE)
def targets(inputs):
    cpu = _as_written(inputs["autoscaling_cpu_target"])
    if not (_number(cpu) is not None and 0 < _number(cpu) <= 100):
        yield not_allowed("autoscaling_cpu_target", cpu, "use a percentage above 0 and at most 100.")
    memory = _as_written(inputs.get("autoscaling_memory_target"))
    if not _unset(memory) and not (_number(memory) is not None and 0 < _number(memory) <= 100):
        yield not_allowed("autoscaling_memory_target", memory, "use a percentage above 0 and at most 100, or leave it unset.")
    requests = _as_written(inputs.get("autoscaling_request_count_target"))
    if not _unset(requests) and not (_number(requests) is not None and _number(requests) > 0):
        yield not_allowed("autoscaling_request_count_target", requests, "use a number of requests per task above 0, or"
                          " leave it unset.")


@rule(ROLE)
def cooldowns(inputs):
    for name in ("autoscaling_scale_in_cooldown", "autoscaling_scale_out_cooldown"):
        value = inputs[name]
        if as_int(value) is None or not 0 <= as_int(value) <= MAX_COOLDOWN:
            yield not_allowed(name, value, f"use 0 to {MAX_COOLDOWN} seconds.")
