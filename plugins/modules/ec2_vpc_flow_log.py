#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_vpc_flow_log
version_added: 0.3.0
short_description: Manage the flow log of a VPC, subnet or network interface that delivers to CloudWatch Logs
description:
  - Creates, replaces or deletes the flow log of one resource that delivers to one CloudWatch Logs group, and
    keeps its tags.
  - The flow log is found by O(resource_id) and O(log_group_name), so a re-run finds the one it made. A flow log
    cannot be modified; one whose traffic type, role, aggregation interval or format differs from the task is
    deleted and created again (RV(changes) names the fields). Flow logs of the resource to other destinations are
    not touched.
  - Written because neither amazon.aws nor community.aws manage flow logs.
author:
  - Inbox Wine platform team (@inboxwine)
options:
  resource_id:
    description:
      - Id of the VPC, subnet or network interface whose traffic is logged.
    type: str
    required: true
  resource_type:
    description:
      - Type of O(resource_id).
    type: str
    choices: [VPC, Subnet, NetworkInterface]
    default: VPC
  log_group_name:
    description:
      - CloudWatch Logs group the records go to. It should exist (create it with its retention first, or AWS makes
        one that never expires).
    type: str
    required: true
  deliver_logs_permission_arn:
    description:
      - ARN of the IAM role the flow logs service assumes to write to the log group.
      - Required when O(state=present).
    type: str
  traffic_type:
    description:
      - V(ALL) logs accepted and rejected traffic, V(REJECT) only rejected, V(ACCEPT) only accepted.
    type: str
    choices: [ACCEPT, REJECT, ALL]
    default: ALL
  max_aggregation_interval:
    description:
      - Seconds over which a flow is captured into one record, V(60) or V(600).
    type: int
    choices: [60, 600]
    default: 600
  log_format:
    description:
      - Fields of the records, in the flow log record syntax (C(${version} ${srcaddr} ...)).
      - Not set, AWS's default format; an existing flow log is then not compared on its format.
    type: str
  state:
    description:
      - V(present) creates (or replaces) the flow log, V(absent) deletes every flow log of O(resource_id) to
        O(log_group_name).
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    details:
      - Nothing is created, replaced, tagged or deleted; RV(changes) and the diff say what a real run would do,
        and RV(flow_log) is the flow log as it is (empty when it would be created).
  diff_mode:
    support: full
    details:
      - The diff shows the fields the module manages and the tags; not the status or the creation time.
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
- name: Log the rejected traffic of a VPC to CloudWatch Logs
  inboxwine.fozzy.ec2_vpc_flow_log:
    resource_id: vpc-0123456789abcdef0
    log_group_name: /vpc/fozzy-api-production/flow-logs
    deliver_logs_permission_arn: arn:aws:iam::123456789012:role/fozzy-api-production-flow-logs
    traffic_type: REJECT
    tags:
      Project: fozzy

- name: Delete it
  inboxwine.fozzy.ec2_vpc_flow_log:
    resource_id: vpc-0123456789abcdef0
    log_group_name: /vpc/fozzy-api-production/flow-logs
    state: absent
"""

RETURN = r"""
changes:
  description:
    - What was (in check mode, would be) done. V(created), V(deleted), V(tags), or the fields that made the
      module replace the flow log (V(traffic_type), V(deliver_logs_permission_arn), V(max_aggregation_interval),
      V(log_format)), and V(duplicates) when more than one flow log of the resource went to the group.
  returned: always
  type: list
  elements: str
  sample: ["traffic_type"]
flow_log:
  description: The flow log after the task (before it, in check mode). Empty when there is none.
  returned: always
  type: dict
  contains:
    flow_log_id:
      description: Id of the flow log.
      type: str
      returned: when the flow log exists
      sample: fl-0123456789abcdef0
    resource_id:
      description: The resource logged.
      type: str
      returned: when the flow log exists
      sample: vpc-0123456789abcdef0
    log_group_name:
      description: The log group the records go to.
      type: str
      returned: when the flow log exists
      sample: /vpc/fozzy-api-production/flow-logs
    deliver_logs_permission_arn:
      description: The role the service assumes.
      type: str
      returned: when the flow log exists
      sample: arn:aws:iam::123456789012:role/fozzy-api-production-flow-logs
    traffic_type:
      description: The traffic logged.
      type: str
      returned: when the flow log exists
      sample: REJECT
    max_aggregation_interval:
      description: Seconds per record.
      type: int
      returned: when the flow log exists
      sample: 600
    log_format:
      description: Fields of the records.
      type: str
      returned: when the flow log exists
      sample: ${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol}
    flow_log_status:
      description: Status of the flow log.
      type: str
      returned: when the flow log exists
      sample: ACTIVE
    deliver_logs_status:
      description: Whether delivery works (V(SUCCESS), V(FAILED)); AWS sets it once it has tried.
      type: str
      returned: when the flow log exists
      sample: SUCCESS
    tags:
      description: Tags of the flow log.
      type: dict
      returned: when the flow log exists
      sample: {"Project": "fozzy"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_client
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_errors
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import make_diff
from ansible_collections.inboxwine.fozzy.plugins.module_utils.tags import reconcile_tags

# The settings a flow log is compared on: module option -> key of DescribeFlowLogs.
COMPARED = (
    ("traffic_type", "TrafficType"),
    ("deliver_logs_permission_arn", "DeliverLogsPermissionArn"),
    ("max_aggregation_interval", "MaxAggregationInterval"),
    ("log_format", "LogFormat"),
)


def view(flow_log):
    """The flow log as returned (and diffed) by the module."""
    if not flow_log:
        return {}
    return {
        "flow_log_id": flow_log.get("FlowLogId", ""),
        "resource_id": flow_log.get("ResourceId"),
        "log_group_name": flow_log.get("LogGroupName"),
        "deliver_logs_permission_arn": flow_log.get("DeliverLogsPermissionArn"),
        "traffic_type": flow_log.get("TrafficType"),
        "max_aggregation_interval": flow_log.get("MaxAggregationInterval"),
        "log_format": flow_log.get("LogFormat"),
        "flow_log_status": flow_log.get("FlowLogStatus"),
        "deliver_logs_status": flow_log.get("DeliverLogsStatus"),
        "tags": boto3_tag_list_to_ansible_dict(flow_log.get("Tags") or []),
    }


def diff_view(flow_log):
    result = view(flow_log)
    for volatile in ("flow_log_status", "deliver_logs_status"):
        result.pop(volatile, None)
    return result


def settings_differ(wanted, current):
    """The options of ``wanted`` (module params) whose value differs from the flow log ``current``
    (a DescribeFlowLogs entry). An option not set (None) is not compared."""
    return [
        option
        for option, key in COMPARED
        if wanted.get(option) is not None and wanted[option] != current.get(key)
    ]


def choose(wanted, found):
    """(the flow log of ``found`` to keep or None, the ones to delete, the fields that differ).

    The first flow log whose settings are the wanted ones is kept and any others go; when none
    is, all go and the fields returned are the differences of the first one."""
    for flow_log in found:
        if not settings_differ(wanted, flow_log):
            return flow_log, [other for other in found if other is not flow_log], []
    return None, list(found), settings_differ(wanted, found[0]) if found else []


def predicted(params):
    """The flow log a create would make, as DescribeFlowLogs would show it (for check mode and the diff)."""
    flow_log = {
        "ResourceId": params["resource_id"],
        "LogGroupName": params["log_group_name"],
        "LogDestinationType": "cloud-watch-logs",
        "DeliverLogsPermissionArn": params["deliver_logs_permission_arn"],
        "TrafficType": params["traffic_type"],
        "MaxAggregationInterval": params["max_aggregation_interval"],
        "Tags": ansible_dict_to_boto3_tag_list(params["tags"] or {}),
    }
    if params["log_format"] is not None:
        flow_log["LogFormat"] = params["log_format"]
    return flow_log


class FlowLog:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.ec2 = aws_client(module, "ec2")
        self.what = f"the flow log of {self.params['resource_id']} to {self.params['log_group_name']}"

    def find(self):
        filters = [
            {"Name": "resource-id", "Values": [self.params["resource_id"]]},
            {"Name": "log-group-name", "Values": [self.params["log_group_name"]]},
        ]
        with aws_errors(self.module, f"describe {self.what}"):
            pages = self.ec2.get_paginator("describe_flow_logs").paginate(Filter=filters).build_full_result()
        # Filters narrow the answer; the check keeps a looser answer from reaching other flow logs.
        return [
            flow_log
            for flow_log in pages.get("FlowLogs", [])
            if flow_log.get("ResourceId") == self.params["resource_id"]
            and flow_log.get("LogGroupName") == self.params["log_group_name"]
        ]

    def describe(self, flow_log_id):
        with aws_errors(self.module, f"describe {self.what}"):
            found = self.ec2.describe_flow_logs(FlowLogIds=[flow_log_id], aws_retry=True).get("FlowLogs", [])
        return found[0] if found else {}

    def delete(self, flow_logs):
        if flow_logs and not self.module.check_mode:
            with aws_errors(self.module, f"delete {self.what}"):
                response = self.ec2.delete_flow_logs(
                    FlowLogIds=[flow_log["FlowLogId"] for flow_log in flow_logs], aws_retry=True
                )
            self.fail_on_unsuccessful(response, "delete")

    def create(self):
        params = self.params
        request = dict(
            ResourceIds=[params["resource_id"]],
            ResourceType=params["resource_type"],
            TrafficType=params["traffic_type"],
            LogDestinationType="cloud-watch-logs",
            LogGroupName=params["log_group_name"],
            DeliverLogsPermissionArn=params["deliver_logs_permission_arn"],
            MaxAggregationInterval=params["max_aggregation_interval"],
        )
        if params["log_format"] is not None:
            request["LogFormat"] = params["log_format"]
        if params["tags"]:
            request["TagSpecifications"] = [
                {"ResourceType": "vpc-flow-log", "Tags": ansible_dict_to_boto3_tag_list(params["tags"])}
            ]
        with aws_errors(self.module, f"create {self.what}"):
            response = self.ec2.create_flow_logs(aws_retry=True, **request)
        self.fail_on_unsuccessful(response, "create")
        return self.describe(response["FlowLogIds"][0])

    def fail_on_unsuccessful(self, response, action):
        # Both calls answer 200 with the failures in a list (for example a role the service cannot assume).
        failures = response.get("Unsuccessful") or []
        if failures:
            messages = "; ".join(
                f"{failure.get('ResourceId', '')}: {failure.get('Error', {}).get('Message', failure.get('Error'))}"
                for failure in failures
            )
            self.module.fail_json(msg=f"Failed to {action} {self.what}: {messages}", unsuccessful=failures)

    def present(self):
        params = self.params
        found = self.find()
        keep, surplus, differing = choose(params, found)
        changes = list(differing)
        if surplus and keep is not None:
            changes.append("duplicates")
        before = found[0] if found else None
        self.delete(surplus)

        if keep is None:
            changes = changes or ["created"]
            if self.module.check_mode:
                self.exit(changes, before, predicted(params), before)
            self.exit(changes, before, self.create(), None)

        tags = reconcile_tags(
            self.module,
            boto3_tag_list_to_ansible_dict(keep.get("Tags") or []),
            params["tags"],
            params["purge_tags"],
            add=lambda tags: self.ec2.create_tags(
                Resources=[keep["FlowLogId"]], Tags=ansible_dict_to_boto3_tag_list(tags), aws_retry=True
            ),
            remove=lambda keys: self.ec2.delete_tags(
                Resources=[keep["FlowLogId"]], Tags=[{"Key": key} for key in keys], aws_retry=True
            ),
            what=self.what,
        )
        after = dict(keep, Tags=ansible_dict_to_boto3_tag_list(tags.after))
        if tags.changed:
            changes.append("tags")
            if not self.module.check_mode:
                after = self.describe(keep["FlowLogId"])
        self.exit(changes, keep, after, keep if self.module.check_mode else None)

    def absent(self):
        found = self.find()
        self.delete(found)
        self.exit(["deleted"] if found else [], found[0] if found else None, None, found[0] if found else None)

    def exit(self, changes, before, after, shown):
        """``shown`` is returned as ``flow_log`` when given (check mode), else ``after``."""
        self.module.exit_json(
            changed=bool(changes),
            changes=changes,
            flow_log=view(shown if shown is not None else after),
            diff=make_diff(diff_view(before), diff_view(after)),
        )


def main():
    argument_spec = dict(
        resource_id=dict(type="str", required=True),
        resource_type=dict(type="str", choices=["VPC", "Subnet", "NetworkInterface"], default="VPC"),
        log_group_name=dict(type="str", required=True),
        deliver_logs_permission_arn=dict(type="str"),
        traffic_type=dict(type="str", choices=["ACCEPT", "REJECT", "ALL"], default="ALL"),
        max_aggregation_interval=dict(type="int", choices=[60, 600], default=600),
        log_format=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[["state", "present", ["deliver_logs_permission_arn"]]],
        supports_check_mode=True,
    )
    flow_log = FlowLog(module)
    if module.params["state"] == "present":
        flow_log.present()
    else:
        flow_log.absent()


if __name__ == "__main__":
    main()
