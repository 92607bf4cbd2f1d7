"""Rules of the vpc role's inputs."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils import inputs as engine
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.rules import vpc

GOOD = {
    "vpc_name": "fozzy-api-production", "vpc_cidr": "10.0.0.0/16", "vpc_az_count": 2, "vpc_subnet_newbits": 4,
    "vpc_nat_gateway_mode": "single", "vpc_nat_gateway_wait_timeout": 600, "vpc_release_wait_timeout": 300,
    "vpc_flow_logs_enabled": True, "vpc_flow_logs_retention_days": 90, "vpc_flow_logs_traffic_type": "REJECT",
    "vpc_ipv6_enabled": True,
}
REGION = ["eu-central-1b", "eu-central-1a", "eu-central-1c"]


def problems(facts=None, **changes):
    return engine.check(["vpc"], engine.Inputs(dict(GOOD, **changes), facts=facts))


def test_good_inputs_have_no_problem():
    assert problems() == []
    assert problems(vpc_name="n" * 54) == []
    # Without flow logs, neither their retention nor the role's name matters.
    assert problems(vpc_flow_logs_enabled=False, vpc_flow_logs_retention_days=10, vpc_name="n" * 60) == []
    assert problems(facts={"availability_zones": REGION}, vpc_az_count=3) == []
    assert problems(vpc_cidr="10.0.0.0/24", vpc_subnet_newbits=3, vpc_az_count=4) == []
    assert problems(vpc_cidr="10.0.0.0/26", vpc_subnet_newbits=2) == []


@pytest.mark.parametrize("changes, message", [
    ({"vpc_az_count": 1}, "vpc_az_count: 1 is not allowed; use 2 (an ALB needs two zones) or more."),
    ({"vpc_name": ""}, "vpc_name= is not allowed: use 1 to 200 characters"),
    ({"vpc_name": "n" * 201}, "vpc_name=" + "n" * 201 + " is not allowed: use 1 to 200 characters"),
    ({"vpc_nat_gateway_wait_timeout": 0}, "vpc_nat_gateway_wait_timeout=0 is not allowed: use 1 to 3600 seconds."),
    ({"vpc_nat_gateway_wait_timeout": 3601}, "vpc_nat_gateway_wait_timeout=3601 is not allowed"),
    ({"vpc_release_wait_timeout": 0}, "vpc_release_wait_timeout=0 is not allowed: use 1 to 3600 seconds."),
    ({"vpc_cidr": "10.0.0.0/33"}, "vpc_cidr: '10.0.0.0/33' is not an IPv4 network; use an IPv4 range"),
    ({"vpc_cidr": "10.0.0.1/16"}, "vpc_cidr: '10.0.0.1/16' is not an IPv4 network"),
    ({"vpc_cidr": "10.0.0.0/8"}, "vpc_cidr: 10.0.0.0/8 has a /8 prefix; AWS allows /16 to /28"),
    ({"vpc_cidr": "10.0.0.0/29"}, "vpc_cidr: 10.0.0.0/29 has a /29 prefix"),
    ({"vpc_cidr": "10.0.0.0/26"},
     "vpc_cidr=10.0.0.0/26 with vpc_subnet_newbits=4 is not allowed together: the subnets would be /30, and AWS"
     " allows /16 to /28; use a larger vpc_cidr (a /24 or larger) or vpc_subnet_newbits from 1 to 2."),
    ({"vpc_subnet_newbits": 1},
     "vpc_subnet_newbits=1 with vpc_az_count=2 is not allowed together: 1 bit makes room for 1 subnet per tier"
     " (public, private), and 2 availability zones need 2; use vpc_subnet_newbits=2 or more, or fewer zones."),
    ({"vpc_subnet_newbits": 2, "vpc_az_count": 3},
     "vpc_subnet_newbits=2 with vpc_az_count=3 is not allowed together: 2 bits make room for 2 subnets per tier"),
    ({"vpc_subnet_newbits": 0}, "vpc_subnet_newbits=0 is not allowed: use a whole number, 1 or more"),
    ({"vpc_flow_logs_retention_days": 10},
     "vpc_flow_logs_retention_days=10 is not allowed: use one of the periods CloudWatch Logs accepts: 1, 3, 5, 7, 14,"),
    ({"vpc_flow_logs_retention_days": 0}, "vpc_flow_logs_retention_days=0 is not allowed"),
    ({"vpc_name": "n" * 60},
     "vpc_name=" + "n" * 60 + " with vpc_flow_logs_enabled=true is not allowed together: the flow logs' IAM role"
     " would be named " + "n" * 60 + "-flow-logs (70 characters), and IAM allows 64; use a vpc_name of at most 54"),
])
def test_each_bad_input_is_named_with_its_value(changes, message):
    found = problems(**changes)
    assert len(found) == 1 and found[0].startswith(message), found


def test_a_cidr_too_small_for_its_subnets_and_zones_names_each_input():
    found = problems(vpc_cidr="10.0.0.0/27", vpc_subnet_newbits=2, vpc_az_count=3)
    assert [problem.split(" is not allowed")[0] for problem in found] == [
        "vpc_cidr=10.0.0.0/27 with vpc_subnet_newbits=2", "vpc_subnet_newbits=2 with vpc_az_count=3"]


@pytest.mark.parametrize("count", [1, 4])
def test_the_zone_count_is_checked_against_the_region_when_preflight_read_it(count):
    assert problems(facts={"availability_zones": REGION}, vpc_az_count=count) == [
        f"vpc_az_count: {count} is not allowed; use 2 (an ALB needs two zones) up to 3, the zones of this region"
        " (eu-central-1a, eu-central-1b, eu-central-1c)."]


def test_without_the_region_only_the_minimum_is_checked():
    assert problems(vpc_az_count=6) == []
    # AWS did not answer preflight (reported as its own problem): no zones to compare with
    assert problems(facts={"availability_zones": []}, vpc_az_count=2) == []


def test_a_refused_zone_count_leaves_the_other_rules_working():
    found = engine.check(["vpc"], engine.Inputs(dict(GOOD, vpc_az_count="two", vpc_cidr="10.0.0.0/8"), refused={"vpc_az_count"}))
    assert found == ["vpc_cidr: 10.0.0.0/8 has a /8 prefix; AWS allows /16 to /28 (use a range like 10.0.0.0/16)."]


def test_az_count_problems_is_the_one_check_the_role_uses_too():
    assert vpc.az_count_problems(2, REGION) == []
    assert vpc.az_count_problems("x", REGION)[0].startswith("vpc_az_count: x is not allowed")
    assert vpc.az_count_problems(3, ["a", "b"])[0].endswith("up to 2, the zones of this region (a, b).")
