"""Unit tests for inboxwine.fozzy.ecs_service_deploy against moto's in-process mock, with the
ECS fidelity patches of scripts/emulator_fidelity.py (the same emulator the integration tests
use), so deployments, circuit-breaker rollbacks and kept service settings behave as in AWS.

Every test reads the resulting state back with boto3 rather than trusting `changed`.
"""

import importlib.util
import os

import boto3
import pytest

from ansible_collections.inboxwine.fozzy.plugins.modules import ecs_service_deploy

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
CLUSTER = "fozzy"
SERVICE = "api"
ACCOUNT = "123456789012"
REPO_URI = f"{ACCOUNT}.dkr.ecr.eu-central-1.amazonaws.com/fozzy-api"


def load_fidelity():
    spec = importlib.util.spec_from_file_location("emulator_fidelity", os.path.join(ROOT, "scripts", "emulator_fidelity.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fidelity(monkeypatch):
    """The ECS patches, undone after the test (monkeypatch restores the originals)."""
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.ecs.responses import EC2ContainerServiceResponse
    from moto.elbv2.models import FakeTargetGroup

    monkeypatch.setattr(EC2ContainerServiceResponse, "create_service", EC2ContainerServiceResponse.create_service)
    monkeypatch.setattr(EC2ContainerServiceBackend, "update_service", EC2ContainerServiceBackend.update_service)
    monkeypatch.setattr(EC2ContainerServiceBackend, "delete_service", EC2ContainerServiceBackend.delete_service)
    monkeypatch.setattr(FakeTargetGroup, "health_for", FakeTargetGroup.health_for)
    for name in ("list_service_deployments", "describe_service_deployments", "describe_service_revisions"):
        monkeypatch.setattr(EC2ContainerServiceResponse, name, None, raising=False)
        monkeypatch.delattr(EC2ContainerServiceResponse, name)
    patches = load_fidelity()
    patches._ecs_create_service_keeps_settings()
    patches._ecs_deployments_like_aws()
    patches._ecs_service_deployments_recorded()
    patches._ecs_service_tasks_behind_targets()
    return patches


@pytest.fixture
def env(aws, fidelity):
    """A cluster, a VPC with two subnets and a security group, an ECR repository with images 1.0.0 and 1.0.1."""
    ecs = boto3.client("ecs")
    ec2 = boto3.client("ec2")
    ecr = boto3.client("ecr")
    ecs.create_cluster(clusterName=CLUSTER, capacityProviders=["FARGATE", "FARGATE_SPOT"])
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2, 3)]
    sg = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    # the load balancer reaches the tasks (the emulator's targets are healthy only then)
    alb_sg = ec2.create_security_group(GroupName="alb", Description="alb", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8000, "UserIdGroupPairs": [{"GroupId": alb_sg}]}])
    elbv2 = boto3.client("elbv2")
    alb = elbv2.create_load_balancer(Name="api", Subnets=subnets[:2], SecurityGroups=[alb_sg])["LoadBalancers"][0]
    target_group = elbv2.create_target_group(Name="api", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip")
    TARGET_GROUP["arn"] = target_group["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(LoadBalancerArn=alb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": TARGET_GROUP["arn"]}])
    ecr.create_repository(repositoryName="fozzy-api")
    for tag in ("1.0.0", "1.0.1"):
        manifest = '{"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "tag": "%s"}' % tag
        ecr.put_image(repositoryName="fozzy-api", imageManifest=manifest, imageTag=tag)
    return {"ecs": ecs, "subnets": subnets, "sg": sg}


def register(ecs, tag):
    return ecs.register_task_definition(
        family="api",
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="4096",
        memory="8192",
        containerDefinitions=[{"name": "api", "image": f"{REPO_URI}:{tag}", "portMappings": [{"containerPort": 8000}]}],
    )["taskDefinition"]["taskDefinitionArn"]


# the target group the env fixture makes
TARGET_GROUP = {}


def args(env, task_definition, **overrides):
    base = dict(
        cluster=CLUSTER,
        name=SERVICE,
        task_definition=task_definition,
        desired_count=10,
        capacity_provider_strategy=[{"capacity_provider": "FARGATE", "base": 1, "weight": 1}],
        network_configuration={"subnets": env["subnets"][:2], "security_groups": [env["sg"]], "assign_public_ip": False},
        load_balancers=[{"target_group_arn": TARGET_GROUP["arn"], "container_name": "api", "container_port": 8000}],
        health_check_grace_period_seconds=60,
        deployment_configuration={
            "minimum_healthy_percent": 100,
            "maximum_percent": 200,
            "deployment_circuit_breaker": {"enable": True, "rollback": True},
        },
        tags={"Project": "fozzy"},
        wait_timeout=60,
    )
    base.update(overrides)
    return base


@pytest.fixture
def run(run_module):
    def _run(check_mode=False, **module_args):
        return run_module(ecs_service_deploy.main, module_args, check_mode=check_mode)

    return _run


def service(ecs):
    found = ecs.describe_services(cluster=CLUSTER, services=[SERVICE], include=["TAGS"])["services"]
    return found[0] if found else None


# --- create / no-op --------------------------------------------------------------------


def test_create_sets_every_field_and_waits(env, run):
    td = register(env["ecs"], "1.0.0")

    result = run(**args(env, td))

    assert result["changed"] is True
    assert result["changes"] == ["created"]
    assert result["stable"] is True
    current = service(env["ecs"])
    assert current["taskDefinition"] == td
    assert (current["desiredCount"], current["runningCount"]) == (10, 10)
    assert current["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (current["deploymentConfiguration"]["minimumHealthyPercent"], current["deploymentConfiguration"]["maximumPercent"]) == (100, 200)
    assert current["healthCheckGracePeriodSeconds"] == 60
    assert current["capacityProviderStrategy"] == [{"capacityProvider": "FARGATE", "weight": 1, "base": 1}]
    assert "launchType" not in current
    awsvpc = current["networkConfiguration"]["awsvpcConfiguration"]
    assert (sorted(awsvpc["subnets"]), awsvpc["securityGroups"], awsvpc["assignPublicIp"]) == (sorted(env["subnets"][:2]), [env["sg"]], "DISABLED")
    assert current["loadBalancers"] == [{"targetGroupArn": TARGET_GROUP["arn"], "containerName": "api", "containerPort": 8000}]
    assert current["tags"] == [{"key": "Project", "value": "fozzy"}]
    assert result["service"]["task_definition"] == td
    assert result["service"]["tags"] == {"Project": "fozzy"}
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["desired_count"] == 10


def test_second_identical_run_is_unchanged(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))
    deployment = service(env["ecs"])["deployments"][0]["id"]

    result = run(**args(env, td, network_configuration={
        "subnets": list(reversed(env["subnets"][:2])), "security_groups": [env["sg"]], "assign_public_ip": False}))

    assert result["changed"] is False
    assert result["changes"] == []
    assert result["stable"] is True
    assert result["diff"]["before"] == result["diff"]["after"]
    assert service(env["ecs"])["deployments"][0]["id"] == deployment


def test_family_revision_is_resolved(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))

    result = run(**args(env, "api:1"))

    assert result["changed"] is False


def test_check_mode_creates_nothing(env, run):
    td = register(env["ecs"], "1.0.0")

    result = run(check_mode=True, **args(env, td))

    assert result["changed"] is True
    assert result["changes"] == ["created"]
    assert result["diff"]["after"]["task_definition"] == td
    assert service(env["ecs"]) is None


def test_check_mode_with_unregistered_task_definition_reports_a_change(env, run):
    register(env["ecs"], "1.0.0")
    run(**args(env, "api"))

    result = run(check_mode=True, **args(env, "api", force_new_deployment=True))

    assert result["changed"] is True
    assert result["changes"] == ["force_new_deployment"]


# --- desired count and autoscaling ----------------------------------------------------


def test_rerun_keeps_a_count_autoscaling_changed(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))
    env["ecs"].update_service(cluster=CLUSTER, service=SERVICE, desiredCount=4)  # what autoscaling does

    result = run(**args(env, td))

    assert result["changed"] is False
    assert service(env["ecs"])["desiredCount"] == 4
    assert result["service"]["desired_count"] == 4


def test_force_desired_count_applies_the_count(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))
    env["ecs"].update_service(cluster=CLUSTER, service=SERVICE, desiredCount=4)

    result = run(**args(env, td, force_desired_count=True))

    assert result["changes"] == ["desired_count"]
    assert service(env["ecs"])["desiredCount"] == 10


# --- updates of the fields community.aws.ecs_service misses -----------------------------


def test_deployment_configuration_change_is_applied_and_reported(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))

    result = run(**args(env, td, deployment_configuration={
        "minimum_healthy_percent": 50, "maximum_percent": 200,
        "deployment_circuit_breaker": {"enable": True, "rollback": False}}))

    assert result["changed"] is True
    assert result["changes"] == [
        "deployment_configuration.deployment_circuit_breaker.rollback",
        "deployment_configuration.minimum_healthy_percent",
    ]
    config = service(env["ecs"])["deploymentConfiguration"]
    assert (config["minimumHealthyPercent"], config["maximumPercent"]) == (50, 200)
    assert config["deploymentCircuitBreaker"] == {"enable": True, "rollback": False}
    assert result["diff"]["before"]["deployment_configuration"]["minimum_healthy_percent"] == 100
    assert result["diff"]["after"]["deployment_configuration"]["minimum_healthy_percent"] == 50


def test_network_grace_and_strategy_changes_are_applied(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))

    result = run(**args(
        env, td,
        network_configuration={"subnets": env["subnets"], "security_groups": [env["sg"]], "assign_public_ip": False},
        health_check_grace_period_seconds=120,
        capacity_provider_strategy=[{"capacity_provider": "FARGATE", "base": 1, "weight": 1},
                                    {"capacity_provider": "FARGATE_SPOT", "weight": 3}],
    ))

    assert result["changes"] == ["capacity_provider_strategy", "health_check_grace_period_seconds", "network_configuration"]
    current = service(env["ecs"])
    assert sorted(current["networkConfiguration"]["awsvpcConfiguration"]["subnets"]) == sorted(env["subnets"])
    assert current["healthCheckGracePeriodSeconds"] == 120
    assert len(current["capacityProviderStrategy"]) == 2
    assert result["stable"] is True


def test_tags_are_reconciled(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))

    result = run(**args(env, td, tags={"Project": "fozzy", "Team": "data"}))

    assert result["changes"] == ["tags"]
    assert sorted(t["key"] for t in service(env["ecs"])["tags"]) == ["Project", "Team"]


def test_check_mode_update_changes_nothing(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))
    td2 = register(env["ecs"], "1.0.1")

    result = run(check_mode=True, **args(env, td2, health_check_grace_period_seconds=90))

    assert result["changes"] == ["health_check_grace_period_seconds", "task_definition"]
    assert result["diff"]["after"]["task_definition"] == td2
    current = service(env["ecs"])
    assert (current["taskDefinition"], current["healthCheckGracePeriodSeconds"]) == (td, 60)


def test_check_mode_predicts_what_the_real_run_then_shows(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))
    td2 = register(env["ecs"], "1.0.1")
    changed = args(env, td2, health_check_grace_period_seconds=90, tags={"Team": "data"},
                   capacity_provider_strategy=[{"capacity_provider": "FARGATE", "base": 1, "weight": 1},
                                               {"capacity_provider": "FARGATE_SPOT", "weight": 2}])

    check = run(check_mode=True, **changed)
    real = run(**changed)

    assert check["changes"] == real["changes"] == [
        "capacity_provider_strategy", "health_check_grace_period_seconds", "task_definition", "tags"]
    assert check["diff"] == real["diff"]
    assert real["diff"]["after"]["tags"] == {"Team": "data"}


# --- deployments ------------------------------------------------------------------------


def test_new_task_definition_is_deployed(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))
    env["ecs"].update_service(cluster=CLUSTER, service=SERVICE, desiredCount=4)
    td2 = register(env["ecs"], "1.0.1")

    result = run(**args(env, td2))

    assert result["changes"] == ["task_definition"]
    assert result["stable"] is True
    current = service(env["ecs"])
    assert current["taskDefinition"] == td2
    assert [(d["status"], d["taskDefinition"], d["rolloutState"]) for d in current["deployments"]] == [("PRIMARY", td2, "COMPLETED")]
    assert current["desiredCount"] == 4  # the deploy kept the autoscaled count


def test_missing_image_stops_before_the_update(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))
    td_missing = register(env["ecs"], "2.0.0")

    result = run(**args(env, td_missing))

    assert result["failed"] is True
    assert result["changed"] is False
    assert result["missing_images"] == [f"{REPO_URI}:2.0.0"]
    assert f"docker push {REPO_URI}:2.0.0" in result["msg"]
    assert "aws ecr get-login-password --region eu-central-1" in result["msg"]
    assert service(env["ecs"])["taskDefinition"] == td


def test_check_mode_checks_the_listed_images_too(env, run):
    """In check mode the revision with the new image is not registered; `images` names it."""
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))

    found = run(check_mode=True, **args(env, "api", force_new_deployment=True, images=[f"{REPO_URI}:1.0.1"]))
    missing = run(check_mode=True, **args(env, "api", force_new_deployment=True, images=[f"{REPO_URI}:3.0.0"]))

    assert found["changed"] is True and found["failed"] is False
    assert missing["failed"] is True
    assert missing["missing_images"] == [f"{REPO_URI}:3.0.0"]


def test_missing_image_stops_before_the_creation(env, run):
    td_missing = register(env["ecs"], "2.0.0")

    result = run(**args(env, td_missing))

    assert result["failed"] is True
    assert "was not created" in result["msg"]
    assert service(env["ecs"]) is None


def test_rolled_back_deployment_fails_with_the_reason(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))
    td_missing = register(env["ecs"], "2.0.0")

    result = run(**args(env, td_missing, check_images=False))

    assert result["failed"] is True
    assert result["changed"] is True
    assert "was rolled back to api:1" in result["msg"]
    assert "deployment failed: tasks failed to start" in result["msg"]
    assert "CannotPullContainerError" in result["msg"]
    assert service(env["ecs"])["taskDefinition"] == td


def test_unfinished_deployment_times_out(env, run, fake_time):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td, deployment_configuration={"deployment_circuit_breaker": {"enable": False, "rollback": False}}))
    td_missing = register(env["ecs"], "2.0.0")

    result = run(**args(
        env, td_missing, check_images=False, wait_timeout=30,
        deployment_configuration={"deployment_circuit_breaker": {"enable": False, "rollback": False}}))

    assert result["failed"] is True
    assert "Timed out after 30 seconds waiting for the deployment of api:2 to ECS service api" in result["msg"]
    assert "every target of its new tasks in target group" in result["msg"]
    assert "PRIMARY deployment of api:2 IN_PROGRESS 0/10 running" in result["msg"]
    assert "service deployment IN_PROGRESS" in result["msg"]
    assert sum(fake_time.sleeps) <= 30


# --- absent and errors --------------------------------------------------------------------


def test_absent_deletes_and_is_idempotent(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))

    check = run(check_mode=True, cluster=CLUSTER, name=SERVICE, state="absent")
    assert check["changed"] is True and service(env["ecs"])["status"] == "ACTIVE"

    result = run(cluster=CLUSTER, name=SERVICE, state="absent")
    again = run(cluster=CLUSTER, name=SERVICE, state="absent")
    missing_cluster = run(cluster="nope", name=SERVICE, state="absent")

    assert result["changed"] is True and result["changes"] == ["deleted"]
    assert service(env["ecs"])["status"] == "INACTIVE"
    assert again["changed"] is False
    assert missing_cluster["changed"] is False


def test_service_can_be_created_again_after_deletion(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))
    run(cluster=CLUSTER, name=SERVICE, state="absent")

    result = run(**args(env, td))

    assert result["changes"] == ["created"]
    assert service(env["ecs"])["status"] == "ACTIVE"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"deployment_configuration": {"minimum_healthy_percent": 100, "maximum_percent": 100}},
         "minimum_healthy_percent (100) must be below maximum_percent (100)"),
        ({"capacity_provider_strategy": [{"capacity_provider": "FARGATE", "base": 1}, {"capacity_provider": "FARGATE_SPOT", "base": 1}]},
         "only one capacity provider may have a base"),
        ({"desired_count": -1}, "desired_count must be 0 or more"),
    ],
)
def test_invalid_input_fails_before_any_call(env, run, overrides, message):
    td = register(env["ecs"], "1.0.0")

    result = run(**args(env, td, **overrides))

    assert result["failed"] is True
    assert message in result["msg"]
    assert service(env["ecs"]) is None


def test_launch_type_cannot_change(env, run):
    td = register(env["ecs"], "1.0.0")
    run(**args(env, td))
    module_args = args(env, td, launch_type="FARGATE")
    del module_args["capacity_provider_strategy"]

    result = run(**module_args)

    assert result["failed"] is True
    assert "cannot be set on an existing service" in result["msg"]


def test_missing_task_definition_fails_clearly(env, run):
    result = run(**args(env, "nope:3"))

    assert result["failed"] is True
    assert result["msg"] == "Task definition nope:3 (option task_definition) does not exist"
