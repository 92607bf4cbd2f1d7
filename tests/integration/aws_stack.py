"""What the emulator holds, read through the AWS APIs: a snapshot of every resource type the
stack uses (to prove a check-mode run wrote nothing) and the resources of one environment of
the collection that are left (to prove a teardown removed everything it made).

    aws_stack.py leftovers --endpoint-url http://127.0.0.1:5000 --name fozzy-api --environment local \\
        --domain fozzy-api.inbox.wine [--zone inbox.wine]

prints the leftovers as JSON and exits 1 when there are any, or when the hosted zone given with
--zone is gone (molecule's destroy runs it after destroy.yml).
"""
import argparse
import json
import sys

import boto3

MANAGED_BY = ("ManagedBy", "inboxwine.fozzy")


def _clients(endpoint_url, region="eu-central-1"):
    def client(service):
        return boto3.client(
            service, endpoint_url=endpoint_url, region_name=region,
            aws_access_key_id="testing", aws_secret_access_key="testing",
        )
    return client


def _tags(items, key="Key", value="Value"):
    return {item[key]: item[value] for item in items or []}


def snapshot(client):
    """Every resource of the types the stack uses, with the settings the collection manages.
    Volatile values (timestamps, running counts, deployment states) are left out."""
    ec2, elbv2, ecs = client("ec2"), client("elbv2"), client("ecs")
    state = {}
    state["vpcs"] = sorted(
        (v["VpcId"], v["CidrBlock"], json.dumps(_tags(v.get("Tags")), sort_keys=True))
        for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]
    )
    state["subnets"] = sorted(
        (s["SubnetId"], s["VpcId"], s["CidrBlock"], s["MapPublicIpOnLaunch"]) for s in ec2.describe_subnets()["Subnets"]
        if not s.get("DefaultForAz")
    )
    state["internet_gateways"] = sorted(
        (g["InternetGatewayId"], json.dumps(g.get("Attachments"), sort_keys=True))
        for g in ec2.describe_internet_gateways()["InternetGateways"]
    )
    state["nat_gateways"] = sorted(
        (n["NatGatewayId"], n["SubnetId"]) for n in ec2.describe_nat_gateways()["NatGateways"]
        if n["State"] in ("pending", "available")
    )
    state["addresses"] = sorted((a["AllocationId"], a.get("AssociationId", "")) for a in ec2.describe_addresses()["Addresses"])
    state["route_tables"] = sorted(
        (r["RouteTableId"], r["VpcId"], json.dumps(sorted(json.dumps(x, sort_keys=True) for x in r["Routes"])),
         json.dumps(sorted(a.get("SubnetId", "main") for a in r["Associations"])))
        for r in ec2.describe_route_tables()["RouteTables"]
    )
    state["security_groups"] = sorted(
        (g["GroupId"], g["GroupName"], g["VpcId"], json.dumps(g["IpPermissions"], sort_keys=True),
         json.dumps(g["IpPermissionsEgress"], sort_keys=True))
        for g in ec2.describe_security_groups()["SecurityGroups"] if g["GroupName"] != "default"
    )
    balancers = elbv2.describe_load_balancers()["LoadBalancers"]
    state["load_balancers"] = sorted(
        (b["LoadBalancerName"], json.dumps(sorted(b.get("SecurityGroups", []))),
         json.dumps(sorted(
             (a["Key"], a["Value"])
             for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=b["LoadBalancerArn"])["Attributes"])))
        for b in balancers
    )
    state["listeners"] = sorted(
        (l["Port"], l["Protocol"], l.get("SslPolicy", ""), json.dumps(l.get("Certificates", []), sort_keys=True),
         json.dumps(l["DefaultActions"], sort_keys=True))
        for b in balancers for l in elbv2.describe_listeners(LoadBalancerArn=b["LoadBalancerArn"])["Listeners"]
    )
    state["target_groups"] = sorted(
        json.dumps({k: v for k, v in g.items() if k != "LoadBalancerArns"}, sort_keys=True, default=str)
        for g in elbv2.describe_target_groups()["TargetGroups"]
    )
    acm = client("acm")
    state["certificates"] = sorted(
        (c["CertificateArn"], c["DomainName"]) for c in acm.list_certificates()["CertificateSummaryList"]
    )
    ecr = client("ecr")
    repositories = ecr.describe_repositories()["repositories"]
    state["repositories"] = sorted(
        (r["repositoryName"], r["imageTagMutability"], r["imageScanningConfiguration"]["scanOnPush"],
         _lifecycle_policy(ecr, r["repositoryName"]),
         json.dumps(sorted(i.get("imageTag", "") for i in ecr.list_images(repositoryName=r["repositoryName"])["imageIds"])))
        for r in repositories
    )
    clusters = ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"], include=["SETTINGS", "TAGS"])["clusters"] \
        if ecs.list_clusters()["clusterArns"] else []
    state["clusters"] = sorted(
        (c["clusterName"], c["status"], json.dumps(c.get("settings", []), sort_keys=True)) for c in clusters
    )
    services = []
    for cluster in clusters:
        arns = ecs.list_services(cluster=cluster["clusterArn"])["serviceArns"]
        if arns:
            services += ecs.describe_services(cluster=cluster["clusterArn"], services=arns)["services"]
    state["services"] = sorted(
        (s["serviceName"], s["status"], s["taskDefinition"], s["desiredCount"],
         json.dumps(s.get("networkConfiguration"), sort_keys=True), json.dumps(s.get("loadBalancers"), sort_keys=True))
        for s in services
    )
    state["task_definitions"] = sorted(
        (arn, ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["status"])
        for status in ("ACTIVE", "INACTIVE") for arn in ecs.list_task_definitions(status=status)["taskDefinitionArns"]
    )
    iam = client("iam")
    state["iam_roles"] = sorted(
        (r["RoleName"], json.dumps(r["AssumeRolePolicyDocument"], sort_keys=True),
         json.dumps(sorted(iam.list_role_policies(RoleName=r["RoleName"])["PolicyNames"])),
         json.dumps(sorted(p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=r["RoleName"])["AttachedPolicies"])))
        for r in iam.list_roles()["Roles"]
    )
    state["log_groups"] = sorted(
        (g["logGroupName"], g.get("retentionInDays", 0)) for g in client("logs").describe_log_groups()["logGroups"]
    )
    scaling = client("application-autoscaling")
    state["scalable_targets"] = sorted(
        (t["ResourceId"], t["MinCapacity"], t["MaxCapacity"])
        for t in scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    )
    state["scaling_policies"] = sorted(
        (p["ResourceId"], p["PolicyName"], json.dumps(p.get("TargetTrackingScalingPolicyConfiguration"), sort_keys=True))
        for p in scaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    )
    cloudwatch, sns = client("cloudwatch"), client("sns")
    state["alarms"] = sorted(
        (a["AlarmName"], a.get("Threshold"), a.get("TreatMissingData"), json.dumps(a.get("AlarmActions", [])))
        for a in cloudwatch.describe_alarms()["MetricAlarms"]
    )
    state["dashboards"] = sorted(
        (d["DashboardName"], cloudwatch.get_dashboard(DashboardName=d["DashboardName"])["DashboardBody"])
        for d in cloudwatch.list_dashboards()["DashboardEntries"]
    )
    state["topics"] = sorted(
        (t["TopicArn"], json.dumps(sorted((x["Protocol"], x["Endpoint"])
                                          for x in sns.list_subscriptions_by_topic(TopicArn=t["TopicArn"])["Subscriptions"])))
        for t in sns.list_topics()["Topics"]
    )
    route53 = client("route53")
    zones = route53.list_hosted_zones()["HostedZones"]
    state["hosted_zones"] = sorted((z["Id"], z["Name"]) for z in zones)
    state["records"] = sorted(
        json.dumps(r, sort_keys=True)
        for z in zones for r in route53.list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"]
    )
    return state


def _lifecycle_policy(ecr, name):
    try:
        return ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"]
    except ecr.exceptions.LifecyclePolicyNotFoundException:
        return ""


def leftovers(client, name, environment, domain):
    """The resources of the stack <name>-<environment> that still exist, by type: everything that
    carries the collection's tags for this environment or one of its names. Task definitions
    count only while ACTIVE (AWS keeps deregistered ones readable). ECR repositories are not
    tagged by the collection and are reported separately by the caller."""
    ec2, elbv2, ecs = client("ec2"), client("elbv2"), client("ecs")
    stack = f"{name}-{environment}"

    def ours(tags):
        tags = _tags(tags)
        return tags.get(MANAGED_BY[0]) == MANAGED_BY[1] and tags.get("Environment") == environment

    found = {}
    found["vpcs"] = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if ours(v.get("Tags"))]
    found["subnets"] = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"] if ours(s.get("Tags"))]
    found["internet_gateways"] = [g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]
                                  if ours(g.get("Tags"))]
    found["nat_gateways"] = [n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"]
                             if ours(n.get("Tags")) and n["State"] != "deleted"]
    found["elastic_ips"] = [a["AllocationId"] for a in ec2.describe_addresses()["Addresses"] if ours(a.get("Tags"))]
    found["route_tables"] = [r["RouteTableId"] for r in ec2.describe_route_tables()["RouteTables"] if ours(r.get("Tags"))]
    found["security_groups"] = [g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"] if ours(g.get("Tags"))]
    balancers = elbv2.describe_load_balancers()["LoadBalancers"]
    found["load_balancers"] = [b["LoadBalancerName"] for b in balancers if b["LoadBalancerName"] == stack]
    found["listeners"] = [l["ListenerArn"] for b in balancers if b["LoadBalancerName"] == stack
                          for l in elbv2.describe_listeners(LoadBalancerArn=b["LoadBalancerArn"])["Listeners"]]
    found["target_groups"] = [g["TargetGroupName"] for g in elbv2.describe_target_groups()["TargetGroups"]
                              if g["TargetGroupName"] in (f"{stack}-tg", f"{stack}-tg-alt")]
    acm = client("acm")
    found["certificates"] = [
        c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]
        if ours(acm.list_tags_for_certificate(CertificateArn=c["CertificateArn"]).get("Tags"))
    ]
    found["clusters"] = [
        c["clusterName"] for c in (ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"])["clusters"]
                                   if ecs.list_clusters()["clusterArns"] else [])
        if c["status"] == "ACTIVE" and c["clusterName"] == stack
    ]
    # AWS lists a deleted (INACTIVE) service for a while; it is gone for every purpose.
    found["services"] = [
        s["serviceArn"] for c in ecs.list_clusters()["clusterArns"] if c.endswith(f"/{stack}")
        for s in (ecs.describe_services(cluster=c, services=ecs.list_services(cluster=c)["serviceArns"])["services"]
                  if ecs.list_services(cluster=c)["serviceArns"] else [])
        if s["status"] != "INACTIVE"
    ]
    found["active_task_definitions"] = [
        arn for arn in ecs.list_task_definitions(familyPrefix=stack, status="ACTIVE")["taskDefinitionArns"]
    ]
    found["iam_roles"] = [r["RoleName"] for r in client("iam").list_roles()["Roles"] if r["RoleName"].startswith(f"{stack}-")]
    found["log_groups"] = [g["logGroupName"] for g in client("logs").describe_log_groups()["logGroups"]
                           if g["logGroupName"].startswith((f"/ecs/{stack}/", f"/vpc/{stack}/"))]
    found["flow_logs"] = [f["FlowLogId"] for f in ec2.describe_flow_logs()["FlowLogs"] if ours(f.get("Tags"))]
    scaling = client("application-autoscaling")
    found["scalable_targets"] = [t["ResourceId"] for t in scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
                                 if t["ResourceId"].startswith(f"service/{stack}/")]
    found["scaling_policies"] = [p["PolicyName"] for p in scaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
                                 if p["ResourceId"].startswith(f"service/{stack}/")]
    cloudwatch = client("cloudwatch")
    found["alarms"] = [a["AlarmName"] for a in cloudwatch.describe_alarms(AlarmNamePrefix=f"{stack}-")["MetricAlarms"]]
    found["dashboards"] = [d["DashboardName"] for d in cloudwatch.list_dashboards()["DashboardEntries"]
                           if d["DashboardName"] == stack]
    found["topics"] = [t["TopicArn"] for t in client("sns").list_topics()["Topics"]
                       if t["TopicArn"].endswith(f":{stack}-alarms")]
    route53 = client("route53")
    domain = domain.rstrip(".") + "."
    found["records"] = [
        f"{r['Type']} {r['Name']}" for z in route53.list_hosted_zones()["HostedZones"]
        for r in route53.list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"]
        # the alias records of the domain and the certificate's validation records (_<token>.<domain>)
        if (r["Name"] == domain and "AliasTarget" in r) or (r["Type"] == "CNAME" and r["Name"].endswith("." + domain)
                                                            and r["Name"].startswith("_"))
    ]
    return {kind: items for kind, items in found.items() if items}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["leftovers", "snapshot"])
    parser.add_argument("--endpoint-url", required=True)
    parser.add_argument("--region", default="eu-central-1")
    parser.add_argument("--name", default="fozzy-api")
    parser.add_argument("--environment", default="local")
    parser.add_argument("--domain", default="fozzy-api.inbox.wine")
    parser.add_argument("--zone", help="leftovers: also fail when this public hosted zone is gone")
    args = parser.parse_args()
    if not args.endpoint_url.startswith(("http://127.", "http://localhost")):
        sys.exit(f"refusing endpoint {args.endpoint_url}: only the local emulator")
    client = _clients(args.endpoint_url, args.region)
    if args.command == "snapshot":
        print(json.dumps(snapshot(client), indent=1, default=str))
        return 0
    left = leftovers(client, args.name, args.environment, args.domain)
    if args.zone:
        names = [z["Name"] for z in client("route53").list_hosted_zones()["HostedZones"] if not z["Config"]["PrivateZone"]]
        if args.zone.rstrip(".") + "." not in names:
            left["missing_hosted_zone"] = [args.zone]
    print(json.dumps(left, indent=1))
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
