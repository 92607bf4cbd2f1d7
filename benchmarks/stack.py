#!/usr/bin/env python3
"""Times the whole deploy against a private local emulator and prints the figures.

    benchmarks/stack.py [--inventory inventories/local] [--acm-wait 40]

Rows: converge from empty, no-op re-run, and --check on the converged stack, each with its
wall-clock seconds, the number of tasks run and the changed count from the recap. With
--acm-wait N a second emulator issues certificates N seconds after the request, to show how
much of that wait the build overlaps. A benchmark, not a test: it asserts nothing.
"""
import argparse
import os
import pathlib
import re
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = pathlib.Path(sys.executable).parent
EMULATOR = [sys.executable, str(ROOT / "scripts" / "emulator.py")]
RECAP = re.compile(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)\s+skipped=(\d+)")


def run_playbook(env, inventory, *args):
    started = time.monotonic()
    result = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", inventory, *args],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )
    seconds = time.monotonic() - started
    recap = RECAP.findall(result.stdout)
    if result.returncode != 0 or not recap:
        sys.exit(f"ansible-playbook {' '.join(args)} failed (rc {result.returncode}):\n{result.stdout[-4000:]}")
    ok, changed, _failed, skipped = map(int, recap[-1])
    return seconds, ok + skipped, changed


def measure(inventory, acm_wait):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), MOTO_ACM_VALIDATION_WAIT=str(acm_wait))
    env.pop("AWS_PROFILE", None)
    port = subprocess.run(EMULATOR + ["free-port"], check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run(EMULATOR + ["start", "--port", port], check=True, env=env, capture_output=True)
    endpoint = ["-e", f"fozzy_aws_endpoint_url=http://127.0.0.1:{port}", "-e", f"outputs_file=/tmp/fozzy-bench-{port}.json"]
    try:
        run_playbook(env, inventory, "scripts/prepare_emulator.yml", *endpoint)
        rows = [
            ("converge from empty", run_playbook(env, inventory, "playbooks/site.yml", *endpoint)),
            ("no-op re-run", run_playbook(env, inventory, "playbooks/site.yml", *endpoint)),
            ("--check on converged", run_playbook(env, inventory, "playbooks/site.yml", "--check", *endpoint)),
        ]
    finally:
        subprocess.run(EMULATOR + ["stop", "--port", port], check=True)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inventory", default="inventories/local")
    parser.add_argument("--acm-wait", type=int, default=40,
                        help="seconds until the emulator issues a certificate in the second measurement (0 skips it)")
    args = parser.parse_args()
    print(f"{'run':<34}{'seconds':>9}{'tasks':>7}{'changed':>9}")
    waits = [2] + ([args.acm_wait] if args.acm_wait else [])
    for wait in waits:
        for name, (seconds, tasks, changed) in measure(args.inventory, wait):
            print(f"{name + f' (ACM wait {wait}s)':<34}{seconds:>9.1f}{tasks:>7}{changed:>9}", flush=True)


if __name__ == "__main__":
    main()
