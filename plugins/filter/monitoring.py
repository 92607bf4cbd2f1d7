# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the monitoring role (documented in the .yml file of each filter's name).

The names of what the role makes, the alarm definitions (one list the role loops over in one
task), the dashboard body and the result the role hands on are worked out here, from the
role's settings and what the load_balancer and ecs_service roles handed on.
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.inboxwine.fozzy.plugins.filter.load_balancer import elb_arn_suffix, partition_of_region

# The alarms in the order the role makes them (the keys of monitoring_result.alarm_names).
ALARM_KEYS = ("target_5xx", "elb_5xx", "latency_p95", "unhealthy_hosts", "running_tasks", "cpu", "memory")
ALARM_SUFFIXES = {
    "target_5xx": "target-5xx-rate",
    "elb_5xx": "elb-5xx",
    "latency_p95": "latency-p95",
    "unhealthy_hosts": "unhealthy-hosts",
    "running_tasks": "running-tasks",
    "cpu": "cpu-high",
    "memory": "memory-high",
}
ELB = "AWS/ApplicationELB"
ECS = "AWS/ECS"
INSIGHTS = "ECS/ContainerInsights"


def monitoring_names(prefix):
    """The names of everything the role makes, from ``prefix`` (``<fozzy_name>-<fozzy_environment>``)."""
    prefix = str(prefix or "")
    if not prefix:
        raise AnsibleFilterError("monitoring_names: the prefix (monitoring_name_prefix) is empty")
    return {
        "topic": f"{prefix}-alarms",
        "topic_key": f"alias/{prefix}-alarms",
        "dashboard": prefix,
        "alarms": {key: f"{prefix}-{ALARM_SUFFIXES[key]}" for key in ALARM_KEYS},
    }


def alarm_topic_key_policy(account_id, region):
    """The key policy of the customer managed key the role makes for the alarm topic.

    The account administers the key through IAM (the default key policy's statement), and
    CloudWatch may make and read data keys with it: alarms publish to an encrypted topic only
    when the topic's key lets cloudwatch.amazonaws.com do so, which the AWS managed key
    aws/sns never does. The statement carries no condition, as in AWS's guide: SNS, not the
    alarm, calls KMS, so the alarm's account and ARN are not in that request's context.
    """
    account = str(account_id or "")
    if not account.isdigit() or len(account) != 12:
        raise AnsibleFilterError(f"alarm_topic_key_policy: the account id {account_id!r} is not 12 digits")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersTheKey",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition_of_region(region)}:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchAlarmsPublishToTheTopic",
                "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
            },
        ],
    }


def _targets(load_balancer_result, ecs_service_result, allow_empty):
    """The CloudWatch dimensions of the stack: load balancer, target group, cluster and service."""
    lb = load_balancer_result if isinstance(load_balancer_result, dict) else {}
    service = ecs_service_result if isinstance(ecs_service_result, dict) else {}
    found = {
        # arn_suffix / target_group_arn_suffix are what load_balancer_result hands on; the ARNs are
        # the fallback for a result of an older collection version that lacks them.
        "load_balancer": lb.get("arn_suffix") or elb_arn_suffix(lb.get("arn") or lb.get("load_balancer_arn")),
        "target_group": lb.get("target_group_arn_suffix") or elb_arn_suffix(lb.get("target_group_arn")),
        # ECS blue/green, linear and canary deployments move the traffic between the two target
        # groups, so which one serves changes with every release: the target alarms watch both.
        "alternate_target_group": elb_arn_suffix(lb.get("alternate_target_group_arn")) if lb.get("alternate_target_group_arn") else "",
        "cluster": service.get("cluster_name") or "",
        "service": service.get("service_name") or "",
    }
    missing = [name for name, value in (
        ("load_balancer_result.arn_suffix", found["load_balancer"]),
        ("load_balancer_result.target_group_arn_suffix", found["target_group"]),
        ("ecs_service_result.cluster_name", found["cluster"]),
        ("ecs_service_result.service_name", found["service"])) if not value]
    if missing and not allow_empty:
        raise AnsibleFilterError(f"{', '.join(missing)} empty or missing: run the load_balancer role (prepare and present)"
                                 " and the ecs_service role (prepare) before the monitoring role (site.yml does).")
    return found


def _stat(metric_id, namespace, name, dimensions, period, stat):
    return {"id": metric_id, "return_data": False,
            "metric_stat": {"metric": {"namespace": namespace, "metric_name": name,
                                       "dimensions": [{"name": k, "value": v} for k, v in dimensions.items()]},
                            "period": period, "stat": stat}}


def monitoring_alarms(settings, load_balancer_result, ecs_service_result, topic_arn="", allow_empty=False):
    """The alarms of the stack, in the order of ALARM_KEYS: one dict of inboxwine.fozzy.cloudwatch_alarm options each.

    ``settings`` holds the role's inputs without the ``monitoring_`` prefix (``name_prefix``,
    ``period``, ``evaluation_periods``, ``datapoints_to_alarm``, ``utilization_period``,
    ``utilization_evaluation_periods``, ``target_5xx_rate_threshold``, ``target_5xx_min_requests``,
    ``elb_5xx_threshold``, ``latency_p95_threshold_ms``, ``unhealthy_hosts_threshold``,
    ``running_tasks_shortfall``, ``cpu_threshold``, ``memory_threshold``, ``ok_actions``).
    ``allow_empty`` lets missing dimensions through (check mode, before the stack exists).
    """
    s = dict(settings or {})
    names = monitoring_names(s.get("name_prefix"))["alarms"]
    where = _targets(load_balancer_result, ecs_service_result, allow_empty)
    lb = {"LoadBalancer": where["load_balancer"]}
    groups = [group for group in (where["target_group"], where["alternate_target_group"]) if group]
    svc = {"ClusterName": where["cluster"], "ServiceName": where["service"]}
    period, evaluations, datapoints = int(s["period"]), int(s["evaluation_periods"]), int(s["datapoints_to_alarm"])
    use_period, use_evaluations = int(s["utilization_period"]), int(s["utilization_evaluation_periods"])
    actions = [topic_arn] if topic_arn else []
    minimum = int(s["target_5xx_min_requests"])
    per_period = f"{evaluations} periods of {period} s"

    def alarm(key, description, threshold, missing, comparison="GreaterThanThreshold", **how):
        entry = {"name": names[key], "description": description, "comparison": comparison,
                 "threshold": float(threshold), "treat_missing_data": missing,
                 "evaluation_periods": how.pop("evaluation_periods", evaluations),
                 "datapoints_to_alarm": how.pop("datapoints_to_alarm", datapoints),
                 "alarm_actions": actions, "ok_actions": actions if s.get("ok_actions", True) else []}
        entry.update(how)
        return entry

    return [
        # Missing data is no traffic: no request, no error (the ALB sends no 5xx datapoint for a
        # minute without one) - notBreaching. The rate is computed only from min_requests on,
        # so one failed request at night (1 of 1 = 100 %) does not page anyone.
        alarm("target_5xx", f"Over {s['target_5xx_rate_threshold']} % of the requests answered 5xx by the API tasks"
                            f" (from {minimum} requests a period) in {datapoints} of {per_period}",
              s["target_5xx_rate_threshold"], "notBreaching",
              metrics=[{"id": "rate", "label": "Target 5xx rate (%)", "return_data": True,
                        "expression": f"IF(requests >= {minimum}, 100 * FILL(errors, 0) / requests, 0)"},
                       _stat("errors", ELB, "HTTPCode_Target_5XX_Count", lb, period, "Sum"),
                       _stat("requests", ELB, "RequestCount", lb, period, "Sum")]),
        # No datapoint is a minute without any 5xx of the load balancer itself - notBreaching.
        alarm("elb_5xx", f"More than {s['elb_5xx_threshold']} 5xx answers of the load balancer itself (no healthy"
                         f" target, target timeouts) a period in {datapoints} of {per_period}",
              s["elb_5xx_threshold"], "notBreaching",
              namespace=ELB, metric_name="HTTPCode_ELB_5XX_Count", dimensions=lb, statistic="Sum", period=period),
        # No requests, no response time: nothing is slow - notBreaching. Periods with too few
        # requests for a meaningful p95 keep the alarm's state (ignore), so one slow request
        # at night does not page anyone.
        alarm("latency_p95", f"95th percentile of the API's response time above {s['latency_p95_threshold_ms']} ms"
                             f" in {datapoints} of {per_period}",
              float(s["latency_p95_threshold_ms"]) / 1000.0, "notBreaching",
              namespace=ELB, metric_name="TargetResponseTime", dimensions=lb, extended_statistic="p95",
              period=period, evaluate_low_sample_count_percentile="ignore"),
        # The ALB reports UnHealthyHostCount every minute while a target group is in use, 0
        # included; a gap means no data for the target group, which running_tasks reports -
        # notBreaching, so this alarm speaks only of targets that fail their health checks.
        # Summed over both target groups when there are two (the idle one has no targets).
        alarm("unhealthy_hosts", f"More than {s['unhealthy_hosts_threshold']} API tasks failing the load balancer's"
                                 f" health check in {datapoints} of {per_period}",
              s["unhealthy_hosts_threshold"], "notBreaching",
              metrics=[{"id": "unhealthy", "label": "Unhealthy API tasks", "return_data": True,
                        "expression": " + ".join(f"FILL(group{i}, 0)" for i in range(len(groups)))}]
              + [_stat(f"group{i}", ELB, "UnHealthyHostCount", {"TargetGroup": group, "LoadBalancer": where["load_balancer"]},
                       period, "Maximum") for i, group in enumerate(groups)]),
        # Container Insights reports both counts every minute for a service that exists; no data
        # means the service (or Container Insights) is gone, so nobody would know whether the
        # tasks run - breaching. All periods must fall short, so a deployment or a scale-out
        # (desired jumps first, tasks start within a minute or two) does not page.
        alarm("running_tasks", f"Fewer API tasks running than desired (by more than {s['running_tasks_shortfall']})"
                               f" for {per_period}",
              s["running_tasks_shortfall"], "breaching", datapoints_to_alarm=evaluations,
              metrics=[{"id": "shortfall", "label": "Desired minus running tasks", "return_data": True,
                        "expression": "desired - running"},
                       _stat("desired", INSIGHTS, "DesiredTaskCount", svc, period, "Maximum"),
                       _stat("running", INSIGHTS, "RunningTaskCount", svc, period, "Minimum")]),
        # No tasks, no CPU figures: running_tasks reports that case - notBreaching, so this alarm
        # speaks only of tasks that are busy for long (autoscaling at its maximum, or stuck).
        alarm("cpu", f"Average CPU of the service above {s['cpu_threshold']} % for {use_evaluations} periods of"
                     f" {use_period} s", s["cpu_threshold"], "notBreaching",
              evaluation_periods=use_evaluations, datapoints_to_alarm=use_evaluations,
              namespace=ECS, metric_name="CPUUtilization", dimensions=svc, statistic="Average", period=use_period),
        # As for CPU: no tasks is running_tasks' case - notBreaching.
        alarm("memory", f"Average memory of the service above {s['memory_threshold']} % for {use_evaluations}"
                        f" periods of {use_period} s", s["memory_threshold"], "notBreaching",
              evaluation_periods=use_evaluations, datapoints_to_alarm=use_evaluations,
              namespace=ECS, metric_name="MemoryUtilization", dimensions=svc, statistic="Average", period=use_period),
    ]


def _widget(index, title, metrics, region, stat, period, **properties):
    body = {"type": "metric", "x": 12 * (index % 2), "y": 6 * (index // 2), "width": 12, "height": 6,
            "properties": {"title": title, "view": "timeSeries", "region": region, "stat": stat, "period": period,
                           "metrics": metrics, **properties}}
    return body


def _line(value, label):
    return {"horizontal": [{"value": value, "label": label}]}


def monitoring_dashboard(settings, load_balancer_result, ecs_service_result, region, allow_empty=False):
    """The body of the service's dashboard (a dict; the module sends it as JSON).

    Requests, 5xx (API and load balancer), latency p50/p95/p99 against the p95 threshold,
    healthy and unhealthy hosts, running and desired tasks, CPU and memory against their thresholds.
    """
    s = dict(settings or {})
    where = _targets(load_balancer_result, ecs_service_result, allow_empty)
    lb = ["LoadBalancer", where["load_balancer"]]
    groups = [["TargetGroup", group, "LoadBalancer", where["load_balancer"]]
              for group in (where["target_group"], where["alternate_target_group"]) if group]
    svc = ["ClusterName", where["cluster"], "ServiceName", where["service"]]
    period = int(s["period"])
    latency = float(s["latency_p95_threshold_ms"]) / 1000.0
    widgets = [
        ("Requests", [[ELB, "RequestCount", *lb, {"label": "requests"}]], "Sum", {}),
        ("5xx answers", [[ELB, "HTTPCode_Target_5XX_Count", *lb, {"label": "API tasks"}],
                         [ELB, "HTTPCode_ELB_5XX_Count", *lb, {"label": "load balancer"}]], "Sum", {}),
        ("Response time (seconds)", [[ELB, "TargetResponseTime", *lb, {"stat": f"p{p}", "label": f"p{p}"}]
                                     for p in (50, 95, 99)], "p95",
         {"annotations": _line(latency, "p95 alarm")}),
        ("Healthy and unhealthy tasks", [[ELB, name, *tg, {"label": f"{label} ({tg[1].split('/')[1]})"}]
                                         for tg in groups
                                         for name, label in (("HealthyHostCount", "healthy"), ("UnHealthyHostCount", "unhealthy"))],
         "Maximum", {}),
        ("Running and desired tasks", [[INSIGHTS, "RunningTaskCount", *svc, {"label": "running"}],
                                       [INSIGHTS, "DesiredTaskCount", *svc, {"label": "desired"}]], "Maximum", {}),
        ("CPU (%)", [[ECS, "CPUUtilization", *svc, {"label": "average"}],
                     [ECS, "CPUUtilization", *svc, {"stat": "Maximum", "label": "maximum"}]], "Average",
         {"annotations": _line(float(s["cpu_threshold"]), "alarm"), "yAxis": {"left": {"min": 0, "max": 100}}}),
        ("Memory (%)", [[ECS, "MemoryUtilization", *svc, {"label": "average"}],
                        [ECS, "MemoryUtilization", *svc, {"stat": "Maximum", "label": "maximum"}]], "Average",
         {"annotations": _line(float(s["memory_threshold"]), "alarm"), "yAxis": {"left": {"min": 0, "max": 100}}}),
    ]
    return {"widgets": [_widget(i, title, metrics, region, stat, period, **extra)
                        for i, (title, metrics, stat, extra) in enumerate(widgets)]}


def monitoring_dashboard_url(name, region):
    """The console URL of the dashboard ``name`` in ``region``."""
    return f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#dashboards/dashboard/{name}"


def monitoring_result(names, topic_arn, region, deployment_alarms=("target_5xx", "latency_p95"), dashboard=True):
    """What the role hands on: topic_arn, alarm_names, deployment_alarm_names, dashboard_name, dashboard_url.

    ``names`` is what monitoring_names returned; ``deployment_alarms`` the keys of the alarms
    that a deployment watches (monitoring_deployment_alarms); ``dashboard`` false when none is made.
    """
    alarms = dict(names["alarms"])
    unknown = [key for key in deployment_alarms or () if key not in alarms]
    if unknown:
        raise AnsibleFilterError(f"monitoring_result: deployment alarms {', '.join(map(str, unknown))} are not among"
                                 f" {', '.join(ALARM_KEYS)}")
    return {
        "topic_arn": topic_arn or "",
        "alarm_names": alarms,
        "deployment_alarm_names": [alarms[key] for key in deployment_alarms or ()],
        "dashboard_name": names["dashboard"] if dashboard else "",
        "dashboard_url": monitoring_dashboard_url(names["dashboard"], region) if dashboard else "",
    }


class FilterModule:
    def filters(self):
        return {
            "monitoring_names": monitoring_names,
            "alarm_topic_key_policy": alarm_topic_key_policy,
            "monitoring_alarms": monitoring_alarms,
            "monitoring_dashboard": monitoring_dashboard,
            "monitoring_dashboard_url": monitoring_dashboard_url,
            "monitoring_result": monitoring_result,
        }
