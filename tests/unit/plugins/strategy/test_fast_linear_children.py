"""fast_linear ties every fork of the run to it: a SIGKILLed parent takes its forks along.

A parent process registers the hook as the strategy does, forks a child that starts a session
of its own (as Ansible's workers do) and a grandchild through subprocess without a preexec
function (as ansible's local connection starts a module); then the parent is SIGKILLed. Both
must be gone within seconds; they are found by the pids they reported, never by name.
"""

import os
import pathlib
import signal
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[4]

PARENT = r"""
import os, subprocess, sys, time
sys.path.insert(0, sys.argv[1])
from ansible_collections.inboxwine.fozzy.plugins.strategy import fast_linear
fast_linear.tie_children_to_the_run()
read, write = os.pipe()
if os.fork() == 0:
    os.setsid()
    sleeper = subprocess.Popen(["sleep", "120"])
    os.write(write, f"{os.getpid()} {sleeper.pid}\n".encode())
    time.sleep(120)
    os._exit(0)
print(os.read(read, 100).decode().strip(), flush=True)
time.sleep(120)
"""


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_sigkilled_parent_takes_its_forks_and_their_group_along():
    parent = subprocess.Popen([sys.executable, "-c", PARENT, str(ROOT / "collections")], stdout=subprocess.PIPE, text=True)
    child, grandchild = map(int, parent.stdout.readline().split())
    assert alive(child) and alive(grandchild)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while (alive(child) or alive(grandchild)) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [pid for pid in (child, grandchild) if alive(pid)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"still running after the parent was killed: {survivors}"
