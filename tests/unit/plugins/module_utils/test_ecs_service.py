"""Unit tests for inboxwine.fozzy module_utils.ecs_service: the option-to-API field table and
what reads it (create request, compare, update request, check-mode prediction, diff), and the
deployment state checks. No AWS involved; tests/unit/plugins/modules/test_ecs_service_deploy.py
runs the module against moto."""

import copy

import pytest

from ansible_collections.inboxwine.fozzy.plugins.module_utils import ecs_service
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import DEPLOYMENT_DEFAULTS
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import FIELDS
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import compare
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import create_request
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import deployment_failure
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import diff_view
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import is_stable
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import predicted
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import service_input_problems
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import update_request

TD1 = "arn:aws:ecs:eu-central-1:123456789012:task-definition/api:1"
TD2 = "arn:aws:ecs:eu-central-1:123456789012:task-definition/api:2"
TG = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/api/0123456789abcdef"

UNSET = dict(
    state="present", task_definition=TD1, desired_count=None, force_desired_count=False, launch_type=None,
    capacity_provider_strategy=None, platform_version=None, network_configuration=None, load_balancers=None,
    health_check_grace_period_seconds=None, deployment_configuration=None, enable_execute_command=None,
    propagate_tags=None, force_new_deployment=False, tags=None, purge_tags=True, wait_timeout=900,
    deployment_controller=None,
)


def params(**overrides):
    return dict(UNSET, **overrides)


FULL = params(
    desired_count=10,
    capacity_provider_strategy=[{"capacity_provider": "FARGATE", "weight": 1, "base": 1}],
    platform_version="LATEST",
    network_configuration={"subnets": ["subnet-b", "subnet-a"], "security_groups": ["sg-1"], "assign_public_ip": False},
    load_balancers=[{"target_group_arn": TG, "container_name": "api", "container_port": 8000}],
    health_check_grace_period_seconds=60,
    deployment_configuration={"minimum_healthy_percent": 50, "maximum_percent": None,
                              "deployment_circuit_breaker": {"enable": True, "rollback": True}},
    enable_execute_command=False,
    propagate_tags="SERVICE",
    tags={"Project": "fozzy"},
)

# FULL as ECS describes it after creating it (AWS orders and omits things its own way).
SERVICE = {
    "serviceName": "api",
    "serviceArn": "arn:aws:ecs:eu-central-1:123456789012:service/fozzy/api",
    "status": "ACTIVE",
    "taskDefinition": TD1,
    "desiredCount": 10,
    "runningCount": 10,
    "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 1}],
    "platformVersion": "LATEST",
    "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg-1"],
                                                     "assignPublicIp": "DISABLED"}},
    "loadBalancers": [{"targetGroupArn": TG, "containerName": "api", "containerPort": 8000}],
    "healthCheckGracePeriodSeconds": 60,
    "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 50,
                                "deploymentCircuitBreaker": {"enable": True, "rollback": True}, "alarms": {"enable": False}},
    "enableExecuteCommand": False,
    "propagateTags": "SERVICE",
    "tags": [{"key": "Project", "value": "fozzy"}],
}


def test_every_option_of_the_table_is_an_option_of_the_module():
    from ansible_collections.inboxwine.fozzy.plugins.modules import ecs_service_deploy

    assert {field.option for field in FIELDS} <= set(UNSET)
    assert len({field.api for field in FIELDS}) == len(FIELDS)
    assert "options:" in ecs_service_deploy.DOCUMENTATION
    for field in FIELDS:
        assert f"\n  {field.option}:\n" in ecs_service_deploy.DOCUMENTATION


# --------------------------------------------------------------------------------- create
def test_create_request_sets_every_field():
    request = create_request("fozzy", "api", FULL, TD1)
    assert request == {
        "cluster": "fozzy",
        "serviceName": "api",
        "schedulingStrategy": "REPLICA",
        "deploymentController": {"type": "ECS"},
        "taskDefinition": TD1,
        "desiredCount": 10,
        "deploymentConfiguration": {"maximumPercent": 200, "minimumHealthyPercent": 50,
                                    "deploymentCircuitBreaker": {"enable": True, "rollback": True}},
        "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"], "assignPublicIp": "DISABLED",
                                                         "securityGroups": ["sg-1"]}},
        "loadBalancers": [{"targetGroupArn": TG, "containerName": "api", "containerPort": 8000}],
        "healthCheckGracePeriodSeconds": 60,
        "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 1}],
        "platformVersion": "LATEST",
        "enableExecuteCommand": False,
        "propagateTags": "SERVICE",
        "tags": [{"key": "Project", "value": "fozzy"}],
    }


def test_create_request_of_a_minimal_task():
    request = create_request("fozzy", "api", params(desired_count=2, launch_type="FARGATE", capacity_provider_strategy=[]), TD1)
    assert request == {
        "cluster": "fozzy", "serviceName": "api", "schedulingStrategy": "REPLICA", "deploymentController": {"type": "ECS"},
        "taskDefinition": TD1, "desiredCount": 2, "deploymentConfiguration": DEPLOYMENT_DEFAULTS, "launchType": "FARGATE",
    }


def test_check_mode_prediction_of_a_new_service_matches_what_aws_then_shows():
    predicted_view = diff_view(create_request("fozzy", "api", FULL, TD1))
    created = copy.deepcopy(SERVICE)
    del created["deploymentConfiguration"]["alarms"]
    assert predicted_view == diff_view(created)
    assert predicted_view["enable_execute_command"] is False and predicted_view["propagate_tags"] == "SERVICE"


# -------------------------------------------------------------------------------- compare
def test_the_same_service_is_no_change():
    assert compare(SERVICE, FULL, TD1) == {}


def test_unset_options_are_not_compared():
    assert compare({"taskDefinition": TD1}, params(), TD1) == {}


def test_desired_count_only_when_forced():
    changed_count = dict(SERVICE, desiredCount=4)
    assert compare(changed_count, FULL, TD1) == {}
    assert compare(changed_count, dict(FULL, force_desired_count=True), TD1) == {"desired_count": 10}


def test_every_field_that_differs():
    wanted = params(
        desired_count=3, force_desired_count=True,
        capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 2, "base": 0}],
        platform_version="1.4.0",
        network_configuration={"subnets": ["subnet-c"], "security_groups": None, "assign_public_ip": True},
        load_balancers=[],
        health_check_grace_period_seconds=0,
        deployment_configuration={"minimum_healthy_percent": None, "maximum_percent": 150,
                                  "deployment_circuit_breaker": {"enable": True, "rollback": False}},
        enable_execute_command=True,
        propagate_tags="NONE",
    )
    found = compare(SERVICE, wanted, TD2)
    merged = {"maximumPercent": 150, "minimumHealthyPercent": 50,
              "deploymentCircuitBreaker": {"enable": True, "rollback": False}, "alarms": {"enable": False}}
    assert found == {
        "task_definition": TD2,
        "desired_count": 3,
        "deployment_configuration.maximum_percent": merged,
        "deployment_configuration.deployment_circuit_breaker.rollback": merged,
        # security groups the task leaves out are kept
        "network_configuration": {"awsvpcConfiguration": {"subnets": ["subnet-c"], "securityGroups": ["sg-1"],
                                                          "assignPublicIp": "ENABLED"}},
        "load_balancers": [],
        "health_check_grace_period_seconds": 0,
        "capacity_provider_strategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 2, "base": 0}],
        "platform_version": "1.4.0",
        "enable_execute_command": True,
        "propagate_tags": "NONE",
    }


def test_what_aws_leaves_out_is_its_default():
    bare = {"taskDefinition": TD1}
    wanted = params(health_check_grace_period_seconds=0, enable_execute_command=False, propagate_tags="NONE", load_balancers=[],
                    deployment_configuration={"minimum_healthy_percent": 100, "maximum_percent": 200,
                                              "deployment_circuit_breaker": {"enable": False, "rollback": False}})
    assert compare(bare, wanted, TD1) == {}
    # an empty strategy sets nothing: the service keeps its own
    assert compare(SERVICE, params(capacity_provider_strategy=[]), TD1) == {}


def test_launch_type_is_not_compared():
    assert compare(SERVICE, params(launch_type="FARGATE"), TD1) == {}


# ------------------------------------------------------------------------- update request
def test_update_request_sends_what_compare_found():
    found = compare(SERVICE, params(health_check_grace_period_seconds=90, platform_version="1.4.0"), TD2)
    assert update_request("fozzy", "api", found) == {
        "cluster": "fozzy", "service": "api", "taskDefinition": TD2, "healthCheckGracePeriodSeconds": 90,
        "platformVersion": "1.4.0",
    }


@pytest.mark.parametrize("wanted, field", [
    (params(capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1, "base": 0}]), "capacityProviderStrategy"),
    (params(enable_execute_command=True), "enableExecuteCommand"),
])
def test_fields_running_tasks_see_only_after_a_new_deployment_force_one(wanted, field):
    request = update_request("fozzy", "api", compare(SERVICE, wanted, TD1))
    assert field in request
    assert request["forceNewDeployment"] is True


def test_force_new_deployment():
    assert update_request("fozzy", "api", {}, force_new_deployment=True) == {
        "cluster": "fozzy", "service": "api", "forceNewDeployment": True}
    assert "forceNewDeployment" not in update_request("fozzy", "api", {"propagate_tags": "NONE"})


def test_the_whole_deployment_configuration_is_sent_once():
    found = compare(SERVICE, params(deployment_configuration={"minimum_healthy_percent": 0, "maximum_percent": 100,
                                                              "deployment_circuit_breaker": None}), TD1)
    assert sorted(found) == ["deployment_configuration.maximum_percent", "deployment_configuration.minimum_healthy_percent"]
    assert update_request("fozzy", "api", found)["deploymentConfiguration"] == {
        "maximumPercent": 100, "minimumHealthyPercent": 0,
        "deploymentCircuitBreaker": {"enable": True, "rollback": True}, "alarms": {"enable": False}}


# ---------------------------------------------------------------------- prediction and diff
def test_prediction_shows_the_changes_and_keeps_the_rest():
    found = compare(SERVICE, params(health_check_grace_period_seconds=90), TD2)
    before, after = diff_view(SERVICE), diff_view(predicted(SERVICE, found, {"Project": "wine"}))
    assert after == dict(before, task_definition=TD2, health_check_grace_period_seconds=90, tags={"Project": "wine"})


def test_prediction_without_a_tag_change_keeps_the_tags():
    assert diff_view(predicted(SERVICE, {}, None)) == diff_view(SERVICE)


def test_diff_view_of_a_service():
    assert diff_view(SERVICE) == {
        "task_definition": TD1,
        "desired_count": 10,
        "deployment_configuration": {"maximum_percent": 200, "minimum_healthy_percent": 50,
                                     "deployment_circuit_breaker": {"enable": True, "rollback": True},
                                     "alarms": {"enable": False}},
        "network_configuration": {"awsvpc_configuration": {"subnets": ["subnet-a", "subnet-b"], "security_groups": ["sg-1"],
                                                           "assign_public_ip": "DISABLED"}},
        "load_balancers": [{"target_group_arn": TG, "container_name": "api", "container_port": 8000}],
        "health_check_grace_period_seconds": 60,
        "capacity_provider_strategy": [{"capacity_provider": "FARGATE", "weight": 1, "base": 1}],
        "platform_version": "LATEST",
        "enable_execute_command": False,
        "propagate_tags": "SERVICE",
        "deployment_controller": "ECS",
        "tags": {"Project": "fozzy"},
    }


def test_diff_view_fills_in_aws_defaults_and_leaves_out_what_is_not_there():
    assert diff_view({"taskDefinition": TD1, "desiredCount": 1, "launchType": "FARGATE",
                      "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["b", "a"]}}}) == {
        "task_definition": TD1,
        "desired_count": 1,
        "network_configuration": {"awsvpc_configuration": {"subnets": ["a", "b"], "assign_public_ip": "DISABLED"}},
        "launch_type": "FARGATE",
        "enable_execute_command": False,
        "propagate_tags": "NONE",
        "deployment_controller": "ECS",
    }
    assert diff_view(None) == {} and diff_view({}) == {}


# --------------------------------------------------------------------------- deployments
def deployment(td, status="PRIMARY", rollout="COMPLETED", reason=None):
    return {"status": status, "taskDefinition": td, "rolloutState": rollout, "rolloutStateReason": reason,
            "runningCount": 1, "desiredCount": 1}


def test_stable_needs_one_completed_primary_deployment_of_the_task_definition_running_everything():
    service = dict(SERVICE, deployments=[deployment(TD1)])
    assert is_stable(service, TD1) is True
    assert is_stable(service, TD2) is False
    assert is_stable(dict(service, runningCount=9), TD1) is False
    assert is_stable(dict(service, status="DRAINING"), TD1) is False
    assert is_stable(dict(service, deployments=[deployment(TD1, rollout="IN_PROGRESS")]), TD1) is False
    assert is_stable(dict(service, deployments=[deployment(TD1), deployment(TD2, status="ACTIVE")]), TD1) is False
    assert is_stable(None, TD1) is False


def test_failed_and_rolled_back_deployments():
    failed = dict(SERVICE, taskDefinition=TD2, deployments=[deployment(TD2, rollout="FAILED", reason="tasks failed to start")])
    assert deployment_failure(failed, TD2) == "Deployment of api:2 to ECS service api failed: tasks failed to start."
    rolled_back = dict(SERVICE, taskDefinition=TD1, events=[{"message": "(service api) deployment failed: tasks failed to start."}],
                       deployments=[deployment(TD1)])
    assert deployment_failure(rolled_back, TD2) == (
        "Deployment of api:2 to ECS service api failed and was rolled back to api:1:"
        " (service api) deployment failed: tasks failed to start.."
    )
    assert deployment_failure(dict(SERVICE, deployments=[deployment(TD1, rollout="IN_PROGRESS")]), TD1) is None
    assert deployment_failure(None, TD1) == "The ECS service disappeared while waiting for its deployment"


def test_events_sentence_names_only_new_events_oldest_first():
    service = {"events": [{"id": "3", "message": "c"}, {"id": "2", "message": "b"}, {"id": "1", "message": "a"}]}
    assert ecs_service.events_sentence(service, {"1"}) == " Service events: b | c"
    assert ecs_service.events_sentence(service, {"1", "2", "3"}) == ""


# ----------------------------------------------------------------------------- input rules
@pytest.mark.parametrize("overrides, problem", [
    (dict(deployment_configuration={"minimum_healthy_percent": 100, "maximum_percent": 100}),
     "deployment_configuration.minimum_healthy_percent (100) must be below maximum_percent (100), otherwise ECS can"
     " neither start nor stop a task during a deployment"),
    (dict(deployment_configuration={"minimum_healthy_percent": 101}),
     "deployment_configuration.minimum_healthy_percent must be 0 to 100, got 101"),
    (dict(deployment_configuration={"maximum_percent": 99}),
     "deployment_configuration.maximum_percent must be 100 or more, got 99"),
    (dict(desired_count=-1), "desired_count must be 0 or more, got -1"),
    (dict(wait_timeout=-1), "wait_timeout must be 0 or more seconds, got -1"),
    (dict(health_check_grace_period_seconds=-1), "health_check_grace_period_seconds must be 0 or more, got -1"),
    (dict(task_definition=None), "task_definition is required when state=present"),
    (dict(capacity_provider_strategy=[{"capacity_provider": "FARGATE", "base": 1, "weight": 1},
                                      {"capacity_provider": "FARGATE_SPOT", "base": 1, "weight": 1}]),
     'capacity_provider_strategy=[{"capacity_provider": "FARGATE", "base": 1, "weight": 1}, {"capacity_provider":'
     ' "FARGATE_SPOT", "base": 1, "weight": 1}] is not allowed: only one capacity provider may have a base above 0,'
     " but FARGATE and FARGATE_SPOT have one; give the base to one of them."),
])
def test_input_problems(overrides, problem):
    assert service_input_problems(params(**overrides)) == [problem]


def test_good_input_and_absent_have_no_problems():
    assert service_input_problems(FULL) == []
    assert service_input_problems(params(state="absent", task_definition=None, desired_count=-1)) == []


# --------------------------------------------------------------------------- deployment strategies
TG2 = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/api-alt/fedcba9876543210"
RULE = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:listener-rule/app/api/1/2/3"
ROLE = "arn:aws:iam::123456789012:role/api-infra"
CANARY = {"minimum_healthy_percent": None, "maximum_percent": None, "deployment_circuit_breaker": None,
          "strategy": "CANARY", "bake_time_in_minutes": 5, "linear_configuration": {"step_percent": 10.0,
                                                                                    "step_bake_time_in_minutes": 1},
          "canary_configuration": {"canary_percent": 10.0, "canary_bake_time_in_minutes": 3},
          "alarms": {"alarm_names": ["latency", "5xx"], "enable": True, "rollback": True}}
ADVANCED = {"alternate_target_group_arn": TG2, "production_listener_rule": RULE, "test_listener_rule": None, "role_arn": ROLE}


def strategy_params(config=None, advanced=ADVANCED):
    return params(deployment_configuration=dict(CANARY, **(config or {})),
                  load_balancers=[{"target_group_arn": TG, "container_name": "api", "container_port": 8000,
                                   "advanced_configuration": advanced}])


def test_a_strategy_sends_only_its_own_settings_and_sorted_alarms():
    request = create_request("c", "api", strategy_params(), TD1)
    config = request["deploymentConfiguration"]
    assert config["strategy"] == "CANARY" and config["bakeTimeInMinutes"] == 5
    assert config["canaryConfiguration"] == {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 3}
    assert "linearConfiguration" not in config
    assert config["alarms"] == {"alarmNames": ["5xx", "latency"], "enable": True, "rollback": True}
    assert request["loadBalancers"][0]["advancedConfiguration"] == {
        "alternateTargetGroupArn": TG2, "productionListenerRule": RULE, "roleArn": ROLE}


def test_no_alarm_names_turn_the_alarms_off():
    request = create_request("c", "api", strategy_params({"alarms": {"alarm_names": [], "enable": True, "rollback": True}}), TD1)
    assert request["deploymentConfiguration"]["alarms"] == {"alarmNames": [], "enable": False, "rollback": False}


def created_service(wanted):
    """The service as ECS keeps a create request (emulator fidelity patch: every field kept)."""
    request = create_request("c", "api", wanted, TD1)
    return dict(SERVICE, deploymentConfiguration=request["deploymentConfiguration"], loadBalancers=request["loadBalancers"])


def test_the_same_strategy_is_no_change_alarm_order_and_all():
    service = created_service(strategy_params())
    service["deploymentConfiguration"]["alarms"]["alarmNames"].reverse()
    assert compare(service, strategy_params(), TD1) == {}


def test_ecs_swapping_the_target_groups_is_no_change_and_an_update_keeps_its_order():
    service = created_service(strategy_params())
    # after a deployment ECS names the alternate target group the primary one
    service["loadBalancers"] = [{"targetGroupArn": TG2, "containerName": "api", "containerPort": 8000,
                                 "advancedConfiguration": {"alternateTargetGroupArn": TG, "productionListenerRule": RULE,
                                                           "roleArn": ROLE}}]
    assert compare(service, strategy_params(), TD1) == {}
    other_role = dict(ADVANCED, role_arn=ROLE + "2")
    found = compare(service, strategy_params(advanced=other_role), TD1)
    sent = found["load_balancers"][0]
    assert sent["targetGroupArn"] == TG2 and sent["advancedConfiguration"]["alternateTargetGroupArn"] == TG
    assert sent["advancedConfiguration"]["roleArn"] == ROLE + "2"


@pytest.mark.parametrize("change, path", [
    ({"strategy": "LINEAR"}, "deployment_configuration.strategy"),
    ({"canary_configuration": {"canary_percent": 20.0, "canary_bake_time_in_minutes": 3}},
     "deployment_configuration.canary_configuration.canary_percent"),
    ({"bake_time_in_minutes": 0}, "deployment_configuration.bake_time_in_minutes"),
    ({"alarms": {"alarm_names": ["5xx"], "enable": True, "rollback": True}}, "deployment_configuration.alarms.alarm_names"),
])
def test_each_strategy_setting_is_compared(change, path):
    found = compare(created_service(strategy_params()), strategy_params(change), TD1)
    assert path in found


def test_switching_back_to_rolling_drops_the_canary_settings_and_then_converges():
    service = created_service(strategy_params())
    rolling = strategy_params({"strategy": "ROLLING"})
    found = compare(service, rolling, TD1)
    sent = update_request("c", "api", found)["deploymentConfiguration"]
    assert sent["strategy"] == "ROLLING"
    assert not {"bakeTimeInMinutes", "canaryConfiguration", "linearConfiguration"} & set(sent)
    assert compare(predicted(service, found), rolling, TD1) == {}


def test_a_service_without_a_strategy_is_rolling_without_alarms():
    rolling = params(deployment_configuration=dict(CANARY, strategy="ROLLING", alarms={"alarm_names": [], "enable": True,
                                                                                        "rollback": True}))
    assert compare(SERVICE, rolling, TD1) == {}


def test_deployment_controller_is_compared_and_ecs_by_default():
    assert compare(SERVICE, params(deployment_controller="ECS"), TD1) == {}
    assert compare(SERVICE, params(deployment_controller="EXTERNAL"), TD1) == {"deployment_controller": {"type": "EXTERNAL"}}
    assert create_request("c", "api", params(desired_count=1), TD1)["deploymentController"] == {"type": "ECS"}


@pytest.mark.parametrize("config, controller, problem", [
    ({"strategy": "BLUE_GREEN", "bake_time_in_minutes": None}, None,
     "deployment_configuration.bake_time_in_minutes=None is not allowed: BLUE_GREEN needs a bake time"),
    ({"strategy": "CANARY", "canary_configuration": {"canary_percent": 0.05, "canary_bake_time_in_minutes": 3}}, None,
     "deployment_configuration.canary_configuration.canary_percent=0.05 is not allowed: use 0.1 to 100 percent"),
    ({"strategy": "LINEAR", "linear_configuration": {"step_percent": 2.0, "step_bake_time_in_minutes": 1}}, None,
     "deployment_configuration.linear_configuration.step_percent=2.0 is not allowed: use 3.0 to 100 percent"),
    ({"strategy": "CANARY", "bake_time_in_minutes": 1441}, None,
     "deployment_configuration.bake_time_in_minutes=1441 is not allowed: use 0 to 1440 whole minutes"),
    ({"strategy": "CANARY"}, "CODE_DEPLOY",
     "deployment_configuration.strategy=CANARY with deployment_controller=CODE_DEPLOY is not allowed together"),
])
def test_strategy_input_problems(config, controller, problem):
    problems = service_input_problems(params(deployment_configuration=dict(CANARY, **config), deployment_controller=controller))
    assert any(p.startswith(problem) for p in problems), problems
