#!/usr/bin/env python3
"""Reads the converged stack once with boto3: what a perfect no-op run must at least read.

    benchmarks/describe_stack.py --endpoint-url http://127.0.0.1:5000 [--inventory inventories/production] [--json]

A yardstick for `make bench`, not part of the deploy: it finds every resource of the stack the
way the collection does (by its names and tags, no ids known beforehand), reads what a run
compares with the inputs, and prints the number of AWS calls and the seconds they took
(the ten clients created inside the timing, reported apart as ``client_seconds``; boto3
imported outside it; ``process_seconds`` adds the interpreter and the imports). Only local endpoints (127.0.0.0/8) are accepted.

It counts the calls itself (botocore's ``before-send`` event, so retries count too).
The reads, in the order of site.yml:

- preflight: sts GetCallerIdentity, ec2 DescribeAvailabilityZones, route53 ListHostedZonesByName
- certificate: acm ListCertificates (by domain), DescribeCertificate
- validation and alias records: route53 ListResourceRecordSets (one page holds both)
- network: ec2 DescribeVpcs (tag:Name), DescribeVpcAttribute x2 (DNS support, hostnames),
  DescribeSubnets, DescribeInternetGateways, DescribeNatGateways, DescribeRouteTables (by vpc-id)
- ecr: DescribeRepositories, GetLifecyclePolicy, DescribeImages (the release tag)
- security groups of the load balancer and the tasks: ec2 DescribeSecurityGroups (one call, by vpc-id)
- target group: elbv2 DescribeTargetGroups, DescribeTargetGroupAttributes
- service prerequisites: ecs DescribeClusters, logs DescribeLogGroups, iam GetRole x2,
  ListAttachedRolePolicies x2, GetRolePolicy (the execution role's inline policy), ListRolePolicies x2
- load balancer: elbv2 DescribeLoadBalancers, DescribeLoadBalancerAttributes, DescribeListeners,
  DescribeTags (load balancer, target group and listeners in one call)
- service and task definition: ecs DescribeServices, DescribeTaskDefinition
- scaling: application-autoscaling DescribeScalableTargets, DescribeScalingPolicies
"""
import argparse
import collections
import ipaddress
import json
import pathlib
import sys
import time
import urllib.parse

PROCESS_STARTED = time.monotonic()

import boto3  # noqa: E402
import botocore.config  # noqa: E402
import yaml  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]


def inventory_vars(inventory):
    """The plain (untemplated) values of group_vars/all of an inventory, files in name order."""
    base = ROOT / inventory / "group_vars" / "all"
    files = sorted(base.glob("*.yml")) if base.is_dir() else [ROOT / inventory / "group_vars" / "all.yml"]
    values = {}
    for path in files:
        values.update(yaml.safe_load(path.read_text()) or {})
    return values


def describe(endpoint, settings):
    calls = []
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name=settings["region"])
    config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 5})

    def client(service):
        made = session.client(service, endpoint_url=endpoint, config=config)
        made.meta.events.register("before-send", lambda **_: calls.append(service))
        return made

    name, environment = settings["name"], settings["environment"]
    stack = f"{name}-{environment}"
    family = f"{name}-{environment}"
    domain, zone = settings["domain"], settings["zone"]
    found = {}
    started = time.monotonic()

    sts, ec2, route53, acm, ecr, elbv2 = (client(service) for service in ("sts", "ec2", "route53", "acm", "ecr", "elbv2"))
    ecs, logs, iam, scaling = (client(service) for service in ("ecs", "logs", "iam", "application-autoscaling"))
    clients_made = time.monotonic()
    found["account"] = sts.get_caller_identity()["Account"]
    found["azs"] = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    zones = route53.list_hosted_zones_by_name(DNSName=zone, MaxItems="1")["HostedZones"]
    zone_id = zones[0]["Id"].split("/")[-1]

    summaries = acm.list_certificates(CertificateStatuses=["PENDING_VALIDATION", "ISSUED"])["CertificateSummaryList"]
    arn = next(s["CertificateArn"] for s in summaries if s["DomainName"] == domain)
    found["certificate"] = acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"]
    records = route53.list_resource_record_sets(HostedZoneId=zone_id, MaxItems="300")["ResourceRecordSets"]
    found["records"] = len(records)

    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [stack]}])["Vpcs"][0]
    vpc_id = vpc["VpcId"]
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)
    by_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    found["subnets"] = len(ec2.describe_subnets(Filters=by_vpc)["Subnets"])
    ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
    found["nat_gateways"] = len(ec2.describe_nat_gateways(Filters=by_vpc + [
        {"Name": "state", "Values": ["pending", "available"]}])["NatGateways"])
    found["route_tables"] = len(ec2.describe_route_tables(Filters=by_vpc)["RouteTables"])

    if settings["ecr_enabled"]:
        repository = settings["repository"]
        ecr.describe_repositories(repositoryNames=[repository])
        try:
            ecr.get_lifecycle_policy(repositoryName=repository)
        except ecr.exceptions.LifecyclePolicyNotFoundException:
            pass
        ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": str(settings["image_tag"])}])

    found["security_groups"] = len(ec2.describe_security_groups(Filters=by_vpc)["SecurityGroups"])
    target_group = elbv2.describe_target_groups(Names=[f"{stack}-tg"])["TargetGroups"][0]["TargetGroupArn"]
    elbv2.describe_target_group_attributes(TargetGroupArn=target_group)

    ecs.describe_clusters(clusters=[f"{name}-{environment}"], include=["SETTINGS", "CONFIGURATIONS", "TAGS"])
    logs.describe_log_groups(logGroupNamePrefix=f"/ecs/{name}-{environment}/{name}")
    for role in (f"{family}-execution", f"{family}-task"):
        iam.get_role(RoleName=role)
        iam.list_attached_role_policies(RoleName=role)
        iam.list_role_policies(RoleName=role)
    iam.get_role_policy(RoleName=f"{family}-execution", PolicyName="start-task")

    balancer = elbv2.describe_load_balancers(Names=[stack])["LoadBalancers"][0]["LoadBalancerArn"]
    elbv2.describe_load_balancer_attributes(LoadBalancerArn=balancer)
    listeners = [item["ListenerArn"] for item in elbv2.describe_listeners(LoadBalancerArn=balancer)["Listeners"]]
    elbv2.describe_tags(ResourceArns=[balancer, target_group, *listeners])

    service = ecs.describe_services(cluster=f"{name}-{environment}", services=[name], include=["TAGS"])["services"][0]
    ecs.describe_task_definition(taskDefinition=service["taskDefinition"], include=["TAGS"])

    resource = f"service/{name}-{environment}/{name}"
    scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])
    scaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=resource)

    ended = time.monotonic()
    return {"calls": len(calls), "seconds": round(ended - started, 3),
            "client_seconds": round(clients_made - started, 3), "call_seconds": round(ended - clients_made, 3),
            "per_service": dict(collections.Counter(calls)), "found": found}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", required=True, help="the local emulator (or the recording proxy in front of it)")
    parser.add_argument("--inventory", default="inventories/production")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of text")
    args = parser.parse_args()
    host = urllib.parse.urlsplit(args.endpoint_url).hostname or ""
    if not ipaddress.ip_address(host if host != "localhost" else "127.0.0.1").is_loopback:
        sys.exit(f"{args.endpoint_url} is not a local endpoint")
    values = inventory_vars(args.inventory)
    settings = {
        "region": values["fozzy_aws_region"], "name": values["fozzy_name"],
        "environment": values["fozzy_environment"], "domain": values["fozzy_domain_name"],
        "zone": values["fozzy_hosted_zone_name"], "ecr_enabled": values.get("ecr_enabled", True),
        "repository": values.get("ecr_repository_name", values["fozzy_name"]),
        "image_tag": values.get("ecs_service_image_tag", ""),
    }
    result = describe(args.endpoint_url, settings)
    result["process_seconds"] = round(time.monotonic() - PROCESS_STARTED, 3)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['calls']} AWS calls in {result['seconds']:.2f} s (clients {result['client_seconds']:.2f} s, "
              f"calls {result['call_seconds']:.2f} s) "
              f"({result['process_seconds']:.2f} s with the interpreter and boto3's import); found {result['found']}")


if __name__ == "__main__":
    main()
