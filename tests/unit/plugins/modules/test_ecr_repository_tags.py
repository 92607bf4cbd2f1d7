"""Unit tests for inboxwine.fozzy.ecr_repository_tags against moto's in-process mock.

Every test reads the tags back with boto3 rather than trusting `changed`.
"""

import boto3
import pytest

from ansible_collections.inboxwine.fozzy.plugins.modules import ecr_repository_tags

NAME = "fozzy-api"
TAGS = {"Project": "fozzy", "Environment": "staging"}


@pytest.fixture
def ecr(aws):
    client = boto3.client("ecr")
    client.create_repository(repositoryName=NAME)
    return client


@pytest.fixture
def run(run_module):
    def _run(check_mode=False, **module_args):
        return run_module(ecr_repository_tags.main, dict({"name": NAME}, **module_args), check_mode=check_mode)

    return _run


def tags(ecr):
    arn = ecr.describe_repositories(repositoryNames=[NAME])["repositories"][0]["repositoryArn"]
    return {t["Key"]: t["Value"] for t in ecr.list_tags_for_resource(resourceArn=arn)["tags"]}


def test_tags_are_set_then_unchanged(ecr, run):
    first = run(tags=TAGS)
    second = run(tags=TAGS)

    assert first["changed"] is True and first["added"] == TAGS and first["removed"] == []
    assert tags(ecr) == TAGS
    assert second["changed"] is False
    assert second["diff"]["before"] == second["diff"]["after"] == {"tags": TAGS}
    assert second["repository_arn"].endswith(":repository/fozzy-api")


def test_purge_removes_tags_not_asked_for_and_purge_false_keeps_them(ecr, run):
    run(tags=dict(TAGS, Owner="someone"))

    kept = run(tags={"Project": "fozzy", "Environment": "production"}, purge_tags=False)
    assert kept["changed"] is True and kept["removed"] == []
    assert tags(ecr) == {"Project": "fozzy", "Environment": "production", "Owner": "someone"}

    purged = run(tags=TAGS)
    assert purged["changed"] is True and purged["removed"] == ["Owner"]
    assert purged["added"] == {"Environment": "staging"}
    assert tags(ecr) == TAGS


def test_check_mode_predicts_and_writes_nothing(ecr, run):
    run(tags={"Owner": "someone"})

    result = run(check_mode=True, tags=TAGS)

    assert result["changed"] is True
    assert result["diff"] == {"before": {"tags": {"Owner": "someone"}}, "after": {"tags": TAGS}}
    assert result["tags"] == TAGS
    assert tags(ecr) == {"Owner": "someone"}


def test_tags_not_set_leave_the_tags_alone(ecr, run):
    run(tags=TAGS)

    result = run()

    assert result["changed"] is False and tags(ecr) == TAGS


def test_missing_repository_fails_but_check_mode_predicts_the_tags(aws, run):
    predicted = run(check_mode=True, tags=TAGS)
    failed = run(tags=TAGS)

    assert predicted["changed"] is True and predicted["failed"] is False
    assert predicted["repository_arn"] == "" and predicted["diff"]["after"] == {"tags": TAGS}
    assert run(check_mode=True, tags={})["changed"] is False
    assert failed["failed"] is True
    assert failed["msg"] == "ECR repository fozzy-api does not exist; create it before tagging it"
