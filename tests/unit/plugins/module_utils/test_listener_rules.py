"""The comparison of the elb_listener_rule module: conditions, and target groups whose weights ECS owns."""
from ansible_collections.inboxwine.fozzy.plugins.module_utils import listener_rules as rules

BLUE, GREEN, OTHER = "arn:tg/blue", "arn:tg/green", "arn:tg/other"


def test_conditions_compare_in_the_form_aws_answers():
    wanted = rules.desired_conditions(["/*"], "X-Test", ["b", "a"])
    answered = [{"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Test", "Values": ["a", "b"]}},
                {"Field": "path-pattern", "Values": ["/*"], "PathPatternConfig": {"Values": ["/*"]}}]
    assert rules.normalise_conditions(answered) == wanted


def test_forward_targets_of_a_weighted_or_a_plain_forward():
    weighted = [{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": BLUE, "Weight": 0},
                                                                       {"TargetGroupArn": GREEN, "Weight": 100}]}}]
    assert rules.forward_targets(weighted) == {BLUE: 0, GREEN: 100}
    assert rules.forward_targets([{"Type": "forward", "TargetGroupArn": BLUE}]) == {BLUE: 1}
    assert rules.forward_targets([{"Type": "fixed-response"}]) == {}
    assert rules.only_forwards(weighted) and not rules.only_forwards([{"Type": "redirect"}])


def test_weights_ecs_shifted_are_no_change():
    desired = {BLUE: 100, GREEN: 0}
    assert rules.planned_targets({BLUE: 0, GREEN: 100}, desired) is None
    assert rules.planned_targets({BLUE: 90, GREEN: 10}, desired) is None
    assert rules.planned_targets({BLUE: 100, GREEN: 0}, desired) is None


def test_a_changed_set_keeps_the_traffic_where_it_is():
    desired = {BLUE: 100, GREEN: 0}
    # the serving group stays serving: no traffic to the drained one
    assert rules.planned_targets({GREEN: 100, OTHER: 5}, desired) == {BLUE: 0, GREEN: 100}
    # nothing of ours carries traffic (or a new rule): the task's weights
    assert rules.planned_targets({OTHER: 100}, desired) == desired
    assert rules.planned_targets({BLUE: 0, GREEN: 0}, desired) == desired


def test_weights_compared_when_asked():
    desired = {BLUE: 100, GREEN: 0}
    assert rules.planned_targets({BLUE: 0, GREEN: 100}, desired, keep_weights=False) == desired
    assert rules.planned_targets(dict(desired), desired, keep_weights=False) is None


def test_rule_view_and_actions():
    actions = rules.forward_actions({BLUE: 100, GREEN: 0})
    assert actions[0]["ForwardConfig"]["TargetGroups"] == [{"TargetGroupArn": BLUE, "Weight": 100},
                                                           {"TargetGroupArn": GREEN, "Weight": 0}]
    view = rules.rule_view({"RuleArn": "arn:rule", "Priority": "50000", "Conditions": [], "Actions": actions})
    assert view["target_groups"] == [{"arn": BLUE, "weight": 100}, {"arn": GREEN, "weight": 0}]
    assert rules.rule_view(None) == {}
