#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_alarm
version_added: 0.3.0
short_description: Manage a CloudWatch metric alarm (one metric or metric math), with tags
description:
  - Creates, updates or deletes one CloudWatch metric alarm on a single metric (with a statistic
    or an extended statistic such as V(p95)) or on a metric math expression.
  - Written because M(amazon.aws.cloudwatch_metric_alarm) (10.1.2) cannot tag alarms and leaves
    O(metrics) out of its comparison while sending it, so a metric math alarm is reported
    changed on every run. Here the alarm is compared with what CloudWatch reports, metric math
    included, and only a difference is written.
author:
  - Inbox Wine platform team (@inboxwine)
options:
  name:
    description: Name of the alarm.
    type: str
    required: true
  state:
    description: V(present) creates or updates the alarm, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  description:
    description: Description of the alarm (what it means when it fires).
    type: str
  namespace:
    description: Namespace of the metric (single-metric alarms).
    type: str
  metric_name:
    description: Name of the metric (single-metric alarms).
    type: str
  dimensions:
    description: Dimensions of the metric, name to value (single-metric alarms).
    type: dict
  statistic:
    description: Statistic of the metric. Mutually exclusive with O(extended_statistic).
    type: str
    choices: [SampleCount, Average, Sum, Minimum, Maximum]
  extended_statistic:
    description: A percentile such as V(p95) (single-metric alarms).
    type: str
  period:
    description: Seconds over which the statistic is applied (single-metric alarms).
    type: int
  metrics:
    description:
      - Metric math alarm, the C(Metrics) of PutMetricAlarm with snake_case keys
        (C(id), C(expression), C(label), C(return_data), C(metric_stat) with C(metric), C(period), C(stat)).
        Exactly one item returns data.
    type: list
    elements: dict
  comparison:
    description: How the value is compared with O(threshold).
    type: str
    choices: [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold]
  threshold:
    description: The value the metric is compared with.
    type: float
  evaluation_periods:
    description: Periods the alarm looks back over.
    type: int
  datapoints_to_alarm:
    description: Of those, how many must breach for the alarm to fire.
    type: int
  treat_missing_data:
    description: What a period without a datapoint counts as.
    type: str
    choices: [breaching, notBreaching, ignore, missing]
    default: missing
  evaluate_low_sample_count_percentile:
    description: For percentiles, whether a period with too few samples is evaluated or keeps the alarm's state.
    type: str
    choices: [evaluate, ignore]
  alarm_actions:
    description: ARNs notified when the alarm fires (SNS topics).
    type: list
    elements: str
    default: []
  ok_actions:
    description: ARNs notified when the alarm returns to OK.
    type: list
    elements: str
    default: []
  insufficient_data_actions:
    description: ARNs notified when the alarm has too little data.
    type: list
    elements: str
    default: []
notes:
  - PutMetricAlarm replaces the whole alarm, so the alarm is rewritten from the task's options when anything differs.
  - Tags are compared separately and changed with TagResource / UntagResource.
attributes:
  check_mode:
    support: full
    details:
      - Nothing is created, changed or deleted; RV(changes) and the diff say what a real run would change.
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
- name: p95 latency of the load balancer
  inboxwine.fozzy.cloudwatch_alarm:
    name: fozzy-api-production-latency-p95
    namespace: AWS/ApplicationELB
    metric_name: TargetResponseTime
    dimensions: {LoadBalancer: app/fozzy-api-production/50dc6c495c0c9188}
    extended_statistic: p95
    period: 60
    comparison: GreaterThanThreshold
    threshold: 1.0
    evaluation_periods: 5
    datapoints_to_alarm: 3
    treat_missing_data: notBreaching
    alarm_actions: [arn:aws:sns:eu-central-1:123456789012:fozzy-api-production-alarms]
    tags: {Project: fozzy}

- name: Running tasks below the desired count (metric math)
  inboxwine.fozzy.cloudwatch_alarm:
    name: fozzy-api-production-running-tasks
    comparison: GreaterThanThreshold
    threshold: 0
    evaluation_periods: 5
    treat_missing_data: breaching
    metrics:
      - {id: shortfall, expression: desired - running, return_data: true}
      - id: desired
        return_data: false
        metric_stat:
          metric: {namespace: ECS/ContainerInsights, metric_name: DesiredTaskCount,
                   dimensions: [{name: ClusterName, value: fozzy-api-production}, {name: ServiceName, value: fozzy-api}]}
          period: 60
          stat: Maximum
      - id: running
        return_data: false
        metric_stat:
          metric: {namespace: ECS/ContainerInsights, metric_name: RunningTaskCount,
                   dimensions: [{name: ClusterName, value: fozzy-api-production}, {name: ServiceName, value: fozzy-api}]}
          period: 60
          stat: Minimum

- name: Delete the alarm
  inboxwine.fozzy.cloudwatch_alarm:
    name: fozzy-api-production-latency-p95
    state: absent
"""

RETURN = r"""
changes:
  description: The fields that were (in check mode, would be) changed, or V(created) / V(deleted).
  returned: always
  type: list
  elements: str
  sample: ["threshold", "tags"]
alarm:
  description: The alarm after the task (in check mode, what a real run would leave). Empty when there is none.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the alarm.
      type: str
      returned: when the alarm exists
    arn:
      description: ARN of the alarm ('' in check mode before it exists).
      type: str
      returned: when the alarm exists
    settings:
      description: What PutMetricAlarm was (would be) given, in the API's names.
      type: dict
      returned: when the alarm exists
    tags:
      description: Tags of the alarm.
      type: dict
      returned: when the alarm exists
"""

try:
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible.module_utils.common.dict_transformations import snake_dict_to_camel_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_client
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_errors
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import differences
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import make_diff
from ansible_collections.inboxwine.fozzy.plugins.module_utils.tags import reconcile_tags

# Module option -> PutMetricAlarm field.
FIELDS = {
    "description": "AlarmDescription", "namespace": "Namespace", "metric_name": "MetricName", "statistic": "Statistic",
    "extended_statistic": "ExtendedStatistic", "period": "Period", "comparison": "ComparisonOperator",
    "threshold": "Threshold", "evaluation_periods": "EvaluationPeriods", "datapoints_to_alarm": "DatapointsToAlarm",
    "treat_missing_data": "TreatMissingData", "evaluate_low_sample_count_percentile": "EvaluateLowSampleCountPercentile",
    "alarm_actions": "AlarmActions", "ok_actions": "OKActions", "insufficient_data_actions": "InsufficientDataActions",
}


def _dimensions(dimensions):
    return sorted(({"Name": d["Name"], "Value": str(d["Value"])} for d in dimensions or []), key=lambda d: d["Name"])


def _metrics(metrics):
    """Metric math items in the API's names, dimensions sorted, as CloudWatch reports them."""
    result = []
    for item in metrics or []:
        item = snake_dict_to_camel_dict(item, capitalize_first=True)
        metric = (item.get("MetricStat") or {}).get("Metric")
        if metric is not None:
            metric["Dimensions"] = _dimensions(metric.get("Dimensions"))
        result.append({key: value for key, value in item.items() if value is not None})
    return result


def alarm_request(params):
    """The PutMetricAlarm request of the module's options (without tags)."""
    request = {"AlarmName": params["name"]}
    for option, field in FIELDS.items():
        if params.get(option) is not None:
            request[field] = params[option]
    if params.get("dimensions"):
        request["Dimensions"] = _dimensions({"Name": k, "Value": v} for k, v in params["dimensions"].items())
    if params.get("metrics"):
        request["Metrics"] = _metrics(params["metrics"])
    return request


def alarm_settings(alarm):
    """What describe_alarms reports of an alarm, in the shape of alarm_request."""
    if not alarm:
        return {}
    settings = {"AlarmName": alarm["AlarmName"]}
    for field in list(FIELDS.values()) + ["Dimensions", "Metrics"]:
        value = alarm.get(field)
        if value in (None, []) and field not in ("AlarmActions", "OKActions", "InsufficientDataActions"):
            continue
        settings[field] = value if value is not None else []
    if "Dimensions" in settings:
        settings["Dimensions"] = _dimensions(settings["Dimensions"])
    if "Metrics" in settings:
        settings["Metrics"] = [dict(item, MetricStat=dict(item["MetricStat"], Metric=dict(
            item["MetricStat"]["Metric"], Dimensions=_dimensions(item["MetricStat"]["Metric"].get("Dimensions")))))
            if "MetricStat" in item else item for item in settings["Metrics"]]
    settings.setdefault("TreatMissingData", "missing")  # alarms older than the field
    return settings


def alarm_changes(request, settings):
    """The module options whose value differs from the alarm's settings (``created`` when there is none)."""
    if not settings:
        return ["created"]
    names = {field: option for option, field in FIELDS.items()}
    names.update(Dimensions="dimensions", Metrics="metrics")
    found = set(differences(request, settings))
    # a field the alarm has and the request drops (for example a period of a single-metric
    # alarm becoming metric math) is a change too: PutMetricAlarm replaces the alarm
    found.update(field for field, value in settings.items()
                 if field not in request and field != "AlarmName" and value not in (None, []))
    return sorted({names.get(path.split(".")[0], path.split(".")[0]) for path in found})


class Alarm:
    def __init__(self, module):
        self.module = module
        self.name = module.params["name"]
        self.cloudwatch = aws_client(module, "cloudwatch")

    def describe(self):
        with aws_errors(self.module, f"describe CloudWatch alarm {self.name}"):
            found = self.cloudwatch.describe_alarms(AlarmNames=[self.name], AlarmTypes=["MetricAlarm"], aws_retry=True)
        return next((a for a in found.get("MetricAlarms", []) if a["AlarmName"] == self.name), None)

    def tags(self, arn):
        with aws_errors(self.module, f"read the tags of CloudWatch alarm {self.name}"):
            found = self.cloudwatch.list_tags_for_resource(ResourceARN=arn, aws_retry=True)
        return boto3_tag_list_to_ansible_dict(found.get("Tags", []))

    def present(self):
        params = self.module.params
        request = alarm_request(params)
        existing = self.describe()
        before = alarm_settings(existing)
        changes = alarm_changes(request, before)
        arn = existing["AlarmArn"] if existing else ""
        current_tags = self.tags(arn) if existing else {}
        if existing is None:
            if not self.module.check_mode:
                with aws_errors(self.module, f"create CloudWatch alarm {self.name}"):
                    self.cloudwatch.put_metric_alarm(
                        Tags=ansible_dict_to_boto3_tag_list(params["tags"] or {}), aws_retry=True, **request)
                arn = self.describe()["AlarmArn"]
            tags_after = {k: str(v) for k, v in (params["tags"] or {}).items()}
        else:
            if changes and not self.module.check_mode:
                with aws_errors(self.module, f"update CloudWatch alarm {self.name}"):
                    self.cloudwatch.put_metric_alarm(aws_retry=True, **request)
            tags = reconcile_tags(
                self.module, current_tags, params["tags"], params["purge_tags"],
                add=lambda t: self.cloudwatch.tag_resource(ResourceARN=arn, Tags=ansible_dict_to_boto3_tag_list(t),
                                                           aws_retry=True),
                remove=lambda keys: self.cloudwatch.untag_resource(ResourceARN=arn, TagKeys=keys, aws_retry=True),
                what=f"CloudWatch alarm {self.name}")
            if tags.changed:
                changes.append("tags")
            tags_after = tags.after
        after = request if changes else before
        self.exit(changes, self.view(before, current_tags, arn) if existing else {}, self.view(after, tags_after, arn))

    def absent(self):
        existing = self.describe()
        if existing is None:
            self.exit([], {}, {})
        before = self.view(alarm_settings(existing), self.tags(existing["AlarmArn"]), existing["AlarmArn"])
        if not self.module.check_mode:
            with aws_errors(self.module, f"delete CloudWatch alarm {self.name}"):
                try:
                    self.cloudwatch.delete_alarms(AlarmNames=[self.name], aws_retry=True)
                except ClientError as e:
                    if e.response.get("Error", {}).get("Code") != "ResourceNotFound":  # gone meanwhile
                        raise
        self.exit(["deleted"], before, {})

    def view(self, settings, tags, arn):
        return {"name": self.name, "arn": arn, "settings": settings, "tags": tags}

    def exit(self, changes, before, after):
        self.module.exit_json(changed=bool(changes), changes=changes, alarm=after, diff=make_diff(before, after))


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        description=dict(type="str"),
        namespace=dict(type="str"),
        metric_name=dict(type="str"),
        dimensions=dict(type="dict"),
        statistic=dict(type="str", choices=["SampleCount", "Average", "Sum", "Minimum", "Maximum"]),
        extended_statistic=dict(type="str"),
        period=dict(type="int"),
        metrics=dict(type="list", elements="dict"),
        comparison=dict(type="str", choices=["GreaterThanOrEqualToThreshold", "GreaterThanThreshold",
                                             "LessThanThreshold", "LessThanOrEqualToThreshold"]),
        threshold=dict(type="float"),
        evaluation_periods=dict(type="int"),
        datapoints_to_alarm=dict(type="int"),
        treat_missing_data=dict(type="str", choices=["breaching", "notBreaching", "ignore", "missing"], default="missing"),
        evaluate_low_sample_count_percentile=dict(type="str", choices=["evaluate", "ignore"]),
        alarm_actions=dict(type="list", elements="str", default=[]),
        ok_actions=dict(type="list", elements="str", default=[]),
        insufficient_data_actions=dict(type="list", elements="str", default=[]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    single = ["namespace", "metric_name", "dimensions", "statistic", "extended_statistic", "period"]
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["statistic", "extended_statistic"]] + [[option, "metrics"] for option in single],
        required_if=[["state", "present", ["comparison", "threshold", "evaluation_periods"]],
                     ["state", "present", ["metric_name", "metrics"], True]],
    )
    alarm = Alarm(module)
    if module.params["state"] == "present":
        alarm.present()
    else:
        alarm.absent()


if __name__ == "__main__":
    main()
