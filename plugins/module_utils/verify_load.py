# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bounded load run with locust (used as a library), in a child Python process.

Why a child process: importing locust monkey-patches the standard library for gevent
(sockets, threads, ssl, time) in the whole interpreter. Ansible modules here may run in one
persistent interpreter (the collection's fast_linear strategy runs them through Mitogen), and
boto3 and the other checks share it; patching it under them is not safe. The child is the same
Python (``sys.executable``), gets its settings as JSON on stdin, prints its figures as JSON on
stdout and is gone when the run ends. Its code is the RUNNER string below (a module shipped
to a target as a zip or through Mitogen has no file of its own to start).

The first second (a fifth of a shorter run) warms up: its requests count against the total
(``sent``) but not in the figures, which describe the steady state (users started, connections
open), unless the total was reached in the warm-up.

Every bound is enforced in the child and again here: the duration (the child is killed after
duration + a grace period), the number of users, the request rate, the total requests. Requests
go only to ``base_url`` with the given paths; redirects are not followed, so the run never
reaches another host. ``resolve`` maps host:port to an address, like curl's --resolve.
"""

import json
import subprocess
import sys

MAX_DURATION = 300  # seconds
MAX_USERS = 200
MAX_RATE = 5000  # requests per second
MAX_REQUESTS = 1000000

RUNNER = r'''
import json, sys, time, itertools
config = json.load(sys.stdin)
import locust  # monkey-patches for gevent, in this process only
import gevent, gevent.ssl, gevent.socket
from locust import FastHttpUser, constant, constant_throughput, task
from locust.env import Environment

overrides = config["resolve"]
_getaddrinfo = gevent.socket.getaddrinfo

def getaddrinfo(host, port, *args, **kwargs):
    for name, where, address in overrides:
        if name.lower() == str(host).lower() and where in ("*", str(port)):
            return _getaddrinfo(address, port, *args, **kwargs)
    return _getaddrinfo(host, port, *args, **kwargs)

gevent.socket.getaddrinfo = getaddrinfo
ca_bundle = config["ca_bundle"] or None
paths = itertools.cycle(config["paths"])
users = config["users"]
rate = config["rate"]

class Probe(FastHttpUser):
    host = config["base_url"]
    wait_time = constant_throughput(rate / users) if rate else constant(0)
    network_timeout = config["timeout"]
    connection_timeout = config["timeout"]
    max_retries = 0
    insecure = False

    @staticmethod
    def ssl_context_factory(*args, **kwargs):
        return gevent.ssl.create_default_context(cafile=ca_bundle)

    @task
    def get(self):
        path = next(paths)
        with self.client.get(path, name=path, allow_redirects=False, catch_response=True) as answer:
            status[answer.status_code] = status.get(answer.status_code, 0) + 1
            if not 200 <= answer.status_code < 300:
                answer.failure(f"HTTP {answer.status_code}")

status = {}
environment = Environment(user_classes=[Probe], events=locust.events)
runner = environment.create_local_runner()
counted = [0]

def on_request(**kwargs):
    counted[0] += 1
    if counted[0] == config["max_requests"]:
        gevent.spawn(runner.quit)

environment.events.request.add_listener(on_request)
runner.start(users, spawn_rate=max(users * 4, 1))
# The first requests (users starting, connections and TLS sessions opening) are not counted:
# the figures are of the steady state. They still count against max_requests.
warmup = min(1.0, config["duration"] * 0.2)
started = time.monotonic()
gevent.sleep(warmup)
if counted[0] < config["max_requests"]:  # a run that ended in its warm-up keeps its figures
    environment.stats.reset_all()
    status.clear()
    started = time.monotonic()
gevent.spawn_later(config["duration"] - warmup, runner.quit)
runner.greenlet.join()
elapsed = time.monotonic() - started
total = environment.stats.total
errors = sorted(((error.occurrences, str(error.error)) for error in environment.stats.errors.values()), reverse=True)
json.dump({
    "requests": total.num_requests,
    "sent": counted[0],
    "failures": total.num_failures,
    "duration_s": round(elapsed, 2),
    "rps": round(total.num_requests / elapsed, 1) if elapsed else 0.0,
    "p50_ms": total.get_response_time_percentile(0.5) if total.num_requests else None,
    "p95_ms": total.get_response_time_percentile(0.95) if total.num_requests else None,
    "p99_ms": total.get_response_time_percentile(0.99) if total.num_requests else None,
    "avg_ms": round(total.avg_response_time, 1),
    "max_ms": round(total.max_response_time or 0, 1),
    "avg_bytes": round(total.avg_content_length, 1),
    "status": {str(code): count for code, count in sorted(status.items())},
    "errors": [f"{count} x {message}" for count, message in errors[:5]],
}, sys.stdout)
'''


class LoadError(Exception):
    pass


def bounded(duration, users, rate, max_requests):
    """The run's settings, each within the hard caps; raises ValueError naming a bad one."""
    settings = {"duration": float(duration), "users": int(users), "rate": float(rate), "max_requests": int(max_requests)}
    caps = {"duration": MAX_DURATION, "users": MAX_USERS, "rate": MAX_RATE, "max_requests": MAX_REQUESTS}
    for name, value in settings.items():
        low = 0 if name == "rate" else 1
        if not low <= value <= caps[name]:
            raise ValueError(f"{name}={value:g} is not allowed: use {low} to {caps[name]}")
    return settings


def run_load(base_url, paths, duration=10, users=10, rate=50, max_requests=2000, ca_bundle=None, resolve=(),
             timeout=10.0, python=None, cpus=None):
    """Runs the load in a child process and returns its figures (see RUNNER's output).

    ``resolve``: (host, port or '*', address) triples. ``rate`` 0 means as fast as the users go.
    ``cpus``: CPU numbers the child is confined to (benchmarks), None for any.
    """
    settings = bounded(duration, users, rate, max_requests)
    config = dict(settings, base_url=base_url.rstrip("/"), paths=list(paths), ca_bundle=ca_bundle or "",
                  resolve=[list(entry) for entry in resolve], timeout=float(timeout))
    preexec = None
    if cpus:
        import os

        def preexec():
            os.sched_setaffinity(0, set(cpus))
    try:
        child = subprocess.run([python or sys.executable, "-c", RUNNER], input=json.dumps(config), capture_output=True,
                               text=True, check=False, timeout=settings["duration"] + timeout + 30, preexec_fn=preexec)
    except subprocess.TimeoutExpired:
        raise LoadError(f"the load run did not end within {settings['duration'] + timeout + 30:g} s") from None
    if child.returncode != 0:
        tail = (child.stderr or "").strip().splitlines()[-3:]
        raise LoadError(f"the load run failed (exit {child.returncode}): {' | '.join(tail) or 'no output'}")
    try:
        figures = json.loads(child.stdout)
    except ValueError:
        raise LoadError(f"the load run printed no figures: {child.stdout[-300:]!r}") from None
    figures["error_rate"] = round(figures["failures"] / figures["requests"], 4) if figures["requests"] else 1.0
    return figures
