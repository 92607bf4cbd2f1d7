#!/usr/bin/env python3
"""Start, stop and reset the local AWS emulator (moto server) on 127.0.0.1.

    emulator.py start [--port N]   start in the background, wait until it answers, print the URL
    emulator.py stop  [--port N]   stop the one this script started (by its PID file, never by name)
    emulator.py reset [--port N]   empty it
    emulator.py serve [--port N]   run in the foreground (what `start` runs)
    emulator.py free-port          print a free TCP port on 127.0.0.1

The PID file and log live in .emulator/ at the repository root. The port defaults to
$FOZZY_EMULATOR_PORT or 5000. `serve` applies the fidelity patches in emulator_fidelity.py
so the emulator answers as AWS does where moto's defaults would hide real behaviour.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

HOST = "127.0.0.1"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE_DIR = os.path.join(ROOT, ".emulator")

# What moto needs to behave like the parts of AWS this collection uses.
EMULATOR_ENV = {
    "MOTO_ECS_SERVICE_RUNNING": "true",  # services report running tasks, so stability waits end
    "MOTO_ACM_VALIDATION_WAIT": os.environ.get("MOTO_ACM_VALIDATION_WAIT", "2"),
    # AWS's managed policies exist in every account (the ECS infrastructure role attaches one)
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


def default_port():
    return int(os.environ.get("FOZZY_EMULATOR_PORT", "5000"))


def pid_file(port):
    return os.path.join(STATE_DIR, f"{port}.pid")


def url(port):
    return f"http://{HOST}:{port}"


def answers(port, timeout=5.0):
    # The dashboard page is static; /moto-api/data.json serialises every resource and gets
    # slow on a full stack, and probes that time out keep the server busy answering them.
    try:
        with urllib.request.urlopen(f"{url(port)}/moto-api/", timeout=timeout):
            return True
    except (urllib.error.URLError, OSError):
        return False


def read_pid(port):
    try:
        with open(pid_file(port)) as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_is_free(port):
    with socket.socket() as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
        return True


def serve(port):
    if not port_is_free(port):  # moto's server thread would die quietly and leave us waiting
        sys.exit(f"port {port} on {HOST} is in use")
    os.environ.update(EMULATOR_ENV)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import emulator_fidelity
    from moto.server import ThreadedMotoServer

    emulator_fidelity.apply()
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    server.stop()


def wait_until_it_answers(port, proc, log_name, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            sys.exit(f"the emulator exited with code {proc.returncode}; see {log_name}")
        if answers(port):
            print(url(port))
            return True
        time.sleep(0.2)
    return False


def start(port, timeout=60):
    log_name = os.path.join(STATE_DIR, f"{port}.log")
    pid = read_pid(port)
    if pid and alive(pid):  # ours already: never start a second one on the same port
        if wait_until_it_answers(port, None, log_name, timeout):
            return 0
        sys.exit(f"the emulator (PID {pid}) on {url(port)} does not answer; `emulator.py stop` it and start again")
    if not port_is_free(port):
        sys.exit(f"port {port} on {HOST} is taken by a process this script did not start; "
                 f"set FOZZY_EMULATOR_PORT to another port")
    os.makedirs(STATE_DIR, exist_ok=True)
    log = open(log_name, "ab")
    env = dict(os.environ, **EMULATOR_ENV)
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "serve", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        env=env, start_new_session=True,
    )
    with open(pid_file(port), "w") as handle:
        handle.write(str(proc.pid))
    if wait_until_it_answers(port, proc, log_name, timeout):
        return 0
    stop(port)
    sys.exit(f"the emulator did not answer on {url(port)} within {timeout}s; see {log.name}")


def stop(port):
    pid = read_pid(port)
    if pid is None:
        return 0
    if alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            try:  # reap it if it is our child (it is not when started by an earlier call)
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            time.sleep(0.1)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    os.remove(pid_file(port))
    return 0


def reset(port):
    request = urllib.request.Request(f"{url(port)}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop", "reset", "serve", "free-port"])
    parser.add_argument("--port", type=int, default=default_port())
    args = parser.parse_args(argv)
    if args.action == "free-port":
        print(free_port())
        return 0
    return {"start": start, "stop": stop, "reset": reset, "serve": serve}[args.action](args.port)


if __name__ == "__main__":
    sys.exit(main())
