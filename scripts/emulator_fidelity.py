"""Fidelity patches for the test emulator: make moto answer as AWS does where its
defaults would hide real behaviour from our tests. Test tooling only; production code
never knows about them. Each patch says which AWS behaviour it restores.
"""


def _nat_gateway_tag_resource_type():
    """AWS reports a NAT gateway's tags with resource-type `natgateway`; moto says
    `nat-gateway`, so a DescribeTags filtered by the AWS name finds nothing and every
    module that reconciles tags (amazon.aws.ec2_vpc_nat_gateway) sees them missing forever."""
    from moto.ec2 import utils

    utils.EC2_PREFIX_TO_RESOURCE[utils.EC2_RESOURCE_TO_PREFIX["nat-gateway"]] = "natgateway"


def apply():
    """Apply every patch. Called once by `emulator.py serve` before the server starts."""
    _nat_gateway_tag_resource_type()
