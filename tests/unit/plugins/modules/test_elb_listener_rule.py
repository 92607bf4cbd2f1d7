"""Unit tests for inboxwine.fozzy.elb_listener_rule against moto's in-process mock: a rule read
back with boto3, re-runs unchanged after a weight shift (as ECS makes), drift repaired without
moving traffic to the drained group, check mode, tags and absent."""

import boto3
import pytest

from ansible_collections.inboxwine.fozzy.plugins.modules import elb_listener_rule


@pytest.fixture
def elbv2(aws):
    return boto3.client("elbv2")


@pytest.fixture
def lb(elbv2):
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=boto3.session.Session().region_name + z)["Subnet"]["SubnetId"]
               for i, z in ((1, "a"), (2, "b"))]
    alb = elbv2.create_load_balancer(Name="it-rules", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    groups = [elbv2.create_target_group(Name=name, Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip")[
        "TargetGroups"][0]["TargetGroupArn"] for name in ("it-blue", "it-green", "it-other")]
    listener = elbv2.create_listener(LoadBalancerArn=alb, Protocol="HTTP", Port=80, DefaultActions=[
        {"Type": "forward", "TargetGroupArn": groups[0]}])["Listeners"][0]["ListenerArn"]
    return listener, groups


@pytest.fixture
def run(run_module):
    def _run(check_mode=False, **module_args):
        return run_module(elb_listener_rule.main, module_args, check_mode=check_mode)

    return _run


def args(lb, **overrides):
    listener, (blue, green, _other) = lb
    return dict(dict(listener_arn=listener, priority=50000, path_patterns=["/*"],
                     target_groups=[{"arn": blue, "weight": 100}, {"arn": green, "weight": 0}], tags={"Project": "fozzy"}),
                **overrides)


def rule(elbv2, lb):
    found = [r for r in elbv2.describe_rules(ListenerArn=lb[0])["Rules"] if r["Priority"] == "50000"]
    return found[0] if found else None


def weights(found):
    return {g["TargetGroupArn"]: g["Weight"] for g in found["Actions"][0]["ForwardConfig"]["TargetGroups"]}


def test_create_then_nothing_to_do(elbv2, lb, run):
    blue, green = lb[1][:2]
    created = run(**args(lb))
    assert created["changed"] and created["changes"] == ["created"]
    found = rule(elbv2, lb)
    assert weights(found) == {blue: 100, green: 0}
    assert elbv2.describe_tags(ResourceArns=[found["RuleArn"]])["TagDescriptions"][0]["Tags"] == [{"Key": "Project",
                                                                                                     "Value": "fozzy"}]
    again = run(**args(lb))
    assert not again["changed"] and again["diff"]["before"] == again["diff"]["after"]


def test_weights_ecs_shifted_are_left_alone(elbv2, lb, run):
    blue, green = lb[1][:2]
    run(**args(lb))
    found = rule(elbv2, lb)
    elbv2.modify_rule(RuleArn=found["RuleArn"], Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": green, "Weight": 100}, {"TargetGroupArn": blue, "Weight": 0}]}}])
    result = run(**args(lb))
    assert not result["changed"]
    assert weights(rule(elbv2, lb)) == {blue: 0, green: 100}


def test_drift_is_repaired_keeping_the_serving_group(elbv2, lb, run):
    blue, green, other = lb[1]
    run(**args(lb))
    found = rule(elbv2, lb)
    elbv2.modify_rule(RuleArn=found["RuleArn"], Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [
        {"TargetGroupArn": green, "Weight": 100}, {"TargetGroupArn": other, "Weight": 5}]}}])
    planned = run(check_mode=True, **args(lb))
    assert planned["changed"] and planned["changes"] == ["target_groups"]
    assert weights(rule(elbv2, lb)) == {green: 100, other: 5}  # check mode wrote nothing
    result = run(**args(lb))
    assert result["changes"] == ["target_groups"]
    assert weights(rule(elbv2, lb)) == {blue: 0, green: 100}


def test_check_mode_creates_nothing_and_absent_deletes(elbv2, lb, run):
    planned = run(check_mode=True, **args(lb))
    assert planned["changed"] and rule(elbv2, lb) is None
    run(**args(lb))
    assert run(check_mode=True, **args(lb, state="absent"))["changed"] and rule(elbv2, lb) is not None
    assert run(**args(lb, state="absent"))["changes"] == ["deleted"] and rule(elbv2, lb) is None
    assert not run(**args(lb, state="absent"))["changed"]


def test_a_header_condition_and_bad_input(elbv2, lb, run):
    result = run(**args(lb, path_patterns=[], http_header_name="X-Fozzy-Deployment", http_header_values=["test"]))
    assert rule(elbv2, lb)["Conditions"][0]["HttpHeaderConfig"] == {"HttpHeaderName": "X-Fozzy-Deployment", "Values": ["test"]}
    assert result["rule"]["conditions"][0]["Field"] == "http-header"
    bad = run(**args(lb, priority=50001))
    assert bad["failed"] and "priority must be 1 to 50000" in bad["msg"]
    unserved = run(**args(lb, target_groups=[{"arn": lb[1][0], "weight": 0}]))
    assert unserved["failed"] and "weight above 0" in unserved["msg"]
