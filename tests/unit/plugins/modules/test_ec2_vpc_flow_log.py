"""Unit tests for inboxwine.fozzy.ec2_vpc_flow_log against moto's in-process mock.

Every test reads the flow logs back with boto3 rather than trusting `changed`.
"""

import boto3
import pytest

from ansible_collections.inboxwine.fozzy.plugins.modules import ec2_vpc_flow_log

GROUP = "/vpc/fozzy-api-it/flow-logs"
ROLE = "arn:aws:iam::123456789012:role/fozzy-api-it-flow-logs"


@pytest.fixture
def ec2(aws):
    client = boto3.client("ec2")
    boto3.client("logs").create_log_group(logGroupName=GROUP)
    boto3.client("logs").create_log_group(logGroupName="/other")
    return client


@pytest.fixture
def vpc_id(ec2):
    return ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


@pytest.fixture
def run(run_module, vpc_id):
    def _run(check_mode=False, **module_args):
        args = dict(resource_id=vpc_id, log_group_name=GROUP, deliver_logs_permission_arn=ROLE,
                    traffic_type="REJECT", tags={"Project": "fozzy"})
        args.update(module_args)
        args = {key: value for key, value in args.items() if value is not None}
        return run_module(ec2_vpc_flow_log.main, args, check_mode=check_mode)

    return _run


def flow_logs(ec2, vpc_id, group=GROUP):
    found = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    return [flow_log for flow_log in found if flow_log["LogGroupName"] == group]


def tags(flow_log):
    return {tag["Key"]: tag["Value"] for tag in flow_log.get("Tags", [])}


def test_check_mode_creates_nothing_and_predicts_the_flow_log(ec2, vpc_id, run):
    result = run(check_mode=True)

    assert result["changed"] is True
    assert result["changes"] == ["created"]
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["traffic_type"] == "REJECT"
    assert result["diff"]["after"]["tags"] == {"Project": "fozzy"}
    assert flow_logs(ec2, vpc_id) == []


def test_create_then_rerun_is_unchanged(ec2, vpc_id, run):
    created = run()
    again = run()

    found = flow_logs(ec2, vpc_id)
    assert created["changed"] is True and created["changes"] == ["created"]
    assert len(found) == 1
    assert found[0]["TrafficType"] == "REJECT"
    assert found[0]["DeliverLogsPermissionArn"] == ROLE
    assert found[0]["LogDestinationType"] == "cloud-watch-logs"
    assert found[0]["MaxAggregationInterval"] == 600
    assert tags(found[0]) == {"Project": "fozzy"}
    assert created["flow_log"]["flow_log_id"] == found[0]["FlowLogId"]
    assert again["changed"] is False and again["changes"] == []
    assert again["diff"]["before"] == again["diff"]["after"]


def test_tags_are_reconciled_in_place(ec2, vpc_id, run):
    first = run()

    checked = run(check_mode=True, tags={"Project": "fozzy", "CostCenter": "wine"})
    assert checked["changed"] is True and checked["changes"] == ["tags"]
    assert tags(flow_logs(ec2, vpc_id)[0]) == {"Project": "fozzy"}

    result = run(tags={"CostCenter": "wine"})
    found = flow_logs(ec2, vpc_id)
    assert result["changes"] == ["tags"]
    assert [flow_log["FlowLogId"] for flow_log in found] == [first["flow_log"]["flow_log_id"]]
    assert tags(found[0]) == {"CostCenter": "wine"}

    kept = run(tags={"Extra": "x"}, purge_tags=False)
    assert tags(flow_logs(ec2, vpc_id)[0]) == {"CostCenter": "wine", "Extra": "x"}
    assert kept["changes"] == ["tags"]


def test_a_different_traffic_type_replaces_the_flow_log(ec2, vpc_id, run):
    first = run()

    checked = run(check_mode=True, traffic_type="ALL")
    assert checked["changes"] == ["traffic_type"]
    assert [flow_log["TrafficType"] for flow_log in flow_logs(ec2, vpc_id)] == ["REJECT"]

    result = run(traffic_type="ALL")
    found = flow_logs(ec2, vpc_id)
    assert result["changed"] is True and result["changes"] == ["traffic_type"]
    assert [flow_log["TrafficType"] for flow_log in found] == ["ALL"]
    assert found[0]["FlowLogId"] != first["flow_log"]["flow_log_id"]
    assert result["diff"]["before"]["traffic_type"] == "REJECT"
    assert result["diff"]["after"]["traffic_type"] == "ALL"


def test_flow_logs_to_other_groups_are_left_alone(ec2, vpc_id, run):
    # (moto, like AWS for the same settings, refuses a second flow log of a resource to one group:
    # the choice among several is unit-tested on choose() below.)
    ec2.create_flow_logs(ResourceIds=[vpc_id], ResourceType="VPC", TrafficType="ALL",
                         LogDestinationType="cloud-watch-logs", LogGroupName="/other",
                         DeliverLogsPermissionArn=ROLE)

    run()
    run(state="absent")

    assert [flow_log["TrafficType"] for flow_log in flow_logs(ec2, vpc_id, "/other")] == ["ALL"]
    assert flow_logs(ec2, vpc_id) == []


def test_absent_deletes_and_is_then_unchanged(ec2, vpc_id, run):
    run()

    checked = run(check_mode=True, state="absent")
    assert checked["changed"] is True and len(flow_logs(ec2, vpc_id)) == 1

    removed = run(state="absent")
    again = run(state="absent")
    assert removed["changes"] == ["deleted"]
    assert removed["diff"]["after"] == {}
    assert flow_logs(ec2, vpc_id) == []
    assert again["changed"] is False


def test_present_needs_the_role(run):
    result = run(deliver_logs_permission_arn=None)

    assert result["failed"] is True
    assert "deliver_logs_permission_arn" in result["msg"]


def test_settings_differ_ignores_options_not_set():
    current = {"TrafficType": "ALL", "DeliverLogsPermissionArn": ROLE, "MaxAggregationInterval": 600,
               "LogFormat": "${version}"}
    wanted = {"traffic_type": "ALL", "deliver_logs_permission_arn": ROLE, "max_aggregation_interval": 60,
              "log_format": None}

    assert ec2_vpc_flow_log.settings_differ(wanted, current) == ["max_aggregation_interval"]


def test_choose_keeps_the_first_matching_flow_log():
    wanted = {"traffic_type": "ALL", "deliver_logs_permission_arn": ROLE, "max_aggregation_interval": 600,
              "log_format": None}
    odd = {"FlowLogId": "fl-1", "TrafficType": "REJECT", "DeliverLogsPermissionArn": ROLE, "MaxAggregationInterval": 600}
    good = dict(odd, FlowLogId="fl-2", TrafficType="ALL")

    assert ec2_vpc_flow_log.choose(wanted, [odd, good]) == (good, [odd], [])
    assert ec2_vpc_flow_log.choose(wanted, [odd]) == (None, [odd], ["traffic_type"])
    assert ec2_vpc_flow_log.choose(wanted, []) == (None, [], [])
