"""Unit tests for inboxwine.fozzy.acm_certificate_request against moto's in-process mock.

Certificate state is read back with boto3 (or moto's backend where the API cannot set it,
e.g. a FAILED status or a load balancer using the certificate).
"""

import datetime
import os
import re

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from moto import settings
from moto.acm.models import AWSCertificateManagerBackend
from moto.acm.models import CertBundle
from moto.acm.models import acm_backends
from moto.acm.responses import AWSCertificateManagerResponse
from moto.core.exceptions import AWSError

from ansible_collections.inboxwine.fozzy.plugins.modules import acm_certificate_request

REGION = "eu-central-1"  # what the run_module fixture passes
ACCOUNT = "123456789012"  # moto's default account
DOMAIN = "fozzy-api.inbox.wine"
SAN = "www.fozzy-api.inbox.wine"
BASE = dict(domain_name=DOMAIN, subject_alternative_names=[SAN], tags={"ManagedBy": "inboxwine.fozzy", "Project": "fozzy"})
LB = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/fozzy/0123456789abcdef"


@pytest.fixture
def acm(aws, monkeypatch, fake_time):
    # requested certificates stay PENDING_VALIDATION unless a test says otherwise
    monkeypatch.setattr(settings, "ACM_VALIDATION_WAIT", 3600)
    # the module's polls never really sleep, so a wait that goes wrong fails fast
    return boto3.client("acm")


@pytest.fixture
def backend(acm):
    return acm_backends[ACCOUNT][REGION]


@pytest.fixture
def run(run_module):
    def _run(check_mode=False, **args):
        return run_module(acm_certificate_request.main, args, check_mode=check_mode)

    return _run


def certificates(acm):
    listed = acm.list_certificates(Includes={"keyTypes": ["RSA_2048", "EC_prime256v1", "EC_secp384r1"]})
    return sorted(c["CertificateArn"] for c in listed["CertificateSummaryList"])


def tags_of(acm, arn):
    return {t["Key"]: t.get("Value") for t in acm.list_tags_for_certificate(CertificateArn=arn)["Tags"]}


def answer_with_hyphens(monkeypatch):
    """Make moto describe and list key algorithms as AWS does (the emulator's fidelity patch)."""
    monkeypatch.syspath_prepend(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "scripts"))
    import emulator_fidelity  # pylint: disable=import-outside-toplevel

    for name in ("describe_certificate", "list_certificates"):
        monkeypatch.setattr(AWSCertificateManagerResponse, name, getattr(AWSCertificateManagerResponse, name))
    emulator_fidelity._acm_key_algorithm_as_aws_answers_it()


def with_failure_reason(monkeypatch, reason):
    """moto keeps no FailureReason; add one to unusable certificates as AWS does."""
    original = CertBundle.describe

    def describe(self):
        result = original(self)
        if self.status in ("FAILED", "VALIDATION_TIMED_OUT"):
            result["Certificate"]["FailureReason"] = reason
        return result

    monkeypatch.setattr(CertBundle, "describe", describe)


def recorded_requests(monkeypatch):
    """Record the idempotency token of every RequestCertificate moto serves."""
    tokens = []
    original = AWSCertificateManagerBackend.request_certificate

    def request(self, domain_name, idempotency_token, *args, **kwargs):
        tokens.append(idempotency_token)
        return original(self, domain_name, idempotency_token, *args, **kwargs)

    monkeypatch.setattr(AWSCertificateManagerBackend, "request_certificate", request)
    return tokens


def self_signed(domain):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain), x509.DNSName(SAN)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return (
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                          serialization.NoEncryption()),
    )


# --- create / find -------------------------------------------------------------------------


def test_request_creates_one_dns_validated_certificate(acm, run, monkeypatch):
    tokens = recorded_requests(monkeypatch)

    result = run(**BASE)

    assert result["changed"] is True
    assert certificates(acm) == [result["certificate_arn"]]
    cert = acm.describe_certificate(CertificateArn=result["certificate_arn"])["Certificate"]
    assert cert["Type"] == "AMAZON_ISSUED"
    assert {o["ValidationMethod"] for o in cert["DomainValidationOptions"]} == {"DNS"}
    assert set(cert["SubjectAlternativeNames"]) == {DOMAIN, SAN}
    assert tags_of(acm, result["certificate_arn"]) == BASE["tags"]
    assert result["status"] == "PENDING_VALIDATION"
    assert result["tags"] == BASE["tags"]
    assert result["replaced"] == [] and result["deleted"] == []
    [token] = tokens
    assert re.fullmatch(r"\w{1,32}", token)


def test_validation_records_are_returned_in_task_order(acm, run):
    result = run(**BASE)

    records = result["validation_records"]
    assert [r["domain_name"] for r in records] == [DOMAIN, SAN]
    for record in records:
        assert set(record) == {"domain_name", "name", "type", "value"}
        assert record["type"] == "CNAME"
        assert record["name"].endswith(f"{record['domain_name']}.")
        assert record["value"]


def test_create_reports_diff(acm, run):
    result = run(**BASE)

    assert result["diff"]["before"] == {}
    after = result["diff"]["after"]
    assert after["certificate_arn"] == result["certificate_arn"]
    assert after["subject_alternative_names"] == sorted([DOMAIN, SAN])
    assert after["tags"] == BASE["tags"]
    assert after["key_algorithm"] == "RSA_2048"


def test_second_run_finds_the_certificate(acm, run, monkeypatch):
    first = run(**BASE)
    tokens = recorded_requests(monkeypatch)

    second = run(**BASE)

    assert second["changed"] is False
    assert second["certificate_arn"] == first["certificate_arn"]
    assert second["validation_records"] == first["validation_records"]
    assert second["diff"]["before"] == second["diff"]["after"]
    assert tokens == []  # found, not requested again
    assert certificates(acm) == [first["certificate_arn"]]


def test_the_key_algorithm_is_compared_as_aws_describes_it(acm, run, monkeypatch):
    """AWS answers RSA-2048 where the request said RSA_2048 (moto answers RSA_2048)."""
    first = run(**BASE)
    answer_with_hyphens(monkeypatch)
    assert acm.describe_certificate(CertificateArn=first["certificate_arn"])["Certificate"]["KeyAlgorithm"] == "RSA-2048"
    tokens = recorded_requests(monkeypatch)

    second = run(**BASE)

    assert second["changed"] is False
    assert tokens == []  # found, not requested again
    assert second["certificate_arn"] == first["certificate_arn"]
    assert second["key_algorithm"] == "RSA_2048"
    assert second["diff"]["before"] == second["diff"]["after"] == first["diff"]["after"]


def test_names_match_as_a_set_ignoring_case_and_order(acm, run):
    first = run(domain_name=DOMAIN, subject_alternative_names=[SAN, "api.inbox.wine"])

    second = run(domain_name=DOMAIN.upper(), subject_alternative_names=["API.inbox.wine", DOMAIN, SAN])

    assert second["changed"] is False
    assert second["certificate_arn"] == first["certificate_arn"]


def test_a_different_san_set_is_another_certificate(acm, run):
    first = run(**BASE)

    second = run(**dict(BASE, subject_alternative_names=[]))

    assert second["changed"] is True
    assert second["certificate_arn"] != first["certificate_arn"]
    assert len(certificates(acm)) == 2


def test_another_key_algorithm_is_another_certificate(acm, run):
    first = run(**BASE)

    second = run(**BASE, key_algorithm="EC_prime256v1")

    assert second["changed"] is True
    assert second["certificate_arn"] != first["certificate_arn"]


def test_imported_certificate_is_never_adopted(acm, run):
    cert, key = self_signed(DOMAIN)
    imported = acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]

    # no ManagedBy tag in the task, so only the type keeps the imported certificate out
    result = run(domain_name=DOMAIN, subject_alternative_names=[SAN])

    assert result["changed"] is True
    assert result["certificate_arn"] != imported
    assert len(certificates(acm)) == 2


def test_managed_by_tag_keeps_other_owners_certificates_out(acm, run):
    other = acm.request_certificate(
        DomainName=DOMAIN, SubjectAlternativeNames=[SAN], ValidationMethod="DNS",
        Tags=[{"Key": "ManagedBy", "Value": "terraform"}],
    )["CertificateArn"]

    result = run(**BASE)

    assert result["changed"] is True
    assert result["certificate_arn"] != other
    assert tags_of(acm, other) == {"ManagedBy": "terraform"}


def test_without_managed_by_any_matching_certificate_is_adopted(acm, run):
    existing = acm.request_certificate(
        DomainName=DOMAIN, SubjectAlternativeNames=[SAN], ValidationMethod="DNS"
    )["CertificateArn"]

    result = run(domain_name=DOMAIN, subject_alternative_names=[SAN])

    assert result["changed"] is False
    assert result["certificate_arn"] == existing


def test_an_issued_duplicate_is_preferred_and_reported(acm, backend, run):
    pending = acm.request_certificate(DomainName=DOMAIN, ValidationMethod="DNS", IdempotencyToken="one")["CertificateArn"]
    issued = acm.request_certificate(DomainName=DOMAIN, ValidationMethod="DNS", IdempotencyToken="two")["CertificateArn"]
    backend._certificates[issued].status = "ISSUED"

    result = run(domain_name=DOMAIN)

    assert result["certificate_arn"] == issued
    assert result["status"] == "ISSUED"
    assert any(pending in warning for warning in result["warnings"])


def test_lost_response_is_retried_with_the_same_token(acm, run, monkeypatch):
    """The token makes a retried RequestCertificate return the first certificate, not a second one."""
    original = AWSCertificateManagerBackend.request_certificate
    served = []

    def lossy(self, *args, **kwargs):
        served.append(original(self, *args, **kwargs))
        if len(served) == 1:
            raise AWSError("reply lost", exception_type="InternalFailure", status=500)
        return served[-1]

    monkeypatch.setattr(AWSCertificateManagerBackend, "request_certificate", lossy)

    result = run(**BASE)

    assert len(served) >= 2 and len(set(served)) == 1
    assert certificates(acm) == [result["certificate_arn"]]


def test_a_token_pointing_at_a_deleted_certificate_is_not_trusted(acm, run, monkeypatch, fake_time):
    """Within the hour AWS keeps tokens, the same token may return the ARN of a deleted certificate."""
    original = AWSCertificateManagerBackend.request_certificate
    tokens = []
    stale = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/00000000-0000-0000-0000-000000000000"

    def stale_first(self, domain_name, idempotency_token, *args, **kwargs):
        tokens.append(idempotency_token)
        if len(tokens) == 1:
            return stale
        return original(self, domain_name, idempotency_token, *args, **kwargs)

    monkeypatch.setattr(AWSCertificateManagerBackend, "request_certificate", stale_first)

    result = run(**BASE)

    assert result["failed"] is False
    assert result["certificate_arn"] != stale
    assert certificates(acm) == [result["certificate_arn"]]
    assert len(tokens) == 2 and tokens[0] != tokens[1]


def test_tokens_of_two_certificates_deleted_within_the_hour_are_followed_to_a_new_one(acm, run, monkeypatch, fake_time):
    """Requested, deleted, requested and deleted again within the hour: the first token and the one
    after it both point at deleted certificates; the request follows the chain to a third token."""
    original = AWSCertificateManagerBackend.request_certificate
    stale = [f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/00000000-0000-0000-0000-00000000000{n}" for n in (1, 2)]
    tokens = []

    def two_stale(self, domain_name, idempotency_token, *args, **kwargs):
        tokens.append(idempotency_token)
        if len(tokens) <= len(stale):
            return stale[len(tokens) - 1]
        return original(self, domain_name, idempotency_token, *args, **kwargs)

    monkeypatch.setattr(AWSCertificateManagerBackend, "request_certificate", two_stale)

    result = run(**BASE)

    assert result["failed"] is False and result["certificate_arn"] not in stale
    assert certificates(acm) == [result["certificate_arn"]]
    assert len(tokens) == 3 and len(set(tokens)) == 3


def test_a_token_chain_that_never_ends_fails_naming_the_certificate(acm, run, monkeypatch, fake_time):
    unknown = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/00000000-0000-0000-0000-000000000009"
    monkeypatch.setattr(AWSCertificateManagerBackend, "request_certificate", lambda self, *a, **k: unknown)

    result = run(**BASE)

    assert result["failed"] is True
    assert f"ACM returned certificate {unknown} for " in result["msg"] and "but does not know it" in result["msg"]
    assert certificates(acm) == []


# --- tags ------------------------------------------------------------------------------------


def test_tags_are_added_and_changed(acm, run):
    arn = run(**BASE)["certificate_arn"]

    result = run(**dict(BASE, tags={"ManagedBy": "inboxwine.fozzy", "Project": "wine", "Env": "prod"}))

    assert result["changed"] is True
    assert tags_of(acm, arn) == {"ManagedBy": "inboxwine.fozzy", "Project": "wine", "Env": "prod"}
    assert result["tags"] == tags_of(acm, arn)
    assert result["diff"]["before"]["tags"]["Project"] == "fozzy"
    assert result["diff"]["after"]["tags"]["Env"] == "prod"


def test_purge_tags_removes_undeclared_tags(acm, run):
    arn = run(**BASE)["certificate_arn"]

    result = run(**dict(BASE, tags={"ManagedBy": "inboxwine.fozzy"}))

    assert result["changed"] is True
    assert tags_of(acm, arn) == {"ManagedBy": "inboxwine.fozzy"}


def test_purge_tags_false_keeps_undeclared_tags(acm, run):
    arn = run(**BASE)["certificate_arn"]

    result = run(**dict(BASE, tags={"ManagedBy": "inboxwine.fozzy", "Env": "prod"}), purge_tags=False)

    assert result["changed"] is True
    assert tags_of(acm, arn) == {"ManagedBy": "inboxwine.fozzy", "Project": "fozzy", "Env": "prod"}


def test_omitted_tags_are_left_alone(acm, run):
    arn = run(**BASE)["certificate_arn"]

    result = run(domain_name=DOMAIN, subject_alternative_names=[SAN])

    assert result["changed"] is False
    assert tags_of(acm, arn) == BASE["tags"]


# --- check mode -----------------------------------------------------------------------------


def test_check_mode_request_writes_nothing(acm, run):
    result = run(check_mode=True, **BASE)

    assert result["changed"] is True
    assert result["certificate_arn"] is None
    assert result["validation_records"] == []
    assert certificates(acm) == []
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["tags"] == BASE["tags"]


def test_check_mode_tag_change_writes_nothing(acm, run):
    arn = run(**BASE)["certificate_arn"]

    result = run(check_mode=True, **dict(BASE, tags={"ManagedBy": "inboxwine.fozzy", "Env": "prod"}))

    assert result["changed"] is True
    assert tags_of(acm, arn) == BASE["tags"]
    assert result["diff"]["after"]["tags"] == {"ManagedBy": "inboxwine.fozzy", "Env": "prod"}
    assert result["certificate_arn"] == arn


def test_check_mode_unchanged_certificate(acm, run):
    arn = run(**BASE)["certificate_arn"]

    result = run(check_mode=True, **BASE)

    assert result["changed"] is False
    assert result["certificate_arn"] == arn
    assert result["validation_records"]


def test_check_mode_replacement_writes_nothing(acm, backend, run):
    arn = run(**BASE)["certificate_arn"]
    backend._certificates[arn].status = "FAILED"

    result = run(check_mode=True, **BASE)

    assert result["changed"] is True
    assert result["certificate_arn"] is None
    assert [r["certificate_arn"] for r in result["replaced"]] == [arn]
    assert certificates(acm) == [arn]


def test_check_mode_absent_writes_nothing(acm, run):
    arn = run(**BASE)["certificate_arn"]

    result = run(check_mode=True, **BASE, state="absent")

    assert result["changed"] is True
    assert result["deleted"] == [arn]
    assert certificates(acm) == [arn]


# --- unusable certificates -------------------------------------------------------------------


@pytest.mark.parametrize("status", ["FAILED", "EXPIRED", "VALIDATION_TIMED_OUT", "REVOKED"])
def test_unusable_certificate_is_replaced_and_reported(acm, backend, run, monkeypatch, status):
    with_failure_reason(monkeypatch, "CAA_ERROR")
    old = run(**BASE)["certificate_arn"]
    backend._certificates[old].status = status
    tokens = recorded_requests(monkeypatch)

    result = run(**BASE)

    assert result["changed"] is True
    assert result["certificate_arn"] not in (None, old)
    assert result["status"] == "PENDING_VALIDATION"
    [replaced] = result["replaced"]
    assert replaced["certificate_arn"] == old and replaced["status"] == status
    if status in ("FAILED", "VALIDATION_TIMED_OUT"):
        assert replaced["reason"] == "CAA_ERROR"
    assert any(old in w and status in w and "replacement" in w for w in result["warnings"])
    assert sorted(certificates(acm)) == sorted([old, result["certificate_arn"]])
    assert len(tokens) == 1
    # the next run uses the replacement
    again = run(**BASE)
    assert again["changed"] is False and again["certificate_arn"] == result["certificate_arn"]


def test_replacement_uses_a_new_token(acm, backend, run, monkeypatch):
    tokens = recorded_requests(monkeypatch)
    old = run(**BASE)["certificate_arn"]
    backend._certificates[old].status = "FAILED"

    run(**BASE)

    assert len(tokens) == 2 and tokens[0] != tokens[1]
    assert all(re.fullmatch(r"\w{1,32}", t) for t in tokens)


# --- waiting ---------------------------------------------------------------------------------


def test_wait_returns_an_issued_certificate(acm, backend, run, monkeypatch, fake_time):
    advance = fake_time.sleep

    def validated(seconds):
        # DNS validation succeeds while the module sleeps between polls
        for cert in backend._certificates.values():
            cert.status = "ISSUED"
        advance(seconds)

    monkeypatch.setattr(fake_time, "sleep", validated)

    result = run(**BASE, wait=True, wait_timeout=30)

    assert result["status"] == "ISSUED"
    assert acm.describe_certificate(CertificateArn=result["certificate_arn"])["Certificate"]["Status"] == "ISSUED"
    assert len(fake_time.sleeps) == 1


def test_wait_on_an_issued_certificate_does_not_sleep(acm, run, monkeypatch, fake_time):
    monkeypatch.setattr(settings, "ACM_VALIDATION_WAIT", 0)  # moto issues on the first read

    result = run(**BASE, wait=True)

    assert result["status"] == "ISSUED"
    assert fake_time.sleeps == []


def test_wait_timeout_fails_with_a_clear_message(acm, run, fake_time):
    result = run(**BASE, wait=True, wait_timeout=120)

    assert result["failed"] is True
    assert result["msg"].startswith("Timed out after 120 seconds waiting for certificate arn:aws:acm:")
    assert "to be ISSUED" in result["msg"] and "status PENDING_VALIDATION" in result["msg"]
    assert result["certificate_arn"] in certificates(acm)
    assert result["validation_records"]
    assert sum(fake_time.sleeps) == 120


def test_the_issue_wait_polls_at_most_5_seconds_apart(acm, run, fake_time):
    # the deploy waits on the certificate: a growing pause would notice the issue late
    run(**BASE, wait=True, wait_timeout=120)

    assert max(fake_time.sleeps) == 5
    assert sum(fake_time.sleeps) == 120


def test_certificate_failing_during_wait_is_reported(acm, backend, run, monkeypatch, fake_time):
    with_failure_reason(monkeypatch, "CAA_ERROR")
    advance = fake_time.sleep

    def validation_fails(seconds):
        # AWS gives up on validation while the module sleeps between polls
        for cert in backend._certificates.values():
            cert.status = "FAILED"
        advance(seconds)

    monkeypatch.setattr(fake_time, "sleep", validation_fails)

    result = run(**BASE, wait=True)

    assert result["failed"] is True
    [arn] = certificates(acm)
    assert f"Certificate {arn} became FAILED (CAA_ERROR) while waiting for it to be issued" in result["msg"]
    assert result["status"] == "FAILED"
    assert len(fake_time.sleeps) == 1


def test_validation_records_are_awaited(acm, run, monkeypatch, fake_time):
    """AWS adds ResourceRecord a few seconds after the request."""
    original = CertBundle.describe
    calls = []

    def late_records(self):
        result = original(self)
        calls.append(1)
        if len(calls) <= 3:
            for option in result["Certificate"]["DomainValidationOptions"]:
                option.pop("ResourceRecord")
        return result

    monkeypatch.setattr(CertBundle, "describe", late_records)

    result = run(**BASE)

    assert len(result["validation_records"]) == 2
    assert fake_time.sleeps  # it had to wait


def test_missing_validation_records_time_out(acm, run, monkeypatch, fake_time):
    original = CertBundle.describe

    def no_records(self):
        result = original(self)
        for option in result["Certificate"]["DomainValidationOptions"]:
            option.pop("ResourceRecord")
        return result

    monkeypatch.setattr(CertBundle, "describe", no_records)

    result = run(**BASE, wait_timeout=45)

    assert result["failed"] is True
    assert "Timed out after 45 seconds waiting for the DNS validation records of certificate" in result["msg"]
    assert DOMAIN in result["msg"]


def test_negative_wait_timeout_is_rejected(acm, run):
    result = run(**BASE, wait_timeout=-1)

    assert result["failed"] is True
    assert "wait_timeout must be 0 or more" in result["msg"]
    assert certificates(acm) == []


# --- absent ----------------------------------------------------------------------------------


def test_absent_deletes_every_matching_certificate(acm, backend, run):
    old = run(**BASE)["certificate_arn"]
    backend._certificates[old].status = "FAILED"
    new = run(**BASE)["certificate_arn"]
    ec = run(**BASE, key_algorithm="EC_prime256v1")["certificate_arn"]
    unrelated = run(domain_name="other.inbox.wine")["certificate_arn"]

    result = run(**BASE, state="absent")

    assert result["changed"] is True
    assert sorted(result["deleted"]) == sorted([old, new, ec])
    assert certificates(acm) == [unrelated]
    assert result["diff"]["after"] == {}
    assert result["certificate_arn"] is None


def test_absent_when_nothing_exists_is_unchanged(acm, run):
    result = run(**BASE, state="absent")

    assert result["changed"] is False
    assert result["failed"] is False
    assert result["deleted"] == []


def test_absent_refuses_a_certificate_in_use(acm, backend, run, fake_time):
    arn = run(**BASE)["certificate_arn"]
    backend._certificates[arn].status = "FAILED"
    other = run(**BASE)["certificate_arn"]
    backend.set_certificate_in_use_by(arn, LB)

    result = run(**BASE, state="absent", wait_timeout=120)

    assert result["failed"] is True
    assert f"{arn} is used by {LB}" in result["msg"]
    assert "nothing was deleted" in result["msg"]
    assert sorted(certificates(acm)) == sorted([arn, other])
    assert sum(fake_time.sleeps) == 120  # it gave AWS the whole wait_timeout to let go


def test_absent_waits_for_aws_to_release_a_certificate_of_a_deleted_load_balancer(acm, backend, run, monkeypatch, fake_time):
    arn = run(**BASE)["certificate_arn"]
    backend.set_certificate_in_use_by(arn, LB)
    advance = fake_time.sleep

    def released(seconds):
        # ACM forgets the deleted load balancer while the module sleeps between polls
        backend._certificates[arn].in_use_by = []
        advance(seconds)

    monkeypatch.setattr(fake_time, "sleep", released)

    result = run(**BASE, state="absent")

    assert result["failed"] is False
    assert result["deleted"] == [arn]
    assert certificates(acm) == []
    assert len(fake_time.sleeps) == 1


def test_absent_reports_resource_in_use_from_aws(acm, run, monkeypatch):
    arn = run(**BASE)["certificate_arn"]

    def in_use(self, arn):
        raise AWSError("Certificate is in use", exception_type="ResourceInUseException")

    monkeypatch.setattr(AWSCertificateManagerBackend, "delete_certificate", in_use)

    result = run(**BASE, state="absent")

    assert result["failed"] is True
    assert f"Certificate {arn} is in use and cannot be deleted" in result["msg"]
    assert certificates(acm) == [arn]
