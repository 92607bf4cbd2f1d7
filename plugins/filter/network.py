# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that plan the VPC and find what of it differs from the plan (documented in the .yml files).

The vpc role reads the subnets, NAT gateways and route tables of the VPC once each, and calls
the write modules only for what these filters name: a re-run of an unchanged network makes
reads only. Each filter compares exactly what its module would change.
"""

import ipaddress

from ansible.errors import AnsibleFilterError

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.rules.vpc import (
    az_count_problems,
    subnet_fit_problems,
    vpc_cidr_problems,
)

TIERS = ("public", "private")


def subnet_plan(vpc_cidr, availability_zones, newbits=4):
    """One public and one private subnet per availability zone, carved out of ``vpc_cidr``.

    The VPC range is cut into 2**newbits equal subnets; the public tier takes the first
    ones and the private tier starts at the second half, so adding an AZ later never
    moves an existing subnet.
    """
    azs = list(availability_zones)
    # The vpc rules' checks (preflight reports the same problems before any change).
    problems = vpc_cidr_problems(vpc_cidr) or subnet_fit_problems(vpc_cidr, len(azs), newbits)
    if problems:
        raise AnsibleFilterError(" ".join(problems))
    network = ipaddress.IPv4Network(str(vpc_cidr), strict=True)
    prefix = network.prefixlen + int(newbits)
    half = 2 ** int(newbits) // 2
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
    one that has it differs in zone, launch settings, tags (the module purges other tags) or
    IPv6 block (the entry's ``ipv6_cidr``, none when absent or ''; the module removes one not asked for).
    An entry with ``ipv6_unknown`` (check mode: the VPC's IPv6 block is still to be associated)
    is always written.
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
            or subnet_ipv6_cidr_block(current) != (entry.get("ipv6_cidr") or "")
            or entry.get("ipv6_unknown")
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


def subnet_ipv6_cidr_block(subnet):
    """The IPv6 block associated (or associating) with a subnet as ec2_vpc_subnet_info returns it, or ''."""
    for association in subnet.get("ipv6_cidr_block_association_set") or ():
        if (association.get("ipv6_cidr_block_state") or {}).get("state") in ("associated", "associating"):
            return association.get("ipv6_cidr_block") or ""
    return ""


def vpc_ipv6_cidr_block(vpc):
    """The Amazon-provided IPv6 block associated (or associating) with a VPC as ec2_vpc_net(_info)
    returns it, or '' (none, or the VPC is still to be created)."""
    for association in (vpc or {}).get("ipv6_cidr_block_association_set") or ():
        if association.get("ipv6_pool", "Amazon") == "Amazon" and (
            (association.get("ipv6_cidr_block_state") or {}).get("state") in ("associated", "associating")
        ):
            return association.get("ipv6_cidr_block") or ""
    return ""


def ipv6_subnet_cidr(vpc_ipv6_cidr_block, index):
    """The ``index``-th /64 of the VPC's IPv6 block (a /56 has 256): the block of the public subnet
    of the ``index``-th availability zone, so adding a zone never moves an existing subnet's block."""
    network = ipaddress.IPv6Network(str(vpc_ipv6_cidr_block), strict=True)
    if network.prefixlen > 64:
        raise AnsibleFilterError(f"The VPC's IPv6 block {network} is smaller than a /64: no subnet block fits.")
    count = 2 ** (64 - network.prefixlen)
    if not 0 <= int(index) < count:
        raise AnsibleFilterError(f"The VPC's IPv6 block {network} has {count} /64 blocks; subnet {index} does not fit.")
    return str(ipaddress.IPv6Network((int(network.network_address) + (int(index) << 64), 64)))


def ipv6_plan(plan, vpc_ipv6_cidr_block, enabled):
    """``plan`` (subnet_plan's entries) with the IPv6 block of each public subnet (``ipv6_cidr``) when
    ``enabled``: the /64 of its zone's index in ``vpc_ipv6_cidr_block``. Private subnets stay IPv4.
    Enabled without a block yet (check mode, the VPC's block still to be associated), each public
    entry has ``ipv6_cidr`` '' and ``ipv6_unknown``. Disabled, the plan is returned as it is."""
    if not enabled:
        return [dict(entry) for entry in plan]
    planned = []
    for entry in plan:
        entry = dict(entry)
        if entry["tier"] == "public":
            if vpc_ipv6_cidr_block:
                entry["ipv6_cidr"] = ipv6_subnet_cidr(vpc_ipv6_cidr_block, entry["index"])
            else:
                entry.update(ipv6_cidr="", ipv6_unknown=True)
        planned.append(entry)
    return planned


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
            (route.get("destination_cidr_block") or route.get("destination_ipv6_cidr_block"),
             route.get("gateway_id") or route.get("nat_gateway_id"))
            for route in current.get("routes", [])
            if route.get("origin") == "CreateRoute"
        }
        wanted_routes = {(route["dest"], route.get("gateway_id") or route.get("nat_gateway_id")) for route in table["routes"]}
        if current.get("tags") != table["tags"] or subnets != set(table["subnets"]) or routes != wanted_routes:
            to_write.append(dict(table, route_table_id=current["route_table_id"]))
    return to_write


def _frozen(tags):
    return frozenset(tags.items())


def vpc_availability_zones(region_azs, count):
    """The first ``count`` of the region's availability zones (names, sorted): the zones of the plan.

    Fails with the message of the vpc rule (plugin_utils/rules/vpc.py) when the region has fewer.
    """
    zones = sorted(region_azs or ())
    problems = az_count_problems(count, zones)
    if problems:
        raise AnsibleFilterError(problems[0])
    return zones[: int(count)]


def _written(registered, key, value):
    """{item[key]: result[value]} of the items a looped write task registered ('' where check mode
    made none); nothing for a task that was skipped or has not run."""
    found = {}
    for result in (registered or {}).get("results") or ():
        if isinstance(result, dict) and not result.get("skipped") and isinstance(result.get("item"), dict):
            found[result["item"][key]] = _id(result, value)
    return found


def _id(result, path):
    for key in path.split("."):
        result = result.get(key) if isinstance(result, dict) else None
    return result or ""


def vpc_network(plan, settings, found, written=None):
    """Everything the vpc role writes and hands on, from the subnet plan and what it read.

    ``plan``: subnet_plan's entries. ``settings``: ``vpc_id`` ('' for a VPC check mode would
    create), ``cidr``, ``name`` (prefix of the Name tags), ``tags``, ``nat_mode`` (single or per_az),
    ``ipv6`` (whether the public subnets are dual-stack) and ``ipv6_cidr_block`` (the VPC's Amazon-provided
    block as read after ec2_vpc_net, '' when it has none yet). A VPC with a block and ``ipv6`` off is
    refused: the role does not take IPv6 away (see the role's README).
    ``found``: what the reads registered, ``subnets`` (ec2_vpc_subnet_info), ``internet_gateways``
    (ec2_vpc_igw_info by Name, tags converted), ``nat_gateways`` (pending and available, ec2_vpc_nat_gateway_info)
    and ``route_tables`` (ec2_vpc_route_table_info). ``written``: what the write tasks of this run
    registered so far, ``subnets``, ``internet_gateway``, ``eips``, ``nat_gateways`` (absent: not run yet).

    Returns ``subnets_to_write``; ``internet_gateway`` (``to_write``, ``detached_id``, ``id``, ``tags``);
    ``nat_gateways`` (``wanted``, ``to_allocate``, ``to_write``, ``pending``, ``surplus``, ``ids``);
    ``route_tables`` (``to_write``, ``planned``: the ones whose subnets or gateways check mode would
    create first); ``changes`` (whether anything is to write or wait for) and ``result`` (vpc_result).
    Ids a check-mode run would create are ''; ``dual_stack`` says whether the public subnets are
    (or a real run makes them) dual-stack, which check mode cannot read before the VPC has its block.
    """
    written = written or {}
    vpc_id, name, tags = settings.get("vpc_id") or "", settings["name"], dict(settings.get("tags") or {})
    azs = [entry["az"] for entry in plan if entry["tier"] == "public"]
    ipv6, ipv6_block = bool(settings.get("ipv6")), settings.get("ipv6_cidr_block") or ""
    if not vpc_id:
        return {"changes": False, "result": {"vpc_id": "", "would_be_created": True, "cidr": settings.get("cidr", ""),
                                             "availability_zones": azs, "ipv6_cidr_block": "",
                                             "public_subnet_ipv6_cidr_blocks": [], "dual_stack": ipv6}}
    if ipv6_block and not ipv6:
        raise AnsibleFilterError(
            f"vpc_ipv6_enabled: false is not allowed for VPC {vpc_id} ({name}), which has the IPv6 block {ipv6_block}:"
            " the role does not take IPv6 away from a network in use (a dual-stack load balancer in its public"
            " subnets must become IPv4 first, and AWS does not give the same block back). Keep vpc_ipv6_enabled:"
            " true, or remove the block by hand (the ::/0 route, the subnets' blocks, then the VPC's) and run again.")
    plan = ipv6_plan(plan, ipv6_block, ipv6)

    subnets_found = found.get("subnets") or []
    subnet_ids = {subnet["cidr_block"]: subnet.get("id") or subnet.get("subnet_id") or "" for subnet in subnets_found}
    subnet_ids.update(_written(written.get("subnets"), "cidr", "subnet.id"))
    public_ids = [subnet_ids.get(entry["cidr"], "") for entry in plan if entry["tier"] == "public"]
    private_ids = [subnet_ids.get(entry["cidr"], "") for entry in plan if entry["tier"] == "private"]

    igw_tags = dict(tags, Name=name)
    gateways = found.get("internet_gateways") or []
    attached = [gateway for gateway in gateways
                if any(attachment.get("state") == "available" and attachment.get("vpc_id") == vpc_id
                       for attachment in gateway.get("attachments") or ())]
    detached = [gateway for gateway in gateways if not gateway.get("attachments")]
    igw = {
        "to_write": not any(gateway.get("tags") == igw_tags for gateway in attached),
        "detached_id": detached[0]["internet_gateway_id"] if detached else "",
        "tags": igw_tags,
        "id": _id(written.get("internet_gateway") or {}, "gateway_id")
        or (attached[0]["internet_gateway_id"] if attached else ""),
    }

    nats_found = found.get("nat_gateways") or []
    count = len(azs) if settings.get("nat_mode") == "per_az" else 1
    wanted = [{"subnet_id": public_ids[index], "tags": dict(tags, Name=f"{name}-nat-{azs[index]}")}
              for index in range(min(count, len(azs)))]
    nat_by_subnet = {gateway["subnet_id"]: gateway["nat_gateway_id"] for gateway in nats_found}
    eips = _written(written.get("eips"), "subnet_id", "allocation_id")
    nat_ids_written = _written(written.get("nat_gateways"), "subnet_id", "nat_gateway_id")
    wanted_subnets = [entry["subnet_id"] for entry in wanted]
    nats = {
        "wanted": wanted,
        "to_allocate": [entry for entry in wanted if entry["subnet_id"] not in nat_by_subnet],
        "to_write": [dict(entry, allocation_id=eips.get(entry["subnet_id"], ""))
                     for entry in nat_gateways_to_write(wanted, nats_found)],
        "pending": [gateway["nat_gateway_id"] for gateway in nats_found if gateway.get("state") == "pending"],
        "surplus": [gateway["nat_gateway_id"] for gateway in nats_found if gateway["subnet_id"] not in wanted_subnets],
        "ids": [nat_ids_written.get(subnet) or nat_by_subnet.get(subnet, "") for subnet in wanted_subnets],
    }

    public_routes = [{"dest": "0.0.0.0/0", "gateway_id": igw["id"]}]
    if ipv6:
        public_routes.append({"dest": "::/0", "gateway_id": igw["id"]})
    tables = [{"tags": dict(tags, Name=f"{name}-public"), "subnets": public_ids, "routes": public_routes}]
    for index, subnet_id in enumerate(private_ids):
        nat_id = nats["ids"][index if settings.get("nat_mode") == "per_az" else 0] if nats["ids"] else ""
        tables.append({"tags": dict(tags, Name=f"{name}-private-{azs[index]}"), "subnets": [subnet_id],
                       "routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": nat_id}]})
    known = [table for table in tables
             if "" not in table["subnets"] and all(route.get("gateway_id", route.get("nat_gateway_id")) for route in table["routes"])]
    routes = {"to_write": route_tables_to_write(known, found.get("route_tables") or []),
              "planned": [table for table in tables if table not in known]}

    subnets = subnets_to_write(plan, subnets_found, tags, name)
    return {
        "subnets_to_write": subnets,
        "internet_gateway": igw,
        "nat_gateways": nats,
        "route_tables": routes,
        "changes": bool(subnets or igw["to_write"] or nats["to_allocate"] or nats["to_write"] or nats["pending"]
                        or nats["surplus"] or routes["to_write"] or routes["planned"]),
        "result": {
            "vpc_id": vpc_id,
            "cidr": settings.get("cidr", ""),
            "availability_zones": azs,
            "public_subnet_ids": public_ids,
            "private_subnet_ids": private_ids,
            "nat_gateway_ids": nats["ids"],
            "ipv6_cidr_block": ipv6_block if ipv6 else "",
            "public_subnet_ipv6_cidr_blocks": [entry.get("ipv6_cidr", "") for entry in plan
                                               if entry["tier"] == "public" and ipv6],
            # the public subnets are (or, where check mode has no block to read yet, a real run
            # makes them) dual-stack: what the load balancer's address type follows
            "dual_stack": ipv6,
        },
    }


def _log_group(log_group_arn):
    """(partition, region, account, the group's ARN without the trailing ``:*``) of a log group's ARN."""
    arn = str(log_group_arn or "")
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "logs" or not parts[5].startswith("log-group:"):
        raise AnsibleFilterError(f"{arn!r} is not the ARN of a CloudWatch Logs group (arn:<partition>:logs:<region>:"
                                 "<account>:log-group:<name>)")
    return parts[1], parts[3], parts[4], arn[:-2] if arn.endswith(":*") else arn


def vpc_flow_logs_trust_policy(log_group_arn):
    """The trust policy of the role the VPC flow logs service assumes to deliver to the log group
    ``log_group_arn``, with the confused-deputy conditions AWS documents: only flow logs of the
    group's account in its region (partition, region and account come from the ARN)."""
    partition, region, account = _log_group(log_group_arn)[:3]
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": f"arn:{partition}:ec2:{region}:{account}:vpc-flow-log/*"},
            },
        }],
    }


def vpc_flow_logs_role_policy(log_group_arn):
    """The role's permissions, limited to the log group ``log_group_arn`` (with or without the
    trailing ``:*``) and its streams: what delivery needs to an existing group (no CreateLogGroup)."""
    group = _log_group(log_group_arn)[3]
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DeliverToTheFlowLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:DescribeLogGroups", "logs:DescribeLogStreams",
                       "logs:PutLogEvents"],
            "Resource": [group, f"{group}:*"],
        }],
    }


class FilterModule:
    def filters(self):
        return {
            "subnet_plan": subnet_plan,
            "subnets_to_write": subnets_to_write,
            "nat_gateways_to_write": nat_gateways_to_write,
            "route_tables_to_write": route_tables_to_write,
            "vpc_availability_zones": vpc_availability_zones,
            "vpc_network": vpc_network,
            "vpc_ipv6_cidr_block": vpc_ipv6_cidr_block,
            "vpc_flow_logs_trust_policy": vpc_flow_logs_trust_policy,
            "vpc_flow_logs_role_policy": vpc_flow_logs_role_policy,
        }
