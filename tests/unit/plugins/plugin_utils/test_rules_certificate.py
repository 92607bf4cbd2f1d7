"""Rules of the certificate role's inputs."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils import inputs as engine

GOOD = {
    "fozzy_domain_name": "fozzy-api.inbox.wine", "fozzy_hosted_zone_name": "inbox.wine",
    "certificate_domain_name": "fozzy-api.inbox.wine", "certificate_subject_alternative_names": [],
    "certificate_zone_name": "inbox.wine", "certificate_key_algorithm": "RSA_2048",
    "certificate_wait_timeout": 1800, "certificate_validation_record_ttl": 300,
}
ZONE = {"Id": "/hostedzone/Z1", "Name": "inbox.wine.", "Config": {"PrivateZone": False}}
PRIVATE = {"Id": "/hostedzone/Z2", "Name": "inbox.wine.", "Config": {"PrivateZone": True}}


def problems(facts=None, **changes):
    return engine.check(["certificate"], engine.Inputs(dict(GOOD, **changes), facts=facts))


def test_good_inputs_have_no_problem():
    assert problems() == []
    assert problems(certificate_subject_alternative_names=["*.fozzy-api.inbox.wine", "inbox.wine"]) == []
    assert problems(facts={"hosted_zones": [PRIVATE, ZONE]}) == []
    # not read by preflight: nothing to compare with
    assert problems(facts={"hosted_zones": None}) == []


@pytest.mark.parametrize("changes, message", [
    ({"certificate_zone_name": "Inbox.Wine"}, "certificate_zone_name=Inbox.Wine is not allowed: use a lower case DNS name"),
    ({"certificate_zone_name": "inbox..wine", "fozzy_hosted_zone_name": "inbox..wine"},
     "certificate_zone_name=inbox..wine (fozzy_hosted_zone_name) is not allowed"),
    ({"certificate_domain_name": "api.example.com"},
     "certificate_domain_name=api.example.com with certificate_zone_name=inbox.wine (fozzy_hosted_zone_name) is not"
     " allowed together: every name of the certificate must be the zone or a name inside it"),
    ({"certificate_domain_name": "API.inbox.wine"},
     "certificate_domain_name=API.inbox.wine is not allowed: use a lower case DNS name of at most 253 characters"),
    ({"certificate_domain_name": "a.*.inbox.wine"}, "certificate_domain_name=a.*.inbox.wine is not allowed"),
    ({"certificate_domain_name": ("a" * 60 + ".") * 4 + "inbox.wine"}, "certificate_domain_name=aaaa"),
    ({"certificate_subject_alternative_names": ["www.example.org"]},
     'certificate_subject_alternative_names=["www.example.org"] with certificate_zone_name=inbox.wine'
     " (fozzy_hosted_zone_name) is not allowed together: every name of the certificate must be the zone or a name"
     " inside it (its validation records go into that zone); these are not: www.example.org."),
    ({"certificate_subject_alternative_names": ["www.inbox.wine", "Bad_Name.inbox.wine"]},
     'certificate_subject_alternative_names=["www.inbox.wine", "Bad_Name.inbox.wine"] is not allowed: use lower case'
     " DNS names of at most 253 characters, a wildcard only as the whole first label (*.inbox.wine); these are not:"
     " Bad_Name.inbox.wine."),
    ({"certificate_subject_alternative_names": [f"n{i}.inbox.wine" for i in range(10)]},
     "certificate_subject_alternative_names has 10 names, which is not allowed: ACM allows 10 names per certificate,"
     " so use at most 9 besides certificate_domain_name."),
    ({"certificate_wait_timeout": -1}, "certificate_wait_timeout=-1 is not allowed: use 0 to 86400 seconds"),
    ({"certificate_wait_timeout": 86401}, "certificate_wait_timeout=86401 is not allowed"),
    ({"certificate_validation_record_ttl": 172801},
     "certificate_validation_record_ttl=172801 is not allowed: use 0 to 172800 seconds."),
])
def test_each_bad_input_is_named_with_its_value(changes, message):
    found = problems(**changes)
    assert len(found) == 1 and found[0].startswith(message), found


@pytest.mark.parametrize("zones, found", [([], ""), ([PRIVATE], ""), ([ZONE, dict(ZONE, Id="/hostedzone/Z3")], " (found 2)")])
def test_a_missing_public_zone_is_reported_when_preflight_read_the_zones(zones, found):
    assert problems(facts={"hosted_zones": zones}) == [
        "fozzy_hosted_zone_name / certificate_zone_name: no public Route53 hosted zone named inbox.wine exists in"
        f" this account{found}. The collection never creates it: create it (or delegate the subdomain) first."]


def test_another_zone_than_the_one_preflight_read_is_left_to_the_role():
    assert problems(facts={"hosted_zones": []}, certificate_zone_name="other.wine",
                    certificate_domain_name="api.other.wine") == []
