"""Rules of the monitoring role's inputs, and the STACK rule on Container Insights."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils import inputs as engine

KEY = "arn:aws:kms:eu-central-1:123456789012:key/0a1b2c3d-0000-4000-8000-0123456789ab"
GOOD = {
    "monitoring_state": "present", "monitoring_enabled": True, "monitoring_name_prefix": "fozzy-api-production", "monitoring_topic_kms_key": "",
    "monitoring_subscriptions": [], "monitoring_deployment_alarms": ["target_5xx", "latency_p95"],
    "monitoring_period": 60, "monitoring_evaluation_periods": 5, "monitoring_datapoints_to_alarm": 3,
    "monitoring_utilization_period": 300, "monitoring_utilization_evaluation_periods": 3,
    "monitoring_target_5xx_rate_threshold": 5.0, "monitoring_target_5xx_min_requests": 20,
    "monitoring_elb_5xx_threshold": 10.0, "monitoring_latency_p95_threshold_ms": 1000.0,
    "monitoring_unhealthy_hosts_threshold": 0.0, "monitoring_running_tasks_shortfall": 0.0,
    "monitoring_cpu_threshold": 85.0, "monitoring_memory_threshold": 85.0,
    "ecs_service_state": "present", "ecs_service_container_insights": "enabled",
}


def problems(scopes=("monitoring",), **changes):
    return engine.check(list(scopes), engine.Inputs(dict(GOOD, **changes)))


def test_good_inputs_have_no_problem():
    assert problems(scopes=("monitoring", engine.STACK)) == []
    assert problems(monitoring_topic_kms_key=KEY, monitoring_subscriptions=[
        {"protocol": "email", "endpoint": "oncall@inbox.wine"},
        {"protocol": "https", "endpoint": "https://hooks.inbox.wine/alarms?x=1"}]) == []
    # "" is the key the role makes, which CloudWatch may use; aws/sns is fine while nobody is notified
    assert problems(monitoring_topic_kms_key="", monitoring_subscriptions=[{"protocol": "email", "endpoint": "a@b.co"}]) == []
    assert problems(monitoring_topic_kms_key="alias/aws/sns") == []
    assert problems(monitoring_account_id="123456789012") == [] and problems(monitoring_account_id="") == []
    assert problems(monitoring_period=10, monitoring_evaluation_periods=1, monitoring_datapoints_to_alarm=1) == []
    assert problems(scopes=(engine.STACK,), ecs_service_container_insights="enhanced") == []


@pytest.mark.parametrize("changes, message", [
    ({"monitoring_topic_kms_key": KEY, "monitoring_subscriptions": [{"protocol": "sms", "endpoint": "+4912345"}]},
     "monitoring_subscriptions[0].protocol=sms is not allowed: use email or https."),
    ({"monitoring_topic_kms_key": KEY, "monitoring_subscriptions": [{"protocol": "email", "endpoint": "oncall"}]},
     "monitoring_subscriptions[0].endpoint=oncall is not allowed: use an e-mail address such as oncall@inbox.wine."),
    ({"monitoring_topic_kms_key": KEY, "monitoring_subscriptions": [{"protocol": "https", "endpoint": "http://hooks.inbox.wine/x"}]},
     "monitoring_subscriptions[0].endpoint=http://hooks.inbox.wine/x is not allowed: use an https:// URL"),
    ({"monitoring_topic_kms_key": KEY, "monitoring_subscriptions": ["oncall@inbox.wine"]},
     "monitoring_subscriptions[0]=oncall@inbox.wine is not allowed: give a protocol (email or https) and an endpoint"),
    ({"monitoring_topic_kms_key": "alias/aws/sns", "monitoring_subscriptions": [{"protocol": "email", "endpoint": "oncall@inbox.wine"}]},
     'monitoring_topic_kms_key=alias/aws/sns with monitoring_subscriptions=[{"endpoint": "oncall@inbox.wine",'
     ' "protocol": "email"}] is not allowed together: CloudWatch alarms cannot publish to a topic encrypted with the AWS'
     " managed key aws/sns"),
    ({"monitoring_account_id": "12345"},
     'monitoring_account_id=12345 is not allowed: use the 12 digits of the AWS account id, or "" to have it looked up.'),
    ({"monitoring_name_prefix": "fozzy api"}, "monitoring_name_prefix=fozzy api is not allowed: use 1 to 200 letters,"
     " digits, - or _"),
    ({"monitoring_cpu_threshold": 0.0}, "monitoring_cpu_threshold=0 is not allowed: use a percentage above 0 and at most 100."),
    ({"monitoring_memory_threshold": 120.0}, "monitoring_memory_threshold=120 is not allowed"),
    ({"monitoring_target_5xx_rate_threshold": 100.5}, "monitoring_target_5xx_rate_threshold=100.5 is not allowed"),
    ({"monitoring_latency_p95_threshold_ms": -1.0}, "monitoring_latency_p95_threshold_ms=-1 is not allowed: use milliseconds"),
    ({"monitoring_elb_5xx_threshold": -1.0}, "monitoring_elb_5xx_threshold=-1 is not allowed: use 0 or more."),
    ({"monitoring_period": 45}, "monitoring_period=45 is not allowed: use 10, 30 or a multiple of 60 seconds."),
    ({"monitoring_utilization_period": 0}, "monitoring_utilization_period=0 is not allowed"),
    ({"monitoring_period": 3600, "monitoring_evaluation_periods": 25, "monitoring_datapoints_to_alarm": 3},
     "monitoring_period=3600 with monitoring_evaluation_periods=25 is not allowed together: use at least 1 evaluation"
     " period, and at most one day of periods in all."),
    ({"monitoring_datapoints_to_alarm": 6}, "monitoring_datapoints_to_alarm=6 with monitoring_evaluation_periods=5 is not"
     " allowed together: use 1 to monitoring_evaluation_periods datapoints."),
    ({"monitoring_deployment_alarms": ["target_5xx", "p99"]},
     'monitoring_deployment_alarms=["target_5xx", "p99"] is not allowed: use the keys of the role\'s alarms'),
])
def test_each_bad_input_gives_its_message(changes, message):
    found = problems(**changes)
    assert len(found) == 1, found
    assert found[0].startswith(message), found


def test_running_tasks_needs_container_insights():
    found = problems(scopes=(engine.STACK,), ecs_service_container_insights="disabled")
    assert [p for p in found if "Container Insights" in p] == [
        "monitoring_enabled=true with ecs_service_container_insights=disabled is not allowed together: the running-tasks"
        " alarm reads the cluster's Container Insights metrics, and would report a shortfall forever without them: set"
        " ecs_service_container_insights to enabled (or enhanced)."]


def test_nothing_is_checked_when_monitoring_is_off():
    bad = {"monitoring_cpu_threshold": 0.0, "monitoring_subscriptions": [{"protocol": "sms", "endpoint": "x"}],
           "ecs_service_container_insights": "disabled"}
    assert problems(scopes=("monitoring", engine.STACK), monitoring_enabled=False, **bad) == []
    assert problems(scopes=("monitoring", engine.STACK), monitoring_state="absent", **bad) == []
