#!/usr/bin/env python3
"""Capacity and cost report of the reference app (examples/fozzy-api) under the collection's settings.

    benchmarks/capacity.py [--step 4] [--objective-ms 50] [--skip-sweep]

A benchmark, not a test: it asserts nothing and prints figures. ``make capacity`` runs it.

1. Renders the container's GUNICORN_CMD_ARGS and health check the way the task definition gets
   them: the ecs_service and stack_defaults roles' defaults, templated by Ansible with
   ecs_service_cpu set to 1 or 2 vCPUs, through the collection's ecs_task_definition filter.
   Only the port is the benchmark's (a free one), and gunicorn gets ``--bind 127.0.0.1:<port>``
   on its command line (which overrides GUNICORN_CMD_ARGS' 0.0.0.0) so nothing listens beyond
   the loopback. The container's health check command is what tells the app is up, and it runs
   once during every measured step (does it pass under load?).
2. Confines gunicorn to 1 vCPU (CPU 0; the load generator runs on CPU 1) and to 2 vCPUs (both
   CPUs, shared with the load generator: the 2-vCPU figures are low by what locust takes) with
   CPU affinity, and finds the peak requests/s at which P95 stays under the objective (50 ms):
   one open-loop step as fast as the users go, then a bisection on the offered rate.
3. Sweeps alternatives on the same machine: workers per vCPU 1, 2, 2n+1; keep-alive 2 s
   (gunicorn's default) instead of the collection's; the worker class with asyncio and h11
   (uvicorn_worker.UvicornH11Worker) instead of uvloop and httptools. Prints default / best.
4. Measures P95 at 70 % of the peak (the autoscaling CPU target holds the service about there)
   and the CPU the app used, and says whether the target keeps the objective.
5. From the 1-vCPU requests/s, the production sizing's capacity (inventories/production) against
   1,000 requests/s and its monthly cost (roles/verify/files/prices_eu_central_1.yml).

The load comes from locust (module_utils/verify_load.py, the verify role's load run). Figures on
a shared 2-core machine are noisy: ratios measured in one run count more than absolute numbers.
Its last line is machine-readable:
``capacity: default_over_best=<ratio> rps_per_vcpu=<n> p95_at_70pct_ms=<n> stack_rps_at_min=<n>``.
"""

import argparse
import datetime
import math
import os
import pathlib
import platform
import signal
import socket
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "collections"))
APP_DIR = ROOT / "examples" / "fozzy-api"
PATHS = ["/recommendations?q=fresh+fruity&limit=10", "/recommendations?q=dry+mineral&limit=5&max_price=40",
         "/recommendations?q=bold+oaky+spicy&limit=20"]

from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.template import Templar  # noqa: E402
from ansible.utils.vars import combine_vars  # noqa: E402
import yaml  # noqa: E402

from ansible_collections.inboxwine.fozzy.plugins.filter.ecs import ecs_task_definition  # noqa: E402
from ansible_collections.inboxwine.fozzy.plugins.module_utils.verify_capacity import report  # noqa: E402
from ansible_collections.inboxwine.fozzy.plugins.module_utils.verify_load import run_load  # noqa: E402


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def role_defaults(loader, *roles):
    values = {}
    for role in roles:
        values = combine_vars(values, loader.load_from_file(str(ROOT / "roles" / role / "defaults" / "main.yml"),
                                                            trusted_as_template=True) or {})
    return values


def render(vcpus, port):
    """GUNICORN_CMD_ARGS and the health check of the task definition, from the roles' defaults."""
    loader = DataLoader()
    variables = combine_vars(role_defaults(loader, "stack_defaults", "ecs_service", "autoscaling"),
                             {"ecs_service_cpu": 1024 * vcpus, "ecs_service_memory": 2048 * vcpus,
                              "fozzy_container_port": port, "fozzy_name": "fozzy-api", "fozzy_environment": "capacity"})
    templar = Templar(loader=loader, variables=variables)

    def value(name):
        return templar.template(variables[name])

    spec = {
        "family": "capacity", "name": "fozzy-api", "image": "fozzy-api:capacity", "cpu": value("ecs_service_cpu"),
        "memory": value("ecs_service_memory"), "cpu_architecture": value("ecs_service_cpu_architecture"),
        "container_port": value("fozzy_container_port"), "user": value("ecs_service_user"),
        "readonly_root_filesystem": value("ecs_service_readonly_root_filesystem"),
        "environment": value("ecs_service_environment"), "secrets": {}, "stop_timeout": value("ecs_service_stop_timeout"),
        "gunicorn": {"workers": value("ecs_service_gunicorn_workers"), "keepalive": value("ecs_service_gunicorn_keepalive"),
                     "graceful_timeout": value("ecs_service_gunicorn_graceful_timeout")},
        "health_check": {name: value(f"ecs_service_health_check_{name}")
                         for name in ("command", "interval", "timeout", "retries", "start_period")},
        "log_group_name": "/capacity", "region": "eu-central-1",
    }
    container = ecs_task_definition(spec)["containers"][0]
    environment = {item["name"]: item["value"] for item in container["environment"]}
    return environment, container["healthCheck"], int(value("autoscaling_cpu_target"))


class App:
    """The reference app under gunicorn, confined to ``cpus``."""

    def __init__(self, environment, health, cpus, port, extra_args=()):
        self.health, self.port = health, port
        env = dict(os.environ, **environment)
        command = [sys.executable, "-m", "gunicorn", "-c", str(APP_DIR / "gunicorn.conf.py"), "--chdir", str(APP_DIR),
                   "--bind", f"127.0.0.1:{port}", *extra_args, "fozzy_api.main:app"]
        self.process = subprocess.Popen(command, env=env, cwd=APP_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        preexec_fn=lambda: os.sched_setaffinity(0, set(cpus)), start_new_session=True)
        deadline = time.monotonic() + max(health["startPeriod"], 30)
        while not self.healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"capacity: the app did not become healthy: {self.process.stderr.read()[-500:]!r}")
            time.sleep(0.3)

    def healthy(self):
        """The task definition's health check command, with this Python for ``python``."""
        command = list(self.health["command"][1:])
        command[0] = sys.executable if command[0] == "python" else command[0]
        try:
            return subprocess.run(command, capture_output=True, timeout=self.health["timeout"]).returncode == 0
        except subprocess.TimeoutExpired:
            return False

    def cpu_seconds(self):
        """CPU seconds used by the master and its workers so far."""
        pids, total = {self.process.pid}, 0.0
        for entry in pathlib.Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[1]) == self.process.pid:
                    pids.add(int(entry.name))
        for pid in pids:
            try:
                fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def measure(app, rate, step, load_cpus, vcpus):
    """One step at ``rate`` requests/s (0: as fast as the users go): figures, CPU % and health."""
    users = 32 if not rate else int(math.ceil(rate / 10)) + 2
    before, started = app.cpu_seconds(), time.monotonic()
    health = subprocess.Popen(["sleep", str(step / 2)])  # the health check runs half-way through the step
    figures = run_load(f"http://127.0.0.1:{app.port}", PATHS, duration=step, users=min(users, 200), rate=rate,
                       max_requests=1000000, cpus=load_cpus)
    health.wait()
    figures["health_ok"] = app.healthy()
    used = app.cpu_seconds() - before
    # over the load's own seconds (the load generator's start-up before them costs the app nothing)
    figures["cpu_pct"] = round(100 * used / (min(step, time.monotonic() - started) * vcpus))
    # CPU the app spent per answered request (warm-up included on both sides): what a request costs,
    # whatever else the machine runs
    figures["cpu_ms_per_request"] = round(1000 * used / figures["sent"], 2) if figures["sent"] else None
    return figures


def peak(app, step, objective, load_cpus, vcpus, log):
    """Highest offered rate served at that rate with P95 under the objective."""
    saturated = measure(app, 0, step, load_cpus, vcpus)
    log(f"    as fast as 32 users go: {saturated['rps']:g} rps, P95 {saturated['p95_ms']} ms, CPU {saturated['cpu_pct']} %,"
        f" {saturated['cpu_ms_per_request']} CPU ms per request")

    def fits(figures, rate):
        return figures["p95_ms"] is not None and figures["p95_ms"] < objective and figures["rps"] >= 0.95 * rate \
            and figures["error_rate"] == 0

    low, high, best = 0.0, saturated["rps"] * 1.05, None
    rate = saturated["rps"] * 0.9
    for _ in range(4):
        figures = measure(app, rate, step, load_cpus, vcpus)
        ok = fits(figures, rate)
        log(f"    offered {rate:.0f} rps: served {figures['rps']:g}, P95 {figures['p95_ms']} ms, CPU {figures['cpu_pct']} %"
            f" {'ok' if ok else 'over'}")
        if ok:
            low, best = rate, dict(figures, offered=rate)
        else:
            high = rate
        rate = (low + high) / 2 if low else high / 2
    best = best or {"offered": 0.0, "rps": 0.0, "p95_ms": None, "avg_bytes": saturated["avg_bytes"], "cpu_pct": 0}
    return dict(best, cpu_ms=saturated["cpu_ms_per_request"], max_rps=saturated["rps"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--step", type=float, default=4, help="seconds of each measured step (default 4)")
    parser.add_argument("--objective-ms", type=float, default=50, help="P95 objective of the peak (default 50 ms)")
    parser.add_argument("--skip-sweep", action="store_true", help="measure the defaults only")
    args = parser.parse_args(argv)
    started = time.monotonic()

    def log(line):
        print(line, flush=True)

    cpu_model = next((line.split(":", 1)[1].strip() for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), platform.processor() or "?")
    log(f"machine: {platform.node()}, {cpu_model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()},"
        f" Python {platform.python_version()}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        f" at start ({datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC)")
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("capacity: needs 2 CPUs (the app on one, the load generator on the other)")
    log("shared machine: other processes compete for the same 2 cores, so absolute figures are noisy;"
        " the ratios of one run count more")

    results = {}
    for vcpus in (1, 2):
        environment, health, cpu_target = render(vcpus, 0)
        workers = int(environment["GUNICORN_CMD_ARGS"].split("--workers ")[1].split()[0])
        configs = [("default", [])]
        if not args.skip_sweep:
            configs += [(f"workers {n}", ["--workers", str(n)]) for n in sorted({vcpus, 2 * vcpus, 2 * vcpus + 1} - {workers})]
            configs += [("keep-alive 2", ["--keep-alive", "2"]),
                        ("h11 worker", ["--worker-class", "uvicorn_worker.UvicornH11Worker"])] if vcpus == 1 else []
        cpus = [0] if vcpus == 1 else [0, 1]
        load_cpus = [1] if vcpus == 1 else None
        for name, extra in configs:
            port = free_port()
            environment, health, cpu_target = render(vcpus, port)
            log(f"{vcpus} vCPU, {name}: GUNICORN_CMD_ARGS={environment['GUNICORN_CMD_ARGS']!r}"
                f"{' + ' + ' '.join(extra) if extra else ''}")
            app = App(environment, health, cpus, port, extra)
            try:
                best = peak(app, args.step, args.objective_ms, load_cpus, vcpus, log)
                if name == "default":
                    # 70 % of the peak; when no rate kept the objective (a machine too busy), of the most it served
                    base, what = (best["offered"], "peak") if best["offered"] else (best["max_rps"], "most served")
                    at70 = measure(app, 0.7 * base, args.step * 2, load_cpus, vcpus)
                    log(f"    at 70 % of the {what} ({0.7 * base:.0f} rps): P95 {at70['p95_ms']} ms,"
                        f" CPU {at70['cpu_pct']} %, health check {'passed' if at70['health_ok'] else 'FAILED'}")
                    best["at70"], best["at70_of"] = at70, what
            finally:
                app.stop()
            log(f"  peak with P95 < {args.objective_ms:g} ms: {best['offered']:.0f} rps")
            results[(vcpus, name)] = best

    log("")
    log(f"{'vCPU':<5} {'settings':<14} {'peak rps':>9} {'per vCPU':>9} {'P95 ms':>7} {'CPU %':>6} {'CPU ms/req':>11}")
    for (vcpus, name), best in results.items():
        log(f"{vcpus:<5} {name:<14} {best['offered']:>9.0f} {best['offered'] / vcpus:>9.0f} {str(best['p95_ms']):>7}"
            f" {best['cpu_pct']:>6} {str(best['cpu_ms']):>11}")
    ratios, bases = {}, {}
    for vcpus in (1, 2):
        mine = {name: best["offered"] for (n, name), best in results.items() if n == vcpus}
        basis = "measured"
        if not max(mine.values()):
            # no setting kept the objective on this machine now: compare what a request costs in CPU instead
            mine = {name: (1000 / best["cpu_ms"] if best["cpu_ms"] else 0.0) for (n, name), best in results.items()
                    if n == vcpus}
            basis = "cpu"
        winner = max(mine, key=mine.get)
        ratios[vcpus], bases[vcpus] = (mine["default"] / mine[winner] if mine[winner] else 0.0), basis
        log(f"{vcpus} vCPU: default / best = {ratios[vcpus]:.2f} (best: {winner}, {mine[winner]:.0f}"
            f" {'rps' if basis == 'measured' else 'requests per CPU second'}; basis {basis})"
            f"{'' if ratios[vcpus] >= 0.9 else '  <- below the 0.9 goal'}")
    default1, default2 = results[(1, "default")], results[(2, "default")]
    rps_per_vcpu, basis = default1["offered"], "measured"
    log(f"2 vCPU scale: {default2['offered'] / 2:.0f} rps per vCPU ({default2['offered'] / rps_per_vcpu:.2f} x the 1-vCPU"
        " peak; the load generator shares those 2 CPUs)" if rps_per_vcpu else "2 vCPU scale: no 1-vCPU peak")
    cost = default1.get("cpu_ms")
    if cost:
        # M/M/1: P95 of the time in the system is ln(20) * S / (1 - utilisation), about 3 S / (1 - u)
        utilisation = max(0.0, 1 - math.log(20) * cost / args.objective_ms)
        log(f"CPU cost: {cost} ms per request, so a dedicated vCPU answers {1000 / cost:.0f} requests/s at 100 % CPU;"
            f" a queue of one server (M/M/1) keeps P95 under {args.objective_ms:g} ms up to {utilisation:.0%} of that,"
            f" {utilisation * 1000 / cost:.0f} requests/s per vCPU (an estimate free of this machine's contention)")
        if not rps_per_vcpu:
            rps_per_vcpu, basis = utilisation * 1000 / cost, "cpu_model"
            log(f"no rate kept P95 under {args.objective_ms:g} ms on this machine now: the capacity below uses the"
                " CPU-cost estimate")
    at70 = default1.get("at70")
    p95_at_70 = at70["p95_ms"] if at70 else None
    if at70:
        keeps = p95_at_70 is not None and p95_at_70 < args.objective_ms
        log(f"autoscaling_cpu_target {cpu_target}: at 70 % of the 1-vCPU {default1['at70_of']} P95 is {p95_at_70} ms with the app at"
            f" {at70['cpu_pct']} % CPU: the target {'keeps' if keeps else 'does NOT keep'} the {args.objective_ms:g} ms"
            " objective for this workload")

    production = yaml.safe_load((ROOT / "inventories" / "production" / "group_vars" / "all" / "main.yml").read_text()) \
        if (ROOT / "inventories" / "production" / "group_vars" / "all" / "main.yml").is_file() else {}
    if not production:
        found = sorted((ROOT / "inventories" / "production" / "group_vars").rglob("*.yml"))
        for path in found:
            production.update(yaml.safe_load(path.read_text()) or {})
    tasks = {"min": production["autoscaling_min_capacity"], "desired": production["ecs_service_desired_count"],
             "max": production["autoscaling_max_capacity"]}
    prices = yaml.safe_load((ROOT / "roles" / "verify" / "files" / "prices_eu_central_1.yml").read_text())
    rps_per_vcpu = round(rps_per_vcpu)
    lines, figures = report(rps_per_vcpu, production["ecs_service_cpu"] / 1024, production["ecs_service_memory"] / 1024,
                            tasks, 1000, production["autoscaling_cpu_target"], prices, default1.get("avg_bytes") or 1000)
    log("production sizing (inventories/production): " + ", ".join(f"{k} {v} tasks" for k, v in tasks.items())
        + f" of {production['ecs_service_cpu'] / 1024:g} vCPU / {production['ecs_service_memory'] / 1024:g} GiB")
    for line in lines:
        log(line)
    log(f"took {time.monotonic() - started:.0f} s")
    stack_at_min = figures["capacity"][0]["rps"]
    log(f"capacity: default_over_best={min(ratios.values()):.2f} rps_per_vcpu={rps_per_vcpu:.0f}"
        f" p95_at_70pct_ms={p95_at_70 if p95_at_70 is not None else 'none'} stack_rps_at_min={stack_at_min}"
        f" basis={basis}")


if __name__ == "__main__":
    main()
