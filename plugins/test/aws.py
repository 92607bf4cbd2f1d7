# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests on AWS module results (documented in the .yml file of each test's name)."""

# Error codes AWS answers while another resource still holds the one being deleted: retrying
# helps once that one is gone (a network interface released, a listener deleted).
DEPENDENCY_ERRORS = frozenset({"DependencyViolation", "ResourceInUse", "ResourceInUseException"})


def blocked_by_dependency(result):
    """Whether a task failed only because another resource still holds the one it deletes."""
    if not isinstance(result, dict) or not result.get("failed"):
        return False
    error = result.get("error") or {}
    return isinstance(error, dict) and error.get("code") in DEPENDENCY_ERRORS


class TestModule:
    def tests(self):
        return {"blocked_by_dependency": blocked_by_dependency}
