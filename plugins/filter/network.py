# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that plan the VPC and find what of it differs from the plan (documented in the .yml files).

The vpc role reads the subnets, NAT gateways and route tables of the VPC once each, and calls
the write modules only for what these filters name: a re-run of an unchanged network makes
reads only. Each filter compares exactly what its module would change.
"""

import ipaddress

from ansible.errors import AnsibleFilterError

TIERS = ("public", "private")


def subnet_plan(vpc_cidr, availability_zones, newbits=4):
    """One public and one private subnet per availability zone, carved out of ``vpc_cidr``.

    The VPC range is cut into 2**newbits equal subnets; the public tier takes the first
    ones and the private tier starts at the second half, so adding an AZ later never
    moves an existing subnet.
    """
    try:
        network = ipaddress.IPv4Network(str(vpc_cidr), strict=True)
    except ValueError as exc:
        raise AnsibleFilterError(f"vpc_cidr: {vpc_cidr!r} is not an IPv4 network in CIDR notation ({exc})")
    if not 16 <= network.prefixlen <= 28:
        raise AnsibleFilterError(f"vpc_cidr: {vpc_cidr} has a /{network.prefixlen} prefix; AWS allows /16 to /28")
    prefix = network.prefixlen + int(newbits)
    if prefix > 28:
        raise AnsibleFilterError(
            f"vpc_subnet_newbits: /{network.prefixlen} + {newbits} gives /{prefix} subnets; AWS allows /16 to /28"
        )
    half = 2 ** int(newbits) // 2
    azs = list(availability_zones)
    if len(azs) > half:
        raise AnsibleFilterError(
            f"vpc_subnet_newbits: {newbits} leaves room for {half} subnets per tier in {network}, "
            f"but {len(azs)} availability zones were asked for"
        )
    subnets = list(network.subnets(new_prefix=prefix))
    plan = []
    for tier_index, tier in enumerate(TIERS):
        for az_index, az in enumerate(azs):
            plan.append({
                "tier": tier,
                "az": az,
                "index": az_index,
                "cidr": str(subnets[tier_index * half + az_index]),
            })
    return plan


def subnets_to_write(plan, found, tags, name_prefix):
    """The planned subnets that ec2_vpc_subnet must create or correct.

    Each entry of ``plan`` comes back with the ``tags`` it must carry (``tags`` plus Name
    ``<name_prefix>-<tier>-<az>`` and Tier) when no subnet of ``found`` has its range, or the
    one that has it differs in zone, launch settings or tags (the module purges other tags).
    """
    by_cidr = {subnet["cidr_block"]: subnet for subnet in found}
    to_write = []
    for entry in plan:
        wanted = dict(entry, tags=dict(tags, Name=f"{name_prefix}-{entry['tier']}-{entry['az']}", Tier=entry["tier"]))
        current = by_cidr.get(entry["cidr"])
        if (
            current is None
            or current.get("availability_zone") != entry["az"]
            or current.get("map_public_ip_on_launch")
            or current.get("assign_ipv6_address_on_creation")
            or current.get("tags", {}) != wanted["tags"]
        ):
            to_write.append(wanted)
    return to_write


def nat_gateways_to_write(wanted, found):
    """The entries of ``wanted`` (``subnet_id``, ``tags``) without an available NAT gateway
    carrying exactly those tags in their subnet. A pending one is returned too (the module
    then reconciles its tags; it does not wait for a gateway it finds, so the role does).
    """
    in_place = {
        (gateway["subnet_id"], _frozen(gateway.get("tags") or {}))
        for gateway in found
        if gateway.get("state") == "available"
    }
    return [entry for entry in wanted if (entry["subnet_id"], _frozen(entry["tags"])) not in in_place]


def route_tables_to_write(wanted, found):
    """The entries of ``wanted`` that ec2_vpc_route_table must create or correct.

    A wanted table has ``tags``, ``subnets`` (ids) and ``routes`` (``dest`` with
    ``gateway_id`` or ``nat_gateway_id``). A table is ours by its Name tag, and an existing one
    is returned with its ``route_table_id``: the module, given the id, retags it. (Looked up by
    all its tags, after a change of fozzy_tags it would make a second table and move each subnet
    off the old one without associating it with the new.) A table is in place when it has
    exactly the wanted tags, associations and routes (the module purges the others; the
    VPC's own local route is not ours to manage).
    """
    to_write = []
    for table in wanted:
        matches = [candidate for candidate in found if (candidate.get("tags") or {}).get("Name") == table["tags"]["Name"]]
        # None: to create. More than one: looked up by its tags, the module fails and says so.
        if len(matches) != 1:
            to_write.append(table)
            continue
        current = matches[0]
        subnets = {
            association["subnet_id"]
            for association in current.get("associations", [])
            if association.get("subnet_id") and not association.get("main")
        }
        routes = {
            (route.get("destination_cidr_block"), route.get("gateway_id") or route.get("nat_gateway_id"))
            for route in current.get("routes", [])
            if route.get("origin") == "CreateRoute"
        }
        wanted_routes = {(route["dest"], route.get("gateway_id") or route.get("nat_gateway_id")) for route in table["routes"]}
        if current.get("tags") != table["tags"] or subnets != set(table["subnets"]) or routes != wanted_routes:
            to_write.append(dict(table, route_table_id=current["route_table_id"]))
    return to_write


def _frozen(tags):
    return frozenset(tags.items())


class FilterModule:
    def filters(self):
        return {
            "subnet_plan": subnet_plan,
            "subnets_to_write": subnets_to_write,
            "nat_gateways_to_write": nat_gateways_to_write,
            "route_tables_to_write": route_tables_to_write,
        }
