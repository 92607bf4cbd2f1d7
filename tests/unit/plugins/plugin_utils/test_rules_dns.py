"""Rules of the dns role's inputs."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils import inputs as engine

GOOD = {
    "fozzy_domain_name": "fozzy-api.inbox.wine", "fozzy_hosted_zone_name": "inbox.wine",
    "dns_record_name": "fozzy-api.inbox.wine", "dns_zone_name": "inbox.wine", "dns_zone_id": "",
    "dns_record_types": ["A", "AAAA"], "dns_wait_timeout": 300,
}


def problems(**changes):
    return engine.check(["dns"], engine.Inputs(dict(GOOD, **changes)))


def test_good_inputs_have_no_problem():
    assert problems() == []
    assert problems(dns_record_name="inbox.wine.", dns_zone_id="/hostedzone/Z0123", dns_record_types=["A"]) == []
    assert problems(dns_record_name="Fozzy-API.Inbox.Wine", dns_zone_name="INBOX.wine.") == []


@pytest.mark.parametrize("changes, message", [
    ({"dns_zone_name": "inbox", "fozzy_hosted_zone_name": "inbox"},
     "dns_zone_name=inbox (fozzy_hosted_zone_name) is not allowed: use a DNS name like inbox.wine."),
    ({"dns_record_name": "fozzy_api.inbox.wine"}, "dns_record_name=fozzy_api.inbox.wine is not allowed: use a DNS name"),
    ({"dns_record_name": "fozzy-api.inbox.beer", "fozzy_domain_name": "fozzy-api.inbox.beer"},
     "dns_record_name=fozzy-api.inbox.beer (fozzy_domain_name) with dns_zone_name=inbox.wine (fozzy_hosted_zone_name)"
     " is not allowed together: the record must be the zone or a name inside it, like fozzy-api.inbox.wine."),
    ({"dns_record_name": "notinbox.wine"}, "dns_record_name=notinbox.wine with dns_zone_name=inbox.wine"),
    ({"dns_record_types": []}, "dns_record_types=[] is not allowed: use A, AAAA or both."),
    ({"dns_zone_id": "z-lower"}, "dns_zone_id=z-lower is not allowed: use the id of the hosted zone dns_zone_name"),
    ({"dns_wait_timeout": 0}, "dns_wait_timeout=0 is not allowed: use 1 to 3600 seconds."),
])
def test_each_bad_input_is_named_with_its_value(changes, message):
    found = problems(**changes)
    assert len(found) == 1 and found[0].startswith(message), found


def test_record_types_the_argument_spec_refused_are_not_reported_again():
    assert engine.check(["dns"], engine.Inputs(dict(GOOD, dns_record_types=["A", "MX"]), refused={"dns_record_types"})) == []
