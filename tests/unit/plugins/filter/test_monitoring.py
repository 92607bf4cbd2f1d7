"""Filters of the monitoring role: names, alarm definitions, dashboard body, result."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.inboxwine.fozzy.plugins.filter.monitoring import (
    alarm_topic_key_policy, monitoring_alarms, monitoring_dashboard, monitoring_dashboard_url, monitoring_names,
    monitoring_result)

SETTINGS = {
    "name_prefix": "fozzy-api-production", "period": 60, "evaluation_periods": 5, "datapoints_to_alarm": 3,
    "utilization_period": 300, "utilization_evaluation_periods": 3, "target_5xx_rate_threshold": 5.0,
    "target_5xx_min_requests": 20, "elb_5xx_threshold": 10.0, "latency_p95_threshold_ms": 800.0,
    "unhealthy_hosts_threshold": 0.0, "running_tasks_shortfall": 0.0, "cpu_threshold": 85.0, "memory_threshold": 90.0,
    "ok_actions": True,
}
LB = {"arn_suffix": "app/fozzy-api-production/50dc6c495c0c9188",
      "target_group_arn_suffix": "targetgroup/fozzy-api-production-tg/73e2d6bc24d8a067"}
SERVICE = {"cluster_name": "fozzy-api-production", "service_name": "fozzy-api"}
TOPIC = "arn:aws:sns:eu-central-1:123456789012:fozzy-api-production-alarms"


def by_name(alarms):
    return {alarm["name"].replace("fozzy-api-production-", ""): alarm for alarm in alarms}


def test_names_come_from_the_prefix():
    names = monitoring_names("fozzy-api-production")
    assert names["topic"] == "fozzy-api-production-alarms"
    assert names["topic_key"] == "alias/fozzy-api-production-alarms"
    assert names["dashboard"] == "fozzy-api-production"
    assert list(names["alarms"]) == ["target_5xx", "elb_5xx", "latency_p95", "unhealthy_hosts", "running_tasks", "cpu",
                                     "memory"]
    assert names["alarms"]["latency_p95"] == "fozzy-api-production-latency-p95"
    with pytest.raises(AnsibleFilterError, match="prefix"):
        monitoring_names("")


def test_the_topic_key_lets_the_account_administer_it_and_cloudwatch_use_it():
    policy = alarm_topic_key_policy("123456789012", "eu-central-1")
    account, cloudwatch = policy["Statement"]
    assert account["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"} and account["Action"] == "kms:*"
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert cloudwatch["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"] and cloudwatch["Effect"] == "Allow"
    assert alarm_topic_key_policy("123456789012", "cn-north-1")["Statement"][0]["Principal"] == {
        "AWS": "arn:aws-cn:iam::123456789012:root"}
    for account_id in ("", None, "12345", "12345678901x"):
        with pytest.raises(AnsibleFilterError, match="12 digits"):
            alarm_topic_key_policy(account_id, "eu-central-1")


def test_seven_alarms_notify_the_topic_on_alarm_and_ok():
    alarms = monitoring_alarms(SETTINGS, LB, SERVICE, TOPIC)
    assert [a["name"] for a in alarms] == list(monitoring_names("fozzy-api-production")["alarms"].values())
    assert all(a["alarm_actions"] == [TOPIC] and a["ok_actions"] == [TOPIC] for a in alarms)
    assert all(a["comparison"] == "GreaterThanThreshold" for a in alarms)
    quiet = monitoring_alarms(dict(SETTINGS, ok_actions=False), LB, SERVICE, TOPIC)
    assert all(a["ok_actions"] == [] and a["alarm_actions"] == [TOPIC] for a in quiet)
    assert all(a["alarm_actions"] == [] for a in monitoring_alarms(SETTINGS, LB, SERVICE, ""))


def test_missing_data_is_breaching_only_for_the_task_count():
    treat = {key: a["treat_missing_data"] for key, a in by_name(monitoring_alarms(SETTINGS, LB, SERVICE, TOPIC)).items()}
    assert treat == {"target-5xx-rate": "notBreaching", "elb-5xx": "notBreaching", "latency-p95": "notBreaching",
                     "unhealthy-hosts": "notBreaching", "running-tasks": "breaching", "cpu-high": "notBreaching",
                     "memory-high": "notBreaching"}


def test_target_5xx_is_a_rate_from_a_minimum_of_requests():
    alarm = by_name(monitoring_alarms(SETTINGS, LB, SERVICE, TOPIC))["target-5xx-rate"]
    rate, errors, requests = alarm["metrics"]
    assert rate == {"id": "rate", "label": "Target 5xx rate (%)", "return_data": True,
                    "expression": "IF(requests >= 20, 100 * FILL(errors, 0) / requests, 0)"}
    assert errors["metric_stat"] == {"metric": {"namespace": "AWS/ApplicationELB", "metric_name": "HTTPCode_Target_5XX_Count",
                                                "dimensions": [{"name": "LoadBalancer", "value": LB["arn_suffix"]}]},
                                     "period": 60, "stat": "Sum"}
    assert requests["metric_stat"]["metric"]["metric_name"] == "RequestCount" and not requests["return_data"]
    assert alarm["threshold"] == 5.0 and "namespace" not in alarm and "period" not in alarm
    assert (alarm["evaluation_periods"], alarm["datapoints_to_alarm"]) == (5, 3)


def test_latency_is_p95_in_seconds():
    alarm = by_name(monitoring_alarms(SETTINGS, LB, SERVICE, TOPIC))["latency-p95"]
    assert alarm["extended_statistic"] == "p95" and "statistic" not in alarm
    assert alarm["threshold"] == 0.8
    assert alarm["evaluate_low_sample_count_percentile"] == "ignore"
    assert alarm["dimensions"] == {"LoadBalancer": LB["arn_suffix"]}


def test_hosts_tasks_cpu_memory():
    alarms = by_name(monitoring_alarms(SETTINGS, LB, SERVICE, TOPIC))
    unhealthy = alarms["unhealthy-hosts"]
    assert unhealthy["metrics"][0]["expression"] == "FILL(group0, 0)"
    assert unhealthy["metrics"][1]["metric_stat"]["metric"]["dimensions"] == [
        {"name": "TargetGroup", "value": LB["target_group_arn_suffix"]}, {"name": "LoadBalancer", "value": LB["arn_suffix"]}]
    assert unhealthy["metrics"][1]["metric_stat"]["stat"] == "Maximum"
    tasks = alarms["running-tasks"]
    assert tasks["metrics"][0]["expression"] == "desired - running"
    assert {m["id"]: (m["metric_stat"]["metric"]["namespace"], m["metric_stat"]["metric"]["metric_name"])
            for m in tasks["metrics"][1:]} == {"desired": ("ECS/ContainerInsights", "DesiredTaskCount"),
                                               "running": ("ECS/ContainerInsights", "RunningTaskCount")}
    assert tasks["datapoints_to_alarm"] == tasks["evaluation_periods"] == 5
    assert alarms["cpu-high"]["dimensions"] == {"ClusterName": "fozzy-api-production", "ServiceName": "fozzy-api"}
    assert (alarms["cpu-high"]["period"], alarms["cpu-high"]["evaluation_periods"], alarms["cpu-high"]["threshold"]) == (300, 3, 85.0)
    assert alarms["memory-high"]["metric_name"] == "MemoryUtilization" and alarms["memory-high"]["threshold"] == 90.0


def test_dimensions_come_from_the_arns_when_the_suffixes_are_missing():
    lb = {"arn": "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/fozzy-api-production/50dc6c495c0c9188",
          "target_group_arn": "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/fozzy-api-production-tg/"
                              "73e2d6bc24d8a067"}
    alarms = by_name(monitoring_alarms(SETTINGS, lb, SERVICE, TOPIC))
    assert alarms["unhealthy-hosts"]["metrics"][1]["metric_stat"]["metric"]["dimensions"] == [
        {"name": "TargetGroup", "value": LB["target_group_arn_suffix"]}, {"name": "LoadBalancer", "value": LB["arn_suffix"]}]


def test_unhealthy_hosts_of_both_target_groups_when_deployments_shift_traffic():
    """Blue/green, linear and canary deployments move the traffic to the other target group with
    every release: the alarm sums the unhealthy targets of both, the dashboard shows both."""
    lb = dict(LB, alternate_target_group_arn="arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/"
                                             "fozzy-api-production-tg-alt/0123456789abcdef")
    unhealthy = by_name(monitoring_alarms(SETTINGS, lb, SERVICE, TOPIC))["unhealthy-hosts"]
    assert unhealthy["metrics"][0]["expression"] == "FILL(group0, 0) + FILL(group1, 0)"
    assert [m["metric_stat"]["metric"]["dimensions"][0]["value"] for m in unhealthy["metrics"][1:]] == [
        LB["target_group_arn_suffix"], "targetgroup/fozzy-api-production-tg-alt/0123456789abcdef"]
    hosts = monitoring_dashboard(SETTINGS, lb, SERVICE, "eu-central-1")["widgets"][3]["properties"]["metrics"]
    assert [m[-1]["label"] for m in hosts] == ["healthy (fozzy-api-production-tg)", "unhealthy (fozzy-api-production-tg)",
                                              "healthy (fozzy-api-production-tg-alt)",
                                              "unhealthy (fozzy-api-production-tg-alt)"]


def test_missing_dimensions_fail_unless_allowed():
    with pytest.raises(AnsibleFilterError, match="load_balancer_result.arn_suffix, load_balancer_result.target_group_arn_suffix"
                                                 " empty or missing"):
        monitoring_alarms(SETTINGS, {}, SERVICE, TOPIC)
    with pytest.raises(AnsibleFilterError, match="ecs_service_result.cluster_name"):
        monitoring_dashboard(SETTINGS, LB, {}, "eu-central-1")
    # check mode before the stack exists: predicted with empty dimensions
    assert len(monitoring_alarms(SETTINGS, {}, {}, "", allow_empty=True)) == 7
    assert len(monitoring_dashboard(SETTINGS, None, None, "eu-central-1", allow_empty=True)["widgets"]) == 7


def test_dashboard_has_the_graphs_of_the_service_two_a_row():
    widgets = monitoring_dashboard(SETTINGS, LB, SERVICE, "eu-central-1")["widgets"]
    assert [w["properties"]["title"] for w in widgets] == [
        "Requests", "5xx answers", "Response time (seconds)", "Healthy and unhealthy tasks", "Running and desired tasks",
        "CPU (%)", "Memory (%)"]
    assert [(w["x"], w["y"]) for w in widgets] == [(0, 0), (12, 0), (0, 6), (12, 6), (0, 12), (12, 12), (0, 18)]
    assert all(w["properties"]["region"] == "eu-central-1" and w["type"] == "metric" for w in widgets)
    latency = widgets[2]["properties"]
    assert [m[-1]["stat"] for m in latency["metrics"]] == ["p50", "p95", "p99"]
    assert latency["annotations"]["horizontal"][0]["value"] == 0.8
    assert widgets[3]["properties"]["metrics"][0] == [
        "AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", LB["target_group_arn_suffix"], "LoadBalancer",
        LB["arn_suffix"], {"label": "healthy (fozzy-api-production-tg)"}]
    assert widgets[4]["properties"]["metrics"][0][:6] == ["ECS/ContainerInsights", "RunningTaskCount", "ClusterName",
                                                          "fozzy-api-production", "ServiceName", "fozzy-api"]
    assert widgets[6]["properties"]["annotations"]["horizontal"][0]["value"] == 90.0


def test_result_and_url():
    names = monitoring_names("fozzy-api-production")
    result = monitoring_result(names, TOPIC, "eu-central-1")
    assert result == {
        "topic_arn": TOPIC, "alarm_names": names["alarms"],
        "deployment_alarm_names": ["fozzy-api-production-target-5xx-rate", "fozzy-api-production-latency-p95"],
        "dashboard_name": "fozzy-api-production",
        "dashboard_url": "https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1"
                         "#dashboards/dashboard/fozzy-api-production"}
    assert monitoring_result(names, TOPIC, "eu-central-1", ["running_tasks"])["deployment_alarm_names"] == [
        "fozzy-api-production-running-tasks"]
    assert monitoring_result(names, TOPIC, "eu-central-1", [], dashboard=False)["dashboard_url"] == ""
    assert monitoring_dashboard_url("x", "eu-west-1") == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/x")
    with pytest.raises(AnsibleFilterError, match="deployment alarms nope are not among"):
        monitoring_result(names, TOPIC, "eu-central-1", ["nope"])
