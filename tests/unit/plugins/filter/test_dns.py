"""Unit tests of the hosted zone and alias record filters (plugins/filter/dns.py)."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.inboxwine.fozzy.plugins.filter import dns

PUBLIC = {"Id": "/hostedzone/Z1", "Name": "inbox.wine.", "Config": {"PrivateZone": False}}
PRIVATE = {"Id": "/hostedzone/Z2", "Name": "inbox.wine.", "Config": {"PrivateZone": True}}
OTHER = {"Id": "/hostedzone/Z3", "Name": "sub.inbox.wine.", "Config": {"PrivateZone": False}}
TARGET = "dualstack.fozzy-1.eu-central-1.elb.amazonaws.com."


def test_filters_are_registered():
    assert set(dns.FilterModule().filters()) == {
        "public_zone_id", "public_zone_ids", "alias_target", "alias_record_types", "alias_records", "alias_records_to_write",
        "our_alias_records"}


def test_the_public_zone_of_the_name_is_picked():
    assert dns.public_zone_ids([PRIVATE, PUBLIC, OTHER], "inbox.wine.") == ["Z1"]
    assert dns.public_zone_id([PRIVATE, PUBLIC, OTHER], "inbox.wine", "v") == "Z1"


@pytest.mark.parametrize("zones, found", [([], ""), ([PRIVATE, OTHER], ""), ([PUBLIC, dict(PUBLIC, Id="Z4")], " (found 2)")])
def test_no_single_public_zone_fails_naming_the_zone_and_its_variables(zones, found):
    with pytest.raises(AnsibleFilterError) as error:
        dns.public_zone_id(zones, "inbox.wine", "fozzy_hosted_zone_name / dns_zone_name")
    assert error.value.message == (
        f"fozzy_hosted_zone_name / dns_zone_name: no public Route53 hosted zone named inbox.wine exists in this account{found}."
        " The collection never creates it: create it (or delegate the subdomain) first.")


@pytest.mark.parametrize("name, dualstack, target", [
    ("Fozzy-1.eu-central-1.elb.amazonaws.com", True, TARGET),
    ("dualstack.fozzy-1.eu-central-1.elb.amazonaws.com.", True, TARGET),
    ("fozzy-1.eu-central-1.elb.amazonaws.com", False, "fozzy-1.eu-central-1.elb.amazonaws.com."),
    ("", True, ""),
    (None, True, ""),
])
def test_the_alias_target_is_in_the_form_route53_keeps(name, dualstack, target):
    assert dns.alias_target(name, dualstack) == target


def wanted():
    return dns.alias_records("Fozzy-API.inbox.wine.", ["A", "AAAA"], TARGET, "Z215", True)


def alias(record_type, **changes):
    record = {"name": "fozzy-api.inbox.wine.", "type": record_type,
              "alias_target": {"dns_name": TARGET, "hosted_zone_id": "Z215", "evaluate_target_health": True}}
    record.update(changes)
    return record


def test_the_records_wanted_are_one_per_type():
    assert wanted() == [
        {"name": "fozzy-api.inbox.wine", "type": "A", "alias_target": TARGET, "alias_zone_id": "Z215", "evaluate_target_health": True},
        {"name": "fozzy-api.inbox.wine", "type": "AAAA", "alias_target": TARGET, "alias_zone_id": "Z215",
         "evaluate_target_health": True},
    ]


def test_records_in_place_need_no_write():
    assert dns.alias_records_to_write(wanted(), [alias("A"), alias("AAAA")]) == []


@pytest.mark.parametrize("record", [
    alias("A", alias_target={"dns_name": "other.", "hosted_zone_id": "Z215", "evaluate_target_health": True}),
    alias("A", alias_target={"dns_name": TARGET, "hosted_zone_id": "Z215", "evaluate_target_health": False}),
    alias("A", set_identifier="blue"),
    alias("A", health_check_id="hc-1"),
    {"name": "fozzy-api.inbox.wine.", "type": "A", "ttl": 300, "resource_records": [{"value": "192.0.2.10"}]},
    alias("A", name="www.fozzy-api.inbox.wine."),
], ids=["other target", "health", "weighted", "health check", "plain A", "other name"])
def test_a_record_that_is_not_exactly_the_alias_is_written(record):
    assert dns.alias_records_to_write(wanted(), [record, alias("AAAA")]) == ["A"]


def test_check_mode_without_a_load_balancer_writes_every_type():
    records = dns.alias_records("fozzy-api.inbox.wine", ["A", "AAAA"], "", "", True)
    assert dns.alias_records_to_write(records, [alias("A"), alias("AAAA")]) == ["A", "AAAA"]


def test_only_aliases_to_our_load_balancer_are_ours():
    found = [alias("A"), alias("AAAA", alias_target={"dns_name": "fozzy-1.eu-central-1.elb.amazonaws.com.",
                                                      "hosted_zone_id": "Z215", "evaluate_target_health": True}),
             alias("A", alias_target={"dns_name": "maintenance.example.", "hosted_zone_id": "Z1"}, name="x.inbox.wine."),
             {"name": "fozzy-api.inbox.wine.", "type": "TXT", "resource_records": [{"value": '"x"'}]}]
    ours = dns.our_alias_records(found, "fozzy-api.inbox.wine", ["A", "AAAA"], "Fozzy-1.eu-central-1.elb.amazonaws.com")
    assert [record["type"] for record in ours] == ["A", "AAAA"]
    assert dns.our_alias_records(found, "fozzy-api.inbox.wine", ["A"], "fozzy-1.eu-central-1.elb.amazonaws.com") == [found[0]]
    assert dns.our_alias_records(found, "fozzy-api.inbox.wine", ["A", "AAAA"], "") == []


@pytest.mark.parametrize("value, expected", [("false", False), ("no", False), (False, False), ("true", True), (True, True)])
def test_target_health_given_as_a_string_is_read_as_ansible_reads_it(value, expected):
    [record] = dns.alias_records("a.inbox.wine", ["A"], TARGET, "Z215", value)
    assert record["evaluate_target_health"] is expected


def test_alias_record_types_make_aaaa_only_for_a_dualstack_load_balancer():
    from ansible_collections.inboxwine.fozzy.plugins.filter.dns import alias_record_types

    assert alias_record_types(["A", "AAAA"], "dualstack") == ["A", "AAAA"]
    assert alias_record_types(["A", "AAAA"], "ipv4") == ["A"]
    assert alias_record_types(["A", "AAAA"], "") == ["A"]
    assert alias_record_types(["AAAA"], "ipv4") == []
