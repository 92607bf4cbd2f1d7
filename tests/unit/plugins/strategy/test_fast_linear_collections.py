"""fast_linear makes Mitogen list the installed collections once per run instead of once per task."""

import ansible_mitogen.planner as planner  # requirements.txt pins mitogen
import pytest

from ansible_collections.inboxwine.fozzy.plugins.strategy import fast_linear


class Invocation:
    def __init__(self):
        self._extra_sys_paths = set()


@pytest.fixture
def mitogen_step(monkeypatch):
    """Mitogen's own step, restored after the test; counts how often the collections are listed."""
    listed = []
    monkeypatch.setattr(planner, "_load_collections", planner._load_collections)
    monkeypatch.setattr("ansible.collections.list.list_collection_dirs",
                        lambda: listed.append(1) or iter([b"/c/ansible_collections/amazon/aws", b"/c/ansible_collections/x/y"]))
    return listed


def test_lists_once_and_hands_every_invocation_the_same_paths(mitogen_step):
    fast_linear.list_collection_dirs_once()
    fast_linear.list_collection_dirs_once()  # a second play of the run
    first, second = Invocation(), Invocation()
    planner._load_collections(first)
    planner._load_collections(second)
    assert first._extra_sys_paths == second._extra_sys_paths == {
        "/c/ansible_collections/amazon/aws", "/c/ansible_collections/x/y"}
    assert mitogen_step == [1]


def test_a_mitogen_without_the_step_is_left_alone(monkeypatch):
    monkeypatch.delattr(planner, "_load_collections")
    fast_linear.list_collection_dirs_once()
    assert not hasattr(planner, "_load_collections")
