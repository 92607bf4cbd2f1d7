# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Input checks of the roles' validate steps that are clearer in Python than in Jinja.

Each filter returns a list of problems (empty when the input is fine). Every problem is one
sentence naming the variable, the bad value and what is allowed, so the preflight role can
collect the problems of every role and report them together. The documentation of each
filter is in the .yml file of its name next to this one.
"""

import ipaddress
import re

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.inboxwine.fozzy.plugins.filter.network import subnet_plan

# AWS tag rules (EC2, ELB, ECS, ACM, IAM, Logs share them).
MAX_TAGS = 50
MAX_KEY = 128
MAX_VALUE = 256
# Letters and digits of any script, white space and + - = . _ : / @
TAG_CHARACTERS = re.compile(r"^[\w\s+\-=.:/@]*$", re.UNICODE)

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


def tag_problems(tags, variable="fozzy_tags", added=("Name", "Tier")):
    """Problems of a tag dict against AWS's limits.

    ``added`` are keys the roles set on some resources themselves; they count against the
    limit of 50 tags per resource.
    """
    if tags is None:
        tags = {}
    if not isinstance(tags, dict):
        return [f"{variable}={tags!r} is not allowed: use a mapping of tag keys to values."]
    problems = []
    keys = [to_text(key) for key in tags]
    total = len(set(keys) | set(added or ()))
    if total > MAX_TAGS:
        problems.append(
            f"{variable} has {len(keys)} tags, which is not allowed: AWS allows {MAX_TAGS} tags per resource,"
            f" including {' and '.join(added)} that the roles add, so use at most {MAX_TAGS - len(set(added or ()))}"
            f" tags besides those."
        )
    for key in keys:
        value = tags[key]
        if not 1 <= len(key) <= MAX_KEY:
            problems.append(f"{variable} key {key!r} ({len(key)} characters) is not allowed: use 1 to {MAX_KEY} characters.")
        if key.lower().startswith("aws:"):
            problems.append(f"{variable} key {key!r} is not allowed: keys starting with aws: are reserved for AWS.")
        if not TAG_CHARACTERS.match(key):
            problems.append(
                f"{variable} key {key!r} is not allowed: use letters, digits, spaces and + - = . _ : / @ only."
            )
        if isinstance(value, (dict, list)) or value is None:
            problems.append(f"{variable}[{key}]={value!r} is not allowed: a tag value is a string (may be empty).")
            continue
        text = to_text(value)
        if len(text) > MAX_VALUE:
            problems.append(
                f"{variable}[{key}]={text[:40]}... ({len(text)} characters) is not allowed: use at most {MAX_VALUE} characters."
            )
        if not TAG_CHARACTERS.match(text):
            problems.append(
                f"{variable}[{key}]={text!r} is not allowed: use letters, digits, spaces and + - = . _ : / @ only."
            )
    return problems


def cidr_problems(values, variable, version=4):
    """Problems of a CIDR or a list of CIDRs (``version`` 4 or 6)."""
    if values is None:
        values = []
    if isinstance(values, (str, bytes)):
        values = [values]
    cls = ipaddress.IPv4Network if int(version) == 4 else ipaddress.IPv6Network
    kind = f"IPv{int(version)}"
    example = "203.0.113.0/24" if int(version) == 4 else "2001:db8::/32"
    problems = []
    for value in values:
        text = to_text(value)
        try:
            cls(text, strict=True)
        except ValueError as exc:
            problems.append(
                f"{variable}: {text!r} is not allowed: use an {kind} network in CIDR notation like {example} ({exc})."
            )
    return problems


def subnet_plan_problems(vpc_cidr, az_count, newbits=4):
    """Problems of the VPC range and the subnet size for ``az_count`` zones (see subnet_plan)."""
    try:
        count = int(az_count)
    except (TypeError, ValueError):
        return [f"vpc_az_count={az_count!r} is not allowed: use a whole number, 2 or more."]
    try:
        bits = int(newbits)
    except (TypeError, ValueError):
        return [f"vpc_subnet_newbits={newbits!r} is not allowed: use a whole number from 1 to 12."]
    if bits < 1:
        return [f"vpc_subnet_newbits: {bits} is not allowed: use 1 or more (public and private subnets need a bit)."]
    try:
        ipaddress.IPv4Network(to_text(vpc_cidr), strict=True)
    except ValueError as exc:
        return [f"vpc_cidr: {to_text(vpc_cidr)!r} is not an IPv4 network; use an IPv4 range in CIDR notation with"
                f" a /16 to /28 prefix and no host bits set, like 10.0.0.0/16 ({exc})."]
    try:
        subnet_plan(vpc_cidr, [f"az{index}" for index in range(max(count, 0))], bits)
    except AnsibleFilterError as exc:
        return [to_text(exc.message)]
    return []


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


class FilterModule:
    def filters(self):
        return {
            "tag_problems": tag_problems,
            "cidr_problems": cidr_problems,
            "subnet_plan_problems": subnet_plan_problems,
            "image_reference_problems": image_reference_problems,
        }
