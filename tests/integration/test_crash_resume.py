"""A site.yml interrupted anywhere is finished by the next one, with nothing twice (issue #5, item 3).

Chains of runs through scripts/aws_fault_proxy.py: each run is interrupted at a chosen AWS
write (the first at the certificate request, the next at the VPC, ... the last at the DNS
record), so every run first resumes what the one before left half-done and then is cut a
little further on. A last, undisturbed run must finish the stack, and the account must hold
exactly what one clean build makes.

Interruptions come in the shapes a real run meets: the write never reaches AWS and every
call after it fails (lost network, an AWS error); the write reaches AWS but its answer is
lost (the process died or the connection broke right after AWS acted); the connection is
dropped; and the ansible-playbook process is SIGKILLed while it waits for AWS to answer.
"""
import concurrent.futures
import os
import pathlib
import signal
import subprocess
import sys
import time
import warnings

from aws_fault_proxy import FaultPlan, FaultProxy  # scripts/ is on sys.path (conftest.py)

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLAYBOOK = pathlib.Path(sys.executable).parent / "ansible-playbook"

# (write action, which one of the run's writes of that action, does it reach AWS, what then)
# "error": that call and every later one get a non-retryable error; "drop": its connection is
# closed unanswered (the SDK retries it, and meets the error); "kill": the process is SIGKILLed
# while that call waits for its answer.
# Two chains, each on its own emulator, run side by side (the machine has two cores): the first
# interrupts the early part of the deploy many times, the second builds that part in its first
# run and interrupts the later roles.
CHAINS = {
    "network": [
        ("RequestCertificate", 1, True, "error"),  # certificate requested, its ARN never heard
        ("CreateVpc", 1, True, "error"),  # VPC made, its DNS attributes not set yet
        ("CreateSubnet", 2, False, "drop"),  # one subnet of four
        ("AttachInternetGateway", 1, False, "error"),  # gateway made, not attached
        ("CreateNatGateway", 1, True, "kill"),  # Elastic IP allocated, NAT gateway made, process killed
        ("AssociateRouteTable", 2, True, "error"),  # the public route table half associated
    ],
    "service": [
        ("CreateListener", 2, True, "error"),  # load balancer with the HTTP listener only
        ("PutRolePolicy", 1, False, "kill"),  # execution role without its policy, process killed
        ("CreateService", 1, True, "error"),  # service made, never waited for
        ("PutScalingPolicy", 1, False, "drop"),  # scalable target without its policy
        ("ChangeResourceRecordSets", 1, True, "error"),  # the A record only
    ],
}


def run_site(emulator, proxy, log_path, kill_at_cut=False):
    """Run site.yml through the proxy; SIGKILL it at the cut when asked. Returns (returncode, output)."""
    marker = f"{log_path}:{time.monotonic()}"  # finds every process of this run, whatever its session
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(PLAYBOOK), "playbooks/site.yml", "-i", "inventories/local", "-e", f"fozzy_aws_endpoint_url={proxy.url}"],
            cwd=ROOT, env=dict(emulator.env(), FOZZY_TEST_RUN=marker), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while proc.poll() is None:
                if kill_at_cut and proxy.cut_event.wait(0.2):
                    os.killpg(proc.pid, signal.SIGKILL)  # the playbook and every process of its group
                    break
                time.sleep(0 if kill_at_cut else 0.2)
            returncode = proc.wait(timeout=600)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    if kill_at_cut:
        reap_survivors(marker)
    return returncode, log_path.read_text()


def reap_survivors(marker):
    """SIGKILL what is left of a killed run: with Mitogen (the fast_linear strategy) its
    multiplexer process lives in a session of its own and outlives the playbook."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        survivors = []
        for environ in pathlib.Path("/proc").glob("[0-9]*/environ"):
            try:
                if f"FOZZY_TEST_RUN={marker}".encode() in environ.read_bytes().split(b"\0"):
                    state = (environ.parent / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state != "Z":
                        survivors.append(int(environ.parent.name))
            except OSError:
                continue
        if not survivors:
            return
        time.sleep(0.5)
    for pid in survivors:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    warnings.warn(f"processes {survivors} outlived the SIGKILLed ansible-playbook; killed them")


def run_chain(emulator, proxy, interruptions, log_dir):
    """Each interruption in turn, then one undisturbed run; returns [(what, seconds)]."""
    timings = []
    for step, (action, occurrence, forward, mode) in enumerate(interruptions, 1):
        proxy.configure(FaultPlan(
            cut_action=action, cut_at_write=occurrence, cut_forward=forward,
            cut_mode="hang" if mode == "kill" else mode,
        ))
        started = time.monotonic()
        returncode, output = run_site(emulator, proxy, log_dir / f"run{step}.log", kill_at_cut=mode == "kill")
        timings.append((f"cut at {action} #{occurrence} ({mode})", time.monotonic() - started))
        cut = [c for c in proxy.records if c.outcome in ("cut", "cut-forwarded")]
        assert cut and cut[0].action == action, (
            f"run {step} never reached write {occurrence} of {action} (done by an earlier run?):\n{output[-6000:]}"
        )
        assert returncode != 0, f"run {step} went on after the cut at {action}:\n{output[-6000:]}"

    proxy.configure(FaultPlan())
    started = time.monotonic()
    returncode, output = run_site(emulator, proxy, log_dir / "final.log")
    timings.append(("final run", time.monotonic() - started))
    assert returncode == 0, f"the run after the interruptions failed:\n{output[-8000:]}"
    return timings


def test_interrupted_runs_resume_to_one_clean_stack(
    prepared_emulator, second_emulator, fault_proxy, prepare_account, counts, tmp_path
):
    stack_counts, clean_build_counts = counts
    second_emulator.reset()
    prepare_account(second_emulator)
    emulators = {"network": prepared_emulator, "service": second_emulator}
    with FaultProxy(second_emulator.url) as second_proxy, concurrent.futures.ThreadPoolExecutor(len(CHAINS)) as pool:
        proxies = {"network": fault_proxy, "service": second_proxy}
        futures = {}
        for name, interruptions in CHAINS.items():
            (tmp_path / name).mkdir()
            futures[name] = pool.submit(run_chain, emulators[name], proxies[name], interruptions, tmp_path / name)
        timings = {name: future.result() for name, future in futures.items()}

    for name, steps in timings.items():
        print(f"\n{name} chain: {sum(s for _, s in steps):.0f}s")
        print("\n".join(f"  {what:50} {seconds:6.1f}s" for what, seconds in steps))
    for name, emulator in emulators.items():
        assert stack_counts(emulator) == clean_build_counts(), f"{name} chain"
