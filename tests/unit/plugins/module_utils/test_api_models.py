"""Unit tests for inboxwine.fozzy module_utils.api_models (no AWS involved)."""

import boto3
import botocore.loaders
import botocore.session
import pytest

from ansible_collections.inboxwine.fozzy.plugins.module_utils.api_models import share_api_models


@pytest.fixture
def restore_botocore(monkeypatch):
    """Start from botocore as shipped (a module test may have shared the models already), and restore after."""
    monkeypatch.setattr(botocore.session, "create_loader", botocore.loaders.create_loader)
    monkeypatch.delenv("AWS_DATA_PATH", raising=False)


def new_session():
    return boto3.session.Session(region_name="eu-central-1", aws_access_key_id="a", aws_secret_access_key="b")


def loader_of(session):
    return session._session.get_component("data_loader")


def test_sessions_have_their_own_loader_until_shared(restore_botocore):
    assert loader_of(new_session()) is not loader_of(new_session())


def test_shared_sessions_reuse_the_loader_and_the_parsed_model(restore_botocore):
    share_api_models()
    first, second = new_session(), new_session()
    assert loader_of(first) is loader_of(second)
    ec2_one = first.client("ec2", endpoint_url="http://127.0.0.1:9")
    ec2_two = second.client("ec2", endpoint_url="http://127.0.0.1:9")
    assert ec2_one is not ec2_two
    assert ec2_one.meta.service_model.operation_names == ec2_two.meta.service_model.operation_names
    assert ec2_one.meta.service_model._service_description is ec2_two.meta.service_model._service_description


def test_search_paths_do_not_grow_with_every_session(restore_botocore):
    share_api_models()
    paths = list(loader_of(new_session()).search_paths)
    for _ in range(5):
        session = new_session()
    now = loader_of(session).search_paths
    assert set(now) == set(paths)
    assert len(now) <= len(paths) + 1  # boto3 has appended its directory once more since the last clean-up


def test_installing_twice_keeps_one_cache(restore_botocore):
    share_api_models()
    factory = botocore.session.create_loader
    share_api_models()
    assert botocore.session.create_loader is factory


def test_a_different_data_path_gets_its_own_loader(restore_botocore, monkeypatch, tmp_path):
    share_api_models()
    default = loader_of(new_session())
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    custom = loader_of(new_session())
    assert custom is not default
    assert str(tmp_path) in custom.search_paths
    assert str(tmp_path) not in default.search_paths
