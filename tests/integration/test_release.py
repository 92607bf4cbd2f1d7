"""playbooks/deploy.yml and rollback.yml against a converged stack (issue #13, items 1, 2, 5, 6, 7).

One stack (site.yml with inventories/local, image 1.0.0) is built once; the tests then run in
order, each through scripts/aws_fault_proxy.py so that every AWS call is recorded: check mode
writes nothing, a missing tag writes nothing (deploy.yml and site.yml), a deploy writes exactly
a revision and the service update and site.yml then finds nothing to change, a deploy cut after
its revision was registered is finished by the next without a second revision, rollback.yml
goes back to the revision that served before, refuses targets that do not exist, a release
whose image vanishes before ECS pulls it is rolled back by ECS and reported, and a release
whose targets never turn healthy times out naming what it waited for, and site.yml with the
inventory's older tag rolls the service back to it. Each test states what it leaves.
"""
import pathlib
import re
import subprocess
import sys

import pytest

from aws_fault_proxy import FaultPlan  # scripts/ is on sys.path (conftest.py)

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Its tests share a module-scoped stack: `pytest -n` must keep them on one worker.
pytestmark = pytest.mark.xdist_group("release")

LOCAL = ("-i", "inventories/local")
RECAP = re.compile(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")
FAMILY = "fozzy-api-local"
CLUSTER, SERVICE = "fozzy-api-local", "fozzy-api"
REPOSITORY = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/fozzy-api"
# the release's reads and writes, and nothing else (ECR, ECS, the target group and its load balancer)
RELEASE_ACTIONS = {
    "DescribeImages", "DescribeServices", "DescribeTaskDefinition", "RegisterTaskDefinition", "UpdateService",
    "ListServiceDeployments", "DescribeServiceRevisions", "ListTasks", "DescribeTasks", "DescribeTargetHealth",
    "DescribeTargetGroups", "DescribeLoadBalancers",
}


def changed(result):
    return int(RECAP.findall(result.stdout)[-1][1])


def text(result):
    return " ".join((result.stdout + result.stderr).split())


def ok(result, what):
    assert result.returncode == 0, f"{what} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    return result


def push(emulator, *tags):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "push_test_image.py"), "--endpoint-url", emulator.url,
                    "--region", "eu-central-1", "--repository", "fozzy-api", *[a for t in tags for a in ("--tag", t)]],
                   check=True, capture_output=True)


def service(emulator):
    return emulator.client("ecs").describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]


def image_of(emulator, arn):
    return emulator.client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]["containerDefinitions"][0]["image"]


def revisions(emulator):
    return emulator.client("ecs").list_task_definitions(familyPrefix=FAMILY, status="ACTIVE")["taskDefinitionArns"]


def run(emulator, proxy, playbook, *extra, plan=None):
    proxy.configure(plan or FaultPlan())
    return emulator.playbook(playbook, *LOCAL, "-e", f"fozzy_aws_endpoint_url={proxy.url}", *extra)


def writes(proxy):
    return [c.action for c in proxy.writes()]


@pytest.fixture(scope="module")
def stack(emulator):
    """The converged stack of inventories/local (revision 1, image 1.0.0) and images 1.1.0 .. 1.4.0 in ECR."""
    emulator.reset()
    ok(emulator.playbook("scripts/prepare_emulator.yml", *LOCAL), "prepare_emulator.yml")
    push(emulator, "1.1.0", "1.2.0", "1.3.0", "1.4.0")
    ok(emulator.playbook("playbooks/site.yml", *LOCAL), "site.yml")
    return emulator


def test_deploy_check_mode_writes_nothing(stack, fault_proxy):
    result = ok(run(stack, fault_proxy, "playbooks/deploy.yml", "-e", "ecs_service_image_tag=1.1.0", "--check", "--diff"),
                "deploy.yml --check")
    assert writes(fault_proxy) == []
    said = text(result)
    assert f"image: {REPOSITORY}:1.0.0 -> {REPOSITORY}:1.1.0" in said
    assert f"Would deploy {FAMILY}:2 (new revision)" in said
    assert f"+ image: {REPOSITORY}:1.1.0" in said and f"- task_definition: {FAMILY}:1" in said
    assert service(stack)["taskDefinition"].endswith(f"{FAMILY}:1") and len(revisions(stack)) == 1


@pytest.mark.parametrize("playbook", ["playbooks/deploy.yml", "playbooks/site.yml"])
def test_missing_tag_is_refused_before_any_write(stack, fault_proxy, playbook):
    result = run(stack, fault_proxy, playbook, "-e", "ecs_service_image_tag=9.9.9")
    assert result.returncode != 0
    said = text(result)
    assert f"ecs_service_image_tag=9.9.9 is not allowed" in said
    assert f"docker push {REPOSITORY}:9.9.9" in said and "aws ecr get-login-password --region eu-central-1" in said
    assert writes(fault_proxy) == []
    assert len(revisions(stack)) == 1


def test_latest_is_refused_without_a_call(stack, fault_proxy):
    result = run(stack, fault_proxy, "playbooks/deploy.yml", "-e", "ecs_service_image_tag=latest")
    assert result.returncode != 0
    assert "ecs_service_image_tag=latest is not allowed" in text(result)
    assert fault_proxy.records == []


def test_deploy_writes_a_revision_and_the_service_only_and_site_agrees(stack, fault_proxy):
    """Leaves revision 2 (1.1.0) running."""
    result = ok(run(stack, fault_proxy, "playbooks/deploy.yml", "-e", "ecs_service_image_tag=1.1.0"), "deploy.yml")
    assert writes(fault_proxy) == ["RegisterTaskDefinition", "UpdateService"]
    assert {c.action for c in fault_proxy.records} <= RELEASE_ACTIONS
    assert len(fault_proxy.records) <= 12, [c.action for c in fault_proxy.records]
    said = text(result)
    assert f"image: {REPOSITORY}:1.0.0 -> {REPOSITORY}:1.1.0" in said
    assert f"task definition: {FAMILY}:1 -> {FAMILY}:2" in said and "strategy: CANARY" in said  # inventories/local deploys as production does
    assert re.search(r"phases: check [\d.]+ s, register [\d.]+ s, update [\d.]+ s, wait [\d.]+ s", said)
    assert "service deployment SUCCESSFUL; 10 of 10 targets of the new tasks healthy" in said
    running = service(stack)["taskDefinition"]
    assert running.endswith(f"{FAMILY}:2") and image_of(stack, running) == f"{REPOSITORY}:1.1.0"

    again = ok(run(stack, fault_proxy, "playbooks/site.yml", "-e", "ecs_service_image_tag=1.1.0"), "site.yml 1.1.0")
    assert changed(again) == 0, again.stdout[-4000:]
    assert writes(fault_proxy) == []


def test_a_deploy_cut_after_registering_is_finished_by_the_next(stack, fault_proxy):
    """The revision is registered but its answer is lost; the next deploy reuses it. Leaves revision 3 (1.2.0)."""
    cut = run(stack, fault_proxy, "playbooks/deploy.yml", "-e", "ecs_service_image_tag=1.2.0",
              plan=FaultPlan(cut_action="RegisterTaskDefinition", cut_at_write=1, cut_forward=True))
    assert cut.returncode != 0 and [c.action for c in fault_proxy.records if c.outcome == "cut-forwarded"] == [
        "RegisterTaskDefinition"]
    assert len(revisions(stack)) == 3 and service(stack)["taskDefinition"].endswith(f"{FAMILY}:2")

    ok(run(stack, fault_proxy, "playbooks/deploy.yml", "-e", "ecs_service_image_tag=1.2.0"), "deploy.yml after the cut")
    assert writes(fault_proxy) == ["UpdateService"]
    assert len(revisions(stack)) == 3 and service(stack)["taskDefinition"].endswith(f"{FAMILY}:3")


def test_rollback_goes_to_the_revision_that_served_before(stack, fault_proxy):
    """Revision 3 runs, 2 served before it (its check mode: after the failed release below). Leaves revision 2 (1.1.0) running."""
    result = ok(run(stack, fault_proxy, "playbooks/rollback.yml"), "rollback.yml")
    assert writes(fault_proxy) == ["UpdateService"]
    assert len(fault_proxy.records) <= 12, [c.action for c in fault_proxy.records]
    said = text(result)
    assert f"image: {REPOSITORY}:1.2.0 -> {REPOSITORY}:1.1.0" in said and f"{FAMILY}:3 -> {FAMILY}:2" in said
    assert service(stack)["taskDefinition"].endswith(f"{FAMILY}:2")


@pytest.mark.parametrize("target, message", [
    ("99", f"rollback_to=99 is not allowed: task definition {FAMILY}:99 does not exist"),
    ("7.7.7", "rollback_to=7.7.7 is not allowed: no revision that served runs an image tagged 7.7.7"),
])
def test_rollback_refuses_a_target_that_does_not_exist(stack, fault_proxy, target, message):
    result = run(stack, fault_proxy, "playbooks/rollback.yml", "-e", f"rollback_to={target}")
    assert result.returncode != 0 and message in text(result)
    assert writes(fault_proxy) == []


def test_rollback_to_a_tag(stack, fault_proxy):
    """Leaves revision 1 (1.0.0) running."""
    ok(run(stack, fault_proxy, "playbooks/rollback.yml", "-e", "rollback_to=1.0.0"), "rollback.yml to 1.0.0")
    assert writes(fault_proxy) == ["UpdateService"]
    assert service(stack)["taskDefinition"].endswith(f"{FAMILY}:1")


def test_a_release_ecs_rolls_back_fails_with_the_reason(stack, fault_proxy):
    """The image of 1.3.0 is deleted after the check, before ECS starts its tasks (a lifecycle policy
    expiring it, say): the circuit breaker rolls back. Leaves revision 1 running, revision 4 never served."""
    fault_proxy.configure(FaultPlan(cut_action="UpdateService", cut_at_write=1, cut_mode="hang"))
    proc = subprocess.Popen(
        [str(sys.executable.rsplit("/", 1)[0] + "/ansible-playbook"), "playbooks/deploy.yml", *LOCAL,
         "-e", f"fozzy_aws_endpoint_url={fault_proxy.url}", "-e", "ecs_service_image_tag=1.3.0"],
        cwd=ROOT, env=stack.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert fault_proxy.cut_event.wait(120), "deploy.yml never reached UpdateService"
        stack.client("ecr").batch_delete_image(repositoryName="fozzy-api", imageIds=[{"imageTag": "1.3.0"}])
        fault_proxy.configure(FaultPlan())  # the held UpdateService is dropped; the SDK sends it again
        output, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    said = " ".join(output.split())
    assert proc.returncode != 0, said[-3000:]
    assert f"Deployment of {FAMILY}:4 to ECS service {SERVICE} failed and was rolled back to {FAMILY}:1" in said
    assert "tasks failed to start" in said and "CannotPullContainerError" in said
    assert service(stack)["taskDefinition"].endswith(f"{FAMILY}:1")

    # the revision ECS rolled back never served: rollback skips it (1 runs, 2 served before)
    check = ok(run(stack, fault_proxy, "playbooks/rollback.yml", "--check"), "rollback.yml --check after the failure")
    assert writes(fault_proxy) == [] and f"task definition: {FAMILY}:1 -> {FAMILY}:2" in text(check)


def test_a_release_whose_targets_never_turn_healthy_times_out_saying_so(stack, fault_proxy):
    """The tasks' security group no longer lets the load balancer in: the targets time out. Leaves the
    deployment of 1.4.0 in progress (the rule is restored)."""
    ec2 = stack.client("ec2")
    group = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{FAMILY}-tasks"]}])["SecurityGroups"][0]
    rule = [p for p in group["IpPermissions"] if p.get("UserIdGroupPairs")]
    ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=rule)
    try:
        result = run(stack, fault_proxy, "playbooks/deploy.yml", "-e", "ecs_service_image_tag=1.4.0",
                     "-e", "ecs_service_wait_timeout=4")
    finally:
        ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=rule)
    said = text(result)
    assert result.returncode != 0
    assert (f"Timed out after 4 seconds waiting for the deployment of {FAMILY}:5 to ECS service {SERVICE} in cluster"
            f" {CLUSTER} to complete") in said
    # the group that serves: canary deployments (inventories/local) move it to the other one each release
    assert re.search(r"every target of its new tasks in target group targetgroup/fozzy-api-local-tg(-alt)?/", said), said[-3000:]
    assert re.search(r"last seen: .*0 of 10 targets of the new tasks healthy .*unhealthy \(Target\.Timeout\)", said)


def test_site_with_the_inventorys_older_tag_rolls_the_service_back(stack, fault_proxy):
    """The inventory's tag (1.0.0) is the declared release: site.yml goes back to it, reusing revision 1
    (no new revision), and writes the service update only. Leaves revision 1 (1.0.0) running."""
    before = len(revisions(stack))
    result = ok(run(stack, fault_proxy, "playbooks/site.yml"), "site.yml with the inventory's tag")
    assert writes(fault_proxy) == ["UpdateService"], writes(fault_proxy)
    assert len(revisions(stack)) == before
    running = service(stack)["taskDefinition"]
    assert running.endswith(f"{FAMILY}:1") and image_of(stack, running) == f"{REPOSITORY}:1.0.0"
    assert changed(result) >= 1
