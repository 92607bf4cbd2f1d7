"""Rules of the autoscaling role's inputs, and the STACK rule of the desired count within the bounds."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils import inputs as engine

GOOD = {
    "autoscaling_state": "present", "autoscaling_min_capacity": 2, "autoscaling_max_capacity": 15,
    "autoscaling_cpu_target": 70.0, "autoscaling_memory_target": None, "autoscaling_request_count_target": None,
    "autoscaling_scale_in_cooldown": 300, "autoscaling_scale_out_cooldown": 60,
    "ecs_service_state": "present", "ecs_service_desired_count": 10,
}


def problems(scopes=("autoscaling",), **changes):
    return engine.check(list(scopes), engine.Inputs(dict(GOOD, **changes)))


def test_good_inputs_have_no_problem():
    assert problems(scopes=("autoscaling", engine.STACK)) == []
    assert problems(autoscaling_memory_target=80, autoscaling_request_count_target=1000, autoscaling_cpu_target=100,
                    autoscaling_min_capacity=15, autoscaling_scale_in_cooldown=0) == []
    assert problems(autoscaling_memory_target="", autoscaling_request_count_target="") == []


@pytest.mark.parametrize("changes, message", [
    ({"autoscaling_min_capacity": 5, "autoscaling_max_capacity": 3},
     "autoscaling_min_capacity=5 is not allowed: use at least 1 and at most autoscaling_max_capacity=3;"
     " autoscaling_min_capacity (5) must not be greater than autoscaling_max_capacity (3)."),
    ({"autoscaling_min_capacity": 0}, "autoscaling_min_capacity=0 is not allowed: use at least 1 and at most"
     " autoscaling_max_capacity=15."),
    ({"autoscaling_max_capacity": 0}, "autoscaling_max_capacity=0 is not allowed: use at least 1."),
    ({"autoscaling_cpu_target": 0}, "autoscaling_cpu_target=0 is not allowed: use a percentage above 0 and at most 100."),
    ({"autoscaling_cpu_target": 101}, "autoscaling_cpu_target=101 is not allowed: use a percentage above 0"),
    # the argument spec makes the targets floats: shown as written
    ({"autoscaling_cpu_target": 150.0}, "autoscaling_cpu_target=150 is not allowed: use a percentage above 0"),
    ({"autoscaling_cpu_target": 100.5}, "autoscaling_cpu_target=100.5 is not allowed"),
    ({"autoscaling_memory_target": 0.0}, "autoscaling_memory_target=0 is not allowed"),
    ({"autoscaling_memory_target": 0}, "autoscaling_memory_target=0 is not allowed: use a percentage above 0 and at most"
     " 100, or leave it unset."),
    ({"autoscaling_request_count_target": -5}, "autoscaling_request_count_target=-5 is not allowed: use a number of"
     " requests per task above 0"),
    ({"autoscaling_scale_in_cooldown": -1}, "autoscaling_scale_in_cooldown=-1 is not allowed: use 0 to 86400 seconds."),
    ({"autoscaling_scale_out_cooldown": 86401}, "autoscaling_scale_out_cooldown=86401 is not allowed: use 0 to 86400"),
])
def test_each_bad_input_is_named_with_its_value(changes, message):
    found = problems(**changes)
    assert len(found) == 1 and found[0].startswith(message), found


def test_the_desired_count_must_lie_within_the_bounds():
    assert problems(ecs_service_desired_count=20) == []  # not the role's own input
    found = problems(scopes=("autoscaling", engine.STACK), ecs_service_desired_count=20)
    assert found == ["ecs_service_desired_count=20 is not allowed: it must lie between autoscaling_min_capacity=2 and"
                     " autoscaling_max_capacity=15 (min <= desired <= max)."]
    assert len(problems(scopes=("autoscaling", engine.STACK), ecs_service_desired_count=1)) == 1


def test_unsound_bounds_are_reported_once():
    found = problems(scopes=("autoscaling", engine.STACK), autoscaling_min_capacity=5, autoscaling_max_capacity=3)
    assert len(found) == 1 and found[0].startswith("autoscaling_min_capacity=5 is not allowed"), found


def test_no_desired_count_rule_when_either_role_is_torn_down():
    assert problems(scopes=(engine.STACK,), ecs_service_desired_count=20, autoscaling_state="absent") == []
    assert problems(scopes=(engine.STACK,), ecs_service_desired_count=20, ecs_service_state="absent") == []
