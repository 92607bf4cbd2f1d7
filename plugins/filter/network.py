# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that plan the VPC's address space (see subnet_plan.yml for the documentation)."""

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


class FilterModule:
    def filters(self):
        return {"subnet_plan": subnet_plan}
