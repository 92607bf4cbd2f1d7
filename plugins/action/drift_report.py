# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of inboxwine.fozzy.drift_report (documented in plugins/modules/drift_report.py).

Reads the record of changed tasks the inboxwine.fozzy.drift callback keeps for the run and fails
naming each one; runs on the controller, in a worker process the run's main process forked, so
it finds the record through the environment it inherited.
"""

import json
import os

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

RECORD_ENV = "FOZZY_DRIFT_RECORD"


def read_record(path, ignore_roles=()):
    """The changed tasks of the record file, in order, less those of the roles ignored."""
    entries = []
    with open(path, encoding="utf-8") as record:
        for line in record:
            if line.strip():
                entry = json.loads(line)
                if entry.get("role") not in ignore_roles:
                    entries.append(entry)
    return entries


def drift_message(entries, check_mode):
    """One sentence per changed task: role : task (what it said)."""
    verb = "would change" if check_mode else "changed"
    lines = [f"{entry['task']}{' (' + entry['diff'] + ')' if entry.get('diff') else ''}" for entry in entries]
    return (f"The stack has drifted from the inventory: {len(entries)} task(s) {verb} something: "
            + "; ".join(lines))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("ignore_roles",))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        ignore_roles = list(self._task.args.get("ignore_roles", ["outputs"]))
        path = os.environ.get(RECORD_ENV)
        if not path or not os.path.exists(path):
            raise AnsibleError(
                "drift_report: no record of the changed tasks of this run: enable the inboxwine.fozzy.drift callback "
                "(callbacks_enabled = inboxwine.fozzy.drift in ansible.cfg, or ANSIBLE_CALLBACKS_ENABLED)")
        entries = read_record(path, ignore_roles)
        check_mode = bool(self._task.check_mode or self._play_context.check_mode)
        result.update(changed=False, drifted=[entry["task"] for entry in entries], drift=entries)
        if entries:
            result.update(failed=True, msg=drift_message(entries, check_mode))
        else:
            result["msg"] = "No drift: nothing of the stack " + ("would change." if check_mode else "changed.")
        return result
