# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the vpc role's inputs (the network: range, subnets, zones, NAT gateways)."""

import ipaddress

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.inputs import as_int, not_allowed, rule, together, within

# Prefix lengths AWS allows for a VPC and for a subnet.
MIN_PREFIX, MAX_PREFIX = 16, 28
# An ALB needs subnets in two availability zones.
MIN_AZS = 2
# Name tags are at most 256 characters; the longest suffix the role adds is -private-<az>.
MAX_NAME = 200
MAX_NAT_WAIT = 3600


def az_count_problems(count, region_azs=None):
    """Problems of ``vpc_az_count``: at least 2, and when the region's zones are known
    (``region_azs``, names) at most as many as it offers. Used by the rule (zones from
    preflight) and by the vpc role when it read the zones itself (filter vpc_availability_zones)."""
    number = as_int(count)
    if region_azs is None:
        if number is None or number < MIN_AZS:
            return [f"vpc_az_count: {count} is not allowed; use {MIN_AZS} (an ALB needs two zones) or more."]
        return []
    zones = sorted(region_azs)
    if number is None or not MIN_AZS <= number <= len(zones):
        return [f"vpc_az_count: {count} is not allowed; use {MIN_AZS} (an ALB needs two zones) up to {len(zones)},"
                f" the zones of this region ({', '.join(zones)})."]
    return []


def vpc_cidr_problems(vpc_cidr):
    """Problems of ``vpc_cidr`` alone: an IPv4 network, /16 to /28."""
    try:
        network = ipaddress.IPv4Network(str(vpc_cidr), strict=True)
    except ValueError as exc:
        return [f"vpc_cidr: {str(vpc_cidr)!r} is not an IPv4 network; use an IPv4 range in CIDR notation with"
                f" a /{MIN_PREFIX} to /{MAX_PREFIX} prefix and no host bits set, like 10.0.0.0/16 ({exc})."]
    if not MIN_PREFIX <= network.prefixlen <= MAX_PREFIX:
        return [f"vpc_cidr: {network} has a /{network.prefixlen} prefix; AWS allows /{MIN_PREFIX} to /{MAX_PREFIX}"
                f" (use a range like 10.0.0.0/16)."]
    return []


def subnet_fit_problems(vpc_cidr, az_count, newbits):
    """Problems of the subnet plan between ``vpc_cidr``, ``vpc_subnet_newbits`` and ``vpc_az_count``
    (for a valid ``vpc_cidr``): each problem names every input involved, with its value."""
    bits = as_int(newbits)
    if bits is None or bits < 1:
        return [not_allowed("vpc_subnet_newbits", newbits, "use a whole number, 1 or more (public and private"
                            " subnets need a bit).")]
    network = ipaddress.IPv4Network(str(vpc_cidr), strict=True)
    problems = []
    prefix = network.prefixlen + bits
    if prefix > MAX_PREFIX:
        most = MAX_PREFIX - network.prefixlen
        problems.append(together(
            [("vpc_cidr", vpc_cidr), ("vpc_subnet_newbits", newbits)],
            f"the subnets would be /{prefix}, and AWS allows /{MIN_PREFIX} to /{MAX_PREFIX}; use a larger vpc_cidr"
            f" (a /{MAX_PREFIX - bits} or larger) or "
            + (f"vpc_subnet_newbits from 1 to {most}." if most >= 1 else "a larger vpc_cidr.")))
    count = max(as_int(az_count) or MIN_AZS, MIN_AZS)
    per_tier = 2 ** bits // 2
    if count > per_tier:
        needed = (2 * count - 1).bit_length()
        problems.append(together(
            [("vpc_subnet_newbits", newbits), ("vpc_az_count", az_count)],
            f"{bits} bit{'' if bits == 1 else 's'} make{'s' if bits == 1 else ''} room for {per_tier}"
            f" subnet{'' if per_tier == 1 else 's'} per tier (public, private), and {count} availability zones need"
            f" {count}; use vpc_subnet_newbits={needed} or more, or fewer zones."))
    return problems


@rule("vpc")
def availability_zones(inputs):
    # Against the region's zones only when preflight read them (none: AWS did not answer, which
    # preflight reports); alone, the role checks >= 2.
    yield from az_count_problems(inputs["vpc_az_count"], inputs.facts.get("availability_zones") or None)


@rule("vpc")
def name(inputs):
    value = inputs["vpc_name"]
    if not 1 <= len(str(value)) <= MAX_NAME:
        yield not_allowed("vpc_name", value, f"use 1 to {MAX_NAME} characters (it prefixes the Name tags, at most"
                          " 256 characters, of the subnets and gateways).")


@rule("vpc")
def nat_gateway_wait_timeout(inputs):
    value = inputs["vpc_nat_gateway_wait_timeout"]
    if not within(value, 1, MAX_NAT_WAIT):
        yield not_allowed("vpc_nat_gateway_wait_timeout", value, f"use 1 to {MAX_NAT_WAIT} seconds.")


@rule("vpc")
def release_wait_timeout(inputs):
    value = inputs["vpc_release_wait_timeout"]
    if not within(value, 1, MAX_NAT_WAIT):
        yield not_allowed("vpc_release_wait_timeout", value, f"use 1 to {MAX_NAT_WAIT} seconds.")


@rule("vpc")
def cidr(inputs):
    yield from vpc_cidr_problems(inputs["vpc_cidr"])


@rule("vpc")
def subnets_fit(inputs):
    # A vpc_cidr that is no valid range is reported by the rule above alone.
    if not vpc_cidr_problems(inputs["vpc_cidr"]):
        yield from subnet_fit_problems(inputs["vpc_cidr"], inputs.get("vpc_az_count"), inputs["vpc_subnet_newbits"])


# The retention periods CloudWatch Logs accepts (PutRetentionPolicy), in days.
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                      2922, 3288, 3653)
# IAM role names are at most 64 characters; the flow logs role is <vpc_name>-flow-logs.
FLOW_LOGS_ROLE_SUFFIX = "-flow-logs"
MAX_ROLE_NAME = 64


@rule("vpc")
def flow_logs_retention_days(inputs):
    if not inputs["vpc_flow_logs_enabled"]:
        return
    value = inputs["vpc_flow_logs_retention_days"]
    if as_int(value) not in LOG_RETENTION_DAYS:
        yield not_allowed("vpc_flow_logs_retention_days", value, "use one of the periods CloudWatch Logs accepts: "
                          + ", ".join(str(days) for days in LOG_RETENTION_DAYS) + " (days).")


@rule("vpc")
def flow_logs_role_name(inputs):
    # A name the rule above refuses is reported there alone.
    if not inputs["vpc_flow_logs_enabled"] or not 1 <= len(str(inputs["vpc_name"])) <= MAX_NAME:
        return
    role = f"{inputs['vpc_name']}{FLOW_LOGS_ROLE_SUFFIX}"
    if len(role) > MAX_ROLE_NAME:
        yield together(
            [("vpc_name", inputs["vpc_name"]), ("vpc_flow_logs_enabled", True)],
            f"the flow logs' IAM role would be named {role} ({len(role)} characters), and IAM allows"
            f" {MAX_ROLE_NAME}; use a vpc_name of at most {MAX_ROLE_NAME - len(FLOW_LOGS_ROLE_SUFFIX)} characters"
            " or vpc_flow_logs_enabled: false.")
