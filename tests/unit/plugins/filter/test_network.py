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
