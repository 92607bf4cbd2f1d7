"""ECS deployment strategies on one converged stack (delivery issue items 3 and 4, hardening item 5).

site.yml converges inventories/local (production's canary strategy, the test listener rule);
then tests/integration/playbooks/strategy_switches.yml runs the load_balancer and ecs_service
steps of site.yml again: a check-mode plan of a switch, then rolling, linear, blue_green (with
deployment alarms) and canary again, each read back from the emulator and run twice (changed,
then not), a new revision whose canary deployment makes ECS move the traffic to the other
target group, and a re-run of both roles after that shift (no change, the weights ECS set kept).
The emulator runs the traffic shift as ECS does (scripts/emulator_fidelity.py).
"""
import json

import pytest

pytestmark = pytest.mark.xdist_group("strategies")

INVENTORY = ("-i", "inventories/local")
# what the switches take from site.yml's outputs file
HANDED_ON = ("vpc_id", "private_subnet_ids", "public_subnet_ids", "certificate_arn", "ecr_repository_uri",
             "aws_account_id", "cluster_name", "service_name")


@pytest.fixture(scope="module")
def stack(emulator, tmp_path_factory):
    emulator.reset()
    prepared = emulator.playbook("scripts/prepare_emulator.yml", *INVENTORY)
    assert prepared.returncode == 0, prepared.stdout[-3000:]
    outputs = tmp_path_factory.mktemp("strategies") / "outputs.json"
    result = emulator.playbook("playbooks/site.yml", *INVENTORY, "-e", f"outputs_file={outputs}")
    assert result.returncode == 0, f"site.yml failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    handed = outputs.with_name("handed_on.json")
    handed.write_text(json.dumps({key: json.loads(outputs.read_text())[key] for key in HANDED_ON}))
    return emulator, handed


def test_switches_converge_in_place_and_re_runs_leave_ecs_traffic_shift_alone(stack):
    emulator, handed = stack
    service_arn = emulator.client("ecs").describe_services(cluster="fozzy-api-local", services=["fozzy-api"])[
        "services"][0]["serviceArn"]
    result = emulator.playbook("tests/integration/playbooks/strategy_switches.yml", *INVENTORY, "-e", f"@{handed}")
    assert result.returncode == 0, f"switches failed:\n{result.stdout[-8000:]}\n{result.stderr[-2000:]}"
    # the same service all along (never recreated), now canary again
    service = emulator.client("ecs").describe_services(cluster="fozzy-api-local", services=["fozzy-api"])["services"][0]
    assert service["serviceArn"] == service_arn and service["deploymentConfiguration"]["strategy"] == "CANARY"
    assert service["deploymentConfiguration"]["alarms"] == {"alarmNames": [], "enable": False, "rollback": False}


def test_roles_trust_only_this_account_and_an_old_trust_policy_is_replaced_once(stack):
    emulator, handed = stack
    iam = emulator.client("iam")
    for kind, service in (("task", "ecs-tasks.amazonaws.com"), ("execution", "ecs-tasks.amazonaws.com"),
                          ("infra", "ecs.amazonaws.com")):
        statement, = iam.get_role(RoleName=f"fozzy-api-local-{kind}")["Role"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": service}
        assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
        if service == "ecs-tasks.amazonaws.com":
            assert statement["Condition"]["ArnLike"] == {"aws:SourceArn": "arn:aws:ecs:eu-central-1:123456789012:*"}
    # a role made by 0.2.0 (no condition) gets the new trust policy on the next run, once
    old = {"Version": "2012-10-17", "Statement": [{"Sid": "EcsTasks", "Effect": "Allow", "Action": "sts:AssumeRole",
                                                   "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}
    iam.update_assume_role_policy(RoleName="fozzy-api-local-task", PolicyDocument=json.dumps(old))
    prepare = ("tests/integration/playbooks/service_prepare.yml", *INVENTORY, "-e", f"@{handed}")
    first, second = emulator.playbook(*prepare), emulator.playbook(*prepare)
    assert first.returncode == 0 and second.returncode == 0, first.stdout[-4000:] + second.stdout[-4000:]
    assert "changed: [localhost] => (item=fozzy-api-local-task)" in first.stdout
    assert "changed=0" in second.stdout.rsplit("PLAY RECAP", 1)[-1], second.stdout[-3000:]
    statement, = iam.get_role(RoleName="fozzy-api-local-task")["Role"]["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
