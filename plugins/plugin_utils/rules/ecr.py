# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the ecr role's inputs (repository name, lifecycle policy, release tag pattern, encryption).

With ``ecr_enabled`` false the role makes nothing, so none of its inputs is checked.
"""

import re

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.checks import MAX_TAGS, tag_problems
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.inputs import as_int, not_allowed, rule, within

ROLE = "ecr"

# ECR repository names: path parts of lower case letters and digits joined by . _ -
REPOSITORY_NAME = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
# A lifecycle policy's tag pattern: the characters of an image tag (letters, digits, _ . -) and the
# wildcard *, at most 4 wildcards (AWS: "a maximum of 4 wildcards (*) per string"), 128 characters at
# most (the longest tag); a tag cannot start with . or -.
TAG_PATTERN = re.compile(r"^[A-Za-z0-9_*][A-Za-z0-9_.*-]{0,127}$")
MAX_WILDCARDS = 4
KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$")


def _enabled(inputs):
    return inputs.get("ecr_enabled", True) is not False


@rule(ROLE)
def repository_name(inputs):
    name = inputs["ecr_repository_name"]
    if _enabled(inputs) and not (REPOSITORY_NAME.match(str(name)) and 2 <= len(str(name)) <= 256):
        yield not_allowed("ecr_repository_name", name, "use 2 to 256 lower case letters, digits and . _ - / separators"
                          " (each part starting and ending with a letter or digit).")


@rule(ROLE)
def keep_images(inputs):
    keep = inputs["ecr_keep_images"]
    if _enabled(inputs) and not (as_int(keep) is not None and 0 <= as_int(keep) <= 10000):
        yield not_allowed("ecr_keep_images", keep, "use 0 (no lifecycle policy) to 10000.")


@rule(ROLE)
def encryption(inputs):
    if not _enabled(inputs):
        return
    kind = inputs["ecr_encryption"]
    key = inputs.get("ecr_kms_key") or ""
    if kind == "KMS" and not KMS_KEY_ARN.match(str(key)):
        yield (f"ecr_kms_key={key} is not allowed with ecr_encryption=KMS: use the full key ARN"
               " (arn:aws:kms:<region>:<account>:key/<id>; an alias or key ID would never compare equal to what AWS reports).")
    elif kind != "KMS" and key:
        yield (f"ecr_kms_key={key} is not allowed with ecr_encryption={kind}: AES256 takes no key;"
               ' set ecr_encryption to KMS or ecr_kms_key to "".')


@rule(ROLE)
def release_tag_pattern(inputs):
    """The pattern of the tags the lifecycle policy never expires (only used with a policy)."""
    pattern = inputs["ecr_release_tag_pattern"]
    if not _enabled(inputs) or as_int(inputs.get("ecr_keep_images", 30)) == 0:
        return
    text = "" if pattern is None else str(pattern)
    if not TAG_PATTERN.match(text) or text.count("*") > MAX_WILDCARDS:
        yield not_allowed("ecr_release_tag_pattern", pattern,
                          "use one ECR tag pattern of 1 to 128 letters, digits and _ . - (not starting with . or -)"
                          f" with at most {MAX_WILDCARDS} * wildcards (each matches any characters), such as *.*.* for"
                          " semantic versions or v*.*.* or release-*.")


@rule(ROLE)
def untagged_expire_days(inputs):
    days = inputs["ecr_untagged_expire_days"]
    if _enabled(inputs) and not within(days, 1, 3650):
        yield not_allowed("ecr_untagged_expire_days", days, "use 1 to 3650 days.")


@rule(ROLE)
def repository_tags(inputs):
    """ecr_tags against AWS's tag limits. A tag it shares with fozzy_tags (its default; the inventories
    derive it from fozzy_tags) is reported by the rule of fozzy_tags, not twice."""
    tags = inputs.get("ecr_tags")
    if not _enabled(inputs) or not isinstance(tags, dict):
        return
    shared = inputs.get("fozzy_tags")
    shared = shared if isinstance(shared, dict) else {}
    if len(tags) > MAX_TAGS:
        yield f"ecr_tags has {len(tags)} tags, which is not allowed: AWS allows {MAX_TAGS} tags per repository."
    own = {key: value for key, value in tags.items() if key not in shared or shared[key] != value}
    yield from (problem for problem in tag_problems(own, "ecr_tags", added=()) if not problem.startswith("ecr_tags has "))
