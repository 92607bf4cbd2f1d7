# -*- coding: utf-8 -*-
# Copyright: (c) 2026, inboxwine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writes when each task starts and ends, for benchmarks/stack.py.

Enabled only by the benchmark (ANSIBLE_CALLBACK_PLUGINS=benchmarks/callback_plugins,
ANSIBLE_CALLBACKS_ENABLED=fozzy_bench_timeline, FOZZY_BENCH_TIMELINE=<file>). One JSON line
per event, with ``time.monotonic()`` of the controller: the same clock the recording proxy
uses in the benchmark's process, so AWS calls can be put into the task that made them.

    {"event": "play_start", "t": ...}
    {"event": "task_start", "t": ..., "uuid": ..., "name": ..., "role": ..., "path": ..., "action": ..., "handler": false}
    {"event": "task_end", "t": ..., "uuid": ..., "status": "ok|changed|skipped|failed|unreachable", "ignored": false}
    {"event": "stats", "t": ...}
"""
from __future__ import annotations

DOCUMENTATION = r"""
name: fozzy_bench_timeline
type: aggregate
short_description: Task start and end times as JSON lines, for benchmarks/stack.py
description:
  - Writes one JSON line per task start and task result to the file named by FOZZY_BENCH_TIMELINE.
requirements:
  - enabled in callbacks_enabled
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "fozzy_bench_timeline"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        path = os.environ.get("FOZZY_BENCH_TIMELINE")
        self._out = open(path, "a", encoding="utf-8") if path else None

    def _write(self, event, **fields):
        if self._out is None:
            return
        fields = {"event": event, "t": time.monotonic(), **fields}
        self._out.write(json.dumps(fields) + "\n")
        self._out.flush()

    def v2_playbook_on_start(self, playbook):
        self._write("playbook_start", file=getattr(playbook, "_file_name", ""))

    def v2_playbook_on_play_start(self, play):
        self._write("play_start", name=play.get_name())

    def _task_start(self, task, handler):
        role = task._role.get_name(include_role_fqcn=False) if task._role else ""
        self._write("task_start", uuid=task._uuid, name=task.name or task.action,
                    role=role, path=task.get_path() or "", action=task.action, handler=handler)

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_start(task, False)

    def v2_playbook_on_handler_task_start(self, task):
        self._task_start(task, True)

    def _task_end(self, result, status):
        if status == "ok" and result._result.get("changed", False):
            status = "changed"
        self._write("task_end", uuid=result._task._uuid, host=result._host.get_name(), status=status,
                    ignored=bool(result._task.ignore_errors) if status == "failed" else False)

    def v2_runner_on_ok(self, result):
        self._task_end(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._task_end(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._task_end(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._task_end(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        self._write("stats")
        if self._out is not None:
            self._out.close()
            self._out = None
