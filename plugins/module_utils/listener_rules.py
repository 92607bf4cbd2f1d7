# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The comparison logic of the elb_listener_rule module (plain functions, unit-tested without AWS).

A rule is found by its listener and priority. What is compared: the conditions (path patterns,
one HTTP header) and the SET of target groups its forward action spreads traffic over. Their
weights are compared only when the task asks for it (``keep_weights=False``): ECS's blue/green,
linear and canary deployments rewrite the production listener rule's weights on every
deployment, and a re-run must neither undo that nor send traffic to the target group ECS drained.
"""


def desired_conditions(path_patterns, http_header_name, http_header_values):
    """The API form of the rule's conditions, sorted, in the shape normalise_conditions() gives."""
    conditions = []
    if path_patterns:
        conditions.append({"Field": "path-pattern", "PathPatternConfig": {"Values": sorted(path_patterns)}})
    if http_header_name:
        conditions.append({"Field": "http-header",
                           "HttpHeaderConfig": {"HttpHeaderName": http_header_name, "Values": sorted(http_header_values or [])}})
    return sorted(conditions, key=lambda c: c["Field"])


def normalise_conditions(conditions):
    """A rule's conditions as DescribeRules answers them (``Values`` and/or ``...Config``), in the form
    desired_conditions() makes; conditions of other fields are kept as they are."""
    found = []
    for condition in conditions or []:
        field = condition.get("Field")
        if field == "path-pattern":
            values = (condition.get("PathPatternConfig") or {}).get("Values") or condition.get("Values") or []
            found.append({"Field": field, "PathPatternConfig": {"Values": sorted(values)}})
        elif field == "http-header":
            config = condition.get("HttpHeaderConfig") or {}
            found.append({"Field": field, "HttpHeaderConfig": {"HttpHeaderName": config.get("HttpHeaderName"),
                                                               "Values": sorted(config.get("Values") or [])}})
        else:
            found.append(condition)
    return sorted(found, key=lambda c: c.get("Field") or "")


def forward_targets(actions):
    """``{target group ARN: weight}`` of a rule's forward action ({} when it has none)."""
    for action in actions or []:
        if action.get("Type") != "forward":
            continue
        groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
        if groups:
            return {group["TargetGroupArn"]: int(group.get("Weight", 1)) for group in groups}
        if action.get("TargetGroupArn"):
            return {action["TargetGroupArn"]: 1}
    return {}


def only_forwards(actions):
    """Whether every action of the rule is a forward (what ECS's traffic shifting needs)."""
    return bool(actions) and all(action.get("Type") == "forward" for action in actions)


def planned_targets(current, desired, keep_weights=True):
    """The ``{ARN: weight}`` the rule must forward with, or None when ``current`` is right.

    ``desired``: ``{ARN: weight}`` of the task, the weights those of a new rule. With
    ``keep_weights``, a rule that forwards to exactly the desired target groups is right whatever
    its weights, as long as some traffic flows; a rule whose set differs keeps the weight of each
    target group it still has, and gets the task's weights only when none of those carries traffic.
    """
    if keep_weights and set(current) == set(desired) and sum(current.values()) > 0:
        return None
    if not keep_weights and current == desired:
        return None
    if keep_weights:
        kept = {arn: current.get(arn, 0) for arn in desired}
        if sum(kept.values()) > 0:
            return kept
    return dict(desired)


def forward_actions(targets):
    """The rule's one forward action over ``targets`` ({ARN: weight}), in the order given."""
    return [{"Type": "forward", "ForwardConfig": {
        "TargetGroups": [{"TargetGroupArn": arn, "Weight": weight} for arn, weight in targets.items()],
        "TargetGroupStickinessConfig": {"Enabled": False},
    }}]


def rule_view(rule):
    """The rule for the diff and the result: priority, conditions and target groups with weights."""
    if not rule:
        return {}
    targets = forward_targets(rule.get("Actions"))
    return {
        "rule_arn": rule.get("RuleArn", ""),
        "priority": rule.get("Priority"),
        "conditions": normalise_conditions(rule.get("Conditions")),
        "target_groups": [{"arn": arn, "weight": weight} for arn, weight in sorted(targets.items())],
    }
