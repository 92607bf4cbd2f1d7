# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks several rules modules share (plugin_utils/rules): tags against AWS's limits, CIDRs.

Each returns a list of problems (empty when the input is fine), one sentence each naming the
variable, the bad value and what is allowed.
"""

import ipaddress
import re

from ansible.module_utils.common.text.converters import to_text

# AWS tag rules (EC2, ELB, ECS, ACM, IAM, Logs share them).
MAX_TAGS = 50
MAX_KEY = 128
MAX_VALUE = 256
# Letters and digits of any script, white space and + - = . _ : / @
TAG_CHARACTERS = re.compile(r"^[\w\s+\-=.:/@]*$", re.UNICODE)


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
