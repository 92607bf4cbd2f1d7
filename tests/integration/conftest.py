"""A private local AWS emulator for the integration tests, and helpers to run playbooks on it."""
import os
import pathlib
import subprocess
import sys
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
EMULATOR = [sys.executable, str(ROOT / "scripts" / "emulator.py")]


class Emulator:
    def __init__(self, url):
        self.url = url

    def reset(self):
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=10).close()

    def env(self):
        """Environment of an ansible-playbook run that talks to this emulator only."""
        env = dict(
            os.environ,
            AWS_URL=self.url,
            AWS_REGION="eu-central-1",
            AWS_DEFAULT_REGION="eu-central-1",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            FOZZY_EMULATOR_PORT=self.url.rsplit(":", 1)[1],
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            ANSIBLE_NOCOLOR="1",
        )
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            env.pop(name, None)
        return env

    def playbook(self, *args):
        """Run ansible-playbook from the repository root; returns the CompletedProcess."""
        return subprocess.run(
            [str(BIN / "ansible-playbook"), *map(str, args)],
            cwd=ROOT, env=self.env(), capture_output=True, text=True,
        )

    def client(self, service):
        import boto3

        return boto3.client(
            service, endpoint_url=self.url, region_name="eu-central-1",
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )


def private_emulator():
    """Starts an emulator on a free port of 127.0.0.1, yields it, stops it."""
    port = subprocess.run(EMULATOR + ["free-port"], check=True, capture_output=True, text=True).stdout.strip()
    url = subprocess.run(EMULATOR + ["start", "--port", port], check=True, capture_output=True, text=True).stdout.strip()
    try:
        yield Emulator(url)
    finally:
        subprocess.run(EMULATOR + ["stop", "--port", port], check=True)


@pytest.fixture(scope="session")
def emulator():
    yield from private_emulator()


@pytest.fixture
def fresh_emulator(emulator):
    emulator.reset()
    return emulator


# --- the fault-injecting proxy and the count of what a deploy made (test_faults, test_crash_resume)

def prepare(emulator):
    """What the account has before the first deploy: the hosted zone and the release image."""
    result = emulator.playbook("scripts/prepare_emulator.yml", "-i", "inventories/local")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]


@pytest.fixture
def prepared_emulator(fresh_emulator):
    """An empty emulator with what scripts/prepare_emulator.yml gives it."""
    prepare(fresh_emulator)
    return fresh_emulator


# The tests import FaultPlan from scripts/aws_fault_proxy.py.
sys.path.insert(0, str(ROOT / "scripts"))


@pytest.fixture
def fault_proxy(emulator):
    """scripts/aws_fault_proxy.py in front of the emulator (configure() it per run)."""
    from aws_fault_proxy import FaultProxy

    with FaultProxy(emulator.url) as proxy:
        yield proxy


def stack_counts(emulator):
    """How many of each resource the account holds (the emulator holds nothing but the stack).

    Everything is counted, tagged or not, so a resource an interrupted run left behind
    without its tags counts too.
    """
    ec2 = emulator.client("ec2")
    vpc_ids = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")]
    in_vpcs = [{"Name": "vpc-id", "Values": vpc_ids or ["none"]}]
    elbv2 = emulator.client("elbv2")
    albs = elbv2.describe_load_balancers()["LoadBalancers"]
    ecs = emulator.client("ecs")
    clusters = [c for c in ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"] or ["none"])["clusters"]
                if c.get("status") == "ACTIVE"]
    services = [s for c in clusters
                for s in ecs.describe_services(cluster=c["clusterName"],
                                               services=ecs.list_services(cluster=c["clusterName"])["serviceArns"]
                                               or ["none"])["services"]
                if s.get("status") == "ACTIVE"]
    scaling = emulator.client("application-autoscaling")
    cloudwatch, sns = emulator.client("cloudwatch"), emulator.client("sns")
    route53 = emulator.client("route53")
    ecr = emulator.client("ecr")
    records = [r for z in route53.list_hosted_zones()["HostedZones"]
               for r in route53.list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"]
               if r["Type"] not in ("NS", "SOA")]
    return {
        "vpcs": len(vpc_ids),
        "subnets": len(ec2.describe_subnets(Filters=in_vpcs)["Subnets"]),
        "internet_gateways": len(ec2.describe_internet_gateways()["InternetGateways"]),
        "nat_gateways": len([n for n in ec2.describe_nat_gateways()["NatGateways"]
                             if n["State"] in ("pending", "available")]),
        "elastic_ips": len(ec2.describe_addresses()["Addresses"]),
        "route_tables": len([t for t in ec2.describe_route_tables(Filters=in_vpcs)["RouteTables"]
                             if not any(a.get("Main") for a in t.get("Associations", []))]),
        "security_groups": len([g for g in ec2.describe_security_groups(Filters=in_vpcs)["SecurityGroups"]
                                if g["GroupName"] != "default"]),
        "certificates": len(emulator.client("acm").list_certificates()["CertificateSummaryList"]),
        "load_balancers": len(albs),
        "listeners": sum(len(elbv2.describe_listeners(LoadBalancerArn=a["LoadBalancerArn"])["Listeners"]) for a in albs),
        # besides each listener's default rule: the production and test rules ECS deployments shift
        "listener_rules": sum(len([r for r in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
                                   if not r.get("IsDefault")])
                              for a in albs for listener in elbv2.describe_listeners(LoadBalancerArn=a["LoadBalancerArn"])["Listeners"]),
        "target_groups": len(elbv2.describe_target_groups()["TargetGroups"]),
        "clusters": len(clusters),
        "services": len(services),
        "task_definitions": len(ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]),
        "iam_roles": len(emulator.client("iam").list_roles()["Roles"]),
        "log_groups": len(emulator.client("logs").describe_log_groups()["logGroups"]),
        "flow_logs": len(ec2.describe_flow_logs()["FlowLogs"]),
        "scalable_targets": len(scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]),
        "scaling_policies": len(scaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]),
        "dns_records": sorted(r["Type"] for r in records),
        # the keys of each ECR repository's tags (tags are written after the repository is converged)
        "repository_tag_keys": [sorted(t["Key"] for t in ecr.list_tags_for_resource(resourceArn=r["repositoryArn"])["tags"])
                                for r in ecr.describe_repositories()["repositories"]],
        # the monitoring role's alarms; Application Auto Scaling's own (TargetTracking-...) belong to its policy
        "alarms": len([a for a in cloudwatch.describe_alarms()["MetricAlarms"]
                       if not a["AlarmName"].startswith("TargetTracking-")]),
        "dashboards": len(cloudwatch.list_dashboards()["DashboardEntries"]),
        "topics": len(sns.list_topics()["Topics"]),
        "subscriptions": len(sns.list_subscriptions()["Subscriptions"]),
        "access_logs_buckets": len([b for b in emulator.client("s3").list_buckets()["Buckets"] if "-alb-logs-" in b["Name"]]),
        "web_acls": len(emulator.client("wafv2").list_web_acls(Scope="REGIONAL")["WebACLs"]),
    }


def local_vpc_ipv6_enabled():
    """Whether inventories/local gives the VPC an IPv6 range (vpc_ipv6_enabled: the local and
    production inventories, else the vpc role's default; False where nothing sets it), so the
    load balancer is dualstack and the dns role makes the AAAA alias."""
    import yaml

    for path in ("inventories/local/group_vars/all/20-local.yml", "inventories/production/group_vars/all/main.yml",
                 "roles/vpc/defaults/main.yml"):
        found = yaml.safe_load((ROOT / path).read_text()) or {}
        if "vpc_ipv6_enabled" in found:
            return str(found["vpc_ipv6_enabled"]).lower() in ("true", "yes", "on", "1")
    return False


def clean_build_counts(nat_gateway_mode="single", az_count=2, ipv6=None):
    """What stack_counts() finds after one clean site.yml with inventories/local (``ipv6``: whether
    the VPC has an IPv6 range, by default as the inventory says)."""
    nat_gateways = az_count if nat_gateway_mode == "per_az" else 1
    ipv6 = local_vpc_ipv6_enabled() if ipv6 is None else ipv6
    return {
        "vpcs": 1, "subnets": 2 * az_count, "internet_gateways": 1,
        "nat_gateways": nat_gateways, "elastic_ips": nat_gateways,
        "route_tables": 1 + az_count,  # public, and one per private subnet
        "security_groups": 2,  # load balancer, tasks
        "certificates": 1, "load_balancers": 1, "listeners": 2, "listener_rules": 2,
        "target_groups": 2,  # primary and alternate (ECS deployments)
        "clusters": 1, "services": 1, "task_definitions": 1,
        "iam_roles": 4,  # task, execution and infrastructure (ECS deployments) roles; the VPC flow logs' role
        "log_groups": 2,  # the container's logs; the VPC flow logs'
        "flow_logs": 1,
        "scalable_targets": 1, "scaling_policies": 1,
        # the alias records (AAAA only for a dualstack load balancer) and the certificate's validation record
        "dns_records": ["A", "AAAA", "CNAME"] if ipv6 else ["A", "CNAME"],
        "repository_tag_keys": [["Environment", "ManagedBy", "Project"]],  # fozzy-api, tagged ecr_tags
        "alarms": 7, "dashboards": 1, "topics": 1,
        "subscriptions": 0,  # inventories/local subscribes nobody
        # the load balancer's access logs bucket and web ACL (the local inventory has production's settings)
        "access_logs_buckets": 1, "web_acls": 1,
    }


@pytest.fixture
def counts():
    """(stack_counts, clean_build_counts) for the tests that compare a run with a clean build."""
    return stack_counts, clean_build_counts
