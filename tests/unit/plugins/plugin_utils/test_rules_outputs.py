"""Rules of the outputs role's inputs."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils import inputs as engine


def problems(path):
    return engine.check(["outputs"], engine.Inputs({"outputs_file": path, "fozzy_environment": "staging"}))


@pytest.mark.parametrize("path", ["outputs/staging.json", "/tmp/out.json", "out"])
def test_a_file_path_is_fine(path):
    assert problems(path) == []


@pytest.mark.parametrize("path", ["", "outputs/", "outputs/..", "."])
def test_a_directory_or_nothing_is_named(path):
    assert problems(path) == [f"outputs_file={path} is not allowed: use the path of a file (not a directory, not empty),"
                              " like outputs/staging.json."]
