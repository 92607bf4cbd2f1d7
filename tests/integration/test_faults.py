"""AWS answering with throttling and 5xx errors does not stop a deploy (issue #5, item 5).

scripts/aws_fault_proxy.py sits between site.yml and the emulator and fails a seeded share
of all requests the way AWS does: EC2 RequestLimitExceeded (503), ThrottlingException and
TooManyRequestsException (awsJson, 400), Throttling (query / REST-XML, 400) and bare 500 /
503 answers. The run must converge to exactly what a clean build makes.
"""
import collections
import time

from aws_fault_proxy import FaultPlan  # scripts/ is on sys.path (conftest.py)

FAULT_RATE = 0.15


def test_site_converges_through_throttling_and_5xx(prepared_emulator, fault_proxy, counts):
    stack_counts, clean_build_counts = counts
    fault_proxy.configure(FaultPlan(fault_rate=FAULT_RATE, seed=5))
    started = time.monotonic()
    # per_az: two NAT gateways and two Elastic IPs, the other mode than test_crash_resume's
    result = prepared_emulator.playbook(
        "playbooks/site.yml", "-i", "inventories/local",
        "-e", f"fozzy_aws_endpoint_url={fault_proxy.url}", "-e", "vpc_nat_gateway_mode=per_az",
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, f"site.yml failed under faults:\n{result.stdout[-8000:]}\n{result.stderr[-3000:]}"

    faults = fault_proxy.faults()
    calls = len(fault_proxy.records)
    kinds = collections.Counter(c.outcome.split(":", 1)[1] for c in faults)
    services = {c.service for c in faults}
    print(f"\nsite.yml under faults: {elapsed:.0f}s, {calls} requests, {len(faults)} failed: {dict(kinds)}")
    # The share is seeded: these hold for any run of the playbook, not just one ordering.
    assert len(faults) >= 0.08 * calls
    assert {"RequestLimitExceeded", "Throttling"} <= set(kinds)
    assert {"ThrottlingException", "TooManyRequestsException"} & set(kinds)
    assert {"http500", "http503"} & set(kinds)
    assert len(services) >= 5, services  # ec2, iam, acm, ecs, route53, logs, ...
    # Faults are answered before the emulator sees the request: every write got through once.
    assert all(c.status < 500 for c in fault_proxy.writes())

    assert stack_counts(prepared_emulator) == clean_build_counts(nat_gateway_mode="per_az")
