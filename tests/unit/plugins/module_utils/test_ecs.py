"""Unit tests for inboxwine.fozzy module_utils.ecs: capacity provider strategies and ECS tags."""

import json

import pytest

from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import capacity_provider_strategy_problems
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import ecs_tag_list
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import ecs_tags
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import normalise_strategy
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import reconcile_ecs_tags
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import strategy_from_options
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import strategy_view

FARGATE = {"capacity_provider": "FARGATE", "weight": 1, "base": 1}
SPOT = {"capacity_provider": "FARGATE_SPOT", "weight": 3}


# ---------------------------------------------------------------------------- normalisation
def test_an_api_answer_and_the_options_compare_equal():
    answer = [{"capacityProvider": "FARGATE_SPOT", "weight": 3}, {"capacityProvider": "FARGATE", "weight": 1, "base": 1}]
    assert normalise_strategy(answer) == strategy_from_options([FARGATE, SPOT]) == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0},
    ]


def test_options_without_weight_or_base_take_the_module_defaults():
    assert strategy_from_options([{"capacity_provider": "FARGATE"}]) == [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    assert strategy_from_options([{"capacity_provider": "FARGATE", "weight": None, "base": None}]) == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 0}
    ]


def test_none_and_empty():
    assert strategy_from_options(None) is None
    assert strategy_from_options([]) == []
    assert normalise_strategy(None) == []
    assert strategy_view(None) == []


def test_view_is_snake_case_and_sorted():
    assert strategy_view([{"capacityProvider": "FARGATE_SPOT", "weight": 2}, {"capacityProvider": "FARGATE", "base": 1}]) == [
        {"capacity_provider": "FARGATE", "weight": 0, "base": 1},
        {"capacity_provider": "FARGATE_SPOT", "weight": 2, "base": 0},
    ]


# ------------------------------------------------------------ capacity_provider_strategy_problems
@pytest.mark.parametrize("strategy, providers", [
    ([FARGATE], None),
    ([FARGATE, SPOT], ["FARGATE", "FARGATE_SPOT"]),
    ([{"capacity_provider": "FARGATE"}], ["FARGATE"]),
    ([{"capacity_provider": "FARGATE", "weight": "2", "base": "0"}], None),   # role input as text
    ([{"capacity_provider": "FARGATE", "weight": 0, "base": 2}, {"capacity_provider": "FARGATE_SPOT", "weight": 1000}], None),
    ([{"capacity_provider": "FARGATE", "weight": 1, "base": 100000}], None),
    ([], None),
    (None, None),
])
def test_good_strategies(strategy, providers):
    assert capacity_provider_strategy_problems(strategy, providers) == []


def test_two_bases():
    strategy = [{"capacity_provider": "FARGATE", "base": 1, "weight": 1}, {"capacity_provider": "FARGATE_SPOT", "base": 2, "weight": 1}]
    assert capacity_provider_strategy_problems(strategy, name="ecs_service_capacity_provider_strategy") == [
        f"ecs_service_capacity_provider_strategy={json.dumps(strategy)} is not allowed: only one capacity provider may"
        " have a base above 0, but FARGATE and FARGATE_SPOT have one; give the base to one of them."
    ]


def test_provider_not_in_the_cluster():
    strategy = [SPOT]
    assert capacity_provider_strategy_problems(strategy, ["FARGATE"], name="default_capacity_provider_strategy") == [
        f"default_capacity_provider_strategy={json.dumps(strategy)} is not allowed: it uses FARGATE_SPOT, which is not"
        " in capacity_providers (FARGATE); use only capacity providers of the cluster."
    ]
    [problem] = capacity_provider_strategy_problems(
        [{"capacity_provider": "A"}, {"capacity_provider": "B"}], [], name="s", providers_name="ecs_service_capacity_providers"
    )
    assert problem.endswith("it uses A, B, which are not in ecs_service_capacity_providers (none); use only capacity"
                            " providers of the cluster.")


@pytest.mark.parametrize("item, shown", [
    ({"capacity_provider": "FARGATE", "weight": 1001}, "weight 1001 and base 0"),
    ({"capacity_provider": "FARGATE", "weight": -1}, "weight -1 and base 0"),
    ({"capacity_provider": "FARGATE", "base": 100001}, "weight 1 and base 100001"),
    ({"capacity_provider": "FARGATE", "weight": "x"}, 'weight "x" and base 0'),
    ({"capacity_provider": "FARGATE", "weight": 1.5}, "weight 1.5 and base 0"),
])
def test_weight_and_base_ranges(item, shown):
    assert capacity_provider_strategy_problems([item]) == [
        f"capacity_provider_strategy={json.dumps([item])} is not allowed: FARGATE has {shown}; use a weight of 0 to 1000"
        " and a base of 0 to 100000 (whole numbers)."
    ]


def test_no_weight_above_zero():
    strategy = [{"capacity_provider": "FARGATE", "weight": 0, "base": 1}, {"capacity_provider": "FARGATE_SPOT", "weight": 0}]
    assert capacity_provider_strategy_problems(strategy) == [
        f"capacity_provider_strategy={json.dumps(strategy)} is not allowed: at least one capacity provider needs a weight"
        " above 0, or ECS places no task beyond the base."
    ]


def test_too_many_providers():
    strategy = [{"capacity_provider": f"cp{i}", "weight": 1} for i in range(21)]
    [problem] = capacity_provider_strategy_problems(strategy)
    assert problem.endswith("is not allowed: it names 21 capacity providers; use at most 20.")
    assert capacity_provider_strategy_problems(strategy[:20]) == []


def test_empty_when_a_strategy_is_required():
    assert capacity_provider_strategy_problems([], ["FARGATE", "FARGATE_SPOT"], name="ecs_service_capacity_provider_strategy",
                                               providers_name="ecs_service_capacity_providers", allow_empty=False) == [
        'ecs_service_capacity_provider_strategy=[] is not allowed: name at least one capacity provider of'
        ' ecs_service_capacity_providers=["FARGATE", "FARGATE_SPOT"] to place the tasks with.'
    ]
    assert capacity_provider_strategy_problems(None, allow_empty=False) == [
        "capacity_provider_strategy=null is not allowed: name at least one capacity provider to place the tasks with."
    ]


@pytest.mark.parametrize("strategy", ["FARGATE", {"capacity_provider": "FARGATE"}, 3])
def test_not_a_list(strategy):
    [problem] = capacity_provider_strategy_problems(strategy)
    assert problem.startswith(f"capacity_provider_strategy={json.dumps(strategy)} is not allowed: use a list of capacity"
                              " providers, each a mapping with capacity_provider, weight")


@pytest.mark.parametrize("item", [{"weight": 1}, "FARGATE", {"capacity_provider": ""}])
def test_item_without_a_provider(item):
    [problem] = capacity_provider_strategy_problems([item])
    assert problem == (f"capacity_provider_strategy={json.dumps([item])} is not allowed: {json.dumps(item)} names no"
                       " capacity provider; give each item a capacity_provider such as FARGATE or FARGATE_SPOT.")


def test_every_problem_is_reported():
    strategy = [{"capacity_provider": "X", "weight": 0, "base": 1}, {"capacity_provider": "FARGATE", "weight": 0, "base": 1}]
    problems = capacity_provider_strategy_problems(strategy, ["FARGATE"])
    assert [p.split(" is not allowed: ")[1].split(",")[0].split(";")[0] for p in problems] == [
        "it uses X",
        "only one capacity provider may have a base above 0",
        "at least one capacity provider needs a weight above 0",
    ]


# ------------------------------------------------------------------------------------- tags
class FakeModule:
    check_mode = False


class FakeEcs:
    def __init__(self):
        self.calls = []

    def tag_resource(self, **kwargs):
        self.calls.append(("tag_resource", kwargs))

    def untag_resource(self, **kwargs):
        self.calls.append(("untag_resource", kwargs))


def test_ecs_tags_round_trip():
    assert ecs_tags({"tags": [{"key": "A", "value": "1"}]}) == {"A": "1"}
    assert ecs_tags({}) == {} and ecs_tags(None) == {}
    assert ecs_tag_list({"A": "1"}) == [{"key": "A", "value": "1"}]
    assert ecs_tag_list(None) == []


def test_reconcile_ecs_tags_uses_tag_and_untag_resource():
    ecs = FakeEcs()
    changes = reconcile_ecs_tags(FakeModule(), ecs, "arn:c", {"A": "1", "B": "2"}, {"A": "9"}, True, "ECS cluster c")
    assert ecs.calls == [
        ("untag_resource", {"resourceArn": "arn:c", "tagKeys": ["B"], "aws_retry": True}),
        ("tag_resource", {"resourceArn": "arn:c", "tags": [{"key": "A", "value": "9"}], "aws_retry": True}),
    ]
    assert changes.after == {"A": "9"}
