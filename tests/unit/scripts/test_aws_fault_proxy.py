"""scripts/aws_fault_proxy.py: what it records, the error shapes botocore sees, cuts."""
import http.server
import os
import sys
import threading
import urllib.error
import urllib.request

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
from aws_fault_proxy import FaultPlan, FaultProxy, is_write, parse_call  # noqa: E402

AUTH = "AWS4-HMAC-SHA256 Credential=testing/20260101/eu-central-1/{}/aws4_request, SignedHeaders=host, Signature=x"


@pytest.fixture
def upstream():
    """A stand-in emulator: answers 200 {} and remembers what reached it."""
    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append(self.headers.get("X-Amz-Target") or self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def json_call(url, action, service="ecs"):
    request = urllib.request.Request(url + "/", data=b"{}", method="POST", headers={
        "Authorization": AUTH.format(service), "X-Amz-Target": f"AmazonEC2ContainerServiceV20141113.{action}",
        "Content-Type": "application/x-amz-json-1.1",
    })
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_parse_call_names_service_and_action_of_each_protocol():
    form = {"Authorization": AUTH.format("ec2"), "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    assert parse_call("POST", "/", form, b"Action=CreateVpc&CidrBlock=10.0.0.0%2F16") == ("ec2", "CreateVpc")
    target = {"Authorization": AUTH.format("acm"), "X-Amz-Target": "CertificateManager.RequestCertificate"}
    assert parse_call("POST", "/", target, b"{}") == ("acm", "RequestCertificate")
    rest = {"Authorization": AUTH.format("route53")}
    assert parse_call("POST", "/2013-04-01/hostedzone/Z1/rrset/", rest, b"<x/>") == ("route53", "ChangeResourceRecordSets")
    assert parse_call("GET", "/2013-04-01/hostedzonesbyname?dnsname=a", rest, b"") == ("route53", "ListHostedZonesByName")
    assert is_write("POST", "CreateVpc") and is_write("POST", "PutScalingPolicy")
    assert not is_write("POST", "DescribeVpcs") and not is_write("POST", "BatchGetImage")
    assert not is_write("GET", "GET /2013-04-01/unknown") and is_write("DELETE", "DELETE /2013-04-01/unknown")


@pytest.mark.parametrize("service,call,codes", [
    ("ec2", lambda c: c.describe_vpcs(), {"RequestLimitExceeded", "500", "503"}),
    ("ecs", lambda c: c.list_clusters(), {"ThrottlingException", "TooManyRequestsException", "500", "503"}),
    ("iam", lambda c: c.list_roles(), {"Throttling", "500", "503"}),
    ("elbv2", lambda c: c.describe_load_balancers(), {"Throttling", "500", "503"}),
    ("route53", lambda c: c.list_hosted_zones(), {"Throttling", "500", "503"}),
    # CloudWatch (the monitoring role): botocore talks awsJson to it (of json, CBOR and query)
    ("cloudwatch", lambda c: c.describe_alarms(), {"ThrottlingException", "TooManyRequestsException", "500", "503"}),
])
def test_faults_reach_botocore_as_the_codes_aws_uses(upstream, service, call, codes):
    plan = FaultPlan(fault_rate=1.0, max_consecutive_faults=100, seed=3)
    with FaultProxy(upstream[0], plan) as proxy:
        client = boto3.client(
            service, endpoint_url=proxy.url, region_name="eu-central-1", aws_access_key_id="testing",
            aws_secret_access_key="testing", config=Config(retries={"total_max_attempts": 1}),
        )
        seen = set()
        for _ in range(12):
            with pytest.raises(ClientError) as error:
                call(client)
            seen.add(error.value.response["Error"]["Code"])
            status = error.value.response["ResponseMetadata"]["HTTPStatusCode"]
            assert status in (400, 500, 503)
    assert seen <= codes and seen & (codes - {"500", "503"}), seen
    assert upstream[1] == []  # a fault never reaches the emulator
    assert all(c.outcome.startswith("fault:") for c in proxy.records)


def test_fault_share_is_seeded_and_bounded(upstream):
    def outcomes(seed):
        with FaultProxy(upstream[0], FaultPlan(fault_rate=0.3, seed=seed, max_consecutive_faults=1)) as proxy:
            for _ in range(40):
                json_call(proxy.url, "DescribeServices")
            return [c.outcome for c in proxy.records]

    first = outcomes(11)
    assert first == outcomes(11)
    assert 4 <= sum(o.startswith("fault") for o in first) <= 20
    assert all(not (a.startswith("fault") and b.startswith("fault")) for a, b in zip(first, first[1:]))


@pytest.mark.parametrize("forward", [False, True])
def test_cut_at_a_write_of_an_action(upstream, forward):
    url, seen = upstream
    plan = FaultPlan(cut_action="CreateService", cut_at_write=2, cut_forward=forward)
    with FaultProxy(url, plan) as proxy:
        assert json_call(proxy.url, "CreateService")[0] == 200
        assert json_call(proxy.url, "CreateCluster")[0] == 200  # another action does not count
        assert not proxy.cut_event.is_set()
        if forward:  # the write reaches the emulator, the caller hears nothing
            with pytest.raises((urllib.error.URLError, ConnectionError)):
                json_call(proxy.url, "CreateService")
        else:
            assert json_call(proxy.url, "CreateService")[0] == 403
        assert proxy.cut_event.is_set()
        status, body = json_call(proxy.url, "DescribeServices")
        assert status == 403 and b"FozzyProxyCut" in body
        assert [c.outcome for c in proxy.records] == [
            "forwarded", "forwarded", "cut-forwarded" if forward else "cut", "after-cut"]
        assert seen == ["AmazonEC2ContainerServiceV20141113." + a
                        for a in ["CreateService", "CreateCluster"] + (["CreateService"] if forward else [])]
        proxy.configure(FaultPlan())  # a new plan lets everything through again
        assert json_call(proxy.url, "DescribeServices")[0] == 200


def test_only_a_local_upstream():
    with pytest.raises(ValueError):
        FaultProxy("http://10.0.0.1:5000")
