"""Unit tests for inboxwine.fozzy module_utils.tags: the one tag reconciliation helper."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.inboxwine.fozzy.plugins.module_utils.tags import reconcile_tags
from ansible_collections.inboxwine.fozzy.plugins.module_utils.tags import tag_changes


class Failed(Exception):
    pass


class FakeModule:
    def __init__(self, check_mode=False):
        self.check_mode = check_mode

    def fail_json_aws(self, exception, msg):
        raise Failed(msg)


class Calls:
    def __init__(self, error=None):
        self.calls = []
        self.error = error

    def add(self, tags):
        self.calls.append(("add", tags))
        if self.error:
            raise self.error

    def remove(self, keys):
        self.calls.append(("remove", keys))


CURRENT = {"Project": "fozzy", "Team": "data", "aws:cloudformation:stack-name": "x"}


def test_nothing_set_changes_nothing():
    changes = tag_changes(CURRENT, None)
    assert (changes.to_add, changes.to_remove, changes.after, changes.changed) == ({}, [], CURRENT, False)


def test_same_tags_are_no_change_even_as_other_types():
    changes = tag_changes({"Port": "8000", "Project": "fozzy"}, {"Port": 8000, "Project": "fozzy"})
    assert changes.changed is False
    assert changes.after == {"Port": "8000", "Project": "fozzy"}


def test_purge_removes_undeclared_tags_but_not_aws_ones():
    changes = tag_changes(CURRENT, {"Project": "wine", "Env": "prod"})
    assert changes.to_add == {"Project": "wine", "Env": "prod"}
    assert changes.to_remove == ["Team"]
    assert changes.after == {"Project": "wine", "Env": "prod", "aws:cloudformation:stack-name": "x"}
    assert changes.changed is True


def test_without_purge_undeclared_tags_stay():
    changes = tag_changes(CURRENT, {"Env": 1}, purge_tags=False)
    assert changes.to_add == {"Env": 1}
    assert changes.to_remove == []
    assert changes.after == dict(CURRENT, Env="1")  # AWS keeps text


def test_empty_desired_with_purge_removes_all():
    changes = tag_changes({"A": "1", "B": "2"}, {})
    assert changes.to_remove == ["A", "B"] and changes.after == {} and changes.changed


def test_no_current_tags():
    changes = tag_changes(None, {"A": "1"})
    assert changes.to_add == {"A": "1"} and changes.after == {"A": "1"}


def test_reconcile_removes_then_adds():
    calls = Calls()
    changes = reconcile_tags(FakeModule(), CURRENT, {"Project": "wine"}, True, calls.add, calls.remove, "cluster x")
    assert calls.calls == [("remove", ["Team"]), ("add", {"Project": "wine"})]
    assert changes.after == {"Project": "wine", "aws:cloudformation:stack-name": "x"}


def test_reconcile_calls_only_what_is_needed():
    calls = Calls()
    reconcile_tags(FakeModule(), {"A": "1"}, {"A": "1", "B": "2"}, True, calls.add, calls.remove, "x")
    assert calls.calls == [("add", {"B": "2"})]
    calls = Calls()
    reconcile_tags(FakeModule(), {"A": "1", "B": "2"}, {"A": "1"}, True, calls.add, calls.remove, "x")
    assert calls.calls == [("remove", ["B"])]
    calls = Calls()
    changes = reconcile_tags(FakeModule(), {"A": "1"}, {"A": "1"}, True, calls.add, calls.remove, "x")
    assert calls.calls == [] and changes.changed is False


def test_reconcile_in_check_mode_writes_nothing_but_reports():
    calls = Calls()
    changes = reconcile_tags(FakeModule(check_mode=True), CURRENT, {"Project": "wine"}, True, calls.add, calls.remove, "x")
    assert calls.calls == []
    assert changes.changed is True
    assert changes.after == {"Project": "wine", "aws:cloudformation:stack-name": "x"}


def test_reconcile_error_names_the_resource():
    error = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "TagResource")
    calls = Calls(error=error)
    with pytest.raises(Failed) as failed:
        reconcile_tags(FakeModule(), {}, {"A": "1"}, True, calls.add, calls.remove, "ECS cluster fozzy")
    assert str(failed.value) == "Failed to update the tags of ECS cluster fozzy"
