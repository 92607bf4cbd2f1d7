"""Rules of the ecs_service role's inputs (and its STACK rules)."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils import inputs as engine
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.rules import ecs_service as rules

SECRET = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:fozzy/db-AbCdEf"
PARAMETER = "arn:aws:ssm:eu-central-1:123456789012:parameter/fozzy/api-key"

GOOD = {
    "ecs_service_state": "present",
    "ecs_service_cluster_name": "fozzy-api-production", "ecs_service_name": "fozzy-api",
    "ecs_service_family": "fozzy-api-production", "ecs_service_log_group_name": "/ecs/fozzy-api-production/fozzy-api",
    "ecs_service_image_tag": "1.0.0", "ecs_service_image": "123456789012.dkr.ecr.eu-central-1.amazonaws.com/fozzy-api:1.0.0",
    "ecs_service_cpu": 4096, "ecs_service_memory": 8192, "ecs_service_cpu_architecture": "X86_64",
    "ecs_service_desired_count": 10, "ecs_service_capacity_providers": ["FARGATE", "FARGATE_SPOT"],
    "ecs_service_capacity_provider_strategy": [{"capacity_provider": "FARGATE", "base": 1, "weight": 1}],
    "ecs_service_alb_idle_timeout": 60, "ecs_service_user": "1000:1000",
    "ecs_service_environment": {"LOG_LEVEL": "info"}, "ecs_service_secrets": {"DB_PASSWORD": SECRET, "API_KEY": PARAMETER},
    "ecs_service_stop_timeout": 60, "ecs_service_gunicorn_workers": 4, "ecs_service_gunicorn_keepalive": 75,
    "ecs_service_gunicorn_graceful_timeout": 30,
    "ecs_service_health_check_command": ["CMD", "python", "-c", "print(1)"],
    "ecs_service_health_check_interval": 30, "ecs_service_health_check_timeout": 5, "ecs_service_health_check_retries": 3,
    "ecs_service_health_check_start_period": 30, "ecs_service_health_check_grace_period": 60,
    "ecs_service_min_healthy_percent": 100, "ecs_service_max_percent": 200,
    "ecs_service_circuit_breaker": {"enable": True, "rollback": True}, "ecs_service_wait_timeout": 900,
    "ecs_service_log_retention_days": 30, "ecs_service_task_role_managed_policies": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    "ecs_service_deployment_strategy": "canary", "ecs_service_deployment_bake_time": 5,
    "ecs_service_deployment_linear_step_percent": 20.0, "ecs_service_deployment_linear_step_bake_time": 2,
    "ecs_service_deployment_canary_percent": 10.0, "ecs_service_deployment_canary_bake_time": 5,
    "ecs_service_deployment_controller": "ECS", "ecs_service_deployment_alarms": ["fozzy-api-production-target-5xx"],
    # other roles' inputs the STACK rules compare with
    "ecr_enabled": True, "load_balancer_idle_timeout": 60,
}


def problems(scopes=("ecs_service",), **changes):
    return engine.check(list(scopes), engine.Inputs(dict(GOOD, **changes)))


def test_good_inputs_have_no_problem():
    assert problems(scopes=("ecs_service", engine.STACK)) == []
    # in preflight (and in a check run before the repository exists) the ECR image is not known yet
    assert problems(scopes=("ecs_service", engine.STACK), ecs_service_image="") == []
    assert problems(ecs_service_image="", ecr_result={"enabled": True, "repository_uri": ""}) == []
    assert problems(ecs_service_cpu=256, ecs_service_memory=2048, ecs_service_capacity_provider_strategy=[
        {"capacity_provider": "FARGATE_SPOT", "weight": 3}, {"capacity_provider": "FARGATE", "base": 2, "weight": 1}]) == []
    assert problems(ecs_service_cpu_architecture="ARM64", ecs_service_environment={}, ecs_service_secrets={},
                    ecs_service_circuit_breaker={"enable": True, "rollback": False}) == []


@pytest.mark.parametrize("changes, message", [
    # Fargate sizes (same allowed-value texts as the table in the AWS documentation)
    ({"ecs_service_memory": 4096}, "ecs_service_cpu=4096 with ecs_service_memory=4096 is not allowed together: that is not"
     " a Fargate task size; with ecs_service_cpu=4096, ecs_service_memory must be 8192 to 30720 in steps of 1024 (MiB)."),
    ({"ecs_service_cpu": 256, "ecs_service_memory": 4096}, "ecs_service_memory must be 512, 1024 or 2048 (MiB)."),
    ({"ecs_service_cpu": 512, "ecs_service_memory": 512}, "ecs_service_memory must be 1024 to 4096 in steps of 1024 (MiB)."),
    ({"ecs_service_cpu": 1024, "ecs_service_memory": 9216}, "ecs_service_memory must be 2048 to 8192 in steps of 1024"),
    ({"ecs_service_cpu": 2048, "ecs_service_memory": 2048}, "ecs_service_memory must be 4096 to 16384 in steps of 1024"),
    ({"ecs_service_cpu": 8192, "ecs_service_memory": 17408}, "ecs_service_memory must be 16384 to 61440 in steps of 4096"),
    ({"ecs_service_cpu": 16384, "ecs_service_memory": 40000}, "ecs_service_memory must be 32768 to 122880 in steps of 8192"),
    ({"ecs_service_cpu": 3000}, "ecs_service_cpu=3000 is not allowed: use a Fargate size: 256, 512, 1024, 2048, 4096, 8192,"
     " 16384 (CPU units, 1024 = 1 vCPU)."),
    # image
    ({"ecs_service_image_tag": "latest"}, "ecs_service_image_tag=latest is not allowed: use the explicit tag of a pushed image"),
    ({"ecs_service_image_tag": ""}, "ecs_service_image_tag= is not allowed: use the explicit tag"),
    ({"ecs_service_image_tag": "-1"}, "ecs_service_image_tag=-1 is not allowed"),
    ({"ecs_service_image": "registry.example.com/Fozzy:1.0.0"},
     "ecs_service_image=registry.example.com/Fozzy:1.0.0 is not allowed: it is not a valid image reference"),
    ({"ecs_service_image": "registry.example.com/fozzy:latest"},
     "ecs_service_image=registry.example.com/fozzy:latest is not allowed: latest moves with every push"),
    ({"ecs_service_image": "", "ecr_result": {"enabled": False}},
     "ecs_service_image= with ecr_result.enabled=false is not allowed together: without the ECR repository set"
     " ecs_service_image to an image that exists"),
    # timeouts that belong together
    ({"ecs_service_stop_timeout": 121}, "ecs_service_stop_timeout=121 is not allowed: use 2 to 120 seconds"),
    ({"ecs_service_gunicorn_graceful_timeout": 60},
     "ecs_service_gunicorn_graceful_timeout=60 with ecs_service_stop_timeout=60 is not allowed together: the graceful"
     " timeout must be shorter than the stop timeout"),
    ({"ecs_service_gunicorn_graceful_timeout": 0}, "ecs_service_gunicorn_graceful_timeout=0 is not allowed: use 1 second"),
    ({"ecs_service_gunicorn_keepalive": 30},
     "ecs_service_gunicorn_keepalive=30 with ecs_service_alb_idle_timeout=60 is not allowed together: gunicorn's"
     " keep-alive must be longer than the ALB idle timeout"),
    ({"ecs_service_gunicorn_workers": 0}, "ecs_service_gunicorn_workers=0 is not allowed: use 1 or more."),
    # counts and deployments
    ({"ecs_service_desired_count": -1}, "ecs_service_desired_count=-1 is not allowed: use 0 or more."),
    ({"ecs_service_min_healthy_percent": 101}, "ecs_service_min_healthy_percent=101 is not allowed: use 0 to 100"),
    ({"ecs_service_max_percent": 99}, "ecs_service_max_percent=99 is not allowed: use 100 to 400"),
    ({"ecs_service_min_healthy_percent": 100, "ecs_service_max_percent": 100},
     "ecs_service_min_healthy_percent=100 with ecs_service_max_percent=100 is not allowed together"),
    ({"ecs_service_circuit_breaker": {"enable": False, "rollback": True}},
     'ecs_service_circuit_breaker={"enable": false, "rollback": true} is not allowed: use {enable: true|false,'),
    ({"ecs_service_circuit_breaker": {"enable": "yes", "rollback": True}}, "ecs_service_circuit_breaker="),
    # health checks
    ({"ecs_service_health_check_grace_period": -1}, "ecs_service_health_check_grace_period=-1 is not allowed: use 0 or more seconds."),
    ({"ecs_service_health_check_interval": 4}, "ecs_service_health_check_interval=4 is not allowed: use 5 to 300 seconds."),
    ({"ecs_service_health_check_timeout": 61}, "ecs_service_health_check_timeout=61 is not allowed: use 2 to 60 seconds"),
    ({"ecs_service_health_check_timeout": 30},
     "ecs_service_health_check_timeout=30 with ecs_service_health_check_interval=30 is not allowed together"),
    ({"ecs_service_health_check_retries": 11}, "ecs_service_health_check_retries=11 is not allowed: use 1 to 10."),
    ({"ecs_service_health_check_start_period": 301}, "ecs_service_health_check_start_period=301 is not allowed: use 0 to 300"),
    ({"ecs_service_health_check_command": ["curl", "-f", "http://localhost/"]},
     'ecs_service_health_check_command=["curl", "-f", "http://localhost/"] is not allowed: use a list starting with CMD'),
    ({"ecs_service_health_check_command": ["CMD"]}, 'ecs_service_health_check_command=["CMD"] is not allowed'),
    ({"ecs_service_wait_timeout": -1}, "ecs_service_wait_timeout=-1 is not allowed: use 0 or more seconds."),
    # placement
    ({"ecs_service_capacity_provider_strategy": []},
     'ecs_service_capacity_provider_strategy=[] is not allowed: name at least one capacity provider of'
     ' ecs_service_capacity_providers=["FARGATE", "FARGATE_SPOT"]'),
    ({"ecs_service_capacity_providers": ["FARGATE"],
      "ecs_service_capacity_provider_strategy": [{"capacity_provider": "FARGATE_SPOT", "weight": 1}]},
     'ecs_service_capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1}] is not allowed: it uses'
     ' FARGATE_SPOT, which is not in ecs_service_capacity_providers (FARGATE)'),
    ({"ecs_service_capacity_provider_strategy": [{"capacity_provider": "FARGATE", "base": 1},
                                                {"capacity_provider": "FARGATE_SPOT", "base": 2}]},
     "is not allowed: only one capacity provider may have a base above 0"),
    ({"ecs_service_cpu_architecture": "ARM64",
      "ecs_service_capacity_provider_strategy": [{"capacity_provider": "FARGATE_SPOT", "weight": 1}]},
     'ecs_service_capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1}] with'
     " ecs_service_cpu_architecture=ARM64 is not allowed together: Fargate Spot runs X86_64 tasks only"),
    ({"ecs_service_capacity_providers": ["FARGATE", "EC2"]},
     'ecs_service_capacity_providers=["FARGATE", "EC2"] is not allowed: use FARGATE, FARGATE_SPOT or both.'),
    # user, logs
    ({"ecs_service_user": "root"}, "ecs_service_user=root is not allowed: use a non-root user[:group]"),
    ({"ecs_service_user": "0:0"}, "ecs_service_user=0:0 is not allowed"),
    ({"ecs_service_log_retention_days": 31}, "ecs_service_log_retention_days=31 is not allowed: use one of 1, 3, 5"),
    # environment and secrets
    ({"ecs_service_environment": {"1BAD": "x"}}, "ecs_service_environment key '1BAD' is not allowed: name environment"
     " variables with letters, digits and _"),
    ({"ecs_service_environment": {"GUNICORN_CMD_ARGS": "--workers 9"}},
     "ecs_service_environment key 'GUNICORN_CMD_ARGS' is not allowed: the role makes it from ecs_service_gunicorn_*"),
    ({"ecs_service_environment": {"API_KEY": "x"}},
     'ecs_service_environment={"API_KEY": "x"} with ecs_service_secrets={"API_KEY": "' + PARAMETER
     + '"} is not allowed together: API_KEY may be a plain variable or a secret, not both.'),
    ({"ecs_service_secrets": {"DB_PASSWORD": "fozzy/db"}},
     "ecs_service_secrets[DB_PASSWORD]=fozzy/db is not allowed: use the full ARN of an SSM parameter"),
    # names
    ({"ecs_service_cluster_name": "fozzy api"}, "ecs_service_cluster_name=fozzy api is not allowed: use 1 to 255 letters"),
    ({"ecs_service_name": "fozzy.api"}, "ecs_service_name=fozzy.api is not allowed"),
    ({"ecs_service_family": "f" * 55}, "ecs_service_family=" + "f" * 55 + " is not allowed: use 1 to 54"),
    ({"ecs_service_log_group_name": "/ecs/fozzy api"}, "ecs_service_log_group_name=/ecs/fozzy api is not allowed"),
    ({"ecs_service_task_role_managed_policies": ["ReadOnlyAccess"]},
     "ecs_service_task_role_managed_policies=ReadOnlyAccess is not allowed: use managed policy ARNs"),
])
def test_each_bad_input_is_named_with_its_value(changes, message):
    found = problems(**changes)
    assert len(found) == 1 and message in found[0], found


@pytest.mark.parametrize("changes, message", [
    ({"ecs_service_image": "", "ecr_enabled": False},
     "ecs_service_image= with ecr_enabled=false is not allowed together: without the ECR repository set ecs_service_image"),
    ({"load_balancer_idle_timeout": 90},
     "ecs_service_gunicorn_keepalive=75 with load_balancer_idle_timeout=90 is not allowed together: gunicorn's keep-alive"
     " must be longer than the ALB idle timeout"),
])
def test_stack_rules_name_the_inputs_of_both_roles(changes, message):
    assert problems(scopes=("ecs_service",), **changes) == []
    found = problems(scopes=("ecs_service", engine.STACK), **changes)
    assert len(found) == 1 and message in found[0], found


def test_a_keepalive_below_both_idle_timeouts_is_reported_once():
    # ecs_service_alb_idle_timeout is the load balancer's (60): the role's rule says it, the STACK rule does not repeat it
    found = problems(scopes=("ecs_service", engine.STACK), ecs_service_gunicorn_keepalive=50)
    assert len(found) == 1 and "ecs_service_gunicorn_keepalive=50 with ecs_service_alb_idle_timeout=60" in found[0]


def test_the_role_alone_compares_with_the_load_balancer_it_was_given():
    # ecs_service_alb_idle_timeout defaults to load_balancer_result.idle_timeout: the value the rule sees
    found = problems(ecs_service_alb_idle_timeout=120)
    assert found == [rules.together([("ecs_service_gunicorn_keepalive", 75), ("ecs_service_alb_idle_timeout", 120)],
                                    found[0].split("is not allowed together: ", 1)[1])]


def test_a_refused_input_is_not_reported_again():
    checked = engine.Inputs(dict(GOOD, ecs_service_cpu="four"), refused={"ecs_service_cpu"})
    assert engine.check(["ecs_service"], checked) == []


def test_fargate_table_matches_the_documented_sizes():
    allowed, text = rules.FARGATE_MEMORY[4096]
    assert allowed[0] == 8192 and allowed[-1] == 30720 and len(allowed) == 23 and text == "8192 to 30720 in steps of 1024"
    assert rules.FARGATE_MEMORY[16384][0][-1] == 122880


def test_state_absent_checks_only_the_names_it_finds_things_by():
    assert problems(scopes=("ecs_service", engine.STACK), ecs_service_state="absent", ecs_service_image_tag="",
                    ecs_service_memory=1, ecs_service_gunicorn_keepalive=1) == []
    assert len(problems(ecs_service_state="absent", ecs_service_name="a b")) == 1


@pytest.mark.parametrize("changes, message", [
    ({"ecs_service_deployment_strategy": "recreate"},
     "ecs_service_deployment_strategy=recreate is not allowed: use one of rolling, blue_green, linear, canary."),
    ({"ecs_service_deployment_canary_percent": 0.05},
     "ecs_service_deployment_canary_percent=0.05 is not allowed: use 0.1 to 100 percent"),
    ({"ecs_service_deployment_canary_percent": 100.5},
     "ecs_service_deployment_canary_percent=100.5 is not allowed: use 0.1 to 100 percent"),
    ({"ecs_service_deployment_canary_bake_time": 1441},
     "ecs_service_deployment_canary_bake_time=1441 is not allowed: use 0 to 1440 whole minutes"),
    ({"ecs_service_deployment_bake_time": -1}, "ecs_service_deployment_bake_time=-1 is not allowed: use 0 to 1440"),
    ({"ecs_service_deployment_strategy": "linear", "ecs_service_deployment_linear_step_percent": 2.5},
     "ecs_service_deployment_linear_step_percent=2.5 is not allowed: use 3.0 to 100 percent"),
    ({"ecs_service_deployment_strategy": "linear", "ecs_service_deployment_linear_step_bake_time": 2000},
     "ecs_service_deployment_linear_step_bake_time=2000 is not allowed: use 0 to 1440"),
    ({"ecs_service_deployment_strategy": "blue_green", "ecs_service_deployment_controller": "CODE_DEPLOY"},
     "ecs_service_deployment_strategy=blue_green with ecs_service_deployment_controller=CODE_DEPLOY is not allowed together"),
    ({"ecs_service_deployment_alarms": "fozzy-5xx"}, "ecs_service_deployment_alarms=fozzy-5xx is not allowed: use a list"),
])
def test_bad_deployment_strategy_inputs(changes, message):
    found = problems(**changes)
    assert len(found) == 1 and message in found[0], found


def test_only_the_chosen_strategy_is_checked_and_rolling_takes_any_controller():
    assert problems(ecs_service_deployment_strategy="rolling", ecs_service_deployment_canary_percent=0,
                    ecs_service_deployment_linear_step_percent=1, ecs_service_deployment_controller="EXTERNAL") == []
    assert problems(ecs_service_deployment_strategy="blue_green", ecs_service_deployment_bake_time=0) == []
    assert problems(ecs_service_deployment_alarms=[]) == []
