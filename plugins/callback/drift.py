# -*- coding: utf-8 -*-
# Copyright: (c) 2026, inboxwine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: drift
type: aggregate
short_description: Records the tasks of a run that changed (or, in check mode, would change) something
version_added: 0.3.0
description:
  - Writes one JSON line per task that reported C(changed) to a record file of the run, which
    M(inboxwine.fozzy.drift_report) reads at the end of C(playbooks/site.yml) to fail a check
    run that would change something (drift), naming each task.
  - The record file is made when the playbook starts, in the controller's temporary directory,
    and its path is put in the environment as C(FOZZY_DRIFT_RECORD), which every worker process
    of the run inherits (with or without Mitogen); it is removed when the playbook ends.
  - Only records; prints nothing and never fails a run itself. The repository's C(ansible.cfg)
    enables it (C(callbacks_enabled)).
author:
  - Inbox Wine platform team (@inboxwine)
requirements:
  - enabled in callbacks_enabled
"""

import json
import os
import tempfile

from ansible.plugins.callback import CallbackBase

RECORD_ENV = "FOZZY_DRIFT_RECORD"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "inboxwine.fozzy.drift"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self._path = None

    def v2_playbook_on_start(self, playbook):
        fd, self._path = tempfile.mkstemp(prefix="fozzy-drift-", suffix=".jsonl")
        os.close(fd)
        os.environ[RECORD_ENV] = self._path

    def v2_runner_on_ok(self, result):
        if not self._path or not result._result.get("changed"):
            return
        task = result._task
        role = task._role.get_name(include_role_fqcn=False) if task._role else ""
        entry = {
            "task": task.get_name(include_role_fqcn=False),
            "name": task.name,
            "role": role,
            "action": task.action,
            "host": result._host.get_name(),
            "diff": _short_diff(result._result),
        }
        with open(self._path, "a", encoding="utf-8") as record:
            record.write(json.dumps(entry, default=str) + "\n")

    def v2_playbook_on_stats(self, stats):
        if self._path:
            try:
                os.unlink(self._path)
            except FileNotFoundError:
                pass
            if os.environ.get(RECORD_ENV) == self._path:
                del os.environ[RECORD_ENV]
            self._path = None


def _changes(before, after, prefix=""):
    """'path: old -> new' of each value that differs, nested dicts by dotted path."""
    for key, new in after.items():
        old = before.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            yield from _changes(old, new, f"{prefix}{key}.")
        else:
            change = f"{prefix}{key}: {json.dumps(old, default=str)} -> {json.dumps(new, default=str)}"
            yield change if len(change) <= 120 else change[:117] + "..."


def _short_diff(result):
    """What the module said it would change, short: the values of its diff that differ, or its msg."""
    diffs = result.get("diff")
    diffs = diffs if isinstance(diffs, list) else [diffs] if diffs else []
    changes = []
    for diff in diffs:
        before, after = (diff or {}).get("before"), (diff or {}).get("after")
        if isinstance(before, dict) and isinstance(after, dict):
            changes += [change for change in _changes(before, after) if change not in changes]
    if changes:
        return ", ".join(changes)
    msg = result.get("msg")
    return msg if isinstance(msg, str) else ""
