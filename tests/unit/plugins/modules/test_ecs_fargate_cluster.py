"""Unit tests for inboxwine.fozzy.ecs_fargate_cluster against moto's in-process mock.

Every test reads the resulting cluster back with boto3 rather than trusting `changed`.
"""

import boto3
import pytest

from ansible_collections.inboxwine.fozzy.plugins.modules import ecs_fargate_cluster

NAME = "fozzy-api-it"
BASE = dict(
    name=NAME,
    capacity_providers=["FARGATE", "FARGATE_SPOT"],
    default_capacity_provider_strategy=[{"capacity_provider": "FARGATE", "base": 1, "weight": 1}],
    container_insights="enabled",
    tags={"Project": "fozzy"},
)


@pytest.fixture
def ecs(aws):
    return boto3.client("ecs")


@pytest.fixture
def run(run_module):
    def _run(check_mode=False, **module_args):
        return run_module(ecs_fargate_cluster.main, module_args, check_mode=check_mode)

    return _run


def cluster(ecs):
    found = [c for c in ecs.describe_clusters(clusters=[NAME], include=["SETTINGS", "TAGS"])["clusters"] if c["status"] == "ACTIVE"]
    return found[0] if found else None


def insights(found):
    return {s["name"]: s["value"] for s in found.get("settings", [])}.get("containerInsights")


def test_create_sets_providers_strategy_insights_and_tags(ecs, run):
    result = run(**BASE)

    assert result["changed"] is True
    assert result["changes"] == ["created"]
    found = cluster(ecs)
    assert sorted(found["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    assert found["defaultCapacityProviderStrategy"] == [{"capacityProvider": "FARGATE", "weight": 1, "base": 1}]
    assert insights(found) == "enabled"
    assert found["tags"] == [{"key": "Project", "value": "fozzy"}]
    assert result["cluster"]["cluster_arn"] == found["clusterArn"]
    assert result["cluster"]["container_insights"] == "enabled"


def test_second_run_is_unchanged(ecs, run):
    run(**BASE)

    result = run(**dict(BASE, capacity_providers=["FARGATE_SPOT", "FARGATE"]))

    assert result["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]


def test_check_mode_creates_nothing(ecs, run):
    result = run(check_mode=True, **BASE)

    assert result["changed"] is True
    assert result["diff"]["after"]["container_insights"] == "enabled"
    assert cluster(ecs) is None


def test_insights_strategy_and_tags_are_updated(ecs, run):
    run(**BASE)

    result = run(**dict(
        BASE,
        container_insights="enhanced",
        default_capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 2}],
        tags={"Project": "fozzy", "Team": "data"},
    ))

    assert result["changes"] == ["default_capacity_provider_strategy", "container_insights", "tags"]
    found = cluster(ecs)
    assert insights(found) == "enhanced"
    assert found["defaultCapacityProviderStrategy"] == [{"capacityProvider": "FARGATE_SPOT", "weight": 2, "base": 0}]
    assert sorted(t["key"] for t in found["tags"]) == ["Project", "Team"]


def test_check_mode_update_changes_nothing(ecs, run):
    run(**BASE)

    result = run(check_mode=True, **dict(BASE, container_insights="disabled"))

    assert result["changes"] == ["container_insights"]
    assert result["diff"]["after"]["container_insights"] == "disabled"
    assert insights(cluster(ecs)) == "enabled"


def test_unset_options_are_left_alone(ecs, run):
    run(**BASE)

    result = run(name=NAME)

    assert result["changed"] is False
    assert insights(cluster(ecs)) == "enabled"


def test_absent_deletes_and_is_idempotent(ecs, run):
    run(**BASE)

    result = run(name=NAME, state="absent")
    again = run(name=NAME, state="absent")

    assert result["changed"] is True and result["changes"] == ["deleted"]
    assert cluster(ecs) is None
    assert again["changed"] is False


def test_strategy_must_use_listed_providers(ecs, run):
    result = run(**dict(BASE, capacity_providers=["FARGATE"],
                        default_capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1}]))

    assert result["failed"] is True
    assert "FARGATE_SPOT, which is not in capacity_providers (FARGATE)" in result["msg"]
    assert cluster(ecs) is None


def test_strategy_problems_are_the_shared_sentences(ecs, run):
    from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import capacity_provider_strategy_problems

    strategy = [{"capacity_provider": "FARGATE", "base": 1, "weight": 0}, {"capacity_provider": "FARGATE_SPOT", "base": 2, "weight": 0}]

    result = run(**dict(BASE, default_capacity_provider_strategy=strategy))

    assert result["failed"] is True
    problems = capacity_provider_strategy_problems(strategy, BASE["capacity_providers"], name="default_capacity_provider_strategy")
    assert len(problems) == 2
    assert result["msg"] == " ".join(problems)
    assert cluster(ecs) is None


def test_tags_are_purged_and_kept_as_asked(ecs, run):
    run(**dict(BASE, tags={"Project": "fozzy", "Team": "data"}))

    kept = run(**dict(BASE, tags={"Env": "prod"}, purge_tags=False))
    purged = run(**dict(BASE, tags={"Env": "prod"}))

    assert kept["changes"] == ["tags"] and purged["changes"] == ["tags"]
    assert kept["diff"]["after"]["tags"] == {"Project": "fozzy", "Team": "data", "Env": "prod"}
    assert purged["diff"]["after"]["tags"] == {"Env": "prod"}
    assert cluster(ecs)["tags"] == [{"key": "Env", "value": "prod"}]
