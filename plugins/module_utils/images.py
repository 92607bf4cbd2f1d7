# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Container image references: the one place that knows their grammar.

- ``parse_ecr_image(reference)``: the parts of an Amazon ECR image reference (account,
  region, repository, tag, digest), or None for an image of another registry. Used by
  ecs_service_deploy (which images to look up in ECR) and by the test emulator's
  fidelity patches (scripts/emulator_fidelity.py).
- ``push_instructions(image, parts, code)``: the commands that push a missing ECR image (the
  one text of ecs_service_deploy and ecs_release).
- ``image_reference_problems(value, variable)``: the input rule for any image reference
  (the distribution/reference grammar Docker, containerd and ECS use, plus an explicit tag
  or digest that is not ``latest``), as a list of problem sentences naming ``variable``.

Standard library and ansible.module_utils only, so scripts outside Ansible can import it.
"""

import re

from ansible.module_utils.common.text.converters import to_text

# <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>[:<tag>][@sha256:<digest>]
ECR_IMAGE = re.compile(
    r"^(?P<registry>(?P<account>\d{12})\.dkr\.ecr(-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?)/"
    r"(?P<repository>[a-z0-9][a-z0-9._/-]*)(:(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(@(?P<digest>sha256:[0-9a-f]{64}))?$"
)

# The distribution/reference grammar that Docker, containerd and ECS use.
_ALPHANUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = _ALPHANUM + r"(?:" + _SEPARATOR + _ALPHANUM + r")*"
_DOMAIN_COMPONENT = r"(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])"
_DOMAIN = (r"(?:" + _DOMAIN_COMPONENT + r"(?:\." + _DOMAIN_COMPONENT + r")*|\[[0-9A-Fa-f:]+\])(?::[0-9]+)?")
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}"
IMAGE_REFERENCE = re.compile(
    r"^(?P<name>(?:(?P<domain>" + _DOMAIN + r")/)?" + _PATH_COMPONENT + r"(?:/" + _PATH_COMPONENT + r")*)"
    r"(?::(?P<tag>" + _TAG + r"))?(?:@(?P<digest>" + _DIGEST + r"))?$"
)
MAX_IMAGE_NAME = 255


def parse_ecr_image(reference):
    """The parts of an ECR image reference, or None when ``reference`` is not one.

    Returns a dict with ``registry`` (``<account>.dkr.ecr.<region>.amazonaws.com``),
    ``account``, ``region``, ``repository``, ``tag`` and ``digest`` (``sha256:<hex>``);
    ``tag`` and ``digest`` are None when the reference leaves them out (ECR then means
    the tag ``latest``).
    """
    if not isinstance(reference, str):
        return None
    match = ECR_IMAGE.match(reference)
    if not match:
        return None
    return {key: match.group(key) for key in ("registry", "account", "region", "repository", "tag", "digest")}


def image_reference_problems(value, variable="ecs_service_image"):
    """Problems of a container image reference: syntax, and a tag or digest that is not ``latest``."""
    text = to_text(value if value is not None else "")
    allowed = ("use an image reference like registry.example.com/fozzy-api:1.0.0 or"
               " 123456789012.dkr.ecr.eu-central-1.amazonaws.com/fozzy-api@sha256:<64 hex digits>")
    match = IMAGE_REFERENCE.match(text)
    if not match:
        return [f"{variable}={text} is not allowed: it is not a valid image reference (lower case repository path,"
                f" optional registry[:port]/, :tag of 1 to 128 letters, digits, _ . -, @algorithm:hex digest); {allowed}."]
    if len(match.group("name")) > MAX_IMAGE_NAME:
        return [f"{variable}={text} is not allowed: the name has {len(match.group('name'))} characters,"
                f" at most {MAX_IMAGE_NAME}; {allowed}."]
    if not match.group("tag") and not match.group("digest"):
        return [f"{variable}={text} is not allowed: it names no tag or digest (it would run whatever latest is);"
                f" {allowed}."]
    if match.group("tag") == "latest" and not match.group("digest"):
        return [f"{variable}={text} is not allowed: latest moves with every push; name an explicit tag or digest; {allowed}."]
    return []


def push_instructions(image, parts, code):
    """How to push a missing ECR image (``parts`` from parse_ecr_image, ``code`` the ECR error code)."""
    what = "repository does not exist" if code == "RepositoryNotFoundException" else "image is not in the repository"
    return (
        f"{image} ({what}). Build and push it, then run again:\n"
        f"  aws ecr get-login-password --region {parts['region']} | docker login --username AWS"
        f" --password-stdin {parts['registry']}\n"
        f"  docker build -t {image} .\n"
        f"  docker push {image}"
    )
