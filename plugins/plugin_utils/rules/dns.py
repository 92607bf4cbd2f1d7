# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the dns role's inputs (the record, its zone, the record types)."""

import re

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.inputs import as_int, not_allowed, rule, together
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.rules.certificate import shown
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.rules.shared import in_zone, is_dns_name

ZONE_ID = re.compile(r"^(/hostedzone/)?[A-Z0-9]{1,32}$")
MAX_WAIT = 3600


def _name(value):
    """A DNS name as the role uses it: lower case, no final dot."""
    return str(value).lower().rstrip(".")


@rule("dns")
def zone_name(inputs):
    if not is_dns_name(_name(inputs["dns_zone_name"])):
        yield not_allowed("dns_zone_name", shown(inputs, "dns_zone_name", "fozzy_hosted_zone_name"),
                          "use a DNS name like inbox.wine.")


@rule("dns")
def record_name(inputs):
    record = inputs["dns_record_name"]
    if not is_dns_name(_name(record)):
        yield not_allowed("dns_record_name", shown(inputs, "dns_record_name", "fozzy_domain_name"),
                          "use a DNS name like fozzy-api.inbox.wine.")
        return
    zone = inputs["dns_zone_name"]
    if is_dns_name(_name(zone)) and not in_zone(_name(record), _name(zone)):
        yield together([("dns_record_name", shown(inputs, "dns_record_name", "fozzy_domain_name")),
                        ("dns_zone_name", shown(inputs, "dns_zone_name", "fozzy_hosted_zone_name"))],
                       f"the record must be the zone or a name inside it, like fozzy-api.{_name(zone)}.")


@rule("dns")
def record_types(inputs):
    # Each type is one of the argument spec's choices; none at all is the problem left.
    types = inputs["dns_record_types"]
    if not types:
        yield not_allowed("dns_record_types", types, "use A, AAAA or both.")


@rule("dns")
def zone_id(inputs):
    value = inputs["dns_zone_id"]
    if value and not ZONE_ID.match(str(value)):
        yield not_allowed("dns_zone_id", value, "use the id of the hosted zone dns_zone_name, like"
                          ' Z0123456789ABCDEFGHIJ, or "" to look it up by name.')


@rule("dns")
def wait_timeout(inputs):
    value = inputs["dns_wait_timeout"]
    if not (as_int(value) is not None and 1 <= as_int(value) <= MAX_WAIT):
        yield not_allowed("dns_wait_timeout", value, f"use 1 to {MAX_WAIT} seconds.")
