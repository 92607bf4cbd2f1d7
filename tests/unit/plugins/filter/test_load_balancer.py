"""Filters of the load_balancer role: what its tasks hand to the modules and to the other roles."""
import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.inboxwine.fozzy.plugins.filter.load_balancer import (
    access_logs_bucket_changes, access_logs_bucket_name, access_logs_bucket_policy, elb_arn_suffix,
    elb_log_delivery_principal, load_balancer_facts, load_balancer_ingress_rules, load_balancer_plan,
    load_balancer_wiring, target_group_changes, waf_rules)

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
    # an IPv4-only load balancer: no IPv6 rule either
    assert [rule.get("cidr_ipv6") for rule in load_balancer_ingress_rules(["0.0.0.0/0"], ["::/0"], "ipv4")] == [None]
    assert load_balancer_ingress_rules(["0.0.0.0/0"], ["::/0"], "dualstack")[1]["cidr_ipv6"] == ["::/0"]


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
        "ip_address_type": "ipv4",
        "http_listener_arn": FOUND["listeners"][0]["listener_arn"],
        "https_listener_arn": FOUND["listeners"][1]["listener_arn"],
        "resource_label": "app/fozzy-api-it/50dc6c495c0c9188/targetgroup/fozzy-api-it-tg/73e2d6bc24d8a067",
    }


def test_facts_of_no_load_balancer_are_empty():
    assert set(load_balancer_facts({}).values()) == {""}
    assert set(load_balancer_facts(None, "targetgroup/x/1").values()) == {""}


def test_plan_names_a_desync_mitigation_mode_to_change():
    found = dict(FOUND, routing_http_desync_mitigation_mode="defensive")
    assert load_balancer_plan(found, dict(WANTED, desync_mitigation_mode="strictest")) == [
        "Would change:", "desync_mitigation_mode: defensive -> strictest"]
    assert load_balancer_plan(dict(FOUND, routing_http_desync_mitigation_mode="strictest"),
                              dict(WANTED, desync_mitigation_mode="strictest")) == []


# --- access logs


@pytest.mark.parametrize("region, principal", [
    ("eu-central-1", {"AWS": "arn:aws:iam::054676820928:root"}),
    ("us-east-1", {"AWS": "arn:aws:iam::127311923021:root"}),
    ("eu-west-1", {"AWS": "arn:aws:iam::156460612806:root"}),
    ("us-gov-west-1", {"AWS": "arn:aws-us-gov:iam::048591011584:root"}),
    ("cn-north-1", {"AWS": "arn:aws-cn:iam::638102146993:root"}),
    # regions opened since August 2022: the service principal
    ("eu-central-2", {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}),
    ("ap-southeast-4", {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}),
    ("il-central-1", {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}),
])
def test_log_delivery_principal_of_the_region(region, principal):
    assert elb_log_delivery_principal(region) == principal


def test_log_bucket_name_from_name_environment_and_account():
    assert access_logs_bucket_name("123456789012", "fozzy-api", "production") == "fozzy-api-production-alb-logs-123456789012"
    # the longest fozzy_name and fozzy_environment the rules allow still fit S3's 63 characters
    assert len(access_logs_bucket_name("123456789012", "a" * 16, "b" * 16)) == 55
    with pytest.raises(AnsibleFilterError, match="the AWS account id is needed"):
        access_logs_bucket_name("", "fozzy-api", "production")
    with pytest.raises(AnsibleFilterError, match="longer than 63"):
        access_logs_bucket_name("123456789012", "a" * 30, "b" * 30)


def test_log_bucket_policy_is_tls_only_and_lets_the_region_deliver_under_the_prefix():
    policy = access_logs_bucket_policy("logs-b", "fozzy-api-production", "123456789012", "eu-central-1")
    deny, allow = policy["Statement"]
    assert deny == {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                    "Resource": ["arn:aws:s3:::logs-b", "arn:aws:s3:::logs-b/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    assert allow == {"Sid": "AllowLoadBalancerLogDelivery", "Effect": "Allow",
                     "Principal": {"AWS": "arn:aws:iam::054676820928:root"}, "Action": "s3:PutObject",
                     "Resource": "arn:aws:s3:::logs-b/fozzy-api-production/AWSLogs/123456789012/*"}
    newer = access_logs_bucket_policy("logs-b", "", "123456789012", "eu-south-2")["Statement"][1]
    assert newer["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}
    assert newer["Resource"] == "arn:aws:s3:::logs-b/AWSLogs/123456789012/*"


def _bucket_read(**changes):
    policy = access_logs_bucket_policy("logs-b", "p", "123456789012", "eu-central-1")
    bucket = {
        "name": "logs-b",
        "bucket_encryption": {"ServerSideEncryptionConfiguration": {"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}]}},
        "public_access_block": {"PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}},
        "bucket_ownership_controls": {"OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}},
        # S3 answers a single Resource as a string and may reorder lists
        "bucket_policy": {"Policy": json.dumps(dict(policy, Statement=[
            dict(policy["Statement"][0], Resource=list(reversed(policy["Statement"][0]["Resource"]))),
            dict(policy["Statement"][1], Resource=[policy["Statement"][1]["Resource"]])]))},
        "bucket_lifecycle_configuration": {"Rules": [{"ID": "expire-access-logs", "Status": "Enabled",
                                                      "Expiration": {"Days": 90}, "Filter": {"Prefix": ""}}]},
        "bucket_tagging": {"Project": "fozzy", "Name": "logs-b"},
    }
    bucket.update(changes)
    return {"buckets": [bucket]}, {"name": "logs-b", "policy": policy, "retention_days": "90",
                                   "tags": {"Project": "fozzy", "Name": "logs-b"}}


def test_log_bucket_as_wanted_has_no_change():
    read, wanted = _bucket_read()
    assert access_logs_bucket_changes(read, wanted) == []
    # check mode skipped the read: nothing to report
    assert access_logs_bucket_changes({"skipped": True}, wanted) == []


def test_log_bucket_changes_are_named():
    read, wanted = _bucket_read(bucket_encryption={}, public_access_block={}, bucket_ownership_controls={},
                                bucket_policy={}, bucket_lifecycle_configuration={}, bucket_tagging={})
    assert access_logs_bucket_changes(read, wanted) == [
        "access logs bucket encryption: none -> AES256",
        "access logs bucket public access block: incomplete -> all four on",
        "access logs bucket object ownership: none -> BucketOwnerEnforced",
        "access logs bucket policy: would be replaced (TLS only, log delivery of the region)",
        "access logs expiry: none -> 90 days",
        "access logs bucket tag Name: none -> logs-b",
        "access logs bucket tag Project: none -> fozzy",
    ]
    assert access_logs_bucket_changes({"buckets": []}, wanted) == [
        "access logs bucket logs-b: would be created (SSE-S3, public access blocked, TLS only, objects expire after 90 days)"]


# --- WAF


def test_waf_rules_managed_groups_then_rate_limit():
    rules = waf_rules("2000", "fozzy-waf")
    assert [(rule["name"], rule["priority"]) for rule in rules] == [
        ("AWSManagedRulesCommonRuleSet", 0), ("AWSManagedRulesKnownBadInputsRuleSet", 1), ("RateLimitPerIP", 2)]
    assert rules[0]["statement"] == {"managed_rule_group_statement": {"vendor_name": "AWS",
                                                                      "name": "AWSManagedRulesCommonRuleSet"}}
    # the groups' own actions count, block and so on: no override
    assert rules[0]["override_action"] == {"none": {}} and "action" not in rules[0]
    assert rules[2]["action"] == {"block": {}}
    # every field AWS returns, so that a re-run finds nothing to change
    assert rules[2]["statement"] == {"rate_based_statement": {"limit": 2000, "aggregate_key_type": "IP",
                                                              "evaluation_window_sec": 300}}
    assert rules[2]["visibility_config"] == {"sampled_requests_enabled": True, "cloud_watch_metrics_enabled": True,
                                             "metric_name": "fozzy-waf-RateLimitPerIP"}
