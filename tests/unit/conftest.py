"""Shared fixtures for the unit tests of inboxwine.fozzy.

The modules import ``ansible_collections.inboxwine.fozzy...``; the checkout exposes itself
under that name through ``collections/ansible_collections/inboxwine/fozzy`` (a symlink to
the repository root), so that directory goes on sys.path before anything imports the
collection. ``ansible_collections`` is a namespace package, so amazon.aws from the venv
stays importable next to it.
"""

import contextlib
import io
import json
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COLLECTIONS = os.path.join(ROOT, "collections")
if COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

from ansible.module_utils.testing import patch_module_args  # noqa: E402
from moto import mock_aws  # noqa: E402

REGION = "eu-central-1"
ACCOUNT = "123456789012"  # moto's default account

# Anything that could point boto3 somewhere other than moto's in-process mock.
_AWS_ENV = ("AWS_URL", "AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CA_BUNDLE")


_SHARED_LOADER = []


def _share_botocore_loader(monkeypatch):
    """Every module run makes a new boto3 session, which re-reads botocore's JSON models;
    one loader for all sessions (botocore treats loaded models as read-only) saves most of
    the time a test takes."""
    import botocore.loaders
    import botocore.session

    if not _SHARED_LOADER:
        _SHARED_LOADER.append(botocore.loaders.create_loader())

    def register(session):
        session._components.lazy_register_component("data_loader", lambda: _SHARED_LOADER[0])

    monkeypatch.setattr(botocore.session.Session, "_register_data_loader", register)


@pytest.fixture
def aws(monkeypatch, tmp_path):
    """moto in-process for the whole test; no request leaves the process."""
    _share_botocore_loader(monkeypatch)
    for name in _AWS_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    with mock_aws():
        yield


class FakeTime:
    """Stands in for the ``time`` module of module_utils.common: sleeping only moves the clock."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(monkeypatch):
    from ansible_collections.inboxwine.fozzy.plugins.module_utils import common

    clock = FakeTime()
    monkeypatch.setattr(common, "time", clock)
    return clock


def _run(main, args, check_mode=False, diff=True):
    """Run a module's main() in-process; return its JSON result plus ``failed``."""
    args = dict(args, region=REGION, _ansible_check_mode=check_mode, _ansible_diff=diff)
    out = io.StringIO()
    with patch_module_args(args), contextlib.redirect_stdout(out):
        with pytest.raises(SystemExit) as exit_info:
            main()
    result = json.loads(out.getvalue())
    result.setdefault("failed", exit_info.value.code != 0)
    # ansible-core 2.19 reports warnings as {"event": {"msg": ...}} summaries
    result["warnings"] = [_message(warning) for warning in result.get("warnings", [])]
    return result


def _message(warning):
    if isinstance(warning, dict):
        return (warning.get("event") or {}).get("msg", warning.get("msg", ""))
    return warning


@pytest.fixture
def run_module():
    return _run
