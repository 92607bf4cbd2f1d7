"""The verify_capacity_report filter."""
import pathlib

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.inboxwine.fozzy.plugins.filter.verify import verify_capacity_report

ROOT = pathlib.Path(__file__).resolve().parents[4]
PRICES = yaml.safe_load((ROOT / "roles" / "verify" / "files" / "prices_eu_central_1.yml").read_text())


def test_the_report_of_the_production_sizing():
    lines = verify_capacity_report(PRICES, 150, 4.0, 8.0, {"min": "2", "desired": 10, "max": 15}, 1000, "70", 1325)
    assert lines[0] == ("capacity at 150 requests/s per vCPU (P95 objective), 4 vCPU per task, against 1000 requests/s:")
    assert lines[-1].startswith("  max 15 ")


def test_no_price_table_says_so():
    assert verify_capacity_report(None, 150, 4, 8, {"min": 2, "desired": 10, "max": 15}, 1000, 70, region="us-west-2") == [
        "capacity and cost: no price table for region us-west-2 (roles/verify/files/prices_<region>.yml)"]


def test_a_bad_sizing_is_named():
    with pytest.raises(AnsibleFilterError, match="lacks or has a bad 'max'"):
        verify_capacity_report(PRICES, 150, 4, 8, {"min": 2, "desired": 10}, 1000, 70)
