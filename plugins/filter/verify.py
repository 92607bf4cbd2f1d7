# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The capacity and cost report of a sizing (documented in verify_capacity_report.yml)."""

from ansible.errors import AnsibleFilterError

from ansible_collections.inboxwine.fozzy.plugins.module_utils.verify_capacity import report


def verify_capacity_report(prices, rps_per_vcpu, task_vcpu, task_memory_gib, tasks, target_rps, cpu_target,
                           avg_response_bytes=1000, region=""):
    """Lines of the capacity and monthly cost report; one line saying why when there is no price table."""
    if not prices:
        return [f"capacity and cost: no price table for region {region or '?'} (roles/verify/files/prices_<region>.yml)"]
    try:
        counts = {name: int(tasks[name]) for name in ("min", "desired", "max")}
        lines = report(float(rps_per_vcpu), float(task_vcpu), float(task_memory_gib), counts, float(target_rps),
                       int(cpu_target), prices, float(avg_response_bytes or 0))[0]
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"verify_capacity_report: the price table or the sizing lacks or has a bad {exc}")
    return lines


class FilterModule:
    def filters(self):
        return {"verify_capacity_report": verify_capacity_report}
