"""Unit tests for inboxwine.fozzy module_utils.scaling: the autoscaling bounds rule."""

import pytest

from ansible_collections.inboxwine.fozzy.plugins.module_utils.scaling import scaling_bounds_problems

ROLE = dict(lowest=1, min_name="autoscaling_min_capacity", max_name="autoscaling_max_capacity",
            desired_name="ecs_service_desired_count")


@pytest.mark.parametrize("low, high, desired, kwargs", [
    (2, 15, None, {}),
    (0, 0, None, {}),
    (None, None, None, {}),
    (None, 3, None, {}),
    (7, None, None, {}),
    (2, 15, 10, ROLE),
    (2, 15, 2, ROLE),
    (2, 15, 15, ROLE),
    ("2", "15", "10", ROLE),   # role input arrives as text
    (1, 1, None, ROLE),
])
def test_good_bounds(low, high, desired, kwargs):
    assert scaling_bounds_problems(low, high, desired, **kwargs) == []


def test_min_above_max_names_both_options():
    assert scaling_bounds_problems(9, 4) == [
        "min_capacity=9 is not allowed: use at least 0 and at most max_capacity=4;"
        " min_capacity (9) must not be greater than max_capacity (4)."
    ]


def test_min_above_max_in_the_role_words():
    # the sentence the autoscaling role's input check has given so far, and the module's
    assert scaling_bounds_problems(5, 3, **ROLE) == [
        "autoscaling_min_capacity=5 is not allowed: use at least 1 and at most autoscaling_max_capacity=3;"
        " autoscaling_min_capacity (5) must not be greater than autoscaling_max_capacity (3)."
    ]


def test_min_below_the_lowest():
    assert scaling_bounds_problems(-1, 15) == ["min_capacity=-1 is not allowed: use at least 0 and at most max_capacity=15."]
    assert scaling_bounds_problems(0, 15, **ROLE) == [
        "autoscaling_min_capacity=0 is not allowed: use at least 1 and at most autoscaling_max_capacity=15."
    ]
    assert scaling_bounds_problems(-1, None) == ["min_capacity=-1 is not allowed: use at least 0."]


def test_max_below_the_lowest_is_reported_on_its_own():
    assert scaling_bounds_problems(None, -2) == ["max_capacity=-2 is not allowed: use at least 0."]
    assert scaling_bounds_problems(-3, -2) == [
        "min_capacity=-3 is not allowed: use at least 0.",
        "max_capacity=-2 is not allowed: use at least 0.",
    ]
    # a fine minimum above a bad maximum: only the maximum is wrong
    assert scaling_bounds_problems(2, 0, **ROLE) == ["autoscaling_max_capacity=0 is not allowed: use at least 1."]


def test_desired_count_outside_the_bounds():
    assert scaling_bounds_problems(2, 15, 20, **ROLE) == [
        "ecs_service_desired_count=20 is not allowed: it must lie between autoscaling_min_capacity=2 and"
        " autoscaling_max_capacity=15 (min <= desired <= max)."
    ]
    assert scaling_bounds_problems(2, 15, 1) == [
        "desired_count=1 is not allowed: it must lie between min_capacity=2 and max_capacity=15 (min <= desired <= max)."
    ]
    # min above max: no desired count fits either
    assert len(scaling_bounds_problems(5, 3, 10, **ROLE)) == 2


def test_desired_count_needs_both_bounds():
    assert scaling_bounds_problems(None, 15, 20) == []


@pytest.mark.parametrize("value, shown", [("two", "'two'"), (1.5, "1.5"), (True, "True"), ([], "[]")])
def test_non_numbers_are_named(value, shown):
    assert scaling_bounds_problems(value, 15) == [f"min_capacity={shown} is not allowed: use a whole number of tasks."]
    assert scaling_bounds_problems(2, 15, value, desired_name="d") == [f"d={shown} is not allowed: use a whole number of tasks."]
