"""inboxwine.fozzy.verify_endpoint: its checks against a local TLS server, DNS read from moto in-process."""
import sys

import boto3
import pytest

from ansible_collections.inboxwine.fozzy.plugins.modules import verify_endpoint

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1] / "module_utils"))
from verify_servers import serve  # noqa: E402

DOMAIN = "fozzy-api.inbox.wine"


def stack():
    """What the DNS check reads: the hosted zone with the alias, the load balancer."""
    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"eu-central-1{z}")["Subnet"]["SubnetId"]
               for i, z in ((1, "a"), (2, "b"))]
    balancer = boto3.client("elbv2").create_load_balancer(Name="fozzy-api-production", Subnets=subnets)["LoadBalancers"][0]
    route53 = boto3.client("route53")
    zone = route53.create_hosted_zone(Name="inbox.wine", CallerReference="x")["HostedZone"]["Id"]
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": DOMAIN, "Type": "A", "AliasTarget": {"HostedZoneId": balancer["CanonicalHostedZoneId"],
                                                     "DNSName": "dualstack." + balancer["DNSName"], "EvaluateTargetHealth": True}}}]})
    return balancer


@pytest.fixture
def run(run_module):
    def _run(**args):
        return run_module(verify_endpoint.main, args, check_mode=True)

    return _run


def test_a_stack_that_serves(aws, run, tmp_path):
    stack()
    with serve(tmp_path, name=DOMAIN) as (port, bundle), serve(status=301, location=f"https://{DOMAIN}:{port}") as (http_port, _):
        result = run(url=f"https://{DOMAIN}:{port}", http_url=f"http://{DOMAIN}:{http_port}", ca_bundle=bundle,
                     resolve=[f"{DOMAIN}:*:127.0.0.1"], health_path="/health",
                     dns={"domain_name": DOMAIN, "hosted_zone_name": "inbox.wine", "load_balancer_name": "fozzy-api-production"},
                     load={"duration": 2, "users": 2, "rate": 20, "max_requests": 20}, slo={"p95_ms": 2000, "max_error_rate": 0})
    assert result["passed"] is True, result["problems"]
    assert [(check["name"], check["passed"]) for check in result["checks"]] == [
        ("dns", True), ("tls", True), ("redirect", True), ("health", True), ("load", True)]
    assert result["changed"] is False and 0 < result["figures"]["requests"] <= 20  # the warm-up is not counted


def test_an_alias_elsewhere_and_a_failed_objective_fail_by_name(aws, run, tmp_path):
    stack()
    with serve(tmp_path, name=DOMAIN) as (port, bundle):
        result = run(url=f"https://{DOMAIN}:{port}", http_url=f"http://{DOMAIN}:1", ca_bundle=bundle,
                     resolve=[f"{DOMAIN}:*:127.0.0.1"],
                     dns={"domain_name": DOMAIN, "hosted_zone_name": "inbox.wine", "load_balancer_name": "fozzy-api-staging"},
                     load={"duration": 2, "users": 1, "rate": 0, "max_requests": 5}, slo={"min_rps": 4000})
    assert result["failed"] is True and result["passed"] is False
    assert result["problems"][0] == "dns: the stack's load balancer was not found"
    assert result["problems"][1].startswith("redirect: http://fozzy-api.inbox.wine:1/ does not answer")
    assert result["problems"][2].startswith("verify_min_rps: ")
    assert result["msg"].startswith("The endpoint does not serve as expected: dns: ")


def test_dns_is_skipped_for_another_host(run, tmp_path):
    with serve(tmp_path) as (port, bundle):
        result = run(url=f"https://fozzy-api.inbox.test:{port}", ca_bundle=bundle, resolve=["fozzy-api.inbox.test:*:127.0.0.1"],
                     dns={"domain_name": DOMAIN, "hosted_zone_name": "inbox.wine", "load_balancer_name": "x"},
                     load={"enabled": False}, fail_on_problems=False)
    assert result["checks"][0] == {"name": "dns", "passed": None, "detail": "skipped: the host of the URL,"
                                   " fozzy-api.inbox.test, is not the stack domain fozzy-api.inbox.wine"}
    assert result["checks"][-1]["passed"] is None and result["failed"] is False


def test_bad_input_fails_before_any_request(run):
    assert run(url="http://x.example")["msg"] == "url=http://x.example must be an https:// URL"
    assert run(url="https://x.example", resolve=["nope"])["msg"].startswith("resolve entry 'nope' is not host:port:address")
    assert run(url="https://x.example", load={"users": 1000})["msg"] == "users=1000 is not allowed: use 1 to 200"
