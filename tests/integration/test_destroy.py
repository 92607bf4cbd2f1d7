"""playbooks/destroy.yml beyond molecule's teardown of a complete stack: the production guard,
an account without the stack (changed=0), a stack a failed site.yml left half-built (with an
Elastic IP an interrupted run allocated for a NAT gateway it never made), resources that are not
ours (same names in another VPC, other records in the zone, an Elastic IP, a log group), a second
run (nothing left to do), the opt-in removal of the ECR repository, site.yml building the
stack again afterwards, and a destroy that keeps the validation record another certificate of the
name still needs. The ECR role's refusal to delete a repository holding images without
ecr_force_absent is tested by the role's own target (role_ecr.yml).

The tests of this module share one emulator and run in order; each states what it leaves.
"""
import re

import botocore.exceptions
import pytest

from aws_stack import leftovers, snapshot

# Its tests share module-scoped fixtures: `pytest -n` must keep them on one worker.
pytestmark = pytest.mark.xdist_group("destroy")

LOCAL = ("-i", "inventories/local")
RECAP = re.compile(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")
DOMAIN = "fozzy-api.inbox.wine"


def changed(result):
    return int(RECAP.findall(result.stdout)[-1][1])


def output(result):
    return " ".join((result.stdout + result.stderr).split())


def ok(result, what):
    assert result.returncode == 0, f"{what} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    return result


def zone_id(emulator):
    zones = emulator.client("route53").list_hosted_zones_by_name(DNSName="inbox.wine")["HostedZones"]
    return [z["Id"] for z in zones if z["Name"] == "inbox.wine."][0]


LOGS_BUCKET = "fozzy-api-local-alb-logs-123456789012"


def logs_buckets(emulator):
    """The access logs buckets of the account (the emulator's account is 123456789012)."""
    return [b["Name"] for b in emulator.client("s3").list_buckets()["Buckets"] if "-alb-logs-" in b["Name"]]


def web_acls(emulator):
    return [acl["Name"] for acl in emulator.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]]


def foreign_state(emulator, foreign):
    """What the foreign resources look like now (must never change)."""
    ec2, route53 = emulator.client("ec2"), emulator.client("route53")
    records = route53.list_resource_record_sets(HostedZoneId=foreign["zone_id"])["ResourceRecordSets"]
    return {
        "vpc": [v["VpcId"] for v in ec2.describe_vpcs(VpcIds=[foreign["vpc_id"]])["Vpcs"]],
        "security_groups": sorted(g["GroupId"] for g in ec2.describe_security_groups(
            Filters=[{"Name": "vpc-id", "Values": [foreign["vpc_id"]]}])["SecurityGroups"]),
        "elastic_ip": [a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]
                       if a["AllocationId"] == foreign["allocation_id"]],
        "records": sorted((r["Name"], r["Type"]) for r in records if r["Type"] not in ("NS", "SOA")
                          and "AliasTarget" not in r and not r["Name"].startswith("_")),
        "log_group": [g["logGroupName"] for g in emulator.client("logs").describe_log_groups(
            logGroupNamePrefix="/ecs/other")["logGroups"]],
    }


@pytest.fixture(scope="module")
def account(emulator):
    """The hosted zone and the release image (as before a first deploy), and resources that are
    not the collection's: a VPC with our range and security groups with our names in it, an
    Elastic IP, a TXT record on our domain and another record in the zone, a log group."""
    emulator.reset()
    ok(emulator.playbook("scripts/prepare_emulator.yml", *LOCAL), "prepare_emulator.yml")
    ec2 = emulator.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "someone-else"}]}])["Vpc"]["VpcId"]
    for name in ("fozzy-api-local-alb", "fozzy-api-local-tasks"):
        ec2.create_security_group(GroupName=name, Description="not the collection's", VpcId=vpc_id)
    allocation_id = ec2.allocate_address(Domain="vpc", TagSpecifications=[
        {"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": "someone-else"}]}])["AllocationId"]
    route53 = emulator.client("route53")
    zone = zone_id(emulator)
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        {"Action": "CREATE", "ResourceRecordSet": {"Name": DOMAIN, "Type": "TXT", "TTL": 300,
                                                   "ResourceRecords": [{"Value": '"owner=someone-else"'}]}},
        {"Action": "CREATE", "ResourceRecordSet": {"Name": "other.inbox.wine", "Type": "A", "TTL": 300,
                                                   "ResourceRecords": [{"Value": "192.0.2.1"}]}},
    ]})
    emulator.client("logs").create_log_group(logGroupName="/ecs/other/app")
    foreign = {"vpc_id": vpc_id, "allocation_id": allocation_id, "zone_id": zone}
    foreign["state"] = foreign_state(emulator, foreign)
    assert len(foreign["state"]["security_groups"]) == 3  # ours-by-name twice, and the VPC's default
    foreign["snapshot"] = snapshot(emulator.client)
    return emulator, foreign


def test_production_is_destroyed_only_when_the_run_names_it(account):
    emulator, foreign = account
    production = ("-i", "inventories/production", "-e", f"fozzy_aws_endpoint_url={emulator.url}")
    for extra in ([], ["-e", "fozzy_destroy_confirm=staging"]):
        result = emulator.playbook("playbooks/destroy.yml", *production, *extra)
        assert result.returncode != 0
        assert "Refusing to destroy the production stack (fozzy-api.inbox.wine, AWS region eu-central-1)" in output(result)
        assert "run again with -e fozzy_destroy_confirm=production" in output(result)
        assert "failed=1" in result.stdout and "ok=0" in result.stdout  # the guard is the first task
    assert "(fozzy_destroy_confirm=staging does not name it)" in output(result)
    assert snapshot(emulator.client) == foreign["snapshot"]

    # Confirmed, on an account without a production stack: nothing to do, nothing changed.
    result = ok(emulator.playbook("playbooks/destroy.yml", *production, "-e", "fozzy_destroy_confirm=production"),
                "confirmed destroy of production")
    assert changed(result) == 0
    assert snapshot(emulator.client) == foreign["snapshot"]


def test_destroy_removes_a_half_built_stack_and_nothing_else(account, tmp_path):
    emulator, foreign = account
    # A failed deploy: the release tag was never pushed. site.yml builds the certificate, the
    # network (with its flow logs' role and log group) and what the load balancer needs first
    # (security group, target group), then stops at the service's image check, before its first
    # write (no cluster, roles or revision of the service).
    result = emulator.playbook("playbooks/site.yml", *LOCAL, "-e", "ecs_service_image_tag=9.9.9",
                               "-e", f"outputs_file={tmp_path}/outputs.json")
    assert result.returncode != 0
    assert "fozzy-api:9.9.9" in output(result), output(result)[-3000:]
    built = leftovers(emulator.client, "fozzy-api", "local", DOMAIN)
    assert {"vpcs", "nat_gateways", "certificates", "target_groups", "security_groups", "records"} <= built.keys(), built
    assert not {"services", "clusters", "active_task_definitions"} & built.keys(), built
    assert built["iam_roles"] == ["fozzy-api-local-flow-logs"] and len(built["log_groups"]) == 1, built
    # the load balancer's access logs bucket was made (its prepare step), the web ACL not yet
    assert logs_buckets(emulator) == [LOGS_BUCKET]
    assert web_acls(emulator) == []
    # An interrupted run allocated the Elastic IP of a second NAT gateway and stopped.
    emulator.client("ec2").allocate_address(Domain="vpc", TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": [
        {"Key": "Name", "Value": "fozzy-api-local-nat-eu-central-1b"}, {"Key": "ManagedBy", "Value": "inboxwine.fozzy"},
        {"Key": "Environment", "Value": "local"}, {"Key": "Project", "Value": "fozzy"}]}])

    ok(emulator.playbook("playbooks/destroy.yml", *LOCAL), "destroy.yml on the half-built stack")

    assert leftovers(emulator.client, "fozzy-api", "local", DOMAIN) == {}
    assert foreign_state(emulator, foreign) == foreign["state"]
    # The access logs bucket stays (logs are evidence).
    assert web_acls(emulator) == []
    assert logs_buckets(emulator) == [LOGS_BUCKET]
    # The account is as before the deploy, but for the repository, kept with its image and the
    # lifecycle policy the deploy gave it (no task definition was registered for the missing tag).
    after, before = snapshot(emulator.client), foreign["snapshot"]
    assert after["task_definitions"] == before["task_definitions"]
    assert {status for _name, status, _settings in after["clusters"]} <= {"INACTIVE"}
    assert [(r[0], r[-1]) for r in after["repositories"]] == [("fozzy-api", '["1.0.0"]')]
    for kind in set(before) - {"task_definitions", "clusters", "repositories"}:
        assert after[kind] == before[kind], kind  # the hosted zone and its other records included


def test_destroy_again_removes_only_the_repository_and_logs_bucket_when_asked(account):
    """A second run finds nothing of the stack (changed=0 but for the opt-in repository and
    access logs bucket): -e fozzy_destroy_ecr_repository=true removes the repository (its images
    with ecr_force_absent), -e fozzy_destroy_access_logs_bucket=true the bucket with its logs."""
    emulator, foreign = account
    # The bucket's policy refuses every request without TLS (the emulator is plain HTTP): moto evaluates it.
    with pytest.raises(botocore.exceptions.ClientError, match="Forbidden|AccessDenied"):
        emulator.client("s3").put_object(Bucket=LOGS_BUCKET, Key="fozzy-api-local/AWSLogs/123456789012/log.gz", Body=b"x")
    before = snapshot(emulator.client)
    result = ok(emulator.playbook("playbooks/destroy.yml", *LOCAL, "-e", "fozzy_destroy_ecr_repository=true",
                                  "-e", "ecr_force_absent=true", "-e", "fozzy_destroy_access_logs_bucket=true"),
                "destroy.yml removing the repository and the access logs bucket")
    assert changed(result) == 2
    assert logs_buckets(emulator) == []
    after = snapshot(emulator.client)
    assert after["repositories"] == []
    assert {kind: state for kind, state in after.items() if kind != "repositories"} == \
        {kind: state for kind, state in before.items() if kind != "repositories"}
    assert foreign_state(emulator, foreign) == foreign["state"]


def test_site_builds_the_stack_again_after_destroy(account, tmp_path):
    emulator, foreign = account
    ok(emulator.playbook("scripts/prepare_emulator.yml", *LOCAL), "prepare_emulator.yml (push the image again)")
    ok(emulator.playbook("playbooks/site.yml", *LOCAL, "-e", f"outputs_file={tmp_path}/outputs.json"),
       "site.yml after destroy")
    built = leftovers(emulator.client, "fozzy-api", "local", DOMAIN)
    assert {"services", "scalable_targets", "records", "load_balancers"} <= built.keys(), built
    assert foreign_state(emulator, foreign) == foreign["state"]


def test_destroy_keeps_the_validation_record_another_certificate_of_the_name_needs(account):
    """ACM gives every certificate of a name in the account the same validation CNAME: with a second
    certificate of the domain in the region (not the collection's) and its record in the zone (the
    very record ours lists), destroy removes our certificate and everything else, and keeps the
    record. Runs on the stack the test before built."""
    emulator, foreign = account
    acm, route53 = emulator.client("acm"), emulator.client("route53")
    other = acm.request_certificate(DomainName=DOMAIN, ValidationMethod="DNS")["CertificateArn"]
    options = acm.describe_certificate(CertificateArn=other)["Certificate"]["DomainValidationOptions"]
    route53.change_resource_record_sets(HostedZoneId=foreign["zone_id"], ChangeBatch={"Changes": [
        {"Action": "UPSERT", "ResourceRecordSet": {
            "Name": option["ResourceRecord"]["Name"], "Type": "CNAME", "TTL": 300,
            "ResourceRecords": [{"Value": option["ResourceRecord"]["Value"]}]}} for option in options]})
    record = [f"CNAME {option['ResourceRecord']['Name']}" for option in options]
    ours = [c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"] if c["CertificateArn"] != other]
    assert len(ours) == 1
    assert [f"CNAME {o['ResourceRecord']['Name']}" for o in
            acm.describe_certificate(CertificateArn=ours[0])["Certificate"]["DomainValidationOptions"]] == record

    ok(emulator.playbook("playbooks/destroy.yml", *LOCAL), "destroy.yml beside another certificate of the name")

    assert leftovers(emulator.client, "fozzy-api", "local", DOMAIN) == {"records": record}
    assert [c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]] == [other]
    assert foreign_state(emulator, foreign) == foreign["state"]
