"""A cancelled job leaves nothing running.

AWX cancels a job with a signal, then kills ansible-playbook. A run is SIGKILLed here in the
middle of a task that takes long (as a wait for ECS or ACM does), with Mitogen and without
it; every process of its tree and its session, recorded from /proc by parent and session id
before the kill (never looked for by name), must be gone within seconds. Before the fix, the
Mitogen multiplexer, its interpreters and the worker (in a session of its own) stayed until
the task ended; without Mitogen, the module's process did.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ROOT

PLAYBOOK = """
- name: A task that takes long, like a wait for ECS
  hosts: localhost
  gather_facts: false
  tasks:
    - name: A short task first (Mitogen starts its interpreters)
      ansible.builtin.command: "true"
      changed_when: false
    - name: Wait long
      ansible.builtin.wait_for:
        timeout: 300
"""


def processes():
    """pid -> (ppid, session id, start time) of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                table[int(entry)] = (int(fields[1]), int(fields[3]), fields[19])
    return table


def tree_and_sessions(root):
    """The processes descending from `root`, and every process in one of their sessions."""
    table = processes()
    members = {root}
    grew = True
    while grew:
        grew = False
        for pid, (ppid, _sid, _start) in table.items():
            if ppid in members and pid not in members:
                members.add(pid)
                grew = True
    sessions = {table[pid][1] for pid in members if pid in table}
    members |= {pid for pid, (_ppid, sid, _start) in table.items() if sid in sessions}
    return {pid: table[pid][2] for pid in members if pid in table}


def survivors(recorded):
    table = processes()
    return sorted(pid for pid, start in recorded.items() if pid in table and table[pid][2] == start)


@pytest.mark.parametrize("mitogen", [True, False], ids=["mitogen", "plain-linear"])
def test_a_sigkilled_run_leaves_no_process_behind(tmp_path, mitogen):
    playbook = tmp_path / "long.yml"
    playbook.write_text(PLAYBOOK)
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    if not mitogen:
        stub = tmp_path / "stub" / "ansible_mitogen"
        stub.mkdir(parents=True)
        (stub / "__init__.py").write_text('raise ImportError("mitogen is not installed here")\n')
        env["PYTHONPATH"] = str(stub.parent)
    log = open(tmp_path / "run.log", "w")
    run = subprocess.Popen([str(ROOT / ".venv" / "bin" / "ansible-playbook"), str(playbook), "-i", "inventories/local"],
                           cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    recorded = {}
    try:
        # the run is in the long task: its module runs (Mitogen: multiplexer and interpreters;
        # plain: the worker, its shell and the module's Python)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            time.sleep(1)
            if "Wait long" in (tmp_path / "run.log").read_text():
                time.sleep(3)
                recorded = tree_and_sessions(run.pid)
                break
        assert run.poll() is None, (tmp_path / "run.log").read_text()
        assert len(recorded) >= 4, f"the run should have its helpers by now: {recorded}"
        run.send_signal(signal.SIGKILL)
        run.wait()
        deadline = time.monotonic() + 15
        while survivors(recorded) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = survivors(recorded)
    finally:
        for pid in survivors(recorded):  # never leave them behind, even when the test fails
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if run.poll() is None:
            run.kill()
    assert left == [], f"still running 15 s after the run was killed: {left}"
    assert sys.platform.startswith("linux")
