"""Rules of the verify role's inputs."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils import inputs as engine

GOOD = {
    "verify_url": "https://fozzy-api.inbox.wine", "verify_http_url": "", "verify_resolve": [], "verify_ca_bundle": "",
    "verify_load_duration": 10, "verify_load_users": 10, "verify_load_rate": 50, "verify_load_max_requests": 1000,
    "verify_cert_min_days": 14, "verify_timeout": 10, "verify_slo_p95_ms": 1000, "verify_slo_max_error_rate": 0.01,
    "verify_min_rps": 40,
}


def problems(**changes):
    return engine.check(["verify"], engine.Inputs(dict(GOOD, **changes)))


def test_the_defaults_are_fine():
    assert problems() == []


def test_any_endpoint_with_its_own_ca_and_resolve(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    assert problems(verify_url="https://fozzy-api.inbox.test:8443", verify_http_url="http://fozzy-api.inbox.test:8080",
                    verify_ca_bundle=str(bundle), verify_resolve=["fozzy-api.inbox.test:*:127.0.0.1"]) == []


@pytest.mark.parametrize("url", ["http://fozzy-api.inbox.wine", "fozzy-api.inbox.wine", "https://"])
def test_verify_url_must_be_https(url):
    assert problems(verify_url=url) == [f"verify_url={url} is not allowed: use an https:// URL such as"
                                        " https://fozzy-api.inbox.wine."]


def test_verify_http_url_must_be_http():
    assert problems(verify_http_url="https://x.example") == [
        "verify_http_url=https://x.example is not allowed: use an http:// URL such as http://fozzy-api.inbox.wine"
        " (or leave it empty)."]


@pytest.mark.parametrize("entry", ["fozzy-api.inbox.wine:443", "fozzy-api.inbox.wine:https:1.2.3.4", ":443:1.2.3.4"])
def test_resolve_entries_are_host_port_address(entry):
    [problem] = problems(verify_resolve=[entry])
    assert problem.startswith(f'verify_resolve=["{entry}"] is not allowed: resolve entry')
    assert "is not host:port:address" in problem


def test_missing_ca_bundle():
    assert problems(verify_ca_bundle="/nonexistent/ca.pem") == [
        "verify_ca_bundle=/nonexistent/ca.pem is not allowed: it must name an existing PEM file (or be empty for the"
        " system's CAs)."]


@pytest.mark.parametrize("name,value,allowed", [
    ("verify_load_duration", 301, "1 to 300"), ("verify_load_duration", 0, "1 to 300"),
    ("verify_load_users", 500, "1 to 200"), ("verify_load_rate", -1, "0 to 5000"),
    ("verify_load_max_requests", 0, "1 to 1000000"), ("verify_cert_min_days", "soon", "0 to 365"),
])
def test_every_load_bound_is_capped(name, value, allowed):
    assert problems(**{name: value}) == [f"{name}={value} is not allowed: use a number from {allowed}."]


def test_objectives():
    assert problems(verify_slo_max_error_rate=5) == [
        "verify_slo_max_error_rate=5 is not allowed: use a number from 0 to 1 (a share: 0.01 is 1 %)."]
    assert problems(verify_slo_p95_ms=0) == ["verify_slo_p95_ms=0 is not allowed: use a latency above 0 ms, like 1000."]
    assert problems(verify_min_rps=-2) == ["verify_min_rps=-2 is not allowed: use 0 or more requests per second."]


def test_whole_numbers_read_as_typed():
    assert problems(verify_load_users=500.0) == ["verify_load_users=500 is not allowed: use a number from 1 to 200."]
    assert problems(verify_min_rps=100.0, verify_load_rate=50.0)[0].startswith("verify_min_rps=100 with verify_load_rate=50 ")


def test_min_rps_above_the_rate_cap_cannot_be_met():
    assert problems(verify_min_rps=100) == [
        "verify_min_rps=100 with verify_load_rate=50 is not allowed together: the run sends at most verify_load_rate"
        " requests per second, so verify_min_rps must not be above it."]
    assert problems(verify_min_rps=100, verify_load_rate=0) == []
