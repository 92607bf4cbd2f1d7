"""Rules of the stack-wide fozzy_* variables."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils import inputs as engine

GOOD = {
    "fozzy_environment": "production", "fozzy_name": "fozzy-api", "fozzy_aws_region": "eu-central-1",
    "fozzy_domain_name": "fozzy-api.inbox.wine", "fozzy_hosted_zone_name": "inbox.wine",
    "fozzy_tags": {"Project": "fozzy"}, "fozzy_container_port": 8000, "fozzy_health_check_path": "/health",
}


def problems(**changes):
    return engine.check([engine.SHARED], engine.Inputs(dict(GOOD, **changes)))


def test_good_inputs_have_no_problem():
    assert problems() == []
    assert problems(fozzy_domain_name="inbox.wine.", fozzy_aws_endpoint_url="http://127.0.0.1:5000") == []


@pytest.mark.parametrize("changes, message", [
    ({"fozzy_environment": "Prod"}, "fozzy_environment=Prod is not allowed: use 2 to 16 lower case letters"),
    ({"fozzy_name": "fozzy_api"}, "fozzy_name=fozzy_api is not allowed: use 2 to 16"),
    ({"fozzy_name": "a-"}, "fozzy_name=a- is not allowed"),
    ({"fozzy_aws_region": ""}, "fozzy_aws_region= is not allowed: it must be a region name like eu-central-1."),
    ({"fozzy_aws_endpoint_url": "127.0.0.1:5000"}, "fozzy_aws_endpoint_url=127.0.0.1:5000 is not allowed: use an http://"),
    ({"fozzy_domain_name": "api.example.com"},
     "fozzy_domain_name=api.example.com is not allowed: it must be a lower case DNS name inside fozzy_hosted_zone_name=inbox.wine"),
    ({"fozzy_domain_name": "notinbox.wine"}, "fozzy_domain_name=notinbox.wine is not allowed"),
    ({"fozzy_hosted_zone_name": "Inbox.Wine"}, "fozzy_hosted_zone_name=Inbox.Wine is not allowed: use a lower case DNS name"),
    ({"fozzy_tags": {"aws:owner": "me"}}, "fozzy_tags key 'aws:owner' is not allowed"),
    ({"fozzy_container_port": 0}, "fozzy_container_port=0 is not allowed: use a port from 1 to 65535"),
    ({"fozzy_health_check_path": "health"}, 'fozzy_health_check_path=health is not allowed: use a path starting with "/"'),
])
def test_each_bad_input_is_named_with_its_value(changes, message):
    found = problems(**changes)
    assert len(found) == 1 and found[0].startswith(message), found


def test_renamed_variables_point_at_their_new_names():
    engine.rules_of(engine.SHARED)
    assert engine.RENAMED["ecs_service_container_port"] == ("fozzy_container_port", "0.3.0")
