"""One formula for every wait on an AWS dependency: retries from a timeout, and when to retry."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.inboxwine.fozzy.plugins.filter.waits import retries_within
from ansible_collections.inboxwine.fozzy.plugins.test.aws import blocked_by_dependency


@pytest.mark.parametrize("timeout, delay, retries", [(600, 10, 60), (601, 10, 61), (5, 10, 1), (0, 10, 1), ("120", "15", 8)])
def test_retries_cover_the_timeout(timeout, delay, retries):
    assert retries_within(timeout, delay) == retries


@pytest.mark.parametrize("timeout, delay", [("soon", 10), (60, 0)])
def test_retries_refuse_what_is_not_a_duration(timeout, delay):
    with pytest.raises(AnsibleFilterError, match="retries_within"):
        retries_within(timeout, delay)


@pytest.mark.parametrize("result, blocked", [
    ({"failed": True, "error": {"code": "DependencyViolation"}}, True),
    ({"failed": True, "error": {"code": "ResourceInUse"}}, True),
    ({"failed": True, "error": {"code": "ResourceInUseException"}}, True),
    ({"failed": True, "error": {"code": "AccessDenied"}}, False),
    ({"failed": True, "msg": "no error code"}, False),
    ({"changed": True}, False),
    ({"failed": False, "error": {"code": "DependencyViolation"}}, False),
])
def test_only_a_dependency_error_is_worth_a_retry(result, blocked):
    assert blocked_by_dependency(result) is blocked
