# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the certificate and dns roles: the hosted zone, the alias records (documented in the .yml files)."""

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean


def fqdn(name):
    """A DNS name in the form Route53 answers with: lower case, one final dot."""
    return str(name or "").lower().rstrip(".") + "."


def public_zone_ids(hosted_zones, zone_name):
    """Ids (without /hostedzone/) of the public zones named ``zone_name`` in route53_info's HostedZones."""
    wanted = fqdn(zone_name)
    return [zone["Id"].rsplit("/", 1)[-1] for zone in hosted_zones or ()
            if zone.get("Name", "").lower() == wanted and not (zone.get("Config") or {}).get("PrivateZone")]


def missing_zone_problem(zone_name, found, variables):
    """The problem of a zone that is not exactly one public hosted zone (``found``: how many are)."""
    return (f"{variables}: no public Route53 hosted zone named {str(zone_name).rstrip('.')} exists in this account"
            + (f" (found {found})" if found else "")
            + ". The collection never creates it: create it (or delegate the subdomain) first.")


def public_zone_id(hosted_zones, zone_name, variables="zone_name"):
    """The id of the one public hosted zone ``zone_name``; fails naming ``variables`` when there is not exactly one."""
    ids = public_zone_ids(hosted_zones, zone_name)
    if len(ids) != 1:
        raise AnsibleFilterError(missing_zone_problem(zone_name, len(ids), variables))
    return ids[0]


def alias_target(dns_name, dualstack=True):
    """The alias target Route53 stores for a load balancer name: lower case, final dot, with
    ``dualstack.`` in front when asked (the name that answers AAAA). '' for an unknown name."""
    name = str(dns_name or "").lower().rstrip(".")
    if not name:
        return ""
    if dualstack and not name.startswith("dualstack."):
        name = "dualstack." + name
    return name + "."


def alias_record_types(record_types, ip_address_type):
    """The types of ``record_types`` the load balancer answers: AAAA only when its IP address type is
    ``dualstack`` (an AAAA alias of an IPv4-only load balancer is an empty answer)."""
    return [record_type for record_type in record_types or ()
            if record_type != "AAAA" or str(ip_address_type or "") == "dualstack"]


def alias_records(record_name, record_types, target, target_zone_id, evaluate_target_health):
    """The alias records wanted, one per type, as the dns role hands them on in dns_result.records
    (``evaluate_target_health`` as Ansible reads a boolean: -e gives the string "false")."""
    return [{"name": str(record_name).lower().rstrip("."), "type": record_type, "alias_target": target,
             "alias_zone_id": target_zone_id, "evaluate_target_health": boolean(evaluate_target_health, strict=False)}
            for record_type in record_types]


def alias_records_to_write(wanted, found):
    """The types of ``wanted`` (alias_records) whose record in ``found`` (route53_info record sets,
    snake_case) is not exactly that alias: no TTL, weight, set identifier or health check of its own."""
    in_place = set()
    for record in found or ():
        alias = record.get("alias_target")
        if not alias or any(record.get(key) is not None for key in ("set_identifier", "health_check_id", "resource_records")):
            continue
        in_place.add((fqdn(record.get("name")), record.get("type"), alias.get("dns_name"), alias.get("hosted_zone_id"),
                      bool(alias.get("evaluate_target_health"))))
    return [entry["type"] for entry in wanted
            if (fqdn(entry["name"]), entry["type"], entry["alias_target"], entry["alias_zone_id"],
                entry["evaluate_target_health"]) not in in_place]


def our_alias_records(found, record_name, record_types, dns_name):
    """The record sets of ``found`` that are alias records of ``record_name`` with a type in
    ``record_types`` pointing at the load balancer ``dns_name`` (with or without dualstack.); none
    when ``dns_name`` is unknown: what the dns role may delete."""
    plain = str(dns_name or "").lower().rstrip(".")
    if plain.startswith("dualstack."):
        plain = plain[len("dualstack."):]
    if not plain:
        return []
    ours = {plain + ".", "dualstack." + plain + "."}
    return [record for record in found or ()
            if fqdn(record.get("name")) == fqdn(record_name) and record.get("type") in record_types
            and record.get("alias_target") and fqdn(record["alias_target"].get("dns_name")) in ours]


class FilterModule:
    def filters(self):
        return {
            "public_zone_id": public_zone_id,
            "public_zone_ids": public_zone_ids,
            "alias_target": alias_target,
            "alias_record_types": alias_record_types,
            "alias_records": alias_records,
            "alias_records_to_write": alias_records_to_write,
            "our_alias_records": our_alias_records,
        }
