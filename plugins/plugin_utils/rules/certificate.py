# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the certificate role's inputs (its names, its zone, its timeouts)."""

import re

from ansible_collections.inboxwine.fozzy.plugins.filter.dns import missing_zone_problem, public_zone_ids
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.inputs import as_int, not_allowed, rule, together
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.rules.shared import in_zone, is_dns_name

# A certificate name: lower case DNS name, a wildcard only as the whole first label, no final dot.
NAME = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
MAX_NAME = 253
# ACM: 10 names per certificate, the domain name included.
MAX_SANS = 9
ZONE_VARIABLES = "fozzy_hosted_zone_name / certificate_zone_name"


def shown(inputs, name, fozzy):
    """The value of ``name``, with the fozzy_* variable it came from when it is that one's value."""
    value = inputs[name]
    return f"{value} ({fozzy})" if fozzy in inputs and inputs[fozzy] == value else value


def well_formed(name):
    return isinstance(name, str) and len(name) <= MAX_NAME and bool(NAME.match(name))


def hosted_zone_problems(zone_name, hosted_zones):
    """The problem of a certificate zone that is not exactly one public zone of ``hosted_zones``
    (route53_info's HostedZones for that name)."""
    found = len(public_zone_ids(hosted_zones, zone_name))
    return [] if found == 1 else [missing_zone_problem(zone_name, found, ZONE_VARIABLES)]


@rule("certificate")
def zone_name(inputs):
    zone = inputs["certificate_zone_name"]
    if not is_dns_name(zone):
        yield not_allowed("certificate_zone_name", shown(inputs, "certificate_zone_name", "fozzy_hosted_zone_name"),
                          "use a lower case DNS name like inbox.wine.")


@rule("certificate")
def hosted_zone(inputs):
    # What preflight read: the zone fozzy_hosted_zone_name (None: not read). Another zone is looked
    # up by the role itself.
    zones = inputs.facts.get("hosted_zones")
    zone = inputs["certificate_zone_name"]
    if zones is None or not is_dns_name(zone) or str(zone).rstrip(".") != str(inputs.get("fozzy_hosted_zone_name", "")).rstrip("."):
        return
    yield from hosted_zone_problems(zone, zones)


@rule("certificate")
def domain_name(inputs):
    name = inputs["certificate_domain_name"]
    if not well_formed(name):
        yield not_allowed("certificate_domain_name", shown(inputs, "certificate_domain_name", "fozzy_domain_name"),
                          f"use a lower case DNS name of at most {MAX_NAME} characters, a wildcard only as the whole"
                          " first label (*.inbox.wine).")
        return
    zone = inputs["certificate_zone_name"]
    if is_dns_name(zone) and not in_zone(name, zone):
        yield together([("certificate_domain_name", shown(inputs, "certificate_domain_name", "fozzy_domain_name")),
                        ("certificate_zone_name", shown(inputs, "certificate_zone_name", "fozzy_hosted_zone_name"))],
                       "every name of the certificate must be the zone or a name inside it (its validation records"
                       " go into that zone).")


@rule("certificate")
def subject_alternative_names(inputs):
    names = inputs["certificate_subject_alternative_names"] or []
    malformed = [name for name in names if not well_formed(name)]
    if malformed:
        yield not_allowed("certificate_subject_alternative_names", names,
                          f"use lower case DNS names of at most {MAX_NAME} characters, a wildcard only as the whole"
                          f" first label (*.inbox.wine); these are not: {', '.join(map(str, malformed))}.")
    zone = inputs["certificate_zone_name"]
    outside = [name for name in names if well_formed(name) and is_dns_name(zone) and not in_zone(name, zone)]
    if outside:
        yield together([("certificate_subject_alternative_names", names),
                        ("certificate_zone_name", shown(inputs, "certificate_zone_name", "fozzy_hosted_zone_name"))],
                       "every name of the certificate must be the zone or a name inside it (its validation records"
                       f" go into that zone); these are not: {', '.join(outside)}.")
    if len(names) > MAX_SANS:
        yield (f"certificate_subject_alternative_names has {len(names)} names, which is not allowed: ACM allows"
               f" {MAX_SANS + 1} names per certificate, so use at most {MAX_SANS} besides certificate_domain_name.")


@rule("certificate")
def wait_timeout(inputs):
    value = inputs["certificate_wait_timeout"]
    if not (as_int(value) is not None and 0 <= as_int(value) <= 86400):
        yield not_allowed("certificate_wait_timeout", value, "use 0 to 86400 seconds (DNS validation usually takes"
                          " minutes).")


@rule("certificate")
def validation_record_ttl(inputs):
    value = inputs["certificate_validation_record_ttl"]
    if not (as_int(value) is not None and 0 <= as_int(value) <= 172800):
        yield not_allowed("certificate_validation_record_ttl", value, "use 0 to 172800 seconds.")
