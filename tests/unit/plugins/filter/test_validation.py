"""Unit tests of the validation filters (plugins/filter/validation.py)."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.filter import validation
from ansible_collections.inboxwine.fozzy.plugins.filter.validation import (
    cidr_problems,
    image_reference_problems,
    subnet_plan_problems,
    tag_problems,
)


def test_filters_are_registered():
    assert set(validation.FilterModule().filters()) == {
        "tag_problems", "cidr_problems", "subnet_plan_problems", "image_reference_problems",
    }


# ------------------------------------------------------------------------------- tags
def test_good_tags_have_no_problem():
    assert tag_problems({"Project": "fozzy", "Environment": "production", "Owner": "a.b+c@inbox.wine", "Empty": ""}) == []
    assert tag_problems({}) == []
    assert tag_problems(None) == []


def test_tag_count_includes_the_tags_the_roles_add():
    assert tag_problems({f"k{i}": "v" for i in range(48)}) == []
    problems = tag_problems({f"k{i}": "v" for i in range(49)})
    assert problems == [
        "fozzy_tags has 49 tags, which is not allowed: AWS allows 50 tags per resource, including Name and Tier"
        " that the roles add, so use at most 48 tags besides those."
    ]


def test_tag_key_and_value_limits():
    problems = tag_problems({"k" * 129: "v", "aws:owner": "me", "AWS:Other": "x", "ok": "v" * 257, "bad!": "x"},
                            "my_tags")
    assert any(p.startswith("my_tags key '" + "k" * 129 + "' (129 characters) is not allowed: use 1 to 128") for p in problems)
    assert "my_tags key 'aws:owner' is not allowed: keys starting with aws: are reserved for AWS." in problems
    assert "my_tags key 'AWS:Other' is not allowed: keys starting with aws: are reserved for AWS." in problems
    assert any(p.startswith("my_tags[ok]=vvvv") and "(257 characters) is not allowed: use at most 256" in p for p in problems)
    assert any(p.startswith("my_tags key 'bad!' is not allowed: use letters, digits") for p in problems)
    assert len(problems) == 5


def test_tag_values_must_be_scalars():
    assert tag_problems({"a": ["x"]}) == ["fozzy_tags[a]=['x'] is not allowed: a tag value is a string (may be empty)."]
    assert tag_problems({"a": 7}) == []
    assert tag_problems("Project=fozzy") == ["fozzy_tags='Project=fozzy' is not allowed: use a mapping of tag keys to values."]


# ------------------------------------------------------------------------------ cidrs
def test_cidrs():
    assert cidr_problems(["0.0.0.0/0", "10.1.0.0/16"], "x") == []
    assert cidr_problems("::/0", "x", 6) == []
    assert cidr_problems([], "x") == []
    [problem] = cidr_problems(["0.0.0.0/0", "10.0.0.300/32"], "load_balancer_ingress_cidrs")
    assert problem.startswith("load_balancer_ingress_cidrs: '10.0.0.300/32' is not allowed: use an IPv4 network in CIDR")
    [problem] = cidr_problems(["10.0.0.1/16"], "x")
    assert "has host bits set" in problem
    [problem] = cidr_problems(["0.0.0.0/0"], "ipv6", 6)
    assert problem.startswith("ipv6: '0.0.0.0/0' is not allowed: use an IPv6 network")


# ------------------------------------------------------------------------ subnet plan
@pytest.mark.parametrize("cidr,count,bits,fragment", [
    ("10.0.0.0/33", 2, 4, "vpc_cidr: '10.0.0.0/33' is not an IPv4 network; use an IPv4 range in CIDR notation"),
    ("not-a-cidr", 2, 4, "vpc_cidr: 'not-a-cidr' is not an IPv4 network"),
    ("10.0.0.1/16", 2, 4, "host bits set"),
    ("10.0.0.0/8", 2, 4, "vpc_cidr: 10.0.0.0/8 has a /8 prefix; AWS allows /16 to /28"),
    ("10.0.0.0/16", 3, 1, "vpc_subnet_newbits: 1 leaves room for 1 subnets per tier in 10.0.0.0/16, but 3"),
    ("10.0.0.0/26", 2, 4, "vpc_subnet_newbits: /26 + 4 gives /30 subnets; AWS allows /16 to /28"),
    ("10.0.0.0/16", 2, 0, "vpc_subnet_newbits: 0 is not allowed: use 1 or more"),
    ("10.0.0.0/16", 2, "x", "vpc_subnet_newbits='x' is not allowed"),
    ("10.0.0.0/16", "two", 4, "vpc_az_count='two' is not allowed"),
])
def test_subnet_plan_problems(cidr, count, bits, fragment):
    [problem] = subnet_plan_problems(cidr, count, bits)
    assert fragment in problem


def test_subnet_plan_that_fits():
    assert subnet_plan_problems("10.0.0.0/16", 2, 4) == []
    assert subnet_plan_problems("10.0.0.0/24", "3", "3") == []


# ---------------------------------------------------------------------- image reference
@pytest.mark.parametrize("image", [
    "123456789012.dkr.ecr.eu-central-1.amazonaws.com/fozzy-api:1.0.0",
    "registry.example.com:5000/team/fozzy-api:v1.2_rc-3",
    "localhost:5000/fozzy@sha256:" + "a" * 64,
    "python:3.11-slim",
    "library/python:3.11",
    "ghcr.io/inbox-wine/fozzy__api:1.0.0@sha256:" + "0" * 64,
    "fozzy:latest@sha256:" + "b" * 64,
])
def test_good_image_references(image):
    assert image_reference_problems(image) == []


@pytest.mark.parametrize("image,fragment", [
    ("Fozzy-Api:1.0.0", "is not a valid image reference"),
    ("registry.example.com/fozzy api:1", "is not a valid image reference"),
    ("registry.example.com/fozzy:", "is not a valid image reference"),
    ("registry.example.com/fozzy:-1", "is not a valid image reference"),
    ("registry.example.com/fozzy@sha256:abc", "is not a valid image reference"),
    ("registry.example.com/-fozzy:1", "is not a valid image reference"),
    ("registry.example.com//fozzy:1", "is not a valid image reference"),
    ("", "is not a valid image reference"),
    ("registry.example.com/fozzy", "names no tag or digest"),
    ("registry.example.com/fozzy:latest", "latest moves with every push"),
    ("r.example.com/" + "a" * 250 + ":1", "the name has 264 characters, at most 255"),
])
def test_bad_image_references(image, fragment):
    [problem] = image_reference_problems(image, "img")
    assert problem.startswith(f"img={image} is not allowed")
    assert fragment in problem
    assert "use an image reference like registry.example.com/fozzy-api:1.0.0" in problem
