"""Unit tests of inboxwine.fozzy.cloudwatch_alarm, cloudwatch_dashboard and sns_encrypted_topic
against moto's in-process mock; every test reads the result back with boto3."""
import json
import os

import boto3
import pytest

from ansible_collections.inboxwine.fozzy.plugins.modules import cloudwatch_alarm, cloudwatch_dashboard, sns_encrypted_topic

TOPIC = "arn:aws:sns:eu-central-1:123456789012:it-alarms"
MATH = dict(
    name="it-running-tasks", comparison="GreaterThanThreshold", threshold=0, evaluation_periods=5, datapoints_to_alarm=5,
    treat_missing_data="breaching", alarm_actions=[TOPIC], ok_actions=[TOPIC], tags={"Project": "fozzy"},
    metrics=[{"id": "shortfall", "expression": "desired - running", "return_data": True},
             *({"id": i, "return_data": False, "metric_stat": {"period": 60, "stat": s, "metric": {
                 "namespace": "ECS/ContainerInsights", "metric_name": m,
                 "dimensions": [{"name": "ServiceName", "value": "api"}, {"name": "ClusterName", "value": "it"}]}}}
               for i, m, s in (("desired", "DesiredTaskCount", "Maximum"), ("running", "RunningTaskCount", "Minimum")))])
P95 = dict(name="it-latency-p95", namespace="AWS/ApplicationELB", metric_name="TargetResponseTime",
           dimensions={"LoadBalancer": "app/it/1"}, extended_statistic="p95", period=60, comparison="GreaterThanThreshold",
           threshold=1.0, evaluation_periods=5, datapoints_to_alarm=3, treat_missing_data="notBreaching",
           evaluate_low_sample_count_percentile="ignore", alarm_actions=[TOPIC], tags={"Project": "fozzy"})


@pytest.fixture
def cloudwatch(aws):
    return boto3.client("cloudwatch")


@pytest.fixture
def sns(aws):
    return boto3.client("sns")


def alarm(cloudwatch, name):
    found = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return found[0] if found else None


def tags(cloudwatch, arn):
    return {t["Key"]: t["Value"] for t in cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]}


@pytest.mark.parametrize("args", [MATH, P95], ids=["metric-math", "p95"])
def test_alarm_created_once_then_unchanged(cloudwatch, run_module, args):
    checked = run_module(cloudwatch_alarm.main, args, check_mode=True)
    assert checked["changed"] and checked["changes"] == ["created"] and alarm(cloudwatch, args["name"]) is None
    created = run_module(cloudwatch_alarm.main, args)
    assert created["changed"] and not created["failed"]
    found = alarm(cloudwatch, args["name"])
    assert found["TreatMissingData"] == args["treat_missing_data"] and found["AlarmActions"] == [TOPIC]
    assert tags(cloudwatch, found["AlarmArn"]) == {"Project": "fozzy"}
    again = run_module(cloudwatch_alarm.main, args)
    assert not again["changed"], again["changes"]
    assert not run_module(cloudwatch_alarm.main, args, check_mode=True)["changed"]
    assert again["alarm"]["arn"] == found["AlarmArn"]


def test_alarm_change_is_reported_in_check_mode_and_applied(cloudwatch, run_module):
    run_module(cloudwatch_alarm.main, P95)
    before = alarm(cloudwatch, P95["name"])
    checked = run_module(cloudwatch_alarm.main, dict(P95, threshold=1.5, tags={"Project": "fozzy", "Team": "api"}),
                         check_mode=True)
    assert checked["changed"] and checked["changes"] == ["threshold", "tags"]
    assert checked["diff"]["before"]["settings"]["Threshold"] == 1.0 and checked["diff"]["after"]["settings"]["Threshold"] == 1.5
    assert alarm(cloudwatch, P95["name"])["Threshold"] == 1.0
    done = run_module(cloudwatch_alarm.main, dict(P95, threshold=1.5, tags={"Project": "fozzy", "Team": "api"}))
    assert done["changed"] and alarm(cloudwatch, P95["name"])["Threshold"] == 1.5
    assert tags(cloudwatch, before["AlarmArn"]) == {"Project": "fozzy", "Team": "api"}


def test_alarm_math_change_is_seen(cloudwatch, run_module):
    run_module(cloudwatch_alarm.main, MATH)
    changed = dict(MATH, metrics=[dict(MATH["metrics"][0], expression="desired - running - 1")] + MATH["metrics"][1:])
    result = run_module(cloudwatch_alarm.main, changed)
    assert result["changes"] == ["metrics"]
    assert alarm(cloudwatch, MATH["name"])["Metrics"][0]["Expression"] == "desired - running - 1"


def test_alarm_absent(cloudwatch, run_module):
    run_module(cloudwatch_alarm.main, P95)
    assert run_module(cloudwatch_alarm.main, {"name": P95["name"], "state": "absent"}, check_mode=True)["changed"]
    assert alarm(cloudwatch, P95["name"]) is not None
    assert run_module(cloudwatch_alarm.main, {"name": P95["name"], "state": "absent"})["changes"] == ["deleted"]
    assert alarm(cloudwatch, P95["name"]) is None
    assert not run_module(cloudwatch_alarm.main, {"name": P95["name"], "state": "absent"})["changed"]


def test_alarm_settings_compare_like_the_request():
    request = cloudwatch_alarm.alarm_request(dict(P95, dimensions={"b": "2", "a": 1}))
    assert request["Dimensions"] == [{"Name": "a", "Value": "1"}, {"Name": "b", "Value": "2"}]
    described = dict(request, AlarmArn="arn", StateValue="OK", Metrics=[], Dimensions=list(reversed(request["Dimensions"])))
    assert cloudwatch_alarm.alarm_changes(request, cloudwatch_alarm.alarm_settings(described)) == []
    # a field the alarm has and the task no longer sets is a change (PutMetricAlarm replaces the alarm)
    without_period = {k: v for k, v in request.items() if k != "Period"}
    assert cloudwatch_alarm.alarm_changes(without_period, cloudwatch_alarm.alarm_settings(described)) == ["period"]
    assert cloudwatch_alarm.alarm_changes(request, {}) == ["created"]


BODY = {"widgets": [{"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
                     "properties": {"title": "Requests", "region": "eu-central-1", "stat": "Sum", "period": 60,
                                    "metrics": [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "app/it/1"]]}}]}


def test_dashboard_put_once_compared_as_json(cloudwatch, run_module):
    checked = run_module(cloudwatch_dashboard.main, {"name": "it", "body": BODY}, check_mode=True)
    assert checked["changed"] and cloudwatch.list_dashboards()["DashboardEntries"] == []
    assert checked["diff"]["after"]["body"] == BODY
    assert run_module(cloudwatch_dashboard.main, {"name": "it", "body": BODY})["changed"]
    assert json.loads(cloudwatch.get_dashboard(DashboardName="it")["DashboardBody"]) == BODY
    # the same body as text with other spacing and key order: no change
    text = json.dumps({"widgets": [dict(reversed(list(BODY["widgets"][0].items())))]}, indent=4)
    assert not run_module(cloudwatch_dashboard.main, {"name": "it", "body": text})["changed"]
    assert not run_module(cloudwatch_dashboard.main, {"name": "it", "body": BODY}, check_mode=True)["changed"]
    other = {"widgets": BODY["widgets"] * 2}
    changed = run_module(cloudwatch_dashboard.main, {"name": "it", "body": other})
    assert changed["changed"] and len(json.loads(cloudwatch.get_dashboard(DashboardName="it")["DashboardBody"])["widgets"]) == 2
    assert changed["dashboard"]["arn"].endswith(":dashboard/it")


def test_dashboard_absent_and_bad_input(cloudwatch, run_module):
    run_module(cloudwatch_dashboard.main, {"name": "it", "body": BODY})
    assert run_module(cloudwatch_dashboard.main, {"name": "it", "state": "absent"}, check_mode=True)["changed"]
    assert len(cloudwatch.list_dashboards()["DashboardEntries"]) == 1
    assert run_module(cloudwatch_dashboard.main, {"name": "it", "state": "absent"})["changed"]
    assert cloudwatch.list_dashboards()["DashboardEntries"] == []
    assert not run_module(cloudwatch_dashboard.main, {"name": "it", "state": "absent"})["changed"]
    bad = run_module(cloudwatch_dashboard.main, {"name": "no spaces", "body": "[1]"})
    assert bad["failed"] and "name=no spaces is not allowed" in bad["msg"] and "body is not allowed" in bad["msg"]


KEY = "arn:aws:kms:eu-central-1:123456789012:key/0a1b2c3d-0000-4000-8000-0123456789ab"
SUBS = [{"protocol": "email", "endpoint": "oncall@inbox.wine"}, {"protocol": "https", "endpoint": "https://hooks.inbox.wine/a"}]


def topic_state(sns):
    topics = sns.list_topics()["Topics"]
    if not topics:
        return None
    arn = topics[0]["TopicArn"]
    return {"arn": arn, "kms": sns.get_topic_attributes(TopicArn=arn)["Attributes"].get("KmsMasterKeyId", ""),
            "subs": sorted((s["Protocol"], s["Endpoint"]) for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]),
            "tags": {t["Key"]: t["Value"] for t in sns.list_tags_for_resource(ResourceArn=arn)["Tags"]}}


def test_topic_created_encrypted_with_subscriptions_then_unchanged(sns, run_module):
    args = {"name": "it-alarms", "kms_master_key_id": KEY, "subscriptions": SUBS, "tags": {"Project": "fozzy"}}
    checked = run_module(sns_encrypted_topic.main, args, check_mode=True)
    assert checked["changed"] and topic_state(sns) is None
    assert checked["topic"]["arn"] == TOPIC and len(checked["topic"]["subscriptions"]) == 2
    created = run_module(sns_encrypted_topic.main, args)
    assert created["changes"] == ["created"]
    assert topic_state(sns) == {"arn": TOPIC, "kms": KEY, "subs": [("email", "oncall@inbox.wine"),
                                                                   ("https", "https://hooks.inbox.wine/a")],
                                "tags": {"Project": "fozzy"}}
    assert not run_module(sns_encrypted_topic.main, args)["changed"]
    assert not run_module(sns_encrypted_topic.main, args, check_mode=True)["changed"]


def test_topic_changes_key_subscriptions_and_tags(sns, run_module):
    run_module(sns_encrypted_topic.main, {"name": "it-alarms", "kms_master_key_id": KEY, "subscriptions": SUBS})
    args = {"name": "it-alarms", "kms_master_key_id": "alias/aws/sns", "subscriptions": SUBS[:1], "tags": {"Team": "api"}}
    checked = run_module(sns_encrypted_topic.main, args, check_mode=True)
    assert checked["changes"] == ["kms_master_key_id", "tags", "subscriptions"]
    assert topic_state(sns)["kms"] == KEY and len(topic_state(sns)["subs"]) == 2
    run_module(sns_encrypted_topic.main, args)
    assert topic_state(sns)["kms"] == "alias/aws/sns" and topic_state(sns)["subs"] == [("email", "oncall@inbox.wine")]
    assert topic_state(sns)["tags"] == {"Team": "api"}


def test_topic_absent(sns, run_module):
    run_module(sns_encrypted_topic.main, {"name": "it-alarms", "subscriptions": SUBS})
    assert run_module(sns_encrypted_topic.main, {"name": "it-alarms", "state": "absent"}, check_mode=True)["changed"]
    assert topic_state(sns) is not None
    assert run_module(sns_encrypted_topic.main, {"name": "it-alarms", "state": "absent"})["changes"] == ["deleted"]
    assert topic_state(sns) is None and sns.list_subscriptions()["Subscriptions"] == []
    assert not run_module(sns_encrypted_topic.main, {"name": "it-alarms", "state": "absent"})["changed"]


def test_pending_subscriptions_are_never_unsubscribed():
    current = [{"Protocol": "email", "Endpoint": "old@inbox.wine", "SubscriptionArn": "PendingConfirmation"},
               {"Protocol": "email", "Endpoint": "gone@inbox.wine", "SubscriptionArn": "arn:sub:1"},
               {"Protocol": "email", "Endpoint": "kept@inbox.wine", "SubscriptionArn": "arn:sub:2"}]
    wanted = [{"protocol": "email", "endpoint": "kept@inbox.wine"}, {"protocol": "https", "endpoint": "https://x.io/a"}]
    assert sns_encrypted_topic.subscription_changes(wanted, current) == ([("https", "https://x.io/a")], ["arn:sub:1"])
    assert sns_encrypted_topic.subscription_changes(wanted, current, purge=False) == ([("https", "https://x.io/a")], [])


@pytest.fixture
def pending_like_aws(monkeypatch):
    """moto keeps e-mail and HTTPS subscriptions pending, as AWS does (the emulator's fidelity patch)."""
    from moto.sns.models import SNSBackend  # pylint: disable=import-outside-toplevel
    from moto.sns.responses import SNSResponse  # pylint: disable=import-outside-toplevel

    monkeypatch.syspath_prepend(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "scripts"))
    import emulator_fidelity  # pylint: disable=import-outside-toplevel

    for owner, names in ((SNSBackend, ("subscribe", "unsubscribe")),
                         (SNSResponse, ("subscribe", "list_subscriptions", "list_subscriptions_by_topic"))):
        for name in names:
            monkeypatch.setattr(owner, name, getattr(owner, name))
    emulator_fidelity._sns_subscriptions_pending_until_confirmed()


def test_pending_subscriptions_stay_and_change_nothing(sns, run_module, pending_like_aws):
    args = {"name": "it-alarms", "subscriptions": SUBS}
    assert run_module(sns_encrypted_topic.main, args)["changed"]
    listed = sns.list_subscriptions_by_topic(TopicArn=TOPIC)["Subscriptions"]
    assert [s["SubscriptionArn"] for s in listed] == ["PendingConfirmation", "PendingConfirmation"]
    assert sns.subscribe(TopicArn=TOPIC, Protocol="email", Endpoint="x@inbox.wine")["SubscriptionArn"] == "pending confirmation"
    # a re-run sees them by protocol and endpoint: nothing to subscribe again
    assert not run_module(sns_encrypted_topic.main, dict(args, subscriptions=SUBS + [
        {"protocol": "email", "endpoint": "x@inbox.wine"}]))["changed"]
    # dropping one cannot remove it while it is pending: no change is claimed
    dropped = run_module(sns_encrypted_topic.main, dict(args, subscriptions=SUBS[:1]))
    assert not dropped["changed"] and not dropped["failed"]
    assert len(sns.list_subscriptions_by_topic(TopicArn=TOPIC)["Subscriptions"]) == 3
    # the topic goes with its pending subscriptions
    assert run_module(sns_encrypted_topic.main, {"name": "it-alarms", "state": "absent"})["changed"]
    assert sns.list_subscriptions()["Subscriptions"] == []
