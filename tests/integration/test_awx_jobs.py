"""The job templates and the Release workflow of awx/config.yml, launched the way AWX launches
them: through ansible-runner, from a private data directory (tests/integration/awx_runner.py),
against a private emulator. The production templates run as they are, with the production
inventory from the project; only the AWS credential points the SDK at the emulator.

One emulator and one converged stack for the module, in this order: Plan on an empty account,
Deploy, the nightly drift job (on the converged stack after autoscaling moved the count, in an
EE without Mitogen; after a hand change), the Release workflow node by node (Plan, approval,
Release image of a new tag, Verify against the local stand-in; then the failure path: Verify
fails, Roll back), Destroy refused without the survey answer and done with it. Release image,
Verify and Roll back are proven as the workflow's nodes (each one ansible-runner job, as alone).
"""

import json
import subprocess
import sys

import pytest

from aws_stack import snapshot
from awx_runner import AWX, ROOT, schedule, template

# Its tests share module-scoped fixtures: `pytest -n` must keep them on one worker.
pytestmark = pytest.mark.xdist_group("awx_jobs")

ENV = "production"
T = {action: f"Fozzy {ENV} - {action}" for action in ("Deploy", "Plan", "Release image", "Roll back", "Verify", "Destroy")}
DRIFT = schedule(f"Fozzy {ENV} - nightly drift detection")
CLUSTER, SERVICE = "fozzy-api-production", "fozzy-api"
NEEDS_MERGE = "{} comes with the {} branch (needs the merge)"


def needs(playbook, branch):
    """The templates whose playbook another branch of this session adds fail here until the merge."""
    assert (ROOT / "playbooks" / playbook).exists(), NEEDS_MERGE.format(f"playbooks/{playbook}", branch)


def push_image(emulator, *tags):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "push_test_image.py"), "--endpoint-url", emulator.url,
                    "--repository", "fozzy-api", *[a for tag in tags for a in ("--tag", tag)]],
                   check=True, capture_output=True)


@pytest.fixture(scope="module")
def account(emulator):
    """An account before the first deploy: the hosted zone and the release image 1.0.0."""
    emulator.reset()
    result = emulator.playbook("scripts/prepare_emulator.yml", "-i", "inventories/local")
    assert result.returncode == 0, result.stdout[-3000:]
    return emulator


@pytest.fixture(scope="module")
def awx(account, tmp_path_factory):
    """The AWX stand-in; the summary of each job (status, changed, artifacts) goes to
    tests/output/awx_jobs.json afterwards."""
    awx = AWX(tmp_path_factory.mktemp("awx"), account.url)
    yield awx
    (ROOT / "tests" / "output").mkdir(parents=True, exist_ok=True)
    (ROOT / "tests" / "output" / "awx_jobs.json").write_text(json.dumps(awx.log, indent=2, default=str))


@pytest.fixture(scope="module")
def deployed(awx, account):
    job = awx.launch(T["Deploy"])
    assert job.status == "successful", job.stdout[-6000:]
    return job


def test_plan_on_an_empty_account_reports_changes_and_writes_nothing(awx, account):
    before = snapshot(account.client)
    job = awx.launch(T["Plan"])
    assert job.status == "successful", job.stdout[-6000:]
    assert job.changed > 0
    assert "vpc : Create the VPC" in job.changed_tasks()
    assert snapshot(account.client) == before, "the check run changed the emulator"
    # check mode, diff mode: what AWX's job type and diff mode turn into
    assert (job.data_dir / "env" / "cmdline").read_text() == "--check --diff"
    assert "+    domain_name: fozzy-api.inbox.wine" in job.stdout


def test_deploy_builds_the_stack_and_hands_on_its_outputs(deployed, awx, account):
    assert deployed.rc == 0 and deployed.changed > 0
    artifacts = deployed.artifacts
    assert artifacts["service_url"] == "https://fozzy-api.inbox.wine"
    assert artifacts["alb_dns_name"].endswith(".elb.amazonaws.com")
    assert artifacts["deployed_image"].endswith("/fozzy-api:1.0.0")
    # the outputs file is in the project (AWX's working directory), not where the caller stood
    outputs = json.loads((awx.project / "outputs" / f"{ENV}.json").read_text())
    assert outputs["alb_dns_name"] == artifacts["alb_dns_name"]
    assert list(awx.caller_dir.iterdir()) == []  # $PWD of the job
    services = account.client("ecs").describe_services(cluster=CLUSTER, services=[SERVICE])["services"]
    assert services[0]["status"] == "ACTIVE"


def test_the_nightly_drift_job_passes_on_the_converged_stack_after_autoscaling_moved_the_count(
        deployed, awx, account, tmp_path):
    """The schedule's job (Plan with its extra_data), in an EE without Mitogen (plain linear)."""
    account.client("ecs").update_service(cluster=CLUSTER, service=SERVICE, desiredCount=7)  # as autoscaling would
    stub = tmp_path / "no-mitogen" / "ansible_mitogen"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text('raise ImportError("mitogen is not in this execution environment")\n')
    awx.extra_env = {"PYTHONPATH": str(stub.parent)}
    try:
        job = awx.launch(DRIFT["unified_job_template"], extra_vars=DRIFT["extra_data"])
    finally:
        awx.extra_env = {}
    assert job.status == "successful", job.stdout[-6000:]
    assert job.changed == 0, job.changed_tasks()
    report = job.results("Fail when the stack drifted")
    assert [r["msg"] for r in report] == ["No drift: nothing of the stack would change."], report
    assert account.client("ecs").describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]["desiredCount"] == 7
    assert json.loads((job.data_dir / "env" / "extravars").read_text()) == {"fozzy_fail_on_drift": "true"}


def test_the_nightly_drift_job_fails_naming_a_hand_change(deployed, awx, account):
    scaling = account.client("application-autoscaling")
    resource = f"service/{CLUSTER}/{SERVICE}"
    scaling.register_scalable_target(ServiceNamespace="ecs", ResourceId=resource,
                                     ScalableDimension="ecs:service:DesiredCount", MinCapacity=2, MaxCapacity=40)
    try:
        before = snapshot(account.client)
        job = awx.launch(DRIFT["unified_job_template"], extra_vars=DRIFT["extra_data"])
        assert job.status == "failed", job.stdout[-6000:]
        message = " ".join(job.failed_messages())
        assert "The stack has drifted from the inventory" in message
        assert "autoscaling : Scale the service automatically (" in message, message
        assert "max_capacity: 40 -> 15" in message, message  # what AWS has -> what the inventory wants
        assert snapshot(account.client) == before, "the drift check changed the emulator"
    finally:
        scaling.register_scalable_target(ServiceNamespace="ecs", ResourceId=resource,
                                         ScalableDimension="ecs:service:DesiredCount", MinCapacity=2, MaxCapacity=15)


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory):
    """scripts/local_endpoint.py: the local stand-in of the service's HTTPS endpoint."""
    state = tmp_path_factory.mktemp("endpoint")
    script = ROOT / "scripts" / "local_endpoint.py"
    assert script.exists(), NEEDS_MERGE.format("scripts/local_endpoint.py", "verify")
    started = subprocess.run([sys.executable, str(script), "start", "--state-dir", str(state)],
                             check=True, capture_output=True, text=True)
    yield json.loads(started.stdout.strip().splitlines()[-1])
    subprocess.run([sys.executable, str(script), "stop", "--state-dir", str(state)], check=True)


def verify_vars(endpoint):
    """What scripts/local_endpoint.py writes to verify_vars.json: verify.yml's variables for the stand-in."""
    return {"verify_url": endpoint["https_url"], "verify_http_url": endpoint["http_url"],
            "verify_ca_bundle": endpoint["ca_bundle"], "verify_resolve": [endpoint["resolve"]]}


def service_image(account):
    ecs = account.client("ecs")
    task_definition = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]["taskDefinition"]
    return ecs.describe_task_definition(taskDefinition=task_definition)["taskDefinition"]["containerDefinitions"][0]["image"]


def test_release_image_needs_the_image_tag():
    from awx_runner import survey_answers

    spec = template(T["Release image"])["survey_spec"]
    with pytest.raises(ValueError, match="must be answered"):
        survey_answers(spec, {})  # AWX refuses the launch without the image tag
    assert survey_answers(spec, {"ecs_service_image_tag": "1.1.0"}) == {"ecs_service_image_tag": "1.1.0"}


def test_release_workflow_plan_approval_release_image_verify(deployed, awx, account, stand_in):
    """Node by node, each node's artifacts to the next: Release image deploys the new tag, Verify
    checks the local stand-in."""
    needs("deploy.yml", "release")
    needs("verify.yml", "verify")
    push_image(account, "1.1.0")
    ran = awx.launch_workflow(f"Fozzy {ENV} - Release", answers={"ecs_service_image_tag": "1.1.0"},
                              extra_vars=verify_vars(stand_in))
    assert [identifier for identifier, _ in ran] == ["plan", "approve", "release", "verify"], ran
    jobs = dict(ran)
    assert jobs["plan"].status == "successful" and jobs["plan"].changed >= 1  # the new image would change the service
    release = jobs["release"]
    assert release.status == "successful", release.stdout[-6000:]
    assert release.changed > 0
    assert release.artifacts["deployed_image"].endswith(":1.1.0")
    assert release.artifacts["previous_image"].endswith(":1.0.0")
    assert {"task_definition_arn", "service_url", "alb_dns_name"} <= release.artifacts.keys()
    assert service_image(account).endswith(":1.1.0")
    verify = jobs["verify"]
    assert verify.status == "successful", verify.stdout[-6000:]
    assert str(verify.artifacts["verify_passed"]).lower() == "true"
    assert {"verify_rps", "verify_p95_ms", "verify_error_rate"} <= verify.artifacts.keys()
    # the release node's artifacts reached the verify node as extra vars
    extravars = json.loads((verify.data_dir / "env" / "extravars").read_text())
    assert extravars["deployed_image"].endswith(":1.1.0") and extravars["service_url"] == "https://fozzy-api.inbox.wine"


def test_release_workflow_rolls_back_when_verify_fails(deployed, awx, account, stand_in):
    """Release image 1.2.0 succeeds, Verify fails (nothing answers at its URL): Roll back returns
    the service to 1.1.0, with the release node's artifacts as its extra vars."""
    needs("deploy.yml", "release")
    needs("verify.yml", "verify")
    needs("rollback.yml", "release")
    push_image(account, "1.2.0")
    dead = {**verify_vars(stand_in), "verify_url": "https://127.0.0.1:9/"}
    ran = awx.launch_workflow(f"Fozzy {ENV} - Release", answers={"ecs_service_image_tag": "1.2.0"}, extra_vars=dead)
    assert [identifier for identifier, _ in ran] == ["plan", "approve", "release", "verify", "rollback"], ran
    jobs = dict(ran)
    assert jobs["release"].status == "successful" and jobs["release"].artifacts["deployed_image"].endswith(":1.2.0")
    assert jobs["verify"].status == "failed"
    rollback = jobs["rollback"]
    assert rollback.status == "successful", rollback.stdout[-6000:]
    assert rollback.changed > 0
    assert rollback.artifacts["deployed_image"].endswith(":1.1.0")
    assert rollback.artifacts["previous_image"].endswith(":1.2.0")
    assert "task_definition_arn" in rollback.artifacts
    assert service_image(account).endswith(":1.1.0")
    extravars = json.loads((rollback.data_dir / "env" / "extravars").read_text())
    assert extravars["deployed_image"].endswith(":1.2.0")  # what the release node handed on


def test_destroy_is_refused_without_the_survey_answer_and_done_with_it(deployed, awx, account):
    before = snapshot(account.client)
    refused = awx.launch(T["Destroy"])
    assert refused.status == "failed"
    assert "Refusing to destroy the production stack" in " ".join(refused.failed_messages())
    assert refused.changed == 0 and snapshot(account.client) == before
    assert template(T["Destroy"])["survey_spec"]["spec"][0]["variable"] == "fozzy_destroy_confirm"
    done = awx.launch(T["Destroy"], answers={"fozzy_destroy_confirm": ENV})
    assert done.status == "successful", done.stdout[-6000:]
    assert done.changed > 0
    ecs = account.client("ecs")
    assert [s for s in ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"]
            if s["status"] == "ACTIVE"] == []
    assert account.client("elbv2").describe_load_balancers()["LoadBalancers"] == []
