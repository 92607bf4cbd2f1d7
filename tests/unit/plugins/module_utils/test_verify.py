"""The checks of module_utils/verify.py against small local servers (no DNS, no AWS)."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.module_utils import verify
from verify_servers import serve

HOST = "fozzy-api.inbox.test"
RESOLVE = [(HOST, "*", "127.0.0.1")]


def test_parse_resolve():
    assert verify.parse_resolve(["Fozzy.Example:443:192.0.2.1", "a.b:*:[2001:db8::1]"]) == [
        ("fozzy.example", "443", "192.0.2.1"), ("a.b", "*", "2001:db8::1")]
    with pytest.raises(ValueError, match="is not host:port:address"):
        verify.parse_resolve(["a.b:1.2.3.4"])


def test_split_and_join():
    assert verify.split_url("https://Fozzy.Example/x?y=1") == ("https", "fozzy.example", 443, "/x?y=1")
    assert verify.split_url("http://h:8080") == ("http", "h", 8080, "/")
    assert verify.join("https://h:8443/ignored", "/health?x=1") == "https://h:8443/health?x=1"
    with pytest.raises(ValueError):
        verify.split_url("ftp://h/")


def test_tls_valid_for_the_host(tmp_path):
    with serve(tmp_path) as (port, bundle):
        result, facts = verify.check_tls(f"https://{HOST}:{port}", RESOLVE, bundle, 14)
    assert result["passed"] is True, result
    assert facts["version"] in ("TLSv1.2", "TLSv1.3") and facts["subject_alt_names"] == [HOST]
    assert 89 <= facts["days_left"] <= 90


def test_tls_expires_too_soon(tmp_path):
    with serve(tmp_path) as (port, bundle):
        result, _ = verify.check_tls(f"https://{HOST}:{port}", RESOLVE, bundle, 120)
    assert result["passed"] is False
    assert result["detail"].startswith("verify_cert_min_days: the certificate expires in 9")
    assert result["detail"].endswith("not more than 120")


def test_tls_certificate_for_another_name(tmp_path):
    with serve(tmp_path, name="other.inbox.test") as (port, bundle):
        result, facts = verify.check_tls(f"https://{HOST}:{port}", RESOLVE, bundle)
    assert result["passed"] is False
    assert "does not verify: Hostname mismatch" in result["detail"] and "names: other.inbox.test" in result["detail"]
    assert facts["subject_alt_names"] == ["other.inbox.test"]


def test_tls_expired_certificate(tmp_path):
    with serve(tmp_path, expired=True) as (port, bundle):
        result, _ = verify.check_tls(f"https://{HOST}:{port}", RESOLVE, bundle)
    assert result["passed"] is False and "certificate has expired" in result["detail"]


def test_tls_unknown_ca(tmp_path):
    with serve(tmp_path) as (port, _):
        result, _ = verify.check_tls(f"https://{HOST}:{port}", RESOLVE, None)
    assert result["passed"] is False and "unable to get local issuer certificate" in result["detail"]


def test_redirect_301_to_https():
    with serve(status=301, location=f"https://{HOST}:8443") as (port, _):
        good = verify.check_redirect(f"http://{HOST}:{port}/", f"https://{HOST}:8443/", RESOLVE)
        wrong_port = verify.check_redirect(f"http://{HOST}:{port}/", f"https://{HOST}/", RESOLVE)
    assert good["passed"] is True
    assert wrong_port["passed"] is False and "expected 301 to https://fozzy-api.inbox.test/" in wrong_port["detail"]


def test_redirect_missing():
    with serve(status=200) as (port, _):
        result = verify.check_redirect(f"http://{HOST}:{port}/", f"https://{HOST}/", RESOLVE)
    assert result == {"name": "redirect", "passed": False, "detail": f"http://{HOST}:{port}/ answers 200 without a"
                      f" Location; expected 301 to https://{HOST}/"}


def test_redirect_not_answering():
    with serve() as (port, _):
        pass
    result = verify.check_redirect(f"http://{HOST}:{port}/", f"https://{HOST}/", RESOLVE)
    assert result["passed"] is False and "does not answer: ConnectionRefusedError" in result["detail"]


def test_health(tmp_path):
    with serve(tmp_path) as (port, bundle):
        assert verify.check_health(f"https://{HOST}:{port}/health", RESOLVE, bundle)["passed"] is True
    with serve(tmp_path, status=503) as (port, bundle):
        result = verify.check_health(f"https://{HOST}:{port}/health", RESOLVE, bundle)
    assert result["passed"] is False and result["detail"].endswith("answers 503, expected 200")


LB = {"DNSName": "fozzy-api-production-1.eu-central-1.elb.amazonaws.com"}
ALIAS = {"Name": "fozzy-api.inbox.wine.", "Type": "A",
         "AliasTarget": {"DNSName": "dualstack.fozzy-api-production-1.eu-central-1.elb.amazonaws.com."}}


def test_dns_alias_points_at_the_load_balancer():
    result = verify.check_dns("fozzy-api.inbox.wine", [ALIAS], LB, ["192.0.2.1"])
    assert result["passed"] is True


def test_dns_problems_are_each_named():
    other = dict(ALIAS, AliasTarget={"DNSName": "other-1.eu-central-1.elb.amazonaws.com."})
    assert verify.check_dns("fozzy-api.inbox.wine", [other], LB, ["192.0.2.1"])["detail"] == (
        "the A record of fozzy-api.inbox.wine points at other-1.eu-central-1.elb.amazonaws.com, not at the load"
        " balancer fozzy-api-production-1.eu-central-1.elb.amazonaws.com")
    assert verify.check_dns("fozzy-api.inbox.wine", [], None, "Name or service not known")["detail"] == (
        "fozzy-api.inbox.wine does not resolve: Name or service not known; the stack's load balancer was not found;"
        " the hosted zone has no A record fozzy-api.inbox.wine")


FIGURES = {"rps": 48.0, "p50_ms": 20, "p95_ms": 120, "p99_ms": 200, "error_rate": 0.05, "requests": 100, "failures": 5}


def test_objectives_name_their_variables():
    assert verify.objectives(FIGURES, {"p95_ms": 100, "max_error_rate": 0.01, "min_rps": 50}) == [
        "verify_slo_p95_ms: P95 120 ms is above the objective 100 ms",
        "verify_slo_max_error_rate: error rate 5.00% (5 of 100 requests failed) is above the objective 1.00%",
        "verify_min_rps: 48 requests/s is below the objective 50"]
    assert verify.objectives(FIGURES, {"p95_ms": 120, "max_error_rate": 0.05, "min_rps": 48}) == []
    assert verify.objectives(FIGURES, {}) == []


def test_table_marks_each_objective():
    lines = verify.table([verify.check("dns", None, "skipped: x"), verify.check("tls", True, "TLSv1.3")], FIGURES,
                         {"p95_ms": 100, "max_error_rate": 0.1, "min_rps": 40})
    assert lines[1] == "dns        skip   skipped: x"
    assert "P95 ms     120                <= 100     FAIL" in lines
    assert "error rate 5.00%              <= 10.00%  ok" in lines
