# -*- coding: utf-8 -*-
# Copyright: (c) 2026, inboxwine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: fast_linear
short_description: The linear strategy, run through Mitogen for Ansible when it is installed
version_added: 0.1.0
description:
  - Runs tasks exactly like C(ansible.builtin.linear), task by task, all hosts in lock step.
  - When the C(mitogen) Python package is installed next to ansible-core, modules run in a
    persistent interpreter, so C(boto3) and C(botocore) are imported once per run instead of
    once per task. A deploy of this collection then takes about half the time.
  - In that interpreter, from the first module of this collection on, botocore parses each
    service's API model once instead of once per task (C(module_utils/api_models.py)),
    which saves 0.1 to 0.35 s on every AWS task that follows.
  - Without C(mitogen) it is plain C(ansible.builtin.linear), so nothing breaks where the
    package is missing (an AWX execution environment, for example).
  - The repository's C(ansible.cfg) selects it; C(requirements.txt) pins C(mitogen).
  - Mitogen lists the installed collections once per run, not once per task (about 60 ms a
    task with the collections of the C(ansible) package).
  - A cancelled run leaves nothing running. Every process forked from the run (Ansible's
    workers, which each start a session of their own, Mitogen's multiplexer, and the Python
    interpreters the multiplexer starts for the modules) asks Linux to kill it when the process
    that started it dies (C(PR_SET_PDEATHSIG)), so a SIGKILL of C(ansible-playbook), as AWX
    sends when a job is cancelled, takes the whole tree down. Elsewhere than Linux this is a no-op.
author:
  - Inbox Wine platform team (@inboxwine)
"""

import ctypes
import ctypes.util
import os
import signal
import sys

from ansible.plugins.strategy.linear import StrategyModule as LinearStrategy
from ansible.utils.display import Display

try:
    # Importing the loaders first is what Mitogen's own strategy plugins do: it checks the
    # ansible-core version and fails with a clear message when Mitogen does not support it.
    import ansible_mitogen.loaders  # noqa: F401 pylint: disable=unused-import
    from ansible_mitogen.strategy import StrategyMixin
except ImportError:
    StrategyMixin = None

display = Display()

PR_SET_PDEATHSIG = 1
# The signal a child gets when the thread that forked it dies. Not SIGKILL: a worker of Ansible
# leads a process group of its own, with the module processes it started (plain linear); its
# handler kills that whole group, then itself. A child that execs loses the handler and dies of
# the signal's default action (termination), which Linux keeps across exec.
PARENT_DEATH_SIGNAL = signal.SIGUSR2
_libc = None


def _on_parent_death(signum, frame):
    try:
        if os.getpgid(0) == os.getpid():
            os.killpg(os.getpid(), signal.SIGKILL)
    finally:
        os._exit(1)


def die_with_parent():
    """In a child just forked: end this process (and the group it leads) when its parent dies.

    Linux keeps the setting across exec (so Mitogen's interpreters, started through
    subprocess with a preexec function, keep it too), not across fork: every fork sets it anew.
    """
    global _libc
    if not sys.platform.startswith("linux"):
        return
    try:
        if _libc is None:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        signal.signal(PARENT_DEATH_SIGNAL, _on_parent_death)
        _libc.prctl(PR_SET_PDEATHSIG, int(PARENT_DEATH_SIGNAL), 0, 0, 0)
        # The parent may have died between the fork and the prctl.
        if os.getppid() == 1:
            os._exit(1)
    except (OSError, AttributeError, ValueError):
        pass


_registered = False


def tie_children_to_the_run():
    """Every later fork of this process (and, inherited, of its forks) dies with its parent."""
    global _registered
    if not _registered and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=die_with_parent)
        _registered = True


if StrategyMixin is None:

    class StrategyModule(LinearStrategy):
        def run(self, iterator, play_context):
            display.vvv("fast_linear: mitogen is not installed; running as ansible.builtin.linear")
            tie_children_to_the_run()
            return super().run(iterator, play_context)

else:

    class StrategyModule(StrategyMixin, LinearStrategy):
        def run(self, iterator, play_context):
            # Before StrategyMixin.run starts Mitogen's multiplexer (a fork of this process).
            tie_children_to_the_run()
            list_collection_dirs_once()
            return super().run(iterator, play_context)


def list_collection_dirs_once():
    """Make Mitogen list the installed collections once per run instead of once per task.

    For every task of a collection's module, Mitogen's planner lists every installed collection
    (importing each one's package and parsing its meta/runtime.yml: about 60 ms with the
    collections of the ``ansible`` package) to tell the interpreter where ``ansible_collections``
    live. It keeps no cache that outlives the task's worker process, a fork of this one. Listed
    here, in the process the workers fork from, before the first task; the paths do not change
    during a run (they come from the configuration).
    """
    from ansible_mitogen import planner
    from ansible.collections.list import list_collection_dirs

    step = getattr(planner, "_load_collections", None)
    if step is None or getattr(step, "listed_once", False):
        return  # a Mitogen without this step, or listed already
    paths = frozenset(path.decode("utf-8") for path in list_collection_dirs())

    def load_collections(invocation):
        invocation._extra_sys_paths.update(paths)

    load_collections.listed_once = True
    planner._load_collections = load_collections
