# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The number of retries that covers a timeout (documented in retries_within.yml)."""

from ansible.errors import AnsibleFilterError


def retries_within(timeout, delay=10):
    """Retries of ``delay`` seconds each that together cover ``timeout`` seconds (at least 1)."""
    try:
        timeout, delay = float(timeout), float(delay)
    except (TypeError, ValueError):
        raise AnsibleFilterError(f"retries_within: timeout={timeout!r} and delay={delay!r} must be numbers of seconds")
    if delay <= 0:
        raise AnsibleFilterError(f"retries_within: delay={delay!r} must be above 0 seconds")
    return max(1, -int(-timeout // delay))


class FilterModule:
    def filters(self):
        return {"retries_within": retries_within}
