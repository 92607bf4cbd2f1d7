"""The release logic that needs no AWS: the rollback target, the wait's verdicts, image references."""
import datetime

import pytest

from ansible_collections.inboxwine.fozzy.plugins.module_utils import ecs_release
from ansible_collections.inboxwine.fozzy.plugins.module_utils import images

TD = "arn:aws:ecs:eu-central-1:123456789012:task-definition/fozzy-api-production:{}"
TG = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/fozzy/0123456789abcdef"
REPO = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/fozzy-api"


def at(minute):
    return datetime.datetime(2026, 1, 1, 12, minute, tzinfo=datetime.timezone.utc)


def entry(revision, status, minute, tag=None):
    return {"status": status, "created_at": at(minute), "task_definition": TD.format(revision),
            "images": [f"{REPO}:{tag or f'1.0.{revision}'}"]}


# --- the rollback target ---------------------------------------------------------------------


def test_rollback_goes_to_the_newest_other_revision_that_served():
    history = [entry(1, "SUCCESSFUL", 1), entry(2, "SUCCESSFUL", 2), entry(3, "SUCCESSFUL", 3)]
    assert ecs_release.choose_rollback_target(TD.format(3), history) == (TD.format(2), None)


def test_rollback_skips_what_ecs_rolled_back_and_what_never_served():
    # 4 was rolled back by ECS (the service runs 3 again); 5 was registered and never deployed (in no deployment)
    history = [entry(2, "SUCCESSFUL", 2), entry(3, "SUCCESSFUL", 3), entry(4, "ROLLBACK_SUCCESSFUL", 4),
               entry(4, "STOPPED", 5), entry(6, "IN_PROGRESS", 6)]
    assert ecs_release.choose_rollback_target(TD.format(3), history) == (TD.format(2), None)


def test_rollback_after_a_rollback_goes_back_to_the_newer_revision():
    # 3 -> rollback to 2: the revision that ran before the current one is 3
    history = [entry(2, "SUCCESSFUL", 2), entry(3, "SUCCESSFUL", 3), entry(2, "SUCCESSFUL", 4)]
    assert ecs_release.choose_rollback_target(TD.format(2), history) == (TD.format(3), None)


def test_rollback_refuses_when_only_the_current_revision_served():
    target, problem = ecs_release.choose_rollback_target(TD.format(1), [entry(1, "SUCCESSFUL", 1),
                                                                       entry(2, "ROLLBACK_SUCCESSFUL", 2)])
    assert target is None
    assert problem.startswith("There is no revision to roll back to") and "fozzy-api-production:1" in problem
    assert ecs_release.choose_rollback_target(TD.format(1), [])[0] is None


def test_rollback_to_a_tag_takes_the_newest_revision_that_served_it():
    history = [entry(1, "SUCCESSFUL", 1, "1.0.0"), entry(5, "SUCCESSFUL", 2, "1.0.0"), entry(6, "SUCCESSFUL", 3, "1.1.0"),
               entry(7, "ROLLBACK_SUCCESSFUL", 4, "1.0.0")]
    assert ecs_release.choose_rollback_target(TD.format(6), history, "1.0.0") == (TD.format(5), None)
    target, problem = ecs_release.choose_rollback_target(TD.format(6), history, "2.0.0")
    assert target is None
    assert problem.startswith("rollback_to=2.0.0 is not allowed") and "tags that served: 1.0.0, 1.1.0" in problem


# --- the wait's verdicts -----------------------------------------------------------------------


def service(revision=2, rollout="COMPLETED", running=2, desired=2, deployments=None, load_balancers=True):
    return {
        "serviceName": "fozzy-api", "status": "ACTIVE", "taskDefinition": TD.format(revision),
        "desiredCount": desired, "runningCount": running,
        "deployments": deployments or [{"status": "PRIMARY", "taskDefinition": TD.format(revision), "rolloutState": rollout,
                                        "runningCount": running, "desiredCount": desired}],
        "loadBalancers": [{"targetGroupArn": TG, "containerName": "fozzy-api", "containerPort": 8000}] if load_balancers else [],
        "events": [],
    }


def task(address, revision=2, status="RUNNING"):
    return {"taskDefinitionArn": TD.format(revision), "lastStatus": status,
            "attachments": [{"details": [{"name": "privateIPv4Address", "value": address}]}]}


def health(**states):
    return {TG: {address.replace("_", "."): (state, reason) for address, (state, reason) in states.items()}}


HEALTHY = health(**{"10_0_1_5": ("healthy", ""), "10_0_2_6": ("healthy", "")})
TASKS = [task("10.0.1.5"), task("10.0.2.6")]


def test_done_when_the_service_deployment_succeeded_and_every_new_target_is_healthy():
    state, seen = ecs_release.deployment_verdict(service(), TD.format(2), {"status": "SUCCESSFUL"}, TASKS, HEALTHY)
    assert state == "done"
    assert "service deployment SUCCESSFUL" in seen and "2 of 2 targets of the new tasks healthy in targetgroup/fozzy/" in seen


def test_done_from_the_rollout_state_where_there_are_no_service_deployments():
    assert ecs_release.deployment_verdict(service(), TD.format(2), None, TASKS, HEALTHY)[0] == "done"
    assert ecs_release.deployment_verdict(service(load_balancers=False), TD.format(2), None, None, None)[0] == "done"


def test_waiting_while_a_target_of_a_new_task_is_not_healthy():
    states = health(**{"10_0_1_5": ("healthy", ""), "10_0_2_6": ("unhealthy", "Target.Timeout")})
    state, seen = ecs_release.deployment_verdict(service(), TD.format(2), {"status": "SUCCESSFUL"}, TASKS, states)
    assert state == "waiting" and "1 of 2 targets" in seen and "10.0.2.6 unhealthy (Target.Timeout)" in seen


def test_waiting_while_too_few_new_tasks_run_or_are_registered():
    old_and_new = [task("10.0.1.5"), task("10.0.9.9", revision=1)]
    state, seen = ecs_release.deployment_verdict(service(), TD.format(2), {"status": "SUCCESSFUL"}, old_and_new,
                                                 health(**{"10_0_1_5": ("healthy", ""), "10_0_9_9": ("healthy", "")}))
    assert state == "waiting" and "1 of 2 targets" in seen
    unregistered = ecs_release.deployment_verdict(service(), TD.format(2), None, TASKS, health())
    assert unregistered[0] == "waiting" and "10.0.1.5 not registered" in unregistered[1]


def test_waiting_while_ecs_has_not_finished_even_with_healthy_targets():
    assert ecs_release.deployment_verdict(service(rollout="IN_PROGRESS"), TD.format(2), None, TASKS, HEALTHY)[0] == "waiting"
    state, seen = ecs_release.deployment_verdict(service(), TD.format(2), {"status": "IN_PROGRESS"}, TASKS, HEALTHY)
    assert state == "waiting" and "service deployment IN_PROGRESS" in seen
    assert ecs_release.deployment_verdict(service(), TD.format(2), {"status": "SUCCESSFUL"}, None, None)[0] == "waiting"


@pytest.mark.parametrize("status", ["ROLLBACK_SUCCESSFUL", "ROLLBACK_IN_PROGRESS", "STOPPED"])
def test_failed_when_the_service_deployment_was_rolled_back_or_stopped(status):
    state, seen = ecs_release.deployment_verdict(
        service(), TD.format(2), {"status": status, "statusReason": "alarm fozzy-5xx in ALARM"}, TASKS, HEALTHY)
    assert state == "failed" and f"ended {status}: alarm fozzy-5xx in ALARM" in seen


def test_failed_when_ecs_rolled_the_service_back():
    rolled_back = service(revision=1)
    rolled_back["events"] = [{"id": "1", "message": "(service fozzy-api) (deployment x) deployment failed: tasks failed to start."}]
    state, seen = ecs_release.deployment_verdict(rolled_back, TD.format(2), {"status": "ROLLBACK_SUCCESSFUL"}, [], {})
    assert state == "failed"
    assert seen.startswith("Deployment of fozzy-api-production:2 to ECS service fozzy-api failed and was rolled back to"
                           " fozzy-api-production:1")


# --- images ------------------------------------------------------------------------------------


def test_image_references():
    assert ecs_release.ecr_image("123456789012", "eu-central-1", "fozzy-api", "1.2.0") == f"{REPO}:1.2.0"
    assert ecs_release.ecr_image("123456789012", "cn-north-1", "fozzy-api", "1") == (
        "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/fozzy-api:1")
    assert ecs_release.image_tag(f"{REPO}:1.2.0") == "1.2.0"
    assert ecs_release.image_tag("registry.example.com:5000/fozzy-api") == ""
    assert ecs_release.revision_number(TD.format(12)) == 12


def test_push_instructions_name_the_commands():
    parts = {"region": "eu-central-1", "registry": REPO.split("/")[0]}
    text = images.push_instructions(f"{REPO}:9.9.9", parts, "ImageNotFoundException")
    assert "image is not in the repository" in text and f"docker push {REPO}:9.9.9" in text
    assert "aws ecr get-login-password --region eu-central-1 | docker login --username AWS" in text
