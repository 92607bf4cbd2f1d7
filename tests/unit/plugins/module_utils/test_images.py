"""Unit tests for inboxwine.fozzy module_utils.images: ECR image parsing and the image reference rule."""

import pytest

from ansible_collections.inboxwine.fozzy.plugins.module_utils.images import IMAGE_REFERENCE
from ansible_collections.inboxwine.fozzy.plugins.module_utils.images import image_reference_problems
from ansible_collections.inboxwine.fozzy.plugins.module_utils.images import parse_ecr_image

DIGEST = "sha256:" + "0123456789abcdef" * 4
REGISTRY = "123456789012.dkr.ecr.eu-central-1.amazonaws.com"


# ------------------------------------------------------------------------- parse_ecr_image
@pytest.mark.parametrize("reference, expected", [
    (f"{REGISTRY}/fozzy-api:1.0.0",
     dict(registry=REGISTRY, account="123456789012", region="eu-central-1", repository="fozzy-api", tag="1.0.0", digest=None)),
    (f"{REGISTRY}/fozzy-api",
     dict(registry=REGISTRY, account="123456789012", region="eu-central-1", repository="fozzy-api", tag=None, digest=None)),
    (f"{REGISTRY}/team/fozzy-api@{DIGEST}",
     dict(registry=REGISTRY, account="123456789012", region="eu-central-1", repository="team/fozzy-api", tag=None,
          digest=DIGEST)),
    (f"{REGISTRY}/fozzy-api:1.0.0@{DIGEST}",
     dict(registry=REGISTRY, account="123456789012", region="eu-central-1", repository="fozzy-api", tag="1.0.0",
          digest=DIGEST)),
    ("210987654321.dkr.ecr-fips.us-gov-west-1.amazonaws.com/api:v2_rc-1",
     dict(registry="210987654321.dkr.ecr-fips.us-gov-west-1.amazonaws.com", account="210987654321",
          region="us-gov-west-1", repository="api", tag="v2_rc-1", digest=None)),
    ("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/api:1",
     dict(registry="123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", account="123456789012", region="cn-north-1",
          repository="api", tag="1", digest=None)),
])
def test_ecr_references_are_parsed(reference, expected):
    assert parse_ecr_image(reference) == expected


@pytest.mark.parametrize("reference", [
    "python:3.11-slim",
    "ghcr.io/inbox-wine/fozzy-api:1.0.0",
    "registry.example.com:5000/fozzy:1",
    "12345678901.dkr.ecr.eu-central-1.amazonaws.com/api:1",        # 11-digit account
    "123456789012.dkr.ecr.eu-central-1.amazonaws.com/Api:1",        # upper case repository
    "123456789012.dkr.ecr.eu-central-1.amazonaws.com/api:-1",       # tag starting with -
    "123456789012.dkr.ecr.eu-central-1.amazonaws.com/api@sha256:abc",  # short digest
    "123456789012.dkr.ecr.eu-central-1.amazonaws.com.evil.example/api:1",
    "",
    None,
    42,
])
def test_other_references_are_not_ecr(reference):
    assert parse_ecr_image(reference) is None


# ------------------------------------------------------------ image_reference_problems
# The cases of tests/unit/plugins/filter/test_validation.py, which this function replaces.
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
    assert IMAGE_REFERENCE.match(image)


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


def test_the_exact_sentences():
    allowed = ("use an image reference like registry.example.com/fozzy-api:1.0.0 or"
               " 123456789012.dkr.ecr.eu-central-1.amazonaws.com/fozzy-api@sha256:<64 hex digits>.")
    assert image_reference_problems("registry.example.com/fozzy:latest") == [
        "ecs_service_image=registry.example.com/fozzy:latest is not allowed: latest moves with every push;"
        " name an explicit tag or digest; " + allowed
    ]
    assert image_reference_problems("fozzy", "deploy_image") == [
        "deploy_image=fozzy is not allowed: it names no tag or digest (it would run whatever latest is); " + allowed
    ]
    assert image_reference_problems(None) == [
        "ecs_service_image= is not allowed: it is not a valid image reference (lower case repository path,"
        " optional registry[:port]/, :tag of 1 to 128 letters, digits, _ . -, @algorithm:hex digest); " + allowed
    ]
