"""Unit tests of the network filters (plugins/filter/network.py): what of the VPC differs from the plan."""
import copy

import pytest

from ansible_collections.inboxwine.fozzy.plugins.filter import network
from ansible_collections.inboxwine.fozzy.plugins.filter.network import (
    nat_gateways_to_write,
    route_tables_to_write,
    subnet_plan,
    subnets_to_write,
)

TAGS = {"Project": "fozzy", "Environment": "it"}
PLAN = subnet_plan("10.0.0.0/16", ["eu-central-1a", "eu-central-1b"])


def test_filters_are_registered():
    assert set(network.FilterModule().filters()) == {
        "subnet_plan", "subnets_to_write", "nat_gateways_to_write", "route_tables_to_write",
        "vpc_availability_zones", "vpc_network", "vpc_ipv6_cidr_block", "vpc_flow_logs_trust_policy",
        "vpc_flow_logs_role_policy",
    }


# ---------------------------------------------------------------------------- subnets
def found_subnets():
    """The subnets as ec2_vpc_subnet_info returns them after a converge of PLAN."""
    return [
        {
            "id": f"subnet-{index}",
            "cidr_block": entry["cidr"],
            "availability_zone": entry["az"],
            "map_public_ip_on_launch": False,
            "assign_ipv6_address_on_creation": False,
            "tags": dict(TAGS, Name=f"net-{entry['tier']}-{entry['az']}", Tier=entry["tier"]),
        }
        for index, entry in enumerate(PLAN)
    ]


def test_an_empty_vpc_needs_every_subnet_with_its_tags():
    to_write = subnets_to_write(PLAN, [], TAGS, "net")
    assert [entry["cidr"] for entry in to_write] == [entry["cidr"] for entry in PLAN]
    assert to_write[0]["tags"] == {"Project": "fozzy", "Environment": "it", "Name": "net-public-eu-central-1a", "Tier": "public"}
    assert to_write[3]["tags"]["Name"] == "net-private-eu-central-1b"
    assert to_write[3]["tier"] == "private" and to_write[3]["az"] == "eu-central-1b"


def test_subnets_in_place_need_nothing():
    assert subnets_to_write(PLAN, found_subnets(), TAGS, "net") == []


@pytest.mark.parametrize("change", [
    {"availability_zone": "eu-central-1c"},
    {"map_public_ip_on_launch": True},
    {"assign_ipv6_address_on_creation": True},
    {"tags": dict(TAGS, Name="net-public-eu-central-1a", Tier="public", Extra="x")},
    {"tags": {"Name": "net-public-eu-central-1a", "Tier": "public"}},
])
def test_a_subnet_that_differs_is_written(change):
    found = found_subnets()
    found[0].update(change)
    assert [entry["cidr"] for entry in subnets_to_write(PLAN, found, TAGS, "net")] == ["10.0.0.0/20"]


def test_a_missing_subnet_is_written_and_foreign_ones_are_ignored():
    found = found_subnets()[1:] + [{"cidr_block": "10.0.64.0/20", "availability_zone": "eu-central-1a", "tags": {}}]
    assert [entry["cidr"] for entry in subnets_to_write(PLAN, found, TAGS, "net")] == ["10.0.0.0/20"]


# ----------------------------------------------------------------------- NAT gateways
NAT_TAGS = dict(TAGS, Name="net-nat-eu-central-1a")
WANTED_NATS = [{"subnet_id": "subnet-0", "tags": NAT_TAGS}]


def test_an_available_nat_gateway_with_its_tags_needs_nothing():
    found = [{"subnet_id": "subnet-0", "state": "available", "tags": dict(NAT_TAGS), "nat_gateway_id": "nat-1"}]
    assert nat_gateways_to_write(WANTED_NATS, found) == []


@pytest.mark.parametrize("found", [
    [],
    [{"subnet_id": "subnet-0", "state": "pending", "tags": dict(NAT_TAGS)}],
    [{"subnet_id": "subnet-0", "state": "available", "tags": dict(TAGS)}],
    [{"subnet_id": "subnet-1", "state": "available", "tags": dict(NAT_TAGS)}],
    [{"subnet_id": "subnet-0", "state": "available"}],
])
def test_a_nat_gateway_missing_pending_or_different_is_written(found):
    assert nat_gateways_to_write(WANTED_NATS, found) == WANTED_NATS


# ----------------------------------------------------------------------- route tables
PUBLIC = {
    "tags": dict(TAGS, Name="net-public"),
    "subnets": ["subnet-0", "subnet-1"],
    "routes": [{"dest": "0.0.0.0/0", "gateway_id": "igw-1"}],
}
PRIVATE = {
    "tags": dict(TAGS, Name="net-private-eu-central-1a"),
    "subnets": ["subnet-2"],
    "routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": "nat-1"}],
}


def found_table(wanted, table_id):
    """A route table as ec2_vpc_route_table_info returns it, converged to ``wanted``."""
    local = {"destination_cidr_block": "10.0.0.0/16", "gateway_id": "local", "origin": "CreateRouteTable", "state": "active"}
    return {
        "id": table_id,
        "route_table_id": table_id,
        "tags": dict(wanted["tags"]),
        "associations": [{"main": False, "subnet_id": subnet, "route_table_id": table_id} for subnet in wanted["subnets"]],
        "routes": [local] + [
            {"destination_cidr_block": route["dest"], "gateway_id": route.get("gateway_id"),
             "nat_gateway_id": route.get("nat_gateway_id"), "origin": "CreateRoute", "state": "active"}
            for route in wanted["routes"]
        ],
    }


def converged():
    main = {"id": "rtb-main", "tags": {}, "associations": [{"main": True, "route_table_id": "rtb-main"}], "routes": []}
    return [main, found_table(PUBLIC, "rtb-public"), found_table(PRIVATE, "rtb-private")]


def test_route_tables_in_place_need_nothing():
    assert route_tables_to_write([PUBLIC, PRIVATE], converged()) == []


def test_a_missing_route_table_is_written():
    assert route_tables_to_write([PUBLIC, PRIVATE], converged()[:2]) == [PRIVATE]


def mutate(change):
    found = converged()
    change(found[1])
    return route_tables_to_write([PUBLIC, PRIVATE], found)


@pytest.mark.parametrize("change", [
    lambda table: table["routes"][1].update(gateway_id="igw-2"),
    lambda table: table["routes"].pop(),
    lambda table: table["routes"].append({"destination_cidr_block": "10.9.0.0/16", "gateway_id": "pcx-1", "origin": "CreateRoute"}),
    lambda table: table["associations"].pop(),
    lambda table: table["associations"].append({"main": False, "subnet_id": "subnet-9"}),
    lambda table: table["tags"].update(Extra="x"),
], ids=["other gateway", "route missing", "extra route", "association missing", "extra association", "extra tag"])
def test_a_route_table_that_differs_is_written(change):
    assert mutate(change) == [dict(PUBLIC, route_table_id="rtb-public")]


def test_a_change_of_the_tags_retags_the_table_in_place():
    retagged = dict(PUBLIC, tags=dict(PUBLIC["tags"], CostCenter="wine"))
    assert route_tables_to_write([retagged, PRIVATE], converged()) == [dict(retagged, route_table_id="rtb-public")]


def test_routes_propagated_by_aws_are_not_ours():
    found = converged()
    found[1]["routes"].append({"destination_cidr_block": "10.8.0.0/16", "gateway_id": "vgw-1", "origin": "EnableVgwRoutePropagation"})
    assert route_tables_to_write([PUBLIC, PRIVATE], found) == []


def test_two_tables_of_one_name_are_left_to_the_module_to_refuse():
    found = converged() + [copy.deepcopy(found_table(PUBLIC, "rtb-copy"))]
    assert route_tables_to_write([PUBLIC, PRIVATE], found) == [PUBLIC]


# ------------------------------------------------------------------ the whole network
from ansible.errors import AnsibleFilterError  # noqa: E402

from ansible_collections.inboxwine.fozzy.plugins.filter.network import vpc_availability_zones, vpc_network  # noqa: E402

AZS = ["eu-central-1a", "eu-central-1b"]
SETTINGS = {"vpc_id": "vpc-1", "cidr": "10.0.0.0/16", "name": "net", "tags": TAGS, "nat_mode": "single"}


def test_the_zones_are_the_first_of_the_region_by_name():
    assert vpc_availability_zones(["eu-central-1c", "eu-central-1a", "eu-central-1b"], 2) == AZS


def test_too_many_zones_fail_with_the_rule_message():
    with pytest.raises(AnsibleFilterError, match=r"vpc_az_count: 3 is not allowed; use 2 \(an ALB needs two zones\) up to 2"):
        vpc_availability_zones(AZS, 3)


def converged_network(nat_mode="single"):
    """What the reads return for a network converged to PLAN (two AZs)."""
    subnets = found_subnets()
    ids = {entry["cidr"]: subnet["id"] for entry, subnet in zip(PLAN, subnets)}
    public = [ids[entry["cidr"]] for entry in PLAN if entry["tier"] == "public"]
    private = [ids[entry["cidr"]] for entry in PLAN if entry["tier"] == "private"]
    count = 2 if nat_mode == "per_az" else 1
    nats = [{"nat_gateway_id": f"nat-{i}", "subnet_id": public[i], "state": "available",
             "tags": dict(TAGS, Name=f"net-nat-{AZS[i]}")} for i in range(count)]
    igw = {"internet_gateway_id": "igw-1", "attachments": [{"state": "available", "vpc_id": "vpc-1"}],
           "tags": dict(TAGS, Name="net")}
    tables = [dict(found_table({"tags": dict(TAGS, Name="net-public"), "subnets": public,
                                "routes": [{"dest": "0.0.0.0/0", "gateway_id": "igw-1"}]}, "rtb-public"))]
    for i, subnet in enumerate(private):
        tables.append(found_table({"tags": dict(TAGS, Name=f"net-private-{AZS[i]}"), "subnets": [subnet],
                                   "routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": f"nat-{i if count == 2 else 0}"}]},
                                  f"rtb-private-{i}"))
    return {"subnets": subnets, "internet_gateways": [igw], "nat_gateways": nats, "route_tables": tables}


def test_a_converged_network_needs_no_write_and_is_handed_on():
    network = vpc_network(PLAN, SETTINGS, converged_network())
    assert network["changes"] is False
    assert network["result"] == {
        "vpc_id": "vpc-1", "cidr": "10.0.0.0/16", "availability_zones": AZS,
        "public_subnet_ids": ["subnet-0", "subnet-1"], "private_subnet_ids": ["subnet-2", "subnet-3"],
        "nat_gateway_ids": ["nat-0"], "ipv6_cidr_block": "", "public_subnet_ipv6_cidr_blocks": [], "dual_stack": False,
    }


def test_per_az_routes_each_private_subnet_to_its_own_zone():
    network = vpc_network(PLAN, dict(SETTINGS, nat_mode="per_az"), converged_network("per_az"))
    assert network["changes"] is False and network["result"]["nat_gateway_ids"] == ["nat-0", "nat-1"]


def test_a_vpc_check_mode_would_create_is_reported_as_such():
    assert vpc_network(PLAN, dict(SETTINGS, vpc_id=""), {}) == {"changes": False, "result": {
        "vpc_id": "", "would_be_created": True, "cidr": "10.0.0.0/16", "availability_zones": AZS,
        "ipv6_cidr_block": "", "public_subnet_ipv6_cidr_blocks": [], "dual_stack": False}}
    # with IPv6 on, a real run makes the public subnets dual-stack: the plan says so before any block exists
    assert vpc_network(PLAN, dict(V6, vpc_id=""), {})["result"]["dual_stack"] is True


def test_an_empty_vpc_plans_everything_and_check_mode_reports_the_route_tables():
    network = vpc_network(PLAN, SETTINGS, {})
    assert network["changes"] is True
    assert len(network["subnets_to_write"]) == 4
    assert network["internet_gateway"] == {"to_write": True, "detached_id": "", "tags": dict(TAGS, Name="net"), "id": ""}
    assert network["nat_gateways"]["to_allocate"] == [{"subnet_id": "", "tags": dict(TAGS, Name="net-nat-eu-central-1a")}]
    # no ids yet (check mode): nothing for the module, every table reported
    assert network["route_tables"]["to_write"] == []
    assert [table["tags"]["Name"] for table in network["route_tables"]["planned"]] == [
        "net-public", "net-private-eu-central-1a", "net-private-eu-central-1b"]


def test_what_this_run_wrote_is_used_by_the_tasks_after_it():
    written = {
        "subnets": {"results": [{"item": entry, "subnet": {"id": f"subnet-new-{i}"}} for i, entry in enumerate(PLAN)]},
        "internet_gateway": {"changed": True, "gateway_id": "igw-new"},
        "eips": {"results": [{"item": {"subnet_id": "subnet-new-0"}, "allocation_id": "eipalloc-1"}]},
        "nat_gateways": {"results": [{"item": {"subnet_id": "subnet-new-0"}, "nat_gateway_id": "nat-new"}]},
    }
    network = vpc_network(PLAN, SETTINGS, {}, written)
    assert network["result"]["public_subnet_ids"] == ["subnet-new-0", "subnet-new-1"]
    assert network["nat_gateways"]["to_write"][0]["allocation_id"] == "eipalloc-1"
    tables = network["route_tables"]["to_write"]
    assert network["route_tables"]["planned"] == []
    assert tables[0]["routes"] == [{"dest": "0.0.0.0/0", "gateway_id": "igw-new"}]
    assert [table["routes"][0]["nat_gateway_id"] for table in tables[1:]] == ["nat-new", "nat-new"]
    assert network["result"]["nat_gateway_ids"] == ["nat-new"]


def test_skipped_write_tasks_add_nothing():
    skipped = {"results": [], "skipped": True}
    network = vpc_network(PLAN, SETTINGS, converged_network(),
                          {"subnets": skipped, "internet_gateway": {"skipped": True}, "eips": skipped, "nat_gateways": skipped})
    assert network["changes"] is False and network["result"]["nat_gateway_ids"] == ["nat-0"]


def test_a_detached_gateway_of_ours_is_attached_rather_than_a_second_made():
    found = converged_network()
    found["internet_gateways"] = [{"internet_gateway_id": "igw-left", "attachments": [], "tags": dict(TAGS, Name="net")}]
    network = vpc_network(PLAN, SETTINGS, found)
    assert network["internet_gateway"]["to_write"] and network["internet_gateway"]["detached_id"] == "igw-left"
    assert network["changes"]


def test_a_pending_nat_gateway_is_reconciled_and_waited_for():
    found = converged_network()
    found["nat_gateways"][0]["state"] = "pending"
    nats = vpc_network(PLAN, SETTINGS, found)["nat_gateways"]
    assert nats["pending"] == ["nat-0"] and [entry["subnet_id"] for entry in nats["to_write"]] == ["subnet-0"]
    assert nats["to_allocate"] == [] and nats["ids"] == ["nat-0"]


def test_per_az_to_single_removes_the_surplus_after_moving_the_routes():
    network = vpc_network(PLAN, SETTINGS, converged_network("per_az"))
    assert network["nat_gateways"]["surplus"] == ["nat-1"]
    assert [table["tags"]["Name"] for table in network["route_tables"]["to_write"]] == ["net-private-eu-central-1b"]


def test_drift_of_one_subnet_tag_and_one_route_is_written_exactly():
    found = converged_network()
    del found["subnets"][3]["tags"]["Tier"]
    found["route_tables"][2]["routes"] = found["route_tables"][2]["routes"][:1]
    network = vpc_network(PLAN, SETTINGS, found)
    assert [entry["cidr"] for entry in network["subnets_to_write"]] == [PLAN[3]["cidr"]]
    assert [table["route_table_id"] for table in network["route_tables"]["to_write"]] == ["rtb-private-1"]


@pytest.mark.parametrize("cidr, zones, bits, message", [
    ("10.0.0.0/8", 2, 4, "vpc_cidr: 10.0.0.0/8 has a /8 prefix; AWS allows /16 to /28"),
    ("10.0.0.1/16", 2, 4, "vpc_cidr: '10.0.0.1/16' is not an IPv4 network"),
    ("10.0.0.0/26", 2, 4, "vpc_cidr=10.0.0.0/26 with vpc_subnet_newbits=4 is not allowed together: the subnets would be /30"),
    ("10.0.0.0/16", 3, 2, "vpc_subnet_newbits=2 with vpc_az_count=3 is not allowed together"),
])
def test_a_plan_that_does_not_fit_fails_with_the_rules_message(cidr, zones, bits, message):
    with pytest.raises(AnsibleFilterError) as failed:
        subnet_plan(cidr, [f"eu-central-1{'abc'[i]}" for i in range(zones)], bits)
    assert str(failed.value.message).startswith(message)


# ---------------------------------------------------------------------------- IPv6
BLOCK = "2600:1f18:abcd:ef00::/56"
V6 = dict(SETTINGS, ipv6=True, ipv6_cidr_block=BLOCK)


def converged_dual_stack():
    """converged_network() with the public subnets' /64 blocks and the ::/0 route to the gateway."""
    found = converged_network()
    blocks = iter(["2600:1f18:abcd:ef00::/64", "2600:1f18:abcd:ef01::/64"])
    for subnet in found["subnets"]:
        if subnet["tags"]["Tier"] == "public":
            subnet["ipv6_cidr_block_association_set"] = [
                {"ipv6_cidr_block": next(blocks), "association_id": "a", "ipv6_cidr_block_state": {"state": "associated"}}]
    found["route_tables"][0]["routes"].append(
        {"destination_ipv6_cidr_block": "::/0", "gateway_id": "igw-1", "origin": "CreateRoute"})
    return found


def test_each_public_subnet_gets_the_64_of_its_zone_index_and_private_ones_none():
    assert network.ipv6_subnet_cidr(BLOCK, 0) == "2600:1f18:abcd:ef00::/64"
    assert network.ipv6_subnet_cidr(BLOCK, 1) == "2600:1f18:abcd:ef01::/64"
    assert network.ipv6_subnet_cidr(BLOCK, 255) == "2600:1f18:abcd:efff::/64"
    with pytest.raises(AnsibleFilterError, match="has 256 /64 blocks"):
        network.ipv6_subnet_cidr(BLOCK, 256)
    planned = network.ipv6_plan(PLAN, BLOCK, True)
    assert [entry.get("ipv6_cidr") for entry in planned] == [
        "2600:1f18:abcd:ef00::/64", "2600:1f18:abcd:ef01::/64", None, None]
    assert network.ipv6_plan(PLAN, BLOCK, False) == PLAN


def test_a_converged_dual_stack_network_needs_no_write_and_hands_its_blocks_on():
    result = vpc_network(PLAN, V6, converged_dual_stack())
    assert result["changes"] is False
    assert result["result"]["ipv6_cidr_block"] == BLOCK and result["result"]["dual_stack"] is True
    assert result["result"]["public_subnet_ipv6_cidr_blocks"] == ["2600:1f18:abcd:ef00::/64", "2600:1f18:abcd:ef01::/64"]


def test_an_ipv4_network_upgraded_gets_the_public_blocks_and_the_ipv6_route():
    result = vpc_network(PLAN, V6, converged_network())
    assert [(entry["tier"], entry["ipv6_cidr"]) for entry in result["subnets_to_write"]] == [
        ("public", "2600:1f18:abcd:ef00::/64"), ("public", "2600:1f18:abcd:ef01::/64")]
    assert [table["tags"]["Name"] for table in result["route_tables"]["to_write"]] == ["net-public"]
    assert {"dest": "::/0", "gateway_id": "igw-1"} in result["route_tables"]["to_write"][0]["routes"]


def test_check_mode_before_the_vpc_block_exists_writes_the_public_subnets_without_a_block():
    result = vpc_network(PLAN, dict(V6, ipv6_cidr_block=""), converged_network())
    assert [(entry["tier"], entry["ipv6_cidr"], entry["ipv6_unknown"]) for entry in result["subnets_to_write"]] == [
        ("public", "", True), ("public", "", True)]
    assert result["changes"] is True


def test_a_private_subnet_with_an_ipv6_block_is_written_to_lose_it():
    found = converged_dual_stack()
    found["subnets"][2]["ipv6_cidr_block_association_set"] = [
        {"ipv6_cidr_block": "2600:1f18:abcd:ef02::/64", "association_id": "b", "ipv6_cidr_block_state": {"state": "associated"}}]
    assert [entry["cidr"] for entry in vpc_network(PLAN, V6, found)["subnets_to_write"]] == [PLAN[2]["cidr"]]


def test_ipv6_off_on_a_vpc_with_a_block_is_refused_with_the_variable_named():
    with pytest.raises(AnsibleFilterError, match=r"vpc_ipv6_enabled: false is not allowed for VPC vpc-1 .* 2600:1f18"):
        vpc_network(PLAN, dict(V6, ipv6=False), converged_dual_stack())


def test_the_vpc_block_is_read_from_the_amazon_pool_association():
    vpc = {"ipv6_cidr_block_association_set": [
        {"ipv6_cidr_block": "2600::/56", "ipv6_pool": "Amazon", "ipv6_cidr_block_state": {"state": "disassociated"}},
        {"ipv6_cidr_block": BLOCK, "ipv6_pool": "Amazon", "ipv6_cidr_block_state": {"state": "associated"}}]}
    assert network.vpc_ipv6_cidr_block(vpc) == BLOCK
    assert network.vpc_ipv6_cidr_block({}) == ""
    assert network.vpc_ipv6_cidr_block(None) == ""


# ---------------------------------------------------------------------------- flow logs
def test_the_flow_logs_trust_policy_has_the_confused_deputy_conditions():
    policy = network.vpc_flow_logs_trust_policy(
        "arn:aws:logs:eu-central-1:123456789012:log-group:/vpc/net/flow-logs:*")
    statement = policy["Statement"][0]
    assert statement["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"},
        "ArnLike": {"aws:SourceArn": "arn:aws:ec2:eu-central-1:123456789012:vpc-flow-log/*"},
    }


def test_the_flow_logs_role_policy_reaches_its_log_group_only():
    group = "arn:aws:logs:eu-central-1:123456789012:log-group:/vpc/net/flow-logs"
    for arn in (group, group + ":*"):
        statement = network.vpc_flow_logs_role_policy(arn)["Statement"]
        assert len(statement) == 1
        assert statement[0]["Resource"] == [group, group + ":*"]
        assert "logs:PutLogEvents" in statement[0]["Action"] and "logs:CreateLogGroup" not in statement[0]["Action"]


def test_the_flow_logs_policies_need_a_log_group_arn():
    with pytest.raises(AnsibleFilterError, match="is not the ARN of a CloudWatch Logs group"):
        network.vpc_flow_logs_trust_policy("arn:aws:s3:::bucket")
