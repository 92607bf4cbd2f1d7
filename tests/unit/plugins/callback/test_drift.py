"""The drift callback's record and what drift_report makes of it."""

import json
import os
import types

from ansible_collections.inboxwine.fozzy.plugins.action import drift_report
from ansible_collections.inboxwine.fozzy.plugins.callback import drift


class _Task:
    def __init__(self, name, role=None, action="amazon.aws.ec2_vpc_net"):
        self.name, self.action = name, action
        self._role = types.SimpleNamespace(get_name=lambda include_role_fqcn=False: role) if role else None

    def get_name(self, include_role_fqcn=False):
        return f"{self._role.get_name()} : {self.name}" if self._role else self.name


def _result(task, result):
    return types.SimpleNamespace(_task=task, _result=result, _host=types.SimpleNamespace(get_name=lambda: "localhost"))


def test_the_callback_records_changed_tasks_only_and_cleans_up(monkeypatch):
    monkeypatch.delenv(drift.RECORD_ENV, raising=False)
    callback = drift.CallbackModule()
    callback.v2_playbook_on_start(None)
    path = os.environ[drift.RECORD_ENV]
    callback.v2_runner_on_ok(_result(_Task("Read the VPC", "vpc"), {"changed": False}))
    callback.v2_runner_on_ok(_result(_Task("Scale the service automatically", "autoscaling"), {
        "changed": True, "diff": {"before": {"max_capacity": 15, "min_capacity": 2},
                                  "after": {"max_capacity": 20, "min_capacity": 2}}}))
    callback.v2_runner_on_ok(_result(_Task("Create the load balancer", "load_balancer"), {
        "changed": True, "diff": [{"before": {"attributes": {"idle_timeout": "60", "http2": "true"}},
                                   "after": {"attributes": {"idle_timeout": "120", "http2": "true"}}}]}))
    callback.v2_runner_on_ok(_result(_Task("Write the outputs as JSON", "outputs", "ansible.builtin.copy"),
                                     {"changed": True}))
    entries = [json.loads(line) for line in open(path, encoding="utf-8")]
    assert [e["task"] for e in entries] == ["autoscaling : Scale the service automatically",
                                            "load_balancer : Create the load balancer",
                                            "outputs : Write the outputs as JSON"]
    assert entries[1]["diff"] == 'attributes.idle_timeout: "60" -> "120"'
    assert entries[0]["diff"] == "max_capacity: 15 -> 20"
    assert drift_report.read_record(path, ["outputs"]) == entries[:2]
    callback.v2_playbook_on_stats(None)
    assert not os.path.exists(path) and drift.RECORD_ENV not in os.environ


def test_the_message_names_each_task_and_what_it_would_change():
    entries = [{"task": "autoscaling : Scale the service automatically", "diff": "max_capacity: 15 -> 20"},
               {"task": "load_balancer : Create the load balancer and its listeners", "diff": ""}]
    message = drift_report.drift_message(entries, check_mode=True)
    assert message.startswith("The stack has drifted from the inventory: 2 task(s) would change something: ")
    assert "autoscaling : Scale the service automatically (max_capacity: 15 -> 20); " in message
    assert message.endswith("load_balancer : Create the load balancer and its listeners")
    assert "2 task(s) changed something" in drift_report.drift_message(entries, check_mode=False)
