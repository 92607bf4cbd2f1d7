# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Capacity and monthly cost of a sizing, from a measured requests/s per vCPU and a price table.

Shared by ``benchmarks/capacity.py`` (``make capacity``) and the verify role (which prints the
same report for a deployed stack). The price table is one YAML file
(``roles/verify/files/prices_<region>.yml``) with its date and source; see it for the units.
"""

HOURS_PER_MONTH = 730
GIB = 1024 ** 3


def capacity(rps_per_vcpu, task_vcpu, tasks, target_rps, cpu_target):
    """Rows (name, tasks, rps at the P95 objective's peak, rps at the autoscaling CPU target,
    whether the peak covers target_rps) for each of tasks = {"min": n, "desired": n, "max": n}."""
    rows = []
    for name in ("min", "desired", "max"):
        count = int(tasks[name])
        peak = rps_per_vcpu * task_vcpu * count
        rows.append({"name": name, "tasks": count, "rps": round(peak), "rps_at_cpu_target": round(peak * cpu_target / 100),
                     "covers_target": peak >= target_rps})
    return rows


def monthly_cost(prices, task_vcpu, task_memory_gib, tasks, rps, avg_response_bytes):
    """Monthly cost (USD) of running ``tasks`` tasks all month serving ``rps`` on average.

    ALB LCUs: the largest of the dimensions AWS bills (new connections, active connections,
    processed bytes, rule evaluations) with the traffic assumptions of the price table; NAT data:
    the table's GB per task per month (image pulls, logs, calls out); logs: the table's bytes
    per request written to CloudWatch Logs.
    """
    fargate, nat, alb, logs = prices["fargate"], prices["nat_gateway"], prices["alb"], prices["cloudwatch_logs"]
    assume = prices["assumptions"]
    hours = HOURS_PER_MONTH
    vcpu_hours, gb_hours = task_vcpu * tasks * hours, task_memory_gib * tasks * hours
    processed_gb_per_hour = rps * (avg_response_bytes + assume["request_bytes"]) * 3600 / GIB
    lcu = max(rps * assume["new_connection_share"] / alb["lcu"]["new_connections_per_second"],
              # connections open at once: new ones per second times how long each stays open
              rps * assume["new_connection_share"] * assume["connection_seconds"]
              / alb["lcu"]["active_connections_per_minute"],
              processed_gb_per_hour / alb["lcu"]["processed_gb_per_hour"],
              rps * max(assume["rules_per_request"] - alb["lcu"]["free_rules"], 0)
              / alb["lcu"]["rule_evaluations_per_second"])
    nat_gb = assume["nat_gb_per_task_month"] * tasks
    log_gb = rps * assume["log_bytes_per_request"] * hours * 3600 / GIB
    lines = {
        "fargate_vcpu": vcpu_hours * fargate["vcpu_hour"],
        "fargate_memory": gb_hours * fargate["gb_hour"],
        "nat_gateway": nat["count"] * hours * nat["hour"] + nat_gb * nat["gb_processed"],
        "alb": hours * alb["hour"] + lcu * hours * alb["lcu_hour"],
        "logs": log_gb * logs["ingest_gb"] + log_gb * logs["storage_gb_month"],
    }
    lines = {name: round(value, 2) for name, value in lines.items()}
    return dict(lines, total=round(sum(lines.values()), 2), lcu=round(lcu, 2))


def report(rps_per_vcpu, task_vcpu, task_memory_gib, tasks, target_rps, cpu_target, prices, avg_response_bytes):
    """The capacity and cost report as lines, and its figures."""
    rows = capacity(rps_per_vcpu, task_vcpu, tasks, target_rps, cpu_target)
    lines = [f"capacity at {rps_per_vcpu:g} requests/s per vCPU (P95 objective), {task_vcpu:g} vCPU per task,"
             f" against {target_rps:g} requests/s:",
             f"  {'tasks':<12} {'peak rps':>9} {'rps at ' + str(cpu_target) + '% CPU':>15}  covers {target_rps:g}?"]
    for row in rows:
        lines.append(f"  {row['name'] + ' ' + str(row['tasks']):<12} {row['rps']:>9} {row['rps_at_cpu_target']:>15}"
                     f"  {'yes' if row['covers_target'] else 'NO'}")
    costs = {row["name"]: monthly_cost(prices, task_vcpu, task_memory_gib, row["tasks"], target_rps, avg_response_bytes)
             for row in rows}
    lines.append(f"monthly cost in {prices['region']} (USD, {HOURS_PER_MONTH} h, {target_rps:g} requests/s average,"
                 f" price table of {prices['date']}):")
    names = ("fargate_vcpu", "fargate_memory", "nat_gateway", "alb", "logs", "total")
    lines.append(f"  {'tasks':<12} " + " ".join(f"{name:>14}" for name in names))
    for row in rows:
        cost = costs[row["name"]]
        lines.append(f"  {row['name'] + ' ' + str(row['tasks']):<12} " + " ".join(f"{cost[name]:>14,.2f}" for name in names))
    return lines, {"capacity": rows, "monthly_cost": costs}
