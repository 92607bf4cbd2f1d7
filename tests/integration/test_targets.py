"""Runs each playbook under tests/integration/targets against a freshly reset emulator.
A playbook passes when ansible-playbook exits 0: its assertions live in the playbook
(check mode, real run, re-run unchanged, update, absent)."""
import pathlib

import pytest

TARGETS = sorted((pathlib.Path(__file__).parent / "targets").glob("*.yml"))


@pytest.mark.parametrize("playbook", TARGETS, ids=[t.stem for t in TARGETS])
def test_target(playbook, fresh_emulator):
    result = fresh_emulator.playbook(playbook)
    assert result.returncode == 0, f"{playbook.name} failed:\n{result.stdout[-8000:]}\n{result.stderr[-3000:]}"
