"""Plan: `site.yml --check --diff` reports what a run would do and writes nothing.

One emulator for the module: the account first holds only what a real account has before the
first deploy (the hosted zone and the release image); then the stack is converged once and
the other checks share it. Every check-mode run is bracketed by a snapshot of every resource
type the stack uses (aws_stack.snapshot), which must not change.
"""
import re

import pytest

from aws_stack import snapshot

# Its tests share module-scoped fixtures: `pytest -n` must keep them on one worker.
pytestmark = pytest.mark.xdist_group("plan")

INVENTORY = ("-i", "inventories/local")
RECAP = re.compile(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


def recap(result):
    ok, changed, unreachable, failed = map(int, RECAP.findall(result.stdout)[-1])
    return {"ok": ok, "changed": changed, "unreachable": unreachable, "failed": failed}


def changed_tasks(stdout):
    """The 'role : task' names the default callback reported as changed, in order."""
    tasks, current = [], None
    for line in stdout.splitlines():
        header = re.match(r"TASK \[(.+?)\] \**$", line)
        if header:
            current = header.group(1).removeprefix("inboxwine.fozzy.")
        elif line.startswith("changed:") and current not in tasks:
            tasks.append(current)
    return tasks


def run(emulator, *args):
    result = emulator.playbook("playbooks/site.yml", *INVENTORY, *args)
    assert result.returncode == 0, f"site.yml {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    return result


def plan(emulator, outputs_file, *extra_vars):
    """site.yml --check --diff; asserts it succeeded and that the emulator is unchanged."""
    before = snapshot(emulator.client)
    result = run(emulator, "--check", "--diff", "-e", f"outputs_file={outputs_file}",
                 *[arg for var in extra_vars for arg in ("-e", var)])
    assert snapshot(emulator.client) == before, "check mode changed the emulator"
    return result


@pytest.fixture(scope="module")
def account(emulator):
    """An account as it is before the first deploy: the hosted zone and the release image."""
    emulator.reset()
    result = emulator.playbook("scripts/prepare_emulator.yml", *INVENTORY)
    assert result.returncode == 0, result.stdout[-3000:]
    return emulator


@pytest.fixture(scope="module")
def outputs_file(tmp_path_factory):
    """One outputs file for every run of the module, as a user's checkout has."""
    directory = tmp_path_factory.mktemp("outputs")
    directory.chmod(0o755)  # what the outputs role makes: no change to report there
    return directory / "outputs.json"


@pytest.fixture(scope="module")
def converged(account, outputs_file):
    run(account, "-e", f"outputs_file={outputs_file}")
    return account


def test_plan_on_an_empty_account_reports_what_would_be_created(account, outputs_file):
    result = plan(account, outputs_file)
    assert changed_tasks(result.stdout) == [
        "certificate : Request the certificate (or find the one requested earlier)",
        "vpc : Create the VPC",
        # the flow logs' log group and role need no VPC; their flow log comes with the VPC
        "vpc : Create the log group of the flow logs",
        "vpc : Create the role the flow logs deliver with",
        # the release pipeline created the repository; the role would add its lifecycle policy
        # ... and its tags (scripts/prepare_emulator.yml makes it untagged)
        "ecr : Tag the repository",
        "ecr : Report that a real run would update the repository (check mode)",
        "load_balancer : Compare the access logs bucket with the inputs (check mode)",
        "load_balancer : Report what a real run would create",
        "load_balancer : Create the web ACL of the load balancer",
        "load_balancer : Report the association a real run would make",
        "monitoring : Create the key of the alarm topic (customer managed, so CloudWatch may use it)",
        "monitoring : Create the alarm topic (encrypted) and its subscriptions",
        "monitoring : Create the alarms",
        "monitoring : Create the dashboard of the service",
        "ecs_service : Report what a real run would create or change",
        "autoscaling : Report the scaling a real run would set up once the service exists",
        "dns : Report the records a real run would make once the load balancer exists",
        "outputs : Write the outputs as JSON",
    ]
    output = " ".join(result.stdout.split())
    for phrase in (
        "Would create security group fozzy-api-local-alb, target group fozzy-api-local-tg and load balancer fozzy-api-local",
        "Would create or update cluster fozzy-api-local",
        "Would scale service fozzy-api of cluster fozzy-api-local between 2 and 15 tasks on 70 % average CPU",
        # AAAA only for a dualstack load balancer: before the VPC has its IPv6 range the plan knows
        # from vpc_result.dual_stack that a real run makes the public subnets dual-stack
        "Would point fozzy-api.inbox.wine (A, AAAA) at the load balancer",
        "access logs bucket fozzy-api-local-alb-logs-123456789012: would be created",
        "Would update repository fozzy-api to image_tag_mutability IMMUTABLE, scan_on_push true, "
        "a lifecycle policy keeping release images (*.*.*) and the newest 30 images, expiring untagged ones after 7 days",
    ):
        assert phrase in output, phrase
    # the certificate request shows its diff (nothing -> the certificate it would request)
    assert "+    domain_name: fozzy-api.inbox.wine" in result.stdout


def test_plan_on_a_converged_stack_changes_nothing(converged, outputs_file):
    result = plan(converged, outputs_file)
    assert recap(result)["changed"] == 0, changed_tasks(result.stdout)


def test_plan_names_exactly_the_tasks_a_change_of_inputs_would_change(converged, outputs_file):
    result = plan(
        converged, outputs_file,
        "autoscaling_max_capacity=20",
        "ecs_service_cpu=2048",  # ecs_service_memory stays 8192: valid for 2048 CPU units
        "load_balancer_ssl_policy=ELBSecurityPolicy-TLS13-1-2-2021-06",
    )
    # the task definition is registered before the certificate wait, the load balancer after it
    assert changed_tasks(result.stdout) == [
        "ecs_service : Register the task definition (a new revision only when something changed)",
        "load_balancer : Create the load balancer and its listeners",
        "ecs_service : Deploy the service and wait until the deployment is stable",
        "autoscaling : Scale the service automatically",
    ]
    assert recap(result)["changed"] == 4
    output = result.stdout
    # readable: the old and the new value of each input, next to the task that would change it
    assert "HTTPS listener ssl_policy: ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09 -> ELBSecurityPolicy-TLS13-1-2-2021-06" in output
    assert "cpu: 4096 -> 2048" in output
    # gunicorn workers follow the CPU (the callback may fold the long line anywhere between words)
    words = " ".join(output.split())
    assert "--workers 4" in words and "--workers 2" in words
    assert "-        max_capacity: 15\n+        max_capacity: 20" in output
