"""The bounded locust run in its child process, against a small local server."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.module_utils.verify_load import LoadError, bounded, run_load
from verify_servers import serve


def test_the_run_stops_at_max_requests_and_measures():
    with serve() as (port, _):
        figures = run_load(f"http://fozzy-api.inbox.test:{port}", ["/a", "/b"], duration=20, users=4, rate=0,
                           max_requests=60, resolve=[("fozzy-api.inbox.test", "*", "127.0.0.1")])
    # the run ends on the 60th answer; the users' requests in flight (and a few started before
    # the stop) end too. A run that ends in its warm-up second keeps the warm-up's figures.
    assert 60 <= figures["sent"] <= 68 and figures["failures"] == 0 and figures["error_rate"] == 0
    assert figures["requests"] == figures["sent"]
    assert figures["duration_s"] < 15
    assert figures["p50_ms"] <= figures["p95_ms"] <= figures["p99_ms"]
    assert figures["status"] == {"200": figures["requests"]}


def test_errors_are_counted():
    with serve(status=503) as (port, _):
        figures = run_load(f"http://127.0.0.1:{port}", ["/"], duration=3, users=2, rate=20, max_requests=1000)
    assert figures["requests"] and figures["failures"] == figures["requests"] and figures["error_rate"] == 1.0
    assert figures["errors"] and "HTTP 503" in figures["errors"][0]


def test_the_rate_is_capped():
    with serve() as (port, _):
        figures = run_load(f"http://127.0.0.1:{port}", ["/"], duration=2, users=2, rate=10, max_requests=1000)
    assert figures["sent"] <= 26  # 10/s for 2 s, plus the first request of each user
    assert figures["requests"] < figures["sent"]  # the warm-up's are not counted


def test_redirects_are_not_followed():
    with serve(status=301, location="http://192.0.2.1") as (port, _):
        figures = run_load(f"http://127.0.0.1:{port}", ["/"], duration=3, users=1, rate=5, max_requests=1000)
    assert figures["requests"] and figures["status"] == {"301": figures["requests"]}
    assert figures["failures"] == figures["requests"]


def test_bounds():
    assert bounded(10, 10, 50, 100) == {"duration": 10.0, "users": 10, "rate": 50.0, "max_requests": 100}
    for args, message in (((301, 1, 1, 1), "duration=301"), ((1, 201, 1, 1), "users=201"),
                          ((1, 1, 5001, 1), "rate=5001"), ((1, 1, 1, 0), "max_requests=0")):
        with pytest.raises(ValueError, match=message):
            bounded(*args)


def test_a_failing_child_is_reported():
    with pytest.raises(LoadError, match="the load run failed"):
        run_load("http://127.0.0.1:1", ["/"], duration=1, users=1, rate=1, max_requests=1, python="/bin/false")
