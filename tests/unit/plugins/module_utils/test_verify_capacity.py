"""Capacity and cost of a sizing, with the kept price table."""
import pathlib

import yaml

from ansible_collections.inboxwine.fozzy.plugins.module_utils.verify_capacity import capacity, monthly_cost, report

ROOT = pathlib.Path(__file__).resolve().parents[4]
PRICES = yaml.safe_load((ROOT / "roles" / "verify" / "files" / "prices_eu_central_1.yml").read_text())
TASKS = {"min": 2, "desired": 10, "max": 15}


def test_the_price_table_names_its_date_and_source():
    assert PRICES["region"] == "eu-central-1" and PRICES["date"] and PRICES["source"]


def test_capacity_at_each_count():
    rows = capacity(25, 4, TASKS, 1000, 70)
    assert [(row["name"], row["rps"], row["rps_at_cpu_target"], row["covers_target"]) for row in rows] == [
        ("min", 200, 140, False), ("desired", 1000, 700, True), ("max", 1500, 1050, True)]


def test_fargate_cost_is_vcpu_and_gb_hours():
    cost = monthly_cost(PRICES, 4, 8, 10, 0, 0)
    assert cost["fargate_vcpu"] == round(4 * 10 * 730 * PRICES["fargate"]["vcpu_hour"], 2)
    assert cost["fargate_memory"] == round(8 * 10 * 730 * PRICES["fargate"]["gb_hour"], 2)
    assert cost["alb"] == round(730 * PRICES["alb"]["hour"], 2)  # no traffic, no LCU
    assert cost["total"] == round(sum(cost[k] for k in ("fargate_vcpu", "fargate_memory", "nat_gateway", "alb", "logs")), 2)


def test_lcus_follow_the_largest_dimension():
    # 1000 rps of 1.6 KB answers (+0.4 KB requests): 7.2e9 bytes/h = 6.7 GiB/h, above 50 new connections/s (2 LCU)
    cost = monthly_cost(PRICES, 4, 8, 10, 1000, 1600)
    assert cost["lcu"] == round(1000 * 2000 * 3600 / 1024 ** 3, 2)


def test_report_lines():
    lines, figures = report(150, 4, 8, TASKS, 1000, 70, PRICES, 1000)
    assert lines[0].startswith("capacity at 150 requests/s per vCPU")
    assert "  min 2             1200             840  yes" in lines
    assert figures["monthly_cost"]["desired"]["total"] > figures["monthly_cost"]["min"]["total"]
