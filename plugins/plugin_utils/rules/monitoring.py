# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the monitoring role's inputs (subscriptions, the topic's key, thresholds, periods),
and the STACK rule that the running-tasks alarm needs the cluster's Container Insights."""

import re

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.inputs import STACK, not_allowed, rule, together
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.rules.shared import account_id_problems

ROLE = "monitoring"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
HTTPS = re.compile(r"^https://[^\s/?#]+(/\S*)?$")
ALARM_KEYS = ("target_5xx", "elb_5xx", "latency_p95", "unhealthy_hosts", "running_tasks", "cpu", "memory")
# Periods CloudWatch accepts for standard-resolution alarms: 10, 30 or a multiple of 60 seconds.
SHORT_PERIODS = (10, 30)
# The AWS managed key of SNS, whose policy does not let CloudWatch alarms publish.
AWS_MANAGED_KEY = re.compile(r"^(alias/aws/sns|arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:alias/aws/sns)$")


def _enabled(inputs):
    return inputs.get("monitoring_enabled", True) is not False and inputs.get("monitoring_state", "present") == "present"


def _number(value):
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _shown(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


@rule(ROLE)
def name_prefix(inputs):
    """The prefix names the topic and the dashboard, whose names allow letters, digits, - and _ only."""
    prefix = inputs["monitoring_name_prefix"]
    if not re.match(r"^[A-Za-z0-9_-]{1,200}$", str(prefix or "")):
        yield not_allowed("monitoring_name_prefix", prefix, "use 1 to 200 letters, digits, - or _ (it starts the names of"
                          " the topic, the alarms and the dashboard).")


@rule(ROLE)
def subscriptions(inputs):
    if not _enabled(inputs):
        return
    for index, entry in enumerate(inputs["monitoring_subscriptions"] or []):
        name = f"monitoring_subscriptions[{index}]"
        if not isinstance(entry, dict) or set(entry) - {"protocol", "endpoint"}:
            yield not_allowed(name, entry, "give a protocol (email or https) and an endpoint, nothing else.")
            continue
        protocol, endpoint = entry.get("protocol"), str(entry.get("endpoint") or "")
        if protocol not in ("email", "https"):
            yield not_allowed(f"{name}.protocol", protocol, "use email or https.")
        elif protocol == "email" and not EMAIL.match(endpoint):
            yield not_allowed(f"{name}.endpoint", endpoint, "use an e-mail address such as oncall@inbox.wine.")
        elif protocol == "https" and not HTTPS.match(endpoint):
            yield not_allowed(f"{name}.endpoint", endpoint, "use an https:// URL such as https://hooks.example.com/alarms.")


@rule(ROLE)
def topic_key(inputs):
    """Notifications nobody receives are worse than none: CloudWatch cannot use aws/sns."""
    if not _enabled(inputs):
        return
    key = str(inputs.get("monitoring_topic_kms_key") or "")
    if inputs["monitoring_subscriptions"] and AWS_MANAGED_KEY.match(key):
        yield together([("monitoring_topic_kms_key", key), ("monitoring_subscriptions", inputs["monitoring_subscriptions"])],
                       "CloudWatch alarms cannot publish to a topic encrypted with the AWS managed key aws/sns (its key"
                       " policy cannot let cloudwatch.amazonaws.com use it), so nobody would be notified: give a customer"
                       " managed key whose policy allows cloudwatch.amazonaws.com kms:GenerateDataKey* and kms:Decrypt,"
                       ' or "" for the key the role makes.')


@rule(ROLE)
def account_id(inputs):
    """The account in the policy of the topic's key."""
    yield from account_id_problems("monitoring_account_id", inputs.get("monitoring_account_id"))


@rule(ROLE)
def thresholds(inputs):
    if not _enabled(inputs):
        return
    for name, low, high, what in (
            ("monitoring_target_5xx_rate_threshold", 0, 100, "a percentage above 0 and at most 100"),
            ("monitoring_cpu_threshold", 0, 100, "a percentage above 0 and at most 100"),
            ("monitoring_memory_threshold", 0, 100, "a percentage above 0 and at most 100"),
            ("monitoring_latency_p95_threshold_ms", 0, 600000, "milliseconds above 0 (at most 600000)")):
        value = _number(inputs[name])
        if value is None or not low < value <= high:
            yield not_allowed(name, _shown(inputs[name]), f"use {what}.")
    for name in ("monitoring_elb_5xx_threshold", "monitoring_unhealthy_hosts_threshold",
                 "monitoring_running_tasks_shortfall", "monitoring_target_5xx_min_requests"):
        value = _number(inputs[name])
        if value is None or value < 0:
            yield not_allowed(name, _shown(inputs[name]), "use 0 or more.")


@rule(ROLE)
def periods(inputs):
    if not _enabled(inputs):
        return
    for period_name, evaluations_name in (("monitoring_period", "monitoring_evaluation_periods"),
                                          ("monitoring_utilization_period", "monitoring_utilization_evaluation_periods")):
        period, evaluations = inputs[period_name], inputs[evaluations_name]
        if not (isinstance(period, int) and (period in SHORT_PERIODS or (period >= 60 and period % 60 == 0))):
            yield not_allowed(period_name, period, "use 10, 30 or a multiple of 60 seconds.")
        elif not (isinstance(evaluations, int) and evaluations >= 1 and period * evaluations <= 86400):
            yield together([(period_name, period), (evaluations_name, evaluations)],
                           "use at least 1 evaluation period, and at most one day of periods in all.")
    datapoints, evaluations = inputs["monitoring_datapoints_to_alarm"], inputs["monitoring_evaluation_periods"]
    if not (isinstance(datapoints, int) and isinstance(evaluations, int) and 1 <= datapoints <= evaluations):
        yield together([("monitoring_datapoints_to_alarm", datapoints), ("monitoring_evaluation_periods", evaluations)],
                       "use 1 to monitoring_evaluation_periods datapoints.")


@rule(ROLE)
def deployment_alarms(inputs):
    if not _enabled(inputs):
        return
    unknown = [key for key in inputs["monitoring_deployment_alarms"] or [] if key not in ALARM_KEYS]
    if unknown:
        yield not_allowed("monitoring_deployment_alarms", inputs["monitoring_deployment_alarms"],
                          f"use the keys of the role's alarms: {', '.join(ALARM_KEYS)}.")


@rule(STACK)
def running_tasks_needs_container_insights(inputs):
    """The running-tasks alarm reads ECS/ContainerInsights, which the cluster sends only with Container Insights on."""
    if not _enabled(inputs) or inputs.get("ecs_service_state", "present") != "present":
        return
    insights = inputs.get("ecs_service_container_insights")
    if insights == "disabled":
        yield together([("monitoring_enabled", True), ("ecs_service_container_insights", insights)],
                       "the running-tasks alarm reads the cluster's Container Insights metrics, and would report a"
                       " shortfall forever without them: set ecs_service_container_insights to enabled (or enhanced).")
