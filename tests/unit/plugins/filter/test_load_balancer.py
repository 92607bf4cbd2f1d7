"""Filters of the load_balancer role: what its tasks hand to the modules and to the other roles."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.inboxwine.fozzy.plugins.filter.load_balancer import (
    elb_arn_suffix, load_balancer_facts, load_balancer_ingress_rules, load_balancer_plan, load_balancer_wiring,
    target_group_changes)

ALB_ARN = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/fozzy-api-it/50dc6c495c0c9188"
TG_ARN = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/fozzy-api-it-tg/73e2d6bc24d8a067"
CERT = "arn:aws:acm:eu-central-1:123456789012:certificate/0a1b2c3d-0000-4000-8000-0123456789ab"
POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
TAGS = {"Project": "fozzy", "Name": "fozzy-api-it"}


def test_ingress_rules_allow_80_and_443_from_the_clients():
    assert load_balancer_ingress_rules(["0.0.0.0/0"], ["::/0"]) == [
        {"proto": "tcp", "ports": [80, 443], "cidr_ip": ["0.0.0.0/0"], "rule_desc": "HTTP (redirected) and HTTPS from clients"},
        {"proto": "tcp", "ports": [80, 443], "cidr_ipv6": ["::/0"],
         "rule_desc": "HTTP (redirected) and HTTPS from clients over IPv6"},
    ]
    # no IPv6 ranges: no IPv6 rule
    assert [rule.get("cidr_ipv6") for rule in load_balancer_ingress_rules(["203.0.113.0/24"], [])] == [None]


def test_wiring_lets_through_what_other_roles_handed_on():
    assert load_balancer_wiring("vpc-0123abcd", "load_balancer_vpc_id") == "vpc-0123abcd"
    assert load_balancer_wiring("10.0.0.0/16", "load_balancer_vpc_cidr") == "10.0.0.0/16"
    assert load_balancer_wiring(CERT, "load_balancer_certificate_arn") == CERT
    assert load_balancer_wiring("", "load_balancer_certificate_arn", allow_empty=True) == ""
    assert load_balancer_wiring(["subnet-1", "subnet-2"], "load_balancer_subnet_ids") == ["subnet-1", "subnet-2"]
    prepared = {"security_group_id": "sg-1", "target_group_arn": TG_ARN}
    assert load_balancer_wiring(prepared, "load_balancer_result") == prepared
    # check mode: what prepare would create has no id yet
    early = {"security_group_id": "", "target_group_arn": "", "would_be_created": True}
    assert load_balancer_wiring(early, "load_balancer_result", allow_empty=True) == early


@pytest.mark.parametrize("value, variable, message", [
    ("", "load_balancer_vpc_id", "load_balancer_vpc_id= is not a VPC id: run the vpc role first (vpc_result.vpc_id) or set it."),
    ("", "load_balancer_vpc_cidr", "load_balancer_vpc_cidr= is not an IPv4 range: run the vpc role first (vpc_result.cidr)"),
    ("", "load_balancer_certificate_arn",
     "load_balancer_certificate_arn= is not a certificate ARN: run the certificate role first (certificate_result.certificate_arn)"),
    (["subnet-1"], "load_balancer_subnet_ids", "load_balancer_subnet_ids=subnet-1 is not allowed: give at least two public"),
    (["subnet-1", "subnet-1"], "load_balancer_subnet_ids", "load_balancer_subnet_ids=subnet-1,subnet-1 is not allowed"),
    ("x", "load_balancer_name", "load_balancer_wiring: variable='load_balancer_name' is not one of"),
    ({}, "load_balancer_result", "load_balancer_result has no security group and target group: run the prepare entry point"),
    ({"security_group_id": "", "target_group_arn": ""}, "load_balancer_result", "load_balancer_result has no security group"),
])
def test_wiring_stops_a_task_on_what_is_missing_naming_where_it_comes_from(value, variable, message):
    with pytest.raises(AnsibleFilterError) as error:
        load_balancer_wiring(value, variable)
    assert error.value.message.startswith(message)


@pytest.mark.parametrize("arn, suffix", [
    (ALB_ARN, "app/fozzy-api-it/50dc6c495c0c9188"),
    (TG_ARN, "targetgroup/fozzy-api-it-tg/73e2d6bc24d8a067"),
    ("", ""), (None, ""), ("arn:aws:acm:eu-central-1:123456789012:certificate/x", ""),
])
def test_arn_suffix(arn, suffix):
    assert elb_arn_suffix(arn) == suffix


TG_WANTED = {"name": "fozzy-api-it-tg", "port": "8000", "health_check_path": "/health", "health_check_interval": "15",
             "health_check_timeout": "5", "healthy_threshold": "2", "unhealthy_threshold": "3", "matcher": "200",
             "deregistration_delay": "30"}
TG_FOUND = {"target_group_arn": TG_ARN, "port": 8000, "health_check_path": "/health", "health_check_interval_seconds": 15,
            "health_check_timeout_seconds": 5, "healthy_threshold_count": 2, "unhealthy_threshold_count": 3,
            "matcher": {"http_code": "200"}, "deregistration_delay_timeout_seconds": "30"}


def test_target_group_changes_name_each_difference_old_to_new():
    assert target_group_changes({"target_groups": [TG_FOUND]}, TG_WANTED) == []
    assert target_group_changes({"target_groups": [dict(TG_FOUND, matcher={"http_code": "204,200"})]},
                                dict(TG_WANTED, matcher="200,204")) == []
    assert target_group_changes({"target_groups": [TG_FOUND]}, dict(
        TG_WANTED, health_check_path="/ready", healthy_threshold=3, matcher="200-299", deregistration_delay=10, port=9000)) == [
        "target group health_check_path: /health -> /ready",
        "target group healthy_threshold: 2 -> 3",
        "target group matcher: 200 -> 200-299",
        "target group deregistration_delay: 30 -> 10",
        "target group port: 8000 -> 9000 (immutable: the module fails; a new port needs a new load_balancer_target_group_name)",
    ]


def test_target_group_changes_of_a_missing_one_and_without_a_read():
    assert target_group_changes({"target_groups": []}, TG_WANTED) == ["target group fozzy-api-it-tg: would be created"]
    # not read (a real run, or check mode before the network exists): nothing to say
    assert target_group_changes({"skipped": True, "changed": False}, TG_WANTED) == []
    assert target_group_changes(None, TG_WANTED) == []


WANTED = {"name": "fozzy-api-it", "vpc_id": "vpc-0123abcd", "security_group_name": "fozzy-api-it-alb",
          "target_group_name": "fozzy-api-it-tg", "security_group_id": "sg-0123", "target_group_arn": TG_ARN,
          "subnet_ids": ["subnet-2", "subnet-1"], "ip_address_type": "ipv4", "ssl_policy": POLICY, "certificate_arn": CERT,
          "idle_timeout": "60", "deletion_protection": True, "access_logs_bucket": "", "access_logs_prefix": "fozzy-api-it",
          "tags": TAGS}
FOUND = {
    "load_balancer_name": "fozzy-api-it", "load_balancer_arn": ALB_ARN, "dns_name": "fozzy-api-it-1.elb.amazonaws.com",
    "canonical_hosted_zone_id": "Z215JYRZR1TBD5", "vpc_id": "vpc-0123abcd", "ip_address_type": "ipv4",
    "security_groups": ["sg-0123"], "availability_zones": [{"subnet_id": "subnet-1"}, {"subnet_id": "subnet-2"}],
    "idle_timeout_timeout_seconds": "60", "deletion_protection_enabled": "true", "access_logs_s3_enabled": "false",
    "access_logs_s3_bucket": "", "access_logs_s3_prefix": "", "routing_http_drop_invalid_header_fields_enabled": "true",
    "tags": dict(TAGS, Other="kept"),
    "listeners": [
        {"port": 80, "protocol": "HTTP", "listener_arn": ALB_ARN.replace("loadbalancer", "listener") + "/80",
         "default_actions": [{"type": "redirect", "redirect_config": {
             "protocol": "HTTPS", "port": "443", "host": "#{host}", "path": "/#{path}", "query": "#{query}",
             "status_code": "HTTP_301"}}]},
        {"port": 443, "protocol": "HTTPS", "listener_arn": ALB_ARN.replace("loadbalancer", "listener") + "/443",
         "ssl_policy": POLICY, "certificates": [{"certificate_arn": CERT}],
         "default_actions": [{"type": "forward", "target_group_arn": TG_ARN}]},
    ],
}


def test_plan_of_a_converged_load_balancer_is_empty():
    assert load_balancer_plan(FOUND, WANTED) == []
    # deletion protection as the template hands it on (a string)
    assert load_balancer_plan(FOUND, dict(WANTED, deletion_protection="True")) == []


def test_plan_names_each_change_old_to_new():
    wanted = dict(WANTED, ssl_policy="ELBSecurityPolicy-TLS13-1-2-2021-06", idle_timeout=45, deletion_protection=False,
                  access_logs_bucket="fozzy-it-alb-logs", tags=dict(TAGS, Project="wine"))
    assert load_balancer_plan(FOUND, wanted, ["target group health_check_path: /health -> /ready"]) == [
        "Would change:",
        f"HTTPS listener ssl_policy: {POLICY} -> ELBSecurityPolicy-TLS13-1-2-2021-06",
        "idle_timeout: 60 -> 45",
        "deletion_protection: true -> false",
        "access_logs: off -> s3://fozzy-it-alb-logs/fozzy-api-it",
        "tag Project: fozzy -> wine",
        "target group health_check_path: /health -> /ready",
    ]


def test_plan_of_listeners_certificate_and_network():
    found = dict(FOUND, listeners=[dict(FOUND["listeners"][1], certificates=[{"certificate_arn": "arn:old"}]),
                                   {"port": 8080, "default_actions": []}],
                 availability_zones=[{"subnet_id": "subnet-1"}], security_groups=["sg-other"],
                 routing_http_drop_invalid_header_fields_enabled="false")
    assert load_balancer_plan(found, dict(WANTED, ip_address_type="dualstack")) == [
        "Would change:",
        f"HTTPS listener certificate: arn:old -> {CERT}",
        "HTTP listener on port 80 (redirect to HTTPS): would be created",
        "listener on port 8080: would be removed",
        "drop_invalid_header_fields: false -> true",
        "ip_address_type: ipv4 -> dualstack",
        "subnets: subnet-1 -> subnet-1,subnet-2",
        "security_groups: sg-other -> sg-0123",
    ]
    http_to_forward = dict(FOUND, listeners=[dict(FOUND["listeners"][0], default_actions=[{"type": "forward"}]),
                                             FOUND["listeners"][1]])
    assert load_balancer_plan(http_to_forward, WANTED) == [
        "Would change:", "HTTP listener on port 80: forward -> redirect to HTTPS with HTTP_301"]


def test_plan_in_check_mode_before_things_exist():
    # a certificate requested in this run, a target group and security group not made yet
    early = dict(WANTED, certificate_arn="", target_group_arn="", security_group_id="")
    assert load_balancer_plan(FOUND, early) == [
        "Would change:", f"HTTPS listener certificate: {CERT} -> the one requested in this run"]
    assert load_balancer_plan({}, WANTED, ["target group fozzy-api-it-tg: would be created"]) == [
        f"Would create load balancer fozzy-api-it and its listeners (HTTP 80 -> 301 -> HTTPS 443, {POLICY})",
        "target group fozzy-api-it-tg: would be created",
    ]
    assert load_balancer_plan({}, dict(WANTED, vpc_id="")) == [
        "Would create security group fozzy-api-it-alb, target group fozzy-api-it-tg and load balancer fozzy-api-it"
        f" (HTTP 80 -> 301 -> HTTPS 443, {POLICY}) in the network this run would create"]


def test_facts_of_the_load_balancer():
    assert load_balancer_facts(FOUND, "targetgroup/fozzy-api-it-tg/73e2d6bc24d8a067") == {
        "arn": ALB_ARN,
        "arn_suffix": "app/fozzy-api-it/50dc6c495c0c9188",
        "dns_name": "fozzy-api-it-1.elb.amazonaws.com",
        "canonical_hosted_zone_id": "Z215JYRZR1TBD5",
        "vpc_id": "vpc-0123abcd",
        "http_listener_arn": FOUND["listeners"][0]["listener_arn"],
        "https_listener_arn": FOUND["listeners"][1]["listener_arn"],
        "resource_label": "app/fozzy-api-it/50dc6c495c0c9188/targetgroup/fozzy-api-it-tg/73e2d6bc24d8a067",
    }


def test_facts_of_no_load_balancer_are_empty():
    assert set(load_balancer_facts({}).values()) == {""}
    assert set(load_balancer_facts(None, "targetgroup/x/1").values()) == {""}
