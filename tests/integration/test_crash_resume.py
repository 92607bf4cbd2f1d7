"""A site.yml interrupted anywhere is finished by the next one, with nothing twice (issue #5, item 3).

A chain of runs through scripts/aws_fault_proxy.py: each run is interrupted at a chosen AWS
write (the first at the certificate request, the next at the internet gateway, ... the last at
the DNS record), so every run first resumes what the one before left half-done and then is cut
a little further on. A last, undisturbed run must finish the stack, and the account must hold
exactly what one clean build makes.

Interruptions come in the shapes a real run meets: the write never reaches AWS and every
call after it fails (lost network, an AWS error); the write reaches AWS but its answer is
lost (the process died or the connection broke right after AWS acted); the connection is
dropped; and the ansible-playbook process is SIGKILLed while it waits for AWS to answer.
"""
import os
import pathlib
import signal
import subprocess
import sys
import time
import warnings

from aws_fault_proxy import FaultPlan  # scripts/ is on sys.path (conftest.py)

ROOT = pathlib.Path(__file__).resolve().parents[2]
PLAYBOOK = pathlib.Path(sys.executable).parent / "ansible-playbook"

# (write action, which one of the run's writes of that action, does it reach AWS, what then)
# "error": that call and every later one get a non-retryable error (a call that reached AWS has
# its connection closed unanswered instead: the SDK retries it, and meets the error); "drop": its
# connection is closed unanswered either way; "kill": the process is SIGKILLed while that call
# waits for its answer.
#
# Which cuts: every run of the chain replays everything before its cut, so each cut costs a
# site.yml start-up plus the deploy up to it, and a cut late in the deploy nearly a whole run.
# The chain holds the boundaries where an interrupted run leaves a resource that the next run
# must find again instead of making a second one, or finish instead of skipping, and that found
# real bugs: a certificate requested but its ARN never heard; an internet gateway made but not
# attached; an Elastic IP allocated and a NAT gateway made by a killed process; a flow log made but
# its id never heard; the WAF web ACL
# made but its answer lost and never associated with the load balancer; some of the alarms made
# (the next run makes the others, none twice); the service made but never waited for; the DNS
# alias half written; the ECR repository converged without its tags. Between them they meet
# every shape of interruption: the write never sent and an error answered (the gateway
# attachment, the repository's tags); the write made and its answer lost, which drops the
# connection unanswered so the SDK retries into the error (the proxy does that for every
# forwarded cut: certificate, service, DNS); the process killed while it waits (the NAT gateway).
# Left out, as the same kind of boundary as a kept one (a resource made and its next step
# missing, or the second of several alike), each a run of its own that replayed the deploy up to
# it: the VPC before its DNS attributes, the second subnet, the second route table association,
# the HTTPS listener, the execution role without its policy (a second SIGKILL), the scalable
# target without its policy (a connection dropped before the write reached AWS: the state of an
# error answered, reached through the SDK's retry).
# One chain on one emulator: the two chains this test ran side by side before each replayed the
# network and ended in a whole run of its own, on a suite that keeps both cores busy anyway.
CHAIN = [
    ("RequestCertificate", 1, True, "error"),  # certificate requested, its ARN never heard
    ("AttachInternetGateway", 1, False, "error"),  # gateway made, not attached
    ("CreateNatGateway", 1, True, "kill"),  # Elastic IP allocated, NAT gateway made, process killed
    # flow log made, its id never heard: the next run must find it by VPC and log group, not make a
    # second (AWS refuses one of the same settings). Early in the deploy, so the run it adds is short.
    ("CreateFlowLogs", 1, True, "error"),
    ("TagResource", 1, False, "error"),  # ECR repository converged, its tags never written
    # web ACL made, its answer lost, not associated with the load balancer (the access logs bucket,
    # made earlier in the same run, is found again by its name the same way)
    ("CreateWebACL", 1, True, "error"),
    ("PutMetricAlarm", 3, True, "error"),  # three of the seven alarms made, the third's answer lost
    ("CreateService", 1, True, "error"),  # service made, never waited for
    ("ChangeResourceRecordSets", 1, True, "error"),  # the A record only (see validation_record_exists)
]


def validation_record_exists(emulator):
    """Before the cut at the DNS alias: the certificate's validation record (also written with
    ChangeResourceRecordSets, by the certificate role) was written by an earlier run, so the
    first ChangeResourceRecordSets of this run is the alias record."""
    route53 = emulator.client("route53")
    return any(r["Type"] == "CNAME" and r["Name"].startswith("_")
               for z in route53.list_hosted_zones()["HostedZones"]
               for r in route53.list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"])


# What must hold before the run cut at an action, for the cut to be the boundary its comment names.
BEFORE_CUT = {"ChangeResourceRecordSets": validation_record_exists}


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
        if action in BEFORE_CUT:
            assert BEFORE_CUT[action](emulator), f"before run {step}: {BEFORE_CUT[action].__doc__}"
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


def test_interrupted_runs_resume_to_one_clean_stack(prepared_emulator, fault_proxy, counts, tmp_path):
    stack_counts, clean_build_counts = counts
    steps = run_chain(prepared_emulator, fault_proxy, CHAIN, tmp_path)

    print(f"\nchain: {sum(s for _, s in steps):.0f}s")
    print("\n".join(f"  {what:50} {seconds:6.1f}s" for what, seconds in steps))
    assert stack_counts(prepared_emulator) == clean_build_counts()
