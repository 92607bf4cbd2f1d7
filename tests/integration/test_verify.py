"""playbooks/verify.yml against the local stand-in (scripts/local_endpoint.py): it passes when the
endpoint serves, and fails naming the check or objective when the stand-in misbehaves.

Each case starts its own stand-in (a second or two) with the options that make it misbehave, runs
verify.yml once with a short load, and stops the stand-in by its PID files. The cases run a few at
a time; none needs the AWS emulator (the DNS check is skipped for the stand-in's host, and says so).
"""
import concurrent.futures
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
STANDIN = [sys.executable, str(ROOT / "scripts" / "local_endpoint.py")]

pytestmark = pytest.mark.xdist_group("verify")

# (id, stand-in options, extra variables, messages the run must print, whether it passes)
CASES = [
    ("serves", [], {}, ["redirect   ok", "health     ok", "P95 ms", "verify_passed: true",
                        "dns        skip   skipped: the host of the URL, fozzy-api.inbox.test,"], True),
    ("answers-5xx", ["--error-rate", "0.5"], {},
     ["verify_slo_max_error_rate: error rate", "is above the objective 1.00%"], False),
    ("slow", ["--delay-ms", "120"], {"verify_slo_p95_ms": 60},
     ["verify_slo_p95_ms: P95 ", "ms is above the objective 60 ms"], False),
    ("certificate-for-another-name", ["--cert-name", "other.inbox.test"], {},
     ["tls: the certificate of fozzy-api.inbox.test:", "does not verify: Hostname mismatch, certificate is not valid"
      " for 'fozzy-api.inbox.test'", "names: other.inbox.test"], False),
    ("expired-certificate", ["--expired"], {}, ["does not verify: certificate has expired"], False),
    ("no-redirect", ["--no-redirect"], {"verify_load_enabled": False},
     ["redirect: http://fozzy-api.inbox.test:", "answers 200 without a Location; expected 301 to"
      " https://fozzy-api.inbox.test:"], False),
]
# A short load: enough requests for a P95, a few seconds per run. The machine is shared: the
# passing case's objectives are loose (the latency case sets a tight one of its own).
SHORT = {"verify_load_duration": 4, "verify_load_max_requests": 150, "verify_min_rps": 10, "verify_slo_p95_ms": 3000,
         "verify_report_enabled": False}


def run_case(tmp, options, extra):
    state = tmp / "standin"
    started = subprocess.run(STANDIN + ["start", "--state-dir", str(state), "--workers", "1", *options],
                             capture_output=True, text=True, check=True, cwd=ROOT)
    try:
        endpoint = json.loads(started.stdout)
        variables = dict(SHORT, verify_url=endpoint["https_url"], verify_http_url=endpoint["http_url"],
                         verify_ca_bundle=endpoint["ca_bundle"], verify_resolve=[endpoint["resolve"]], **extra)
        env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_SHOW_CUSTOM_STATS="1")
        return subprocess.run([str(BIN / "ansible-playbook"), "playbooks/verify.yml", "-i", "inventories/local",
                               "-e", json.dumps(variables)], cwd=ROOT, env=env, capture_output=True, text=True)
    finally:
        subprocess.run(STANDIN + ["stop", "--state-dir", str(state)], capture_output=True, check=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every case's run, two at a time (each is mostly waiting on its short load)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {case: pool.submit(run_case, tmp_path_factory.mktemp(case), options, extra)
                   for case, options, extra, _, _ in CASES}
        return {case: future.result() for case, future in futures.items()}


@pytest.mark.parametrize("case,messages,passes", [(c, m, p) for c, _, _, m, p in CASES], ids=[c[0] for c in CASES])
def test_verify(runs, case, messages, passes):
    run = runs[case]
    output = run.stdout + run.stderr
    assert (run.returncode == 0) is passes, output[-3000:]
    for message in messages:
        assert message in output, output[-3000:]
    if not passes:
        assert "does not serve as expected:" in output
        assert "verify_passed: false" in output


def test_only_the_named_objective_fails(runs):
    """The slow stand-in misses the latency objective only: its errors and rate are fine."""
    output = runs["slow"].stdout
    assert "verify_slo_max_error_rate:" not in output and "verify_min_rps:" not in output
    assert "tls        ok" in output and "redirect   ok" in output
