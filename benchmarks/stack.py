#!/usr/bin/env python3
"""Times the whole deploy against a private local emulator and counts its tasks and AWS calls.

    benchmarks/stack.py [--inventory inventories/production] [--acm-wait 40] [--repeat 1]
                        [--profile] [--top 25] [--save DIR] [--no-describe]

A benchmark, not a test: it asserts nothing and prints figures.

Each measurement starts its own emulator (scripts/emulator.py, on a free port) and, in front of
it, the recording proxy of scripts/aws_fault_proxy.py with no faults, in this process. It gives
the emulator what the account has (scripts/prepare_emulator.yml, straight to the emulator), then
runs playbooks/site.yml with ``fozzy_aws_endpoint_url`` pointed at the proxy:

- converge from empty, no-op re-run, --check on the converged stack (emulator with the usual
  2 s certificate validation);
- with --acm-wait N (default 40, 0 skips it): converge from empty on a second emulator that
  issues the certificate N seconds after the request. "ACM wait N s adds X s" is that build's
  seconds minus the first build's (medians): the part of the wait the build does not overlap.
  Below it, for both builds: how long after the request the wait task starts and how long it
  blocks (less noisy than the difference of two builds; the wait polls with a growing pause,
  so it ends up to that pause after the certificate is issued).

The inventory defaults to **production** (``-i inventories/production -e
fozzy_aws_endpoint_url=<proxy>``), the shape the targets are set for; the emulator accepts its
settings (single NAT gateway, deletion protection on the load balancer) as AWS does.

Columns:

- seconds: wall clock of the ansible-playbook process (start to exit, so it includes Python
  start-up, inventory and playbook parsing), through the proxy, which adds a few milliseconds
  per call (it answers with TCP_NODELAY); the row "no-op re-run, straight to the emulator" (skip it
  with --no-direct) runs the no-op once more without the proxy, to show how much;
- tasks: task starts, counted by the callback ``benchmarks/callback_plugins/fozzy_bench_timeline``:
  every task the strategy started for the host, whatever its result (ok, changed, skipped or
  failed), handlers included; a loop is one task, an include_tasks/include_role is one task
  (and the tasks it includes count on their own); the implicit meta tasks (flush_handlers at the
  end of a play, role end) are not counted. The recap's ok+skipped+failed is printed beside it
  as "recap" (the recap's ok already counts the changed tasks);
- changed: the recap's changed count;
- calls / writes: AWS API calls the proxy saw (every HTTP request to an AWS API, retries
  included; the emulator's own /moto-api/ excluded), and those that are writes (any action that
  is not Describe/List/Get/BatchGet/Head/Lookup/Search, for REST any method but GET/HEAD).

--profile prints, for the no-op re-run (the one of the median seconds with --repeat): every task with its seconds and AWS calls, by
cost; the totals per role; the calls per service and action; and the time before the first task
and after the last. A task's seconds run from its start to the next task's start (so they add
up to the play; profile_tasks counts the same way), and its calls are those the proxy received
in that window. This is exact because the deploy runs on one host, task after task, with no
async tasks: a task's module makes its calls between its start and its result.

Then, on the converged stack: deploy.yml --check and deploy.yml of a tag pushed after the converge
(1.0.1), and rollback.yml back to the revision of the converge; below the table, the seconds of each
phase inside the ecs_release module (check, register, update, wait; the emulator settles deployments at
once, so the wait is one look at the service deployment, tasks and targets).

--repeat N does N measurements, each on a fresh emulator, and prints the median of each figure
(with the range of the seconds); --noop-repeat M re-runs the no-op M times in each (alternating
with the straight one), cheap extra samples of the figure that varies most with the machine's load. --save DIR writes, per run, the timeline and the call record
as JSON lines for a closer look. After the first converge, benchmarks/describe_stack.py (boto3,
through the same proxy) reads the stack once, the least a no-op must read, for comparison.
"""
import argparse
import collections
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIN = pathlib.Path(sys.executable).parent
EMULATOR = [sys.executable, str(ROOT / "scripts" / "emulator.py")]
RECAP = re.compile(r"ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)\s+skipped=(\d+)")
ROLE_PREFIX = "inboxwine.fozzy."
DIRECT = "no-op re-run, straight to the emulator"
# The release rows (playbooks/deploy.yml and rollback.yml on the converged stack): the tag pushed for them.
RELEASE_TAG = "1.0.1"
RELEASES = {
    "deploy.yml --check of an existing tag": ("playbooks/deploy.yml", ["-e", f"ecs_service_image_tag={RELEASE_TAG}", "--check"]),
    "deploy.yml of an existing tag": ("playbooks/deploy.yml", ["-e", f"ecs_service_image_tag={RELEASE_TAG}"]),
    "rollback.yml": ("playbooks/rollback.yml", []),
}
PHASES = re.compile(r"phases: ([^'\n]+)")

sys.path.insert(0, str(ROOT / "scripts"))
from aws_fault_proxy import FaultPlan, FaultProxy  # noqa: E402


class Run:
    """One ansible-playbook run: its figures, its timeline and the AWS calls it made."""

    def __init__(self, name, seconds, recap, timeline, calls, started, ended):
        self.name = name
        self.seconds = seconds
        self.ok, self.changed, self.failed, self.skipped = recap
        self.timeline = timeline
        self.calls = calls  # [(monotonic time, Call)]
        self.started, self.ended = started, ended  # monotonic, around the process
        self.task_starts = [e for e in timeline if e["event"] == "task_start"]

    @property
    def tasks(self):
        return len(self.task_starts)

    @property
    def recap_tasks(self):
        return self.ok + self.skipped + self.failed

    @property
    def writes(self):
        return sum(1 for _, call in self.calls if call.write)

    def figures(self):
        return {"seconds": self.seconds, "tasks": self.tasks, "recap": self.recap_tasks,
                "changed": self.changed, "calls": len(self.calls), "writes": self.writes}

    def certificate_wait(self):
        """(seconds from the certificate request to the wait, seconds the wait task blocked), or None.

        The request is the first acm_certificate_request task of the run, the wait the last one
        after it (the module requests or finds the certificate, and waits when asked to).
        """
        found = [index for index, event in enumerate(self.task_starts)
                 if event["action"].endswith("acm_certificate_request")]
        if len(found) < 2 or found[-1] + 1 >= len(self.task_starts):
            return None
        requested, waited = found[0], found[-1]
        at = self.task_starts[waited]["t"]
        return at - self.task_starts[requested]["t"], self.task_starts[waited + 1]["t"] - at

    def profile(self):
        """[task dict with seconds, calls, writes, status], (calls before the first task)."""
        ends = {}
        for event in self.timeline:
            if event["event"] == "task_end":
                ends[event["uuid"]] = event
        stats = [e["t"] for e in self.timeline if e["event"] == "stats"]
        finish = stats[-1] if stats else self.ended
        tasks = []
        for index, start in enumerate(self.task_starts):
            until = self.task_starts[index + 1]["t"] if index + 1 < len(self.task_starts) else finish
            end = ends.get(start["uuid"], {})
            tasks.append({
                "name": start["name"], "role": start["role"].removeprefix(ROLE_PREFIX) or "(play)",
                "path": _short_path(start["path"]), "action": start["action"],
                "start": start["t"], "until": until, "seconds": until - start["t"],
                "running": (end.get("t", until) - start["t"]),  # start to result, without what follows
                "status": end.get("status", "?"), "calls": [], "writes": 0,
            })
        before = []
        for at, call in self.calls:
            owner = None
            for task in tasks:  # few tasks and calls: a linear scan is plenty
                if task["start"] <= at < task["until"]:
                    owner = task
                    break
            if owner is None:
                before.append(call)
                continue
            owner["calls"].append(call)
            owner["writes"] += call.write
        first = self.task_starts[0]["t"] if self.task_starts else self.ended
        return tasks, before, first - self.started, self.ended - finish


def _short_path(path):
    path = re.sub(r"^.*?/roles/", "roles/", path)
    return re.sub(r"^" + re.escape(str(ROOT)) + "/", "", path)


def playbook_env(timeline):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
               ANSIBLE_CALLBACK_PLUGINS=str(ROOT / "benchmarks" / "callback_plugins"),
               ANSIBLE_CALLBACKS_ENABLED="fozzy_bench_timeline",
               FOZZY_BENCH_TIMELINE=str(timeline))
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        env.pop(name, None)  # the emulator accepts any credentials; never hand it real ones
    return env


def run_playbook(name, proxy, workdir, inventory, playbook, extra):
    timeline = workdir / f"timeline-{len(list(workdir.glob('timeline-*')))}.jsonl"
    proxy.configure(FaultPlan())  # an empty record, no faults
    offset = proxy.started
    started = time.monotonic()
    result = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", inventory, playbook, *extra],
        cwd=ROOT, env=playbook_env(timeline), capture_output=True, text=True,
    )
    ended = time.monotonic()
    recap = RECAP.findall(result.stdout)
    phases = PHASES.findall(result.stdout)
    if result.returncode != 0 or not recap:
        sys.exit(f"{name}: ansible-playbook {playbook} {' '.join(extra)} failed (rc {result.returncode}):\n"
                 f"{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    events = [json.loads(line) for line in timeline.read_text().splitlines() if line.strip()]
    calls = [(offset + call.at, call) for call in list(proxy.records)]
    run = Run(name, ended - started, tuple(map(int, recap[-1])), events, calls, started, ended)
    run.phases = phases[-1].strip() if phases else ""
    return run


def describe_stack(endpoint, inventory):
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "describe_stack.py"), "--endpoint-url", endpoint,
         "--inventory", inventory, "--json"],
        cwd=ROOT, env=playbook_env(os.devnull), capture_output=True, text=True,
    )
    if result.returncode != 0:
        print(f"describe_stack.py failed (rc {result.returncode}):\n{result.stderr[-3000:]}", file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(inventory, acm_wait, rows, describe):
    """Run the rows in order on a fresh emulator and proxy; returns {row name: [Run]}, describe figures, workdir."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               MOTO_ACM_VALIDATION_WAIT=str(acm_wait))
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_PROFILE"):
        env.pop(name, None)
    port = subprocess.run(EMULATOR + ["free-port"], check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run(EMULATOR + ["start", "--port", port], check=True, env=env, capture_output=True)
    upstream = f"http://127.0.0.1:{port}"
    workdir = pathlib.Path(tempfile.mkdtemp(prefix=f"fozzy-bench-{port}-"))
    proxy = FaultProxy(upstream).start()
    results, described = {}, None
    try:
        common = ["-e", f"outputs_file={workdir / 'outputs.json'}"]
        through_proxy = ["-e", f"fozzy_aws_endpoint_url={proxy.url}", *common]
        run_playbook("prepare", proxy, workdir, inventory, "scripts/prepare_emulator.yml",
                     ["-e", f"fozzy_aws_endpoint_url={upstream}", *common])
        if any(row in RELEASES for row in rows):  # the release pipeline pushed one more tag
            subprocess.run([sys.executable, str(ROOT / "scripts" / "push_test_image.py"), "--endpoint-url", upstream,
                            "--region", "eu-central-1", "--repository", "fozzy-api", "--tag", RELEASE_TAG],
                           check=True, capture_output=True, env=env)
        for row in rows:
            if row in RELEASES:
                playbook, extra = RELEASES[row]
                results.setdefault(row, []).append(run_playbook(row, proxy, workdir, inventory, playbook,
                                                                through_proxy + extra))
                continue
            if row == DIRECT:  # the proxy records nothing of it: only its seconds are shown
                extra = ["-e", f"fozzy_aws_endpoint_url={upstream}", *common]
            else:
                extra = through_proxy + (["--check"] if row == "--check on converged" else [])
            results.setdefault(row, []).append(run_playbook(row, proxy, workdir, inventory, "playbooks/site.yml", extra))
            if row == "converge from empty" and describe:
                proxy.configure(FaultPlan())
                described = describe_stack(proxy.url, inventory)
                if described is not None:
                    described["proxy_calls"] = len(proxy.records)
    finally:
        proxy.stop()
        subprocess.run(EMULATOR + ["stop", "--port", port], check=True)
    return results, described, workdir


def save(runs, directory, label):
    directory.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    with open(directory / f"{slug}.timeline.jsonl", "w") as out:
        for event in runs.timeline:
            out.write(json.dumps(event) + "\n")
    with open(directory / f"{slug}.calls.jsonl", "w") as out:
        for at, call in runs.calls:
            out.write(json.dumps({"t": at, "service": call.service, "action": call.action, "write": call.write,
                                  "status": call.status, "outcome": call.outcome}) + "\n")


def median(values):
    return statistics.median(values) if values else float("nan")


def print_table(samples, acm_wait):
    print(f"{'run':<42}{'seconds':>9}{'(range)':>14}{'tasks':>7}{'recap':>7}{'changed':>9}{'calls':>7}{'writes':>8}")
    for name, runs in samples.items():
        figures = [run.figures() for run in runs]
        seconds = [f["seconds"] for f in figures]
        spread = f"{min(seconds):.1f}-{max(seconds):.1f}" if len(seconds) > 1 else ""
        values = {key: median([f[key] for f in figures]) for key in ("tasks", "recap", "changed", "calls", "writes")}
        varied = [key for key in values if len({f[key] for f in figures}) > 1]
        if name == DIRECT:
            print(f"{name:<42}{median(seconds):>9.1f}{spread:>14}{values['tasks']:>7g}{values['recap']:>7g}"
                  f"{values['changed']:>9g}{'-':>7}{'-':>8}", flush=True)
            continue
        print(f"{name:<42}{median(seconds):>9.1f}{spread:>14}"
              + "".join(f"{values[key]:>{width}g}" for key, width in
                        (("tasks", 7), ("recap", 7), ("changed", 9), ("calls", 7), ("writes", 8)))
              + (f"   (varied: {', '.join(varied)})" if varied else ""), flush=True)
    for name in RELEASES:
        if samples.get(name):
            print(f"  {name}: in the module {samples[name][-1].phases}")
    waited = samples.get(f"converge from empty, ACM wait {acm_wait} s")
    if waited and samples.get("converge from empty"):
        extra = median([r.seconds for r in waited]) - median([r.seconds for r in samples["converge from empty"]])
        print(f"ACM wait {acm_wait} s adds {extra:.1f} s")
        for name in ("converge from empty", f"converge from empty, ACM wait {acm_wait} s"):
            waits = [w for w in (run.certificate_wait() for run in samples[name]) if w]
            if waits:
                print(f"  {name}: the wait task starts {median([w[0] for w in waits]):.1f} s after the request "
                      f"and blocks {median([w[1] for w in waits]):.1f} s (medians)")


def print_profile(run, top):
    tasks, before, startup, shutdown = run.profile()
    total_calls = len(run.calls)
    print(f"\nProfile of the {run.name}: {run.seconds:.1f} s, {run.tasks} tasks, {total_calls} AWS calls, "
          f"{run.writes} writes")
    print(f"  before the first task (Python, inventory, playbook): {startup:.2f} s; "
          f"after the last (recap, exit): {shutdown:.2f} s; tasks: {sum(t['seconds'] for t in tasks):.2f} s, "
          f"of which {sum(t['seconds'] - t['running'] for t in tasks):.2f} s between a task's result and the next start")
    idle = [t for t in tasks if not t["calls"]]
    skipped = [t for t in tasks if t["status"] == "skipped"]
    print(f"  tasks without an AWS call: {len(idle)} ({sum(t['seconds'] for t in idle):.2f} s); "
          f"skipped: {len(skipped)} ({sum(t['seconds'] for t in skipped):.2f} s); "
          f"by action: " + ", ".join(f"{action.removeprefix('ansible.builtin.')} {n}" for action, n in
                                     collections.Counter(t["action"] if t["action"].startswith("ansible.builtin.")
                                                         else "AWS modules" for t in tasks).most_common()))
    kinds = collections.Counter((c.service, c.action) for _, c in run.calls)
    print(f"  {len(kinds)} distinct service:action pairs; {total_calls - len(kinds)} of the {total_calls} calls repeat "
          f"an action already made in this run ({sum(1 for n in kinds.values() if n > 1)} actions made more than once)")
    if before:
        print(f"  calls outside any task: {len(before)} ({', '.join(c.action for c in before)})")
    ranked = sorted(tasks, key=lambda t: (-t["seconds"], -len(t["calls"])))
    shown = ranked if top <= 0 else ranked[:top]
    print(f"\n  {'#':>3} {'seconds':>7} {'calls':>5} {'status':<8} {'role':<14} task  [file:line]  calls (service:action)")
    for rank, task in enumerate(shown, 1):
        actions = collections.Counter(f"{c.service}:{c.action}" for c in task["calls"])
        listed = ", ".join(f"{a}" + (f" x{n}" if n > 1 else "") for a, n in actions.most_common())
        print(f"  {rank:>3} {task['seconds']:>7.2f} {len(task['calls']):>5} {task['status']:<8} {task['role']:<14} "
              f"{task['name']}  [{task['path']}]" + (f"  {listed}" if listed else ""))
    if len(shown) < len(ranked):
        rest = ranked[len(shown):]
        print(f"      {sum(t['seconds'] for t in rest):>7.2f} {sum(len(t['calls']) for t in rest):>5} "
              f"... the other {len(rest)} tasks (--top 0 lists them all)")

    print(f"\n  Per role (in the order of site.yml):\n  {'role':<16}{'tasks':>6}{'skipped':>8}{'seconds':>9}{'calls':>7}{'writes':>7}")
    roles = {}
    for task in tasks:
        entry = roles.setdefault(task["role"], {"tasks": 0, "skipped": 0, "seconds": 0.0, "calls": 0, "writes": 0})
        entry["tasks"] += 1
        entry["skipped"] += task["status"] == "skipped"
        entry["seconds"] += task["seconds"]
        entry["calls"] += len(task["calls"])
        entry["writes"] += task["writes"]
    for role, entry in roles.items():
        print(f"  {role:<16}{entry['tasks']:>6}{entry['skipped']:>8}{entry['seconds']:>9.2f}{entry['calls']:>7}{entry['writes']:>7}")
    print(f"  {'total':<16}{len(tasks):>6}{sum(e['skipped'] for e in roles.values()):>8}"
          f"{sum(e['seconds'] for e in roles.values()):>9.2f}{total_calls:>7}{run.writes:>7}")

    print(f"\n  Per tasks file (in the order they first ran):\n  {'file':<46}{'tasks':>6}{'skipped':>8}{'seconds':>9}{'calls':>7}")
    files = {}
    for task in tasks:
        entry = files.setdefault(task["path"].rsplit(":", 1)[0], {"tasks": 0, "skipped": 0, "seconds": 0.0, "calls": 0})
        entry["tasks"] += 1
        entry["skipped"] += task["status"] == "skipped"
        entry["seconds"] += task["seconds"]
        entry["calls"] += len(task["calls"])
    for path, entry in files.items():
        print(f"  {path:<46}{entry['tasks']:>6}{entry['skipped']:>8}{entry['seconds']:>9.2f}{entry['calls']:>7}")

    print(f"\n  AWS calls per service and action ({total_calls}):")
    counts = collections.Counter((c.service, c.action, c.write) for _, c in run.calls)
    callers = collections.defaultdict(list)
    for task in tasks:
        for call in task["calls"]:
            callers[(call.service, call.action, call.write)].append(f"{task['role']}: {task['name']}")
    for (service, action, write), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1])):
        where = collections.Counter(callers[(service, action, write)])
        by = "; ".join(f"{name}" + (f" x{n}" if n > 1 else "") for name, n in where.most_common())
        print(f"  {count:>5}  {service + ':' + action:<54}{'write' if write else 'read':<6} {by}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inventory", default="inventories/production")
    parser.add_argument("--acm-wait", type=int, default=40,
                        help="seconds until the emulator issues the certificate in the extra converge (0 skips it)")
    parser.add_argument("--repeat", type=int, default=1, help="measurements to take the median of (each on a fresh emulator)")
    parser.add_argument("--noop-repeat", type=int, default=1,
                        help="no-op re-runs per measurement (alternating with the straight one): cheap extra samples")
    parser.add_argument("--profile", action="store_true", help="per-task profile of the no-op re-run")
    parser.add_argument("--top", type=int, default=25, help="tasks the profile lists (0: all)")
    parser.add_argument("--save", type=pathlib.Path, help="directory for each run's timeline and call record (JSON lines)")
    parser.add_argument("--no-direct", dest="direct", action="store_false",
                        help="skip the no-op re-run straight to the emulator (shows what the proxy adds to the seconds)")
    parser.add_argument("--no-describe", dest="describe", action="store_false",
                        help="skip benchmarks/describe_stack.py (boto3 reading the converged stack)")
    args = parser.parse_args()

    rows = (["converge from empty"] + (["no-op re-run"] + ([DIRECT] if args.direct else [])) * args.noop_repeat
            + ["--check on converged"] + list(RELEASES))
    waited = f"converge from empty, ACM wait {args.acm_wait} s"
    names = ["converge from empty", "no-op re-run", "--check on converged"] + ([DIRECT] if args.direct else []) + list(RELEASES)
    samples = collections.OrderedDict((name, []) for name in names + ([waited] if args.acm_wait else []))
    described = []
    print(f"benchmarks/stack.py: {args.inventory} against a private emulator, through the recording proxy; "
          f"{args.repeat} measurement(s)", flush=True)
    for number in range(args.repeat):
        results, figures, workdir = measure(args.inventory, 2, rows, args.describe)
        if figures:
            described.append(figures)
        if args.acm_wait:
            more, _, more_dir = measure(args.inventory, args.acm_wait, ["converge from empty"], False)
            results[waited] = more["converge from empty"]
            shutil.rmtree(more_dir, ignore_errors=True)
        for name, runs in results.items():
            samples[name].extend(runs)
            for index, run in enumerate(runs):
                if args.save:
                    save(run, args.save, f"{number + 1}-{name}" + (f"-{index + 1}" if len(runs) > 1 else ""))
        shutil.rmtree(workdir, ignore_errors=True)
        if args.repeat > 1:
            line = ", ".join(f"{name} {'/'.join(f'{run.seconds:.1f}' for run in runs)} s" for name, runs in results.items())
            print(f"  measurement {number + 1}: {line}", flush=True)
    print()
    print_table(samples, args.acm_wait)
    if described:
        print(f"benchmarks/describe_stack.py (boto3, the same stack read once): "
              f"{median([d['calls'] for d in described]):g} calls in {median([d['seconds'] for d in described]):.2f} s "
              f"(making the clients {median([d['client_seconds'] for d in described]):.2f} s, "
              f"the calls {median([d['call_seconds'] for d in described]):.2f} s; "
              f"process {median([d['process_seconds'] for d in described]):.2f} s with imports; "
              f"the proxy saw {median([d['proxy_calls'] for d in described]):g})")
    if args.profile:
        noops = sorted(samples["no-op re-run"], key=lambda run: run.seconds)
        print_profile(noops[(len(noops) - 1) // 2], args.top)  # the run of the median seconds


if __name__ == "__main__":
    main()
