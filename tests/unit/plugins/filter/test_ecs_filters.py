"""Filters of the ecs_service role: task definition, execution policy, ARN parts, revision changes."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.inboxwine.fozzy.plugins.filter import ecs

REPOSITORY = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/fozzy-api"
LOG_GROUP_ARN = "arn:aws:logs:eu-central-1:123456789012:log-group:/ecs/fozzy-api-production/fozzy-api:*"
SECRET = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:fozzy/db-AbCdEf"
PARTIAL_SECRET = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:fozzy/user"
PARAMETER = "arn:aws:ssm:eu-central-1:123456789012:parameter/fozzy/api-key"

SPEC = {
    "family": "fozzy-api-production", "name": "fozzy-api", "image": REPOSITORY + ":1.0.0", "cpu": 4096, "memory": 8192,
    "cpu_architecture": "X86_64", "container_port": 8000, "user": "1000:1000", "readonly_root_filesystem": True,
    "environment": {"LOG_LEVEL": "info"}, "secrets": {"DB_PASSWORD": SECRET + ":password::", "API_KEY": PARAMETER},
    "stop_timeout": 60, "gunicorn": {"workers": 4, "keepalive": 75, "graceful_timeout": 30},
    "health_check": {"command": ["CMD", "python", "-c", "check"], "interval": 30, "timeout": 5, "retries": 3,
                     "start_period": 30},
    "log_group_name": "/ecs/fozzy-api-production/fozzy-api", "region": "eu-central-1",
    "execution_role_arn": "arn:aws:iam::123456789012:role/fozzy-api-production-execution",
    "task_role_arn": "arn:aws:iam::123456789012:role/fozzy-api-production-task",
}


def snake(planned, revision=3):
    """A registered revision as community.aws.ecs_taskdefinition_info returns it (snake_case keys)."""
    container = planned["containers"][0]
    return {
        "revision": revision, "family": planned["family"], "cpu": planned["cpu"], "memory": planned["memory"],
        "task_definition_arn": f"arn:aws:ecs:eu-central-1:123456789012:task-definition/{planned['family']}:{revision}",
        "runtime_platform": {"cpu_architecture": "X86_64", "operating_system_family": "LINUX"},
        "execution_role_arn": planned["execution_role_arn"], "task_role_arn": planned["task_role_arn"],
        "container_definitions": [{
            "name": container["name"], "image": container["image"], "user": container["user"],
            "readonly_root_filesystem": container["readonlyRootFilesystem"],
            "port_mappings": [{"container_port": 8000, "host_port": 8000, "protocol": "tcp"}],
            "environment": container["environment"],
            "secrets": [{"name": s["name"], "value_from": s["valueFrom"]} for s in container["secrets"]],
            "stop_timeout": container["stopTimeout"],
            "health_check": {"command": container["healthCheck"]["command"], "interval": 30, "timeout": 5, "retries": 3,
                             "start_period": 30},
            "log_configuration": {"log_driver": "awslogs", "options": container["logConfiguration"]["options"]},
            "docker_labels": container["dockerLabels"],
        }],
    }


def test_aws_arn_parts():
    assert ecs.aws_arn(LOG_GROUP_ARN) == {"partition": "aws", "service": "logs", "region": "eu-central-1",
                                          "account": "123456789012",
                                          "resource": "log-group:/ecs/fozzy-api-production/fozzy-api:*"}
    assert ecs.aws_arn("arn:aws-cn:iam::aws:policy/ReadOnlyAccess")["partition"] == "aws-cn"
    with pytest.raises(AnsibleFilterError, match="is not an ARN"):
        ecs.aws_arn("log-group:/ecs")


def test_ecs_image_from_ecr_result_or_a_stand_in():
    assert ecs.ecs_image(REPOSITORY + ":1.0.0", "1.0.0", {}) == REPOSITORY + ":1.0.0"
    assert ecs.ecs_image("", "1.0.0", {"enabled": True, "repository_name": "fozzy-api", "repository_uri": ""}) == "fozzy-api:1.0.0"
    assert ecs.ecs_image("", "1.0.0", None) == "image:1.0.0"


def test_gunicorn_cmd_args():
    assert ecs.gunicorn_cmd_args(8000, "4", 75, 30) == (
        "--bind 0.0.0.0:8000 --workers 4 --keep-alive 75 --graceful-timeout 30 --worker-tmp-dir /dev/shm")


def test_task_definition_holds_the_container_and_a_digest_label():
    planned = ecs.ecs_task_definition(SPEC)
    container = planned["containers"][0]
    assert planned["cpu"] == "4096" and planned["memory"] == "8192"
    assert planned["runtime_platform"] == {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"}
    assert planned["volumes"] == [{"name": "tmp"}]
    assert container["mountPoints"] == [{"sourceVolume": "tmp", "containerPath": "/tmp", "readOnly": False}]
    assert container["portMappings"] == [{"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}]
    assert [item["name"] for item in container["environment"]] == ["GUNICORN_CMD_ARGS", "LOG_LEVEL"]
    assert container["environment"][0]["value"].startswith("--bind 0.0.0.0:8000 --workers 4 ")
    assert container["secrets"] == [{"name": "API_KEY", "valueFrom": PARAMETER},
                                    {"name": "DB_PASSWORD", "valueFrom": SECRET + ":password::"}]
    assert container["logConfiguration"]["options"] == {"awslogs-group": SPEC["log_group_name"],
                                                        "awslogs-region": "eu-central-1", "awslogs-stream-prefix": "fozzy-api"}
    assert container["healthCheck"]["startPeriod"] == 30 and container["stopTimeout"] == 60
    assert container["dockerLabels"] == {ecs.DIGEST_LABEL: planned["digest"]}
    # the digest follows what the module does not compare: task size, roles
    assert ecs.ecs_task_definition(SPEC)["digest"] == planned["digest"]
    for change in ({"cpu": 2048}, {"memory": 16384}, {"cpu_architecture": "ARM64"}, {"task_role_arn": ""},
                   {"readonly_root_filesystem": False}, {"environment": {"LOG_LEVEL": "debug"}}):
        assert ecs.ecs_task_definition(dict(SPEC, **change))["digest"] != planned["digest"], change
    writable = ecs.ecs_task_definition(dict(SPEC, readonly_root_filesystem=False))
    assert writable["volumes"] == [] and writable["containers"][0]["mountPoints"] == []


def test_task_definition_names_what_is_missing():
    with pytest.raises(AnsibleFilterError, match="lacks or has a bad 'gunicorn'"):
        ecs.ecs_task_definition({k: v for k, v in SPEC.items() if k != "gunicorn"})


def test_execution_policy_allows_exactly_the_image_logs_and_secrets():
    policy = ecs.ecs_execution_policy(LOG_GROUP_ARN, REPOSITORY + ":1.0.0",
                                      {"DB_PASSWORD": SECRET + ":password::", "DB_USER": PARTIAL_SECRET, "API_KEY": PARAMETER})
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert list(statements) == ["EcrLogin", "PullImage", "WriteLogs", "ReadParameters", "ReadSecrets"]
    assert statements["PullImage"]["Resource"] == "arn:aws:ecr:eu-central-1:123456789012:repository/fozzy-api"
    assert statements["WriteLogs"]["Resource"] == LOG_GROUP_ARN[:-2] + ":log-stream:*"
    assert statements["ReadParameters"]["Resource"] == [PARAMETER]
    # the complete ARN as it is (without :json-key:stage:version), the partial one with IAM's wildcard
    assert statements["ReadSecrets"]["Resource"] == [SECRET, PARTIAL_SECRET + "-??????"]


def test_execution_policy_of_an_image_outside_ecr_pulls_nothing_from_ecr():
    policy = ecs.ecs_execution_policy("arn:aws:logs:eu-central-1:123456789012:log-group:/ecs/x", "registry.example.com/fozzy:1.0.0")
    assert [s["Sid"] for s in policy["Statement"]] == ["WriteLogs"]
    assert policy["Statement"][0]["Resource"] == "arn:aws:logs:eu-central-1:123456789012:log-group:/ecs/x:log-stream:*"


def test_changes_of_a_new_revision_read_old_to_new():
    planned = ecs.ecs_task_definition(SPEC)
    assert ecs.ecs_task_definition_changes({}, planned) == ["first revision of fozzy-api-production"]
    assert ecs.ecs_task_definition_changes(snake(planned), planned) == []
    assert ecs.ecs_task_definition_report(snake(planned), planned) == "fozzy-api-production:3 (unchanged)"
    smaller = ecs.ecs_task_definition(dict(SPEC, cpu=2048, gunicorn=dict(SPEC["gunicorn"], workers=2),
                                           environment={}, secrets={"API_KEY": PARAMETER}))
    lines = ecs.ecs_task_definition_changes(snake(planned), smaller)
    assert lines[0] == "cpu: 4096 -> 2048"
    assert ("environment GUNICORN_CMD_ARGS: --bind 0.0.0.0:8000 --workers 4 --keep-alive 75 --graceful-timeout 30"
            " --worker-tmp-dir /dev/shm -> --bind 0.0.0.0:8000 --workers 2 --keep-alive 75 --graceful-timeout 30"
            " --worker-tmp-dir /dev/shm") in lines
    assert "environment LOG_LEVEL: info -> (unset)" in lines
    assert f"secrets DB_PASSWORD: {SECRET}:password:: -> (unset)" in lines
    assert len(lines) == 4
    report = ecs.ecs_task_definition_report(snake(planned), smaller)
    assert report.startswith("new revision of fozzy-api-production (now 3): cpu: 4096 -> 2048; environment ")


def test_changes_name_the_image_and_a_change_nothing_else_shows():
    planned = ecs.ecs_task_definition(SPEC)
    newer = ecs.ecs_task_definition(dict(SPEC, image=REPOSITORY + ":1.0.1"))
    assert ecs.ecs_task_definition_changes(snake(planned), newer) == [f"image: {REPOSITORY}:1.0.0 -> {REPOSITORY}:1.0.1"]
    relabelled = snake(planned)
    relabelled["container_definitions"][0]["docker_labels"] = {ecs.DIGEST_LABEL: "other"}
    assert ecs.ecs_task_definition_changes(relabelled, planned) == ["other settings of the task definition"]


@pytest.mark.parametrize("value, kind", [
    ("vpc-0123abcd", "vpc"), ("sg-0123abcd", "security_group"), (["subnet-01", "subnet-02"], "subnets"),
    ("arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/fozzy/0123", "target_group"),
])
def test_wired_ids_pass(value, kind):
    assert ecs.ecs_wired(value, "ecs_service_x", kind, "vpc_result") == value


@pytest.mark.parametrize("value, kind", [("", "vpc"), ("sg-", "security_group"), ([], "subnets"), (["x"], "subnets"),
                                         ("", "target_group")])
def test_wired_ids_that_are_missing_name_the_variable_and_its_source(value, kind):
    with pytest.raises(AnsibleFilterError, match=r"ecs_service_x=.* is not .*: it defaults to vpc_result.vpc_id; run that role"):
        ecs.ecs_wired(value, "ecs_service_x", kind, "vpc_result.vpc_id")


def test_digest_is_the_one_the_jinja_of_0_1_computed():
    # a stack the 0.1 role (Jinja in vars/main.yml) converged keeps its revision: same inputs, same label
    spec = dict(SPEC, family="fozzy-api-local", environment={}, secrets={},
                log_group_name="/ecs/fozzy-api-local/fozzy-api",
                execution_role_arn="arn:aws:iam::123456789012:role/fozzy-api-local-execution",
                task_role_arn="arn:aws:iam::123456789012:role/fozzy-api-local-task",
                health_check=dict(SPEC["health_check"], command=[
                    "CMD", "python", "-c",
                    "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)"]))
    assert ecs.ecs_task_definition(spec)["digest"] == "bb261d93adeb453643fd01cdccdeacda69265d2db018ad65529eeb97aacd8193"


def test_trust_policy_of_the_tasks_is_bound_to_the_account_and_its_ecs_resources():
    policy = ecs.ecs_trust_policy("ecs-tasks.amazonaws.com", "123456789012", "eu-central-1")
    statement, = policy["Statement"]
    assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"} and statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"},
                                      "ArnLike": {"aws:SourceArn": "arn:aws:ecs:eu-central-1:123456789012:*"}}


def test_trust_policy_of_the_infrastructure_role_names_the_account_only():
    statement, = ecs.ecs_trust_policy("ecs.amazonaws.com", "123456789012", "eu-central-1", "aws-cn")["Statement"]
    assert statement["Principal"] == {"Service": "ecs.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}


def test_trust_policy_without_a_known_account_has_no_condition_and_other_services_are_refused():
    assert "Condition" not in ecs.ecs_trust_policy("ecs-tasks.amazonaws.com", "*")["Statement"][0]
    with pytest.raises(AnsibleFilterError, match="not one of"):
        ecs.ecs_trust_policy("lambda.amazonaws.com", "123456789012")
