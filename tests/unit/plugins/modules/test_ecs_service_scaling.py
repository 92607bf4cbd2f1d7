"""Unit tests for inboxwine.fozzy.ecs_service_scaling against moto's in-process mock.

Every test reads the resulting AWS state back with boto3 rather than trusting `changed`.
"""

import boto3
import pytest
from moto.applicationautoscaling.models import ApplicationAutoscalingBackend
from moto.core.exceptions import JsonRESTError

from ansible_collections.inboxwine.fozzy.plugins.modules import ecs_service_scaling

CLUSTER = "fozzy"
SERVICE = "api"
RESOURCE_ID = f"service/{CLUSTER}/{SERVICE}"
DIMENSION = "ecs:service:DesiredCount"
LABEL = "app/fozzy-alb/0123456789abcdef/targetgroup/fozzy-api/fedcba9876543210"
BASE = dict(cluster=CLUSTER, service=SERVICE, min_capacity=2, max_capacity=15, cpu_target=70)


@pytest.fixture
def ecs(aws):
    client = boto3.client("ecs")
    client.create_cluster(clusterName=CLUSTER)
    client.register_task_definition(
        family="api", containerDefinitions=[{"name": "api", "image": "nginx", "memory": 512}]
    )
    for name in (SERVICE, f"{SERVICE}2"):
        client.create_service(cluster=CLUSTER, serviceName=name, taskDefinition="api", desiredCount=2)
    return client


@pytest.fixture
def scaling(aws):
    return boto3.client("application-autoscaling")


@pytest.fixture
def run(run_module):
    def _run(check_mode=False, **args):
        return run_module(ecs_service_scaling.main, args, check_mode=check_mode)

    return _run


def targets(scaling, resource_id=RESOURCE_ID):
    found = scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource_id])["ScalableTargets"]
    return [t for t in found if t["ResourceId"] == resource_id]


def policies(scaling, resource_id=RESOURCE_ID):
    """Policies by name; filtered here because moto ignores PolicyNames and matches ResourceId by substring."""
    found = scaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource_id)["ScalingPolicies"]
    return {p["PolicyName"]: p for p in found if p["ResourceId"] == resource_id}


def config(scaling, name, resource_id=RESOURCE_ID):
    return policies(scaling, resource_id)[name]["TargetTrackingScalingPolicyConfiguration"]


# --- create / no-op --------------------------------------------------------------------


def test_create_registers_target_and_cpu_policy(ecs, scaling, run):
    result = run(**BASE)

    assert result["changed"] is True
    assert [(t["MinCapacity"], t["MaxCapacity"]) for t in targets(scaling)] == [(2, 15)]
    cpu = config(scaling, "api-cpu")
    assert cpu["TargetValue"] == 70
    assert cpu["PredefinedMetricSpecification"] == {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}
    assert (cpu["ScaleInCooldown"], cpu["ScaleOutCooldown"], cpu["DisableScaleIn"]) == (300, 60, False)

    assert result["scalable_target"]["resource_id"] == RESOURCE_ID
    assert (result["scalable_target"]["min_capacity"], result["scalable_target"]["max_capacity"]) == (2, 15)
    assert result["scalable_target"]["scalable_dimension"] == DIMENSION
    [policy] = result["policies"]
    assert policy["policy_name"] == "api-cpu"
    assert policy["policy_arn"] == policies(scaling)["api-cpu"]["PolicyARN"]
    assert policy["metric_type"] == "ECSServiceAverageCPUUtilization"
    assert policy["target_value"] == 70.0
    assert (policy["scale_in_cooldown"], policy["scale_out_cooldown"], policy["disable_scale_in"]) == (300, 60, False)
    assert len(policy["alarms"]) == 2
    assert all(a["alarm_name"] and a["alarm_arn"].startswith("arn:aws:cloudwatch:") for a in policy["alarms"])


def test_create_reports_diff(ecs, run):
    result = run(**BASE)

    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["scalable_target"] == {"resource_id": RESOURCE_ID, "min_capacity": 2, "max_capacity": 15}
    assert result["diff"]["after"]["policies"]["api-cpu"]["target_value"] == 70.0


def test_second_identical_run_is_unchanged(ecs, scaling, run):
    run(**BASE, memory_target=80, request_count_target=1000, request_count_resource_label=LABEL)
    arns = {name: p["PolicyARN"] for name, p in policies(scaling).items()}

    result = run(**BASE, memory_target=80, request_count_target=1000, request_count_resource_label=LABEL)

    assert result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]
    assert {name: p["PolicyARN"] for name, p in policies(scaling).items()} == arns


def test_cluster_and_service_arns_are_accepted(ecs, scaling, run):
    cluster_arn = ecs.describe_clusters(clusters=[CLUSTER])["clusters"][0]["clusterArn"]
    service_arn = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]["serviceArn"]
    run(**BASE)

    result = run(**dict(BASE, cluster=cluster_arn, service=service_arn))

    assert result["changed"] is False
    assert result["scalable_target"]["resource_id"] == RESOURCE_ID


def test_aws_normalisations_are_not_changes(ecs, scaling, run):
    """A policy written by someone else with an int target and no cooldown/disable fields
    matches a task that sets the same value and the ECS defaults."""
    scaling.register_scalable_target(
        ServiceNamespace="ecs", ResourceId=RESOURCE_ID, ScalableDimension=DIMENSION, MinCapacity=2, MaxCapacity=15
    )
    scaling.put_scaling_policy(
        PolicyName="api-cpu",
        ServiceNamespace="ecs",
        ResourceId=RESOURCE_ID,
        ScalableDimension=DIMENSION,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 70,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        },
    )

    result = run(**BASE, scale_out_cooldown=300)

    assert result["changed"] is False
    assert "ScaleInCooldown" not in config(scaling, "api-cpu")


# --- updates ------------------------------------------------------------------------------


def test_min_and_max_changes_are_applied(ecs, scaling, run):
    run(**BASE)

    result = run(**dict(BASE, min_capacity=3, max_capacity=20))

    assert result["changed"] is True
    assert [(t["MinCapacity"], t["MaxCapacity"]) for t in targets(scaling)] == [(3, 20)]
    assert result["diff"]["before"]["scalable_target"]["min_capacity"] == 2
    assert result["diff"]["after"]["scalable_target"]["max_capacity"] == 20
    assert (result["scalable_target"]["min_capacity"], result["scalable_target"]["max_capacity"]) == (3, 20)


def test_omitted_capacity_keeps_the_current_value(ecs, scaling, run):
    run(**BASE)

    result = run(cluster=CLUSTER, service=SERVICE, min_capacity=4, cpu_target=70)

    assert result["changed"] is True
    assert [(t["MinCapacity"], t["MaxCapacity"]) for t in targets(scaling)] == [(4, 15)]


def test_target_value_change_is_applied(ecs, scaling, run):
    run(**BASE)

    result = run(**dict(BASE, cpu_target=55.5))

    assert result["changed"] is True
    assert config(scaling, "api-cpu")["TargetValue"] == 55.5
    assert result["diff"]["before"]["policies"]["api-cpu"]["target_value"] == 70.0
    assert result["diff"]["after"]["policies"]["api-cpu"]["target_value"] == 55.5


@pytest.mark.parametrize(
    "option, value, field",
    [
        ("scale_in_cooldown", 120, "ScaleInCooldown"),
        ("scale_out_cooldown", 30, "ScaleOutCooldown"),
        ("disable_scale_in", True, "DisableScaleIn"),
    ],
)
def test_cooldown_and_scale_in_changes_are_applied(ecs, scaling, run, option, value, field):
    run(**BASE)

    result = run(**BASE, **{option: value})

    assert result["changed"] is True
    assert config(scaling, "api-cpu")[field] == value
    assert result["policies"][0][option] == value
    assert run(**BASE, **{option: value})["changed"] is False


def test_memory_and_request_policies_are_added(ecs, scaling, run):
    run(**BASE)

    result = run(**BASE, memory_target=80, request_count_target=1000, request_count_resource_label=LABEL)

    assert result["changed"] is True
    assert set(policies(scaling)) == {"api-cpu", "api-memory", "api-requests"}
    memory = config(scaling, "api-memory")
    assert memory["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ECSServiceAverageMemoryUtilization"
    assert memory["TargetValue"] == 80
    requests = config(scaling, "api-requests")
    assert requests["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "ALBRequestCountPerTarget",
        "ResourceLabel": LABEL,
    }
    by_name = {p["policy_name"]: p for p in result["policies"]}
    assert by_name["api-requests"]["resource_label"] == LABEL
    assert by_name["api-memory"]["metric_type"] == "ECSServiceAverageMemoryUtilization"
    assert set(result["diff"]["after"]["policies"]) - set(result["diff"]["before"]["policies"]) == {
        "api-memory",
        "api-requests",
    }


def test_resource_label_change_is_applied(ecs, scaling, run):
    run(**BASE, request_count_target=1000, request_count_resource_label=LABEL)
    other = LABEL.replace("fozzy-api", "fozzy-api-blue")

    result = run(**BASE, request_count_target=1000, request_count_resource_label=other)

    assert result["changed"] is True
    assert config(scaling, "api-requests")["PredefinedMetricSpecification"]["ResourceLabel"] == other


def test_undeclared_policy_is_kept_without_purge(ecs, scaling, run):
    run(**BASE, memory_target=80)

    result = run(**BASE)

    assert result["changed"] is False
    assert set(policies(scaling)) == {"api-cpu", "api-memory"}
    assert [p["policy_name"] for p in result["policies"]] == ["api-cpu", "api-memory"]


def test_purge_removes_undeclared_target_tracking_policies_only(ecs, scaling, run):
    run(**BASE, memory_target=80)
    scaling.put_scaling_policy(
        PolicyName="manual-step",
        ServiceNamespace="ecs",
        ResourceId=RESOURCE_ID,
        ScalableDimension=DIMENSION,
        PolicyType="StepScaling",
        StepScalingPolicyConfiguration={
            "AdjustmentType": "ChangeInCapacity",
            "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
        },
    )

    result = run(**BASE, purge_policies=True)

    assert result["changed"] is True
    assert set(policies(scaling)) == {"api-cpu", "manual-step"}
    assert "api-memory" in result["diff"]["before"]["policies"]
    assert "api-memory" not in result["diff"]["after"]["policies"]
    assert run(**BASE, purge_policies=True)["changed"] is False


def test_purge_with_no_declared_policy_removes_all_target_tracking(ecs, scaling, run):
    run(**BASE, memory_target=80)

    result = run(cluster=CLUSTER, service=SERVICE, min_capacity=2, max_capacity=15, purge_policies=True)

    assert result["changed"] is True
    assert policies(scaling) == {}
    assert len(targets(scaling)) == 1


def test_other_service_with_a_prefix_name_is_left_alone(ecs, scaling, run):
    """`service/fozzy/api` is a prefix of `service/fozzy/api2`: neither may see the other's policies."""
    run(**BASE, memory_target=80)

    result = run(**dict(BASE, service="api2"), purge_policies=True)

    assert [p["policy_name"] for p in result["policies"]] == ["api2-cpu"]
    assert set(policies(scaling)) == {"api-cpu", "api-memory"}
    assert set(policies(scaling, "service/fozzy/api2")) == {"api2-cpu"}


# --- check mode ----------------------------------------------------------------------------


def test_check_mode_create_writes_nothing(ecs, scaling, run):
    result = run(check_mode=True, **BASE, memory_target=80)

    assert result["changed"] is True
    assert targets(scaling) == []
    assert policies(scaling) == {}
    assert result["scalable_target"]["min_capacity"] == 2
    assert sorted(p["policy_name"] for p in result["policies"]) == ["api-cpu", "api-memory"]
    assert all(p["policy_arn"] is None for p in result["policies"])
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["scalable_target"]["max_capacity"] == 15


def test_check_mode_update_writes_nothing(ecs, scaling, run):
    run(**BASE, memory_target=80)
    before = (targets(scaling), policies(scaling))

    result = run(check_mode=True, **dict(BASE, min_capacity=5, cpu_target=50), purge_policies=True)

    assert result["changed"] is True
    assert (targets(scaling), policies(scaling)) == before
    assert result["diff"]["after"]["scalable_target"]["min_capacity"] == 5
    assert result["diff"]["after"]["policies"] == {
        "api-cpu": dict(result["diff"]["before"]["policies"]["api-cpu"], target_value=50.0)
    }


def test_check_mode_matches_real_run_when_unchanged(ecs, scaling, run):
    run(**BASE)

    assert run(check_mode=True, **BASE)["changed"] is False


def test_check_mode_absent_writes_nothing(ecs, scaling, run):
    run(**BASE)

    result = run(check_mode=True, cluster=CLUSTER, service=SERVICE, state="absent")

    assert result["changed"] is True
    assert len(targets(scaling)) == 1
    assert set(policies(scaling)) == {"api-cpu"}


# --- absent --------------------------------------------------------------------------------


def test_absent_deletes_policies_alarms_and_target(ecs, scaling, run):
    run(**BASE, memory_target=80)
    assert boto3.client("cloudwatch").describe_alarms()["MetricAlarms"]

    result = run(cluster=CLUSTER, service=SERVICE, state="absent")

    assert result["changed"] is True
    assert targets(scaling) == []
    assert policies(scaling) == {}
    assert boto3.client("cloudwatch").describe_alarms()["MetricAlarms"] == []
    assert result["scalable_target"] == {} and result["policies"] == []
    assert set(result["diff"]["before"]["policies"]) == {"api-cpu", "api-memory"}
    assert result["diff"]["after"] == {}


def test_absent_when_nothing_exists_is_unchanged(ecs, scaling, run):
    result = run(cluster=CLUSTER, service=SERVICE, state="absent")

    assert result["changed"] is False
    assert result.get("failed") is False


def test_absent_does_not_need_the_cluster(aws, run):
    result = run(cluster="gone", service="gone", state="absent")

    assert result["changed"] is False
    assert result["failed"] is False


def test_absent_leaves_other_services_alone(ecs, scaling, run):
    run(**BASE)
    run(**dict(BASE, service="api2"))

    run(cluster=CLUSTER, service=SERVICE, state="absent")

    assert len(targets(scaling, "service/fozzy/api2")) == 1
    assert set(policies(scaling, "service/fozzy/api2")) == {"api2-cpu"}


# --- errors --------------------------------------------------------------------------------


def test_missing_cluster_fails_naming_it(aws, scaling, run):
    result = run(**dict(BASE, cluster="nope"))

    assert result["failed"] is True
    assert "ECS cluster 'nope'" in result["msg"] and "does not exist" in result["msg"]
    assert targets(scaling, "service/nope/api") == []


def test_missing_service_fails_naming_it(ecs, scaling, run):
    result = run(**dict(BASE, service="nope"))

    assert result["failed"] is True
    assert "ECS service 'nope'" in result["msg"] and "cluster 'fozzy'" in result["msg"]
    assert "MISSING" in result["msg"]


def test_inactive_service_fails(ecs, scaling, run):
    ecs.delete_service(cluster=CLUSTER, service=SERVICE, force=True)

    result = run(**BASE)

    assert result["failed"] is True
    assert "ECS service 'api'" in result["msg"] and "INACTIVE" in result["msg"]
    assert targets(scaling) == []


@pytest.mark.parametrize(
    "override, message",
    [
        (dict(min_capacity=10, max_capacity=5),
         "min_capacity=10 is not allowed: use at least 0 and at most max_capacity=5;"
         " min_capacity (10) must not be greater than max_capacity (5)."),
        (dict(min_capacity=-1), "min_capacity=-1 is not allowed: use at least 0 and at most max_capacity=15."),
        (dict(max_capacity=-2, min_capacity=-3),
         "min_capacity=-3 is not allowed: use at least 0. max_capacity=-2 is not allowed: use at least 0."),
        (dict(cpu_target=0), "cpu_target is a percentage"),
        (dict(cpu_target=100.5), "cpu_target is a percentage"),
        (dict(memory_target=-5), "memory_target is a percentage"),
        (dict(request_count_target=0, request_count_resource_label=LABEL), "request_count_target must be greater than 0"),
        (dict(request_count_target=10, request_count_resource_label="arn:aws:elasticloadbalancing:x"),
         "request_count_resource_label must look like app/"),
        (dict(scale_in_cooldown=-1), "scale_in_cooldown must be 0 or more"),
        (dict(scale_out_cooldown=-1), "scale_out_cooldown must be 0 or more"),
    ],
)
def test_invalid_values_fail_naming_the_option(ecs, scaling, run, override, message):
    result = run(**dict(BASE, **override))

    assert result["failed"] is True
    assert message in result["msg"]
    assert targets(scaling) == []


def test_boundary_values_are_accepted(ecs, scaling, run):
    result = run(**dict(BASE, cpu_target=100, min_capacity=0, max_capacity=0), memory_target=0.5)

    assert result["failed"] is False
    assert config(scaling, "api-cpu")["TargetValue"] == 100


def test_request_count_needs_its_label(ecs, run):
    result = run(**BASE, request_count_target=1000)

    assert result["failed"] is True
    assert "request_count_target" in result["msg"] and "request_count_resource_label" in result["msg"]


def test_new_target_needs_min_and_max(ecs, scaling, run):
    result = run(cluster=CLUSTER, service=SERVICE, min_capacity=2, cpu_target=70)

    assert result["failed"] is True
    assert "min_capacity and max_capacity are both required" in result["msg"]
    assert targets(scaling) == []


def test_min_above_the_current_max_fails(ecs, scaling, run):
    run(**BASE)

    result = run(cluster=CLUSTER, service=SERVICE, min_capacity=20)

    assert result["failed"] is True
    assert "min_capacity (20) must not be greater than max_capacity (15)" in result["msg"]
    assert "max_capacity is the current value" in result["msg"]
    assert [(t["MinCapacity"], t["MaxCapacity"]) for t in targets(scaling)] == [(2, 15)]


def test_aws_error_is_reported_with_context(ecs, run, monkeypatch):
    def refuse(*args, **kwargs):
        raise JsonRESTError("AccessDeniedException", "not allowed to register")

    monkeypatch.setattr(ApplicationAutoscalingBackend, "register_scalable_target", refuse)

    result = run(**BASE)

    assert result["failed"] is True
    assert result["msg"].startswith(f"Failed to register the scalable target {RESOURCE_ID}")
    assert "not allowed to register" in result["msg"]
    assert result["error"]["code"] == "AccessDeniedException"


def test_throttling_is_retried(ecs, scaling, run, monkeypatch):
    original = ApplicationAutoscalingBackend.describe_scalable_targets
    calls = []

    def throttled_once(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise JsonRESTError("ThrottlingException", "Rate exceeded")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ApplicationAutoscalingBackend, "describe_scalable_targets", throttled_once)

    result = run(**BASE)

    assert result["failed"] is False
    assert len(calls) >= 2
    assert len(targets(scaling)) == 1
