#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: elb_listener_rule
version_added: 0.3.0
short_description: A forward rule of an Application Load Balancer listener whose weights ECS may own
description:
  - Creates, updates or deletes the listener rule at O(priority) of O(listener_arn), with path
    pattern and HTTP header conditions and one forward action over O(target_groups).
  - With O(keep_weights=true) (the default) only the set of target groups is compared, not their
    weights. ECS blue/green, linear and canary deployments rewrite the weights of their production
    and test listener rules on every deployment; a re-run then reports no change and never moves
    traffic back to the target group ECS drained. A rule whose set of target groups differs keeps
    the weight of each target group it still has; it gets the weights of O(target_groups) only
    when none of those carries traffic (a new rule always does).
  - Written because M(amazon.aws.elb_application_lb) compares a listener's rules with their
    weights, so it would undo every traffic shift ECS made.
author:
  - Inbox Wine platform team (@inboxwine)
options:
  listener_arn:
    description: ARN of the listener.
    type: str
    required: true
  priority:
    description: Priority of the rule (1 to 50000, lowest first); the rule is found again by it.
    type: int
    required: true
  state:
    description: V(present) creates or updates the rule, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  path_patterns:
    description: Path patterns the request must match, for example V(["/*"]) for every request.
    type: list
    elements: str
    default: []
  http_header_name:
    description: Name of an HTTP header the request must carry (with one of O(http_header_values)).
    type: str
  http_header_values:
    description: Values of O(http_header_name) that match (wildcards C(*) and C(?) allowed).
    type: list
    elements: str
    default: []
  target_groups:
    description: Target groups the rule forwards to. Required with O(state=present).
    type: list
    elements: dict
    suboptions:
      arn:
        description: ARN of the target group.
        type: str
        required: true
      weight:
        description: Weight (0 to 999) of a new rule, or of a rule whose target groups carried no traffic.
        type: int
        default: 0
  keep_weights:
    description: Compare only which target groups the rule forwards to, not their weights.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    details: Nothing is created, changed, tagged or deleted; RV(changes) and the diff say what a real run would do.
  diff_mode:
    support: full
  platform:
    platforms: all
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The production rule ECS shifts traffic with (every request, all of it to the first group)
  inboxwine.fozzy.elb_listener_rule:
    listener_arn: "{{ https_listener_arn }}"
    priority: 50000
    path_patterns: ["/*"]
    target_groups:
      - arn: "{{ primary_target_group_arn }}"
        weight: 100
      - arn: "{{ alternate_target_group_arn }}"
        weight: 0
    tags:
      Project: fozzy
"""

RETURN = r"""
changes:
  description: What was (in check mode, would be) changed, V(created), V(conditions), V(target_groups), V(tags) or V(deleted).
  returned: always
  type: list
  elements: str
  sample: ["created"]
rule:
  description: The rule after the task (before it, in check mode); empty when there is none.
  returned: always
  type: dict
  contains:
    rule_arn:
      description: ARN of the rule.
      type: str
      returned: when the rule exists
      sample: arn:aws:elasticloadbalancing:eu-central-1:123456789012:listener-rule/app/fozzy/1/2/3
    priority:
      description: Priority of the rule.
      type: str
      returned: when the rule exists
      sample: "50000"
    conditions:
      description: The rule's conditions in the API form.
      type: list
      elements: dict
      returned: when the rule exists
      sample: [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/*"]}}]
    target_groups:
      description: Target groups the rule forwards to, with their weights.
      type: list
      elements: dict
      returned: when the rule exists
      sample: [{"arn": "arn:aws:elasticloadbalancing:...:targetgroup/fozzy-tg/1", "weight": 100}]
"""

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_client
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_errors
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import make_diff
from ansible_collections.inboxwine.fozzy.plugins.module_utils.listener_rules import desired_conditions
from ansible_collections.inboxwine.fozzy.plugins.module_utils.listener_rules import forward_actions
from ansible_collections.inboxwine.fozzy.plugins.module_utils.listener_rules import forward_targets
from ansible_collections.inboxwine.fozzy.plugins.module_utils.listener_rules import normalise_conditions
from ansible_collections.inboxwine.fozzy.plugins.module_utils.listener_rules import only_forwards
from ansible_collections.inboxwine.fozzy.plugins.module_utils.listener_rules import planned_targets
from ansible_collections.inboxwine.fozzy.plugins.module_utils.listener_rules import rule_view
from ansible_collections.inboxwine.fozzy.plugins.module_utils.tags import reconcile_tags


def find_rule(module, elbv2, listener_arn, priority):
    try:
        paginator = elbv2.get_paginator("describe_rules")
        rules = [rule for page in paginator.paginate(ListenerArn=listener_arn) for rule in page["Rules"]]
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to describe the rules of listener {listener_arn}")
    for rule in rules:
        if rule.get("Priority") == str(priority):
            return rule
    return None


def rule_tags(module, elbv2, rule_arn):
    with aws_errors(module, f"read the tags of listener rule {rule_arn}"):
        descriptions = elbv2.describe_tags(ResourceArns=[rule_arn], aws_retry=True)["TagDescriptions"]
    return boto3_tag_list_to_ansible_dict(descriptions[0].get("Tags", [])) if descriptions else {}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            listener_arn=dict(type="str", required=True),
            priority=dict(type="int", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            path_patterns=dict(type="list", elements="str", default=[]),
            http_header_name=dict(type="str"),
            http_header_values=dict(type="list", elements="str", default=[]),
            target_groups=dict(type="list", elements="dict",
                               options=dict(arn=dict(type="str", required=True), weight=dict(type="int", default=0))),
            keep_weights=dict(type="bool", default=True),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
        ),
        required_if=[("state", "present", ["target_groups"])],
        supports_check_mode=True,
    )
    params = module.params
    if not 1 <= params["priority"] <= 50000:
        module.fail_json(msg=f"priority must be 1 to 50000, got {params['priority']}")
    if params["state"] == "present" and not (params["path_patterns"] or params["http_header_name"]):
        module.fail_json(msg="path_patterns or http_header_name is required: a rule needs a condition")
    elbv2 = aws_client(module, "elbv2")
    rule = find_rule(module, elbv2, params["listener_arn"], params["priority"])
    before = rule_view(rule)
    what = f"listener rule {params['priority']} of {params['listener_arn']}"

    if params["state"] == "absent":
        if rule and not module.check_mode:
            with aws_errors(module, f"delete {what}"):
                elbv2.delete_rule(RuleArn=rule["RuleArn"], aws_retry=True)
        module.exit_json(changed=bool(rule), changes=["deleted"] if rule else [], rule=before, diff=make_diff(before, {}))

    conditions = desired_conditions(params["path_patterns"], params["http_header_name"], params["http_header_values"])
    desired = {group["arn"]: group["weight"] for group in params["target_groups"]}
    if sum(desired.values()) == 0:
        module.fail_json(msg="target_groups: at least one target group needs a weight above 0, or no request is served")

    if rule is None:
        after = {"RuleArn": "", "Priority": str(params["priority"]), "Conditions": conditions,
                 "Actions": forward_actions(desired)}
        if not module.check_mode:
            request = dict(ListenerArn=params["listener_arn"], Priority=params["priority"], Conditions=conditions,
                           Actions=forward_actions(desired))
            if params["tags"]:
                request["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
            with aws_errors(module, f"create {what}"):
                after = elbv2.create_rule(aws_retry=True, **request)["Rules"][0]
        module.exit_json(changed=True, changes=["created"], rule=rule_view(after), diff=make_diff(before, rule_view(after)))

    changes = []
    current_targets = forward_targets(rule.get("Actions"))
    targets = planned_targets(current_targets, desired, params["keep_weights"])
    if not only_forwards(rule.get("Actions")):
        targets = targets or planned_targets({}, desired, params["keep_weights"])
    if normalise_conditions(rule.get("Conditions")) != conditions:
        changes.append("conditions")
    if targets is not None:
        changes.append("target_groups")
    after = dict(rule, Conditions=conditions, Actions=forward_actions(targets) if targets is not None else rule["Actions"])
    if changes and not module.check_mode:
        with aws_errors(module, f"update {what}"):
            after = elbv2.modify_rule(RuleArn=rule["RuleArn"], Conditions=conditions, Actions=after["Actions"],
                                      aws_retry=True)["Rules"][0]
    tags = reconcile_tags(
        module, rule_tags(module, elbv2, rule["RuleArn"]), params["tags"], params["purge_tags"],
        add=lambda tags: elbv2.add_tags(ResourceArns=[rule["RuleArn"]], Tags=ansible_dict_to_boto3_tag_list(tags),
                                        aws_retry=True),
        remove=lambda keys: elbv2.remove_tags(ResourceArns=[rule["RuleArn"]], TagKeys=keys, aws_retry=True),
        what=what,
    )
    if tags.changed:
        changes.append("tags")
    module.exit_json(changed=bool(changes), changes=changes, rule=rule_view(after),
                     diff=make_diff(before, rule_view(after)))


if __name__ == "__main__":
    main()
