"""Unit tests of the certificate filters (plugins/filter/certificate.py)."""
from ansible_collections.inboxwine.fozzy.plugins.filter import certificate

OURS = "arn:aws:acm:eu-central-1:123456789012:certificate/ours"
RECORD = {"domain_name": "fozzy-api.inbox.wine", "name": "_x1.fozzy-api.inbox.wine.", "type": "CNAME",
          "value": "_v1.acm-validations.aws."}
SAN_RECORD = {"domain_name": "www.fozzy-api.inbox.wine", "name": "_x2.www.fozzy-api.inbox.wine.", "type": "CNAME",
              "value": "_v2.acm-validations.aws."}


def other(status="ISSUED", names=("_x1.fozzy-api.inbox.wine.",), arn="arn:aws:acm:eu-central-1:123456789012:certificate/other"):
    return {"certificate_arn": arn, "status": status,
            "domain_validation_options": [{"domain_name": "d", "resource_record": {"name": name}} for name in names]}


def test_filter_is_registered():
    assert set(certificate.FilterModule().filters()) == {"validation_records_to_remove"}


def test_alone_every_record_goes():
    ours = other(arn=OURS, names=[RECORD["name"], SAN_RECORD["name"]])
    assert certificate.validation_records_to_remove([RECORD, SAN_RECORD], [ours], OURS) == [RECORD, SAN_RECORD]


def test_a_record_another_certificate_needs_stays():
    # the other one names the record without the trailing dot and in capitals: still the same record
    found = certificate.validation_records_to_remove([RECORD, SAN_RECORD], [other(names=["_X1.Fozzy-API.inbox.wine"])], OURS)
    assert found == [SAN_RECORD]


def test_a_pending_certificate_needs_it_too_an_expired_or_failed_one_not():
    assert certificate.validation_records_to_remove([RECORD], [other("PENDING_VALIDATION")], OURS) == []
    for status in ("EXPIRED", "FAILED", "VALIDATION_TIMED_OUT", "INACTIVE", "REVOKED"):
        assert certificate.validation_records_to_remove([RECORD], [other(status)], OURS) == [RECORD]


def test_nothing_read_removes_nothing_more_than_asked():
    assert certificate.validation_records_to_remove([], [other()], OURS) == []
    assert certificate.validation_records_to_remove([RECORD], None, OURS) == [RECORD]


def test_a_record_of_a_name_another_certificate_covers_stays_before_acm_lists_its_records():
    # just requested: no resource records yet, but it covers *.www.fozzy-api (same record as www.fozzy-api)
    fresh = dict(other("PENDING_VALIDATION", names=()), domain_name="other.inbox.wine",
                 subject_alternative_names=["other.inbox.wine", "*.www.fozzy-api.inbox.wine"])
    assert certificate.validation_records_to_remove([RECORD, SAN_RECORD], [fresh], OURS) == [RECORD]
