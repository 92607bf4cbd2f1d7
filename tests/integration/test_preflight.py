"""Bad input stops site.yml before any AWS write, with a message naming the variable and
what is allowed; an unreachable endpoint gives one clear error."""
import pytest

BAD_INPUTS = [
    ("vpc_cidr=10.0.0.0/33", "vpc_cidr: '10.0.0.0/33' is not an IPv4 network"),
    ("vpc_cidr=not-a-cidr", "vpc_cidr: 'not-a-cidr' is not an IPv4 network"),
    ("vpc_cidr=10.0.0.0/8", "vpc_cidr: 10.0.0.0/8 has a /8 prefix; AWS allows /16 to /28"),
    ("vpc_az_count=1", "vpc_az_count: 1 is not allowed; use 2 (an ALB needs two zones) up to 3"),
    ("vpc_az_count=4", "vpc_az_count: 4 is not allowed; use 2 (an ALB needs two zones) up to 3"),
    ("vpc_nat_gateway_mode=double", "vpc_nat_gateway_mode must be one of: single, per_az, got: double"),
    ("vpc_subnet_newbits=1", "vpc_subnet_newbits: 1 leaves room for 1 subnets per tier"),
    ("fozzy_aws_region=", "fozzy_aws_region= must be a region name like eu-central-1"),
    ("fozzy_domain_name=api.example.com", "must be a lower case DNS name inside fozzy_hosted_zone_name=inbox.wine"),
]


def _written_resources(emulator):
    ec2 = emulator.client("ec2")
    return {
        "vpcs": [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]],
        "addresses": ec2.describe_addresses()["Addresses"],
        "nat_gateways": ec2.describe_nat_gateways()["NatGateways"],
    }


@pytest.mark.parametrize("extra_var,message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_stops_before_any_change(fresh_emulator, extra_var, message):
    before = _written_resources(fresh_emulator)
    result = fresh_emulator.playbook("playbooks/site.yml", "-i", "inventories/local", "-e", extra_var)
    assert result.returncode != 0
    output = " ".join((result.stdout + result.stderr).split())
    assert message in output, output[-3000:]
    assert _written_resources(fresh_emulator) == before


def test_missing_region_is_named(fresh_emulator, tmp_path):
    # An inventory without fozzy_aws_region: the argument spec names it.
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
        "      ansible_python_interpreter: '{{ ansible_playbook_python }}'\n"
        "  vars:\n    fozzy_environment: it\n    fozzy_name: fozzy-api\n    fozzy_domain_name: fozzy-api.inbox.wine\n"
        "    fozzy_hosted_zone_name: inbox.wine\n    fozzy_tags: {Project: fozzy}\n"
    )
    result = fresh_emulator.playbook("playbooks/site.yml", "-i", inventory)
    assert result.returncode != 0
    assert "fozzy_aws_region" in result.stdout + result.stderr
    assert _written_resources(fresh_emulator)["vpcs"] == []


def test_unreachable_endpoint_gives_one_clear_error(emulator):
    result = emulator.playbook(
        "playbooks/site.yml", "-i", "inventories/local", "-e", "fozzy_aws_endpoint_url=http://127.0.0.1:9"
    )
    assert result.returncode != 0
    output = " ".join((result.stdout + result.stderr).split())
    assert "Cannot talk to AWS at http://127.0.0.1:9" in output
    assert "Traceback" not in output
