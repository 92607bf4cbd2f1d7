"""Rules of the load_balancer role's inputs."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils import inputs as engine
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.rules.load_balancer import idle_timeout_problems

# The role's defaults as the argument spec converts them, with the network and certificate set.
GOOD = {
    "load_balancer_state": "present",
    "load_balancer_name": "fozzy-api-production",
    "load_balancer_target_group_name": "fozzy-api-production-tg",
    "load_balancer_security_group_name": "fozzy-api-production-alb",
    "load_balancer_vpc_id": "vpc-0123456789abcdef0",
    "load_balancer_vpc_cidr": "10.0.0.0/16",
    "load_balancer_subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    "load_balancer_ip_address_type": "ipv4",
    "load_balancer_ingress_cidrs": ["0.0.0.0/0"],
    "load_balancer_ingress_ipv6_cidrs": ["::/0"],
    "load_balancer_certificate_arn": "arn:aws:acm:eu-central-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-0123456789ab",
    "load_balancer_ssl_policy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "load_balancer_target_port": 8000,
    "load_balancer_health_check_path": "/health",
    "load_balancer_health_check_interval": 15,
    "load_balancer_health_check_timeout": 5,
    "load_balancer_healthy_threshold": 2,
    "load_balancer_unhealthy_threshold": 3,
    "load_balancer_health_check_matcher": "200",
    "load_balancer_deregistration_delay": 30,
    "load_balancer_idle_timeout": 60,
    "load_balancer_deletion_protection": True,
    "load_balancer_access_logs_bucket": "",
    "load_balancer_access_logs_prefix": "fozzy-api-production",
    "load_balancer_delete_timeout": 600,
    "load_balancer_desync_mitigation_mode": "strictest",
    "load_balancer_access_logs_enabled": True,
    "load_balancer_access_logs_retention_days": 90,
    "load_balancer_access_logs_bucket_keep": True,
    "load_balancer_waf_enabled": False,
    "load_balancer_waf_rate_limit": 2000,
    "load_balancer_waf_name": "fozzy-api-production-waf",
    "load_balancer_alternate_target_group_name": "fozzy-api-production-tg-alt",
    "load_balancer_production_rule_priority": 50000, "load_balancer_test_listener_rule": True,
    "load_balancer_test_rule_priority": 49999,
}


def problems(**changes):
    return engine.check(["load_balancer"], engine.Inputs(dict(GOOD, **changes)))


def test_good_inputs_have_no_problem():
    assert problems() == []


@pytest.mark.parametrize("changes", [
    # the network and the certificate are left to the vpc and certificate roles
    {"load_balancer_vpc_id": "", "load_balancer_vpc_cidr": "", "load_balancer_subnet_ids": [],
     "load_balancer_certificate_arn": ""},
    {"load_balancer_health_check_matcher": "200-299"},
    {"load_balancer_health_check_matcher": "200,204,301-302"},
    {"load_balancer_ingress_ipv6_cidrs": []},
    {"load_balancer_access_logs_bucket": "fozzy-alb-logs", "load_balancer_access_logs_prefix": "prod/alb"},
    # an access logs prefix matters only with access logs on
    {"load_balancer_access_logs_enabled": False, "load_balancer_access_logs_prefix": "/AWSLogs/"},
    {"load_balancer_access_logs_retention_days": 1, "load_balancer_waf_rate_limit": 10},
    {"load_balancer_access_logs_retention_days": 3650, "load_balancer_waf_rate_limit": 2000000000},
    {"load_balancer_waf_name": "Fozzy_API-waf"},
    {"load_balancer_name": "a", "load_balancer_target_group_name": "A" * 32},
    {"load_balancer_deregistration_delay": 0, "load_balancer_delete_timeout": 0},
    # the keep-alive is checked only when set, and an idle timeout below it is fine
    {"load_balancer_idle_timeout": 90},
    {"load_balancer_idle_timeout": 74, "load_balancer_backend_keepalive": 75},
    {"load_balancer_health_check_timeout": 14},
])
def test_other_good_inputs_have_no_problem(changes):
    assert problems(**changes) == []


@pytest.mark.parametrize("changes, message", [
    ({"load_balancer_name": "fozzy-api-integration-test-environment"},
     "load_balancer_name=fozzy-api-integration-test-environment is not allowed: use 1 to 32 letters, digits or hyphens,"
     ' not starting or ending with a hyphen and not starting with "internal-".'),
    ({"load_balancer_name": "internal-api"}, "load_balancer_name=internal-api is not allowed: use 1 to 32"),
    ({"load_balancer_name": "fozzy_api-local"}, "load_balancer_name=fozzy_api-local is not allowed"),
    ({"load_balancer_name": "api-"}, "load_balancer_name=api- is not allowed"),
    ({"load_balancer_target_group_name": "fozzy_api-local-tg"},
     "load_balancer_target_group_name=fozzy_api-local-tg is not allowed: use 1 to 32 letters, digits or hyphens, not"
     " starting or ending with a hyphen."),
    ({"load_balancer_security_group_name": "sg-mine"},
     'load_balancer_security_group_name=sg-mine is not allowed: use 1 to 255 characters, not starting with "sg-".'),
    ({"load_balancer_security_group_name": ""}, "load_balancer_security_group_name= is not allowed"),
    ({"load_balancer_security_group_name": "x" * 256}, "load_balancer_security_group_name=xxx"),
    ({"load_balancer_target_port": 70000}, "load_balancer_target_port=70000 is not allowed: use a port from 1 to 65535."),
    ({"load_balancer_target_port": 0}, "load_balancer_target_port=0 is not allowed: use a port from 1 to 65535."),
    ({"load_balancer_health_check_path": "health"},
     'load_balancer_health_check_path=health is not allowed: use a path starting with "/", at most 1024 characters.'),
    ({"load_balancer_health_check_path": "/" + "a" * 1024}, "load_balancer_health_check_path=/aaa"),
    ({"load_balancer_health_check_interval": 4, "load_balancer_health_check_timeout": 3},
     "load_balancer_health_check_interval=4 is not allowed: use 5 to 300 seconds."),
    ({"load_balancer_health_check_interval": 301}, "load_balancer_health_check_interval=301 is not allowed"),
    ({"load_balancer_health_check_timeout": 15},
     "load_balancer_health_check_timeout=15 is not allowed: use 2 to 120 seconds, shorter than"
     " load_balancer_health_check_interval=15."),
    ({"load_balancer_health_check_timeout": 1}, "load_balancer_health_check_timeout=1 is not allowed: use 2 to 120"),
    ({"load_balancer_health_check_timeout": 121, "load_balancer_health_check_interval": 300},
     "load_balancer_health_check_timeout=121 is not allowed"),
    ({"load_balancer_healthy_threshold": 1}, "load_balancer_healthy_threshold=1 is not allowed: use 2 to 10."),
    ({"load_balancer_unhealthy_threshold": 11}, "load_balancer_unhealthy_threshold=11 is not allowed: use 2 to 10."),
    ({"load_balancer_health_check_matcher": "200-"},
     'load_balancer_health_check_matcher=200- is not allowed: use HTTP codes from 200 to 499 like "200", "200,204" or'
     ' "200-299".'),
    ({"load_balancer_health_check_matcher": "500"}, "load_balancer_health_check_matcher=500 is not allowed"),
    ({"load_balancer_idle_timeout": 0}, "load_balancer_idle_timeout=0 is not allowed: use 1 to 4000 seconds."),
    ({"load_balancer_idle_timeout": 4001}, "load_balancer_idle_timeout=4001 is not allowed: use 1 to 4000 seconds."),
    ({"load_balancer_idle_timeout": 90, "load_balancer_backend_keepalive": 75},
     "load_balancer_idle_timeout=90 is not allowed: it must be shorter than the keep-alive of the app server,"
     " load_balancer_backend_keepalive=75, or clients get 502 responses on reused connections."),
    ({"load_balancer_idle_timeout": 75, "load_balancer_backend_keepalive": 75},
     "load_balancer_idle_timeout=75 is not allowed: it must be shorter than the keep-alive"),
    ({"load_balancer_deregistration_delay": 3601},
     "load_balancer_deregistration_delay=3601 is not allowed: use 0 to 3600 seconds (5 to 30 suit a short API)."),
    ({"load_balancer_delete_timeout": -1}, "load_balancer_delete_timeout=-1 is not allowed: use 0 to 3600 seconds."),
    ({"load_balancer_ssl_policy": "TLS13"},
     "load_balancer_ssl_policy=TLS13 is not allowed: use an Elastic Load Balancing security policy name such as"
     " ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09."),
    ({"load_balancer_access_logs_bucket": "Fozzy_Logs"},
     "load_balancer_access_logs_bucket=Fozzy_Logs is not allowed: use an S3 bucket name (3 to 63 lower case letters,"
     ' digits, dots or hyphens) or "" for the bucket the role creates.'),
    ({"load_balancer_access_logs_bucket": "fozzy-logs", "load_balancer_access_logs_prefix": "alb/"},
     'load_balancer_access_logs_prefix=alb/ is not allowed: use a key prefix without a leading or trailing "/" and'
     ' without "AWSLogs".'),
    ({"load_balancer_access_logs_bucket": "fozzy-logs", "load_balancer_access_logs_prefix": "/alb"},
     "load_balancer_access_logs_prefix=/alb is not allowed"),
    ({"load_balancer_access_logs_bucket": "fozzy-logs", "load_balancer_access_logs_prefix": "x/AWSLogs"},
     "load_balancer_access_logs_prefix=x/AWSLogs is not allowed"),
    ({"load_balancer_ingress_cidrs": []},
     "load_balancer_ingress_cidrs=[] is not allowed: list at least one IPv4 range, like 0.0.0.0/0."),
    ({"load_balancer_ingress_cidrs": ["0.0.0.0/0", "10.0.0.300/32"]},
     "load_balancer_ingress_cidrs: '10.0.0.300/32' is not allowed: use an IPv4 network in CIDR notation"),
    ({"load_balancer_ingress_ipv6_cidrs": ["0.0.0.0/0"]},
     "load_balancer_ingress_ipv6_cidrs: '0.0.0.0/0' is not allowed: use an IPv6 network in CIDR notation"),
    ({"load_balancer_vpc_cidr": "10.0.0.1/16"}, "load_balancer_vpc_cidr: '10.0.0.1/16' is not allowed"),
    ({"load_balancer_vpc_id": "vpc-xyz"},
     "load_balancer_vpc_id=vpc-xyz is not allowed: use a VPC id like vpc-0123456789abcdef0 (or leave it to the vpc role)."),
    ({"load_balancer_subnet_ids": ["subnet-0123456789abcdef0"]},
     'load_balancer_subnet_ids=["subnet-0123456789abcdef0"] is not allowed: use at least two subnet ids like'
     " subnet-0123456789abcdef0, one per availability zone (or leave them to the vpc role)."),
    ({"load_balancer_subnet_ids": ["subnet-0123456789abcdef0", "subnet-0123456789abcdef0"]},
     "load_balancer_subnet_ids=[\"subnet-0123456789abcdef0\", \"subnet-0123456789abcdef0\"] is not allowed"),
    ({"load_balancer_subnet_ids": ["subnet-0123456789abcdef0", "public-b"]}, "load_balancer_subnet_ids="),
    ({"load_balancer_certificate_arn": "arn:aws:iam::123456789012:server-certificate/x"},
     "load_balancer_certificate_arn=arn:aws:iam::123456789012:server-certificate/x is not allowed: use the ARN of an"
     " ACM certificate, arn:aws:acm:<region>:<account>:certificate/<id> (or leave it to the certificate role)."),
])
def test_each_bad_input_is_named_with_its_value(changes, message):
    found = problems(**changes)
    assert len(found) == 1 and found[0].startswith(message), found


def test_an_input_the_argument_spec_refused_is_not_reported_again():
    checked = engine.Inputs(dict(GOOD, load_balancer_target_port="eighty"), refused={"load_balancer_target_port"})
    assert engine.check(["load_balancer"], checked) == []


def test_the_idle_timeout_rule_names_where_the_keep_alive_comes_from():
    # what the rule between this role and ecs_service (STACK) calls with the gunicorn keep-alive
    assert idle_timeout_problems(90, 75, "ecs_service_gunicorn_keepalive") == [
        "load_balancer_idle_timeout=90 is not allowed: it must be shorter than the keep-alive of the app server,"
        " ecs_service_gunicorn_keepalive=75, or clients get 502 responses on reused connections."]
    assert idle_timeout_problems(60, 75) == []
    assert idle_timeout_problems("soon", 75) == [] and idle_timeout_problems(60, None) == []


@pytest.mark.parametrize("changes, message", [
    ({"load_balancer_access_logs_prefix": "/AWSLogs/"},
     'load_balancer_access_logs_prefix=/AWSLogs/ is not allowed: use a key prefix without a leading or trailing "/"'),
    ({"load_balancer_access_logs_retention_days": 0},
     "load_balancer_access_logs_retention_days=0 is not allowed: use 1 to 3650 days."),
    ({"load_balancer_access_logs_retention_days": 4000}, "load_balancer_access_logs_retention_days=4000 is not allowed"),
    ({"load_balancer_waf_rate_limit": 9},
     "load_balancer_waf_rate_limit=9 is not allowed: use 10 to 2000000000 requests per IP in 5 minutes"),
    ({"load_balancer_waf_rate_limit": 2000000001}, "load_balancer_waf_rate_limit=2000000001 is not allowed"),
    ({"load_balancer_waf_name": "fozzy waf"},
     "load_balancer_waf_name=fozzy waf is not allowed: use 1 to 128 letters, digits, hyphens or underscores."),
    ({"load_balancer_waf_name": "w" * 129}, "load_balancer_waf_name=www"),
    ({"load_balancer_account_id": "1234-5678-9012"},
     'load_balancer_account_id=1234-5678-9012 is not allowed: use the 12 digits of the AWS account id, or "" to have it'
     " looked up."),
])
def test_bad_access_logs_and_waf_inputs_are_named(changes, message):
    found = problems(**changes)
    assert len(found) == 1 and message in found[0], found



@pytest.mark.parametrize("changes, message", [
    ({"load_balancer_alternate_target_group_name": "x" * 33}, "load_balancer_alternate_target_group_name=" + "x" * 33
     + " is not allowed: use 1 to 32 letters"),
    ({"load_balancer_alternate_target_group_name": "fozzy-api-production-tg"},
     "load_balancer_alternate_target_group_name=fozzy-api-production-tg with load_balancer_target_group_name="
     "fozzy-api-production-tg is not allowed together: the two target groups of ECS deployments need two names."),
    ({"load_balancer_production_rule_priority": 50001}, "load_balancer_production_rule_priority=50001 is not allowed"),
    ({"load_balancer_test_rule_priority": 50000},
     "load_balancer_test_rule_priority=50000 with load_balancer_production_rule_priority=50000 is not allowed together"),
])
def test_bad_deployment_target_inputs(changes, message):
    found = problems(**changes)
    assert len(found) == 1 and found[0].startswith(message), found
