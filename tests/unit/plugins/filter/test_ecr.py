"""Filters of the ecr role."""
import json
import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.inboxwine.fozzy.plugins.filter.ecr import ecr_lifecycle_policy, ecr_problem, ecr_result

KEY = "arn:aws:kms:eu-central-1:123456789012:key/0a1b2c3d-0000-4000-8000-0123456789ab"
REPOSITORY = {"repositoryName": "fozzy-api", "repositoryUri": "123456789012.dkr.ecr.eu-central-1.amazonaws.com/fozzy-api",
              "repositoryArn": "arn:aws:ecr:eu-central-1:123456789012:repository/fozzy-api", "registryId": "123456789012",
              "encryptionConfiguration": {"encryptionType": "AES256"}}


# ---------------------------------------------------------------------------------------------------
# A small evaluator of ECR lifecycle policy semantics (AWS, "How lifecycle policies work"):
# - rules are applied lowest rulePriority first; an image is expired by one rule at most;
# - a rule selects images by tagStatus (tagged: every pattern of tagPatternList matches one of the
#   image's tags; untagged: no tag; any: every image), newest push first;
# - imageCountMoreThan N: the selected images beyond the newest N are candidates; sinceImagePushed N
#   days: those pushed more than N days ago;
# - "an image that matches the tagging requirements of a rule cannot be expired by a rule with a lower
#   priority": a candidate that an earlier rule selected stays; rules still count images that an
#   earlier rule selected or expired (they "identify them as if they haven't been expired").
# ---------------------------------------------------------------------------------------------------

def _matches(pattern, tag):
    regex = "".join(".*" if char == "*" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, tag) is not None


def _selected(selection, image):
    tags = image["tags"]
    status = selection["tagStatus"]
    if status == "untagged":
        return not tags
    if status == "any":
        return True
    patterns = selection.get("tagPatternList")
    if patterns is not None:
        return bool(tags) and all(any(_matches(p, tag) for tag in tags) for p in patterns)
    return bool(tags) and all(any(tag.startswith(p) for tag in tags) for p in selection["tagPrefixList"])


def evaluate(policy, images, now):
    """The digests a lifecycle evaluation at ``now`` (days) expires from ``images``
    (dicts with digest, tags, pushed: the day of the push)."""
    expired, matched_earlier = set(), set()
    for rule in sorted(policy["rules"], key=lambda r: r["rulePriority"]):
        selection = rule["selection"]
        chosen = sorted((i for i in images if _selected(selection, i)), key=lambda i: i["pushed"], reverse=True)
        if selection["countType"] == "imageCountMoreThan":
            candidates = chosen[selection["countNumber"]:]
        else:
            candidates = [i for i in chosen if now - i["pushed"] > selection["countNumber"]]
        expired |= {i["digest"] for i in candidates if i["digest"] not in matched_earlier} - expired
        matched_earlier |= {i["digest"] for i in chosen}
    return expired


def check_aws_rules(policy):
    """What AWS refuses in a policy (the parts our filter could get wrong)."""
    rules = sorted(policy["rules"], key=lambda r: r["rulePriority"])
    assert len({r["rulePriority"] for r in rules}) == len(rules), "unique rulePriority"
    assert [r for r in rules if r["selection"]["tagStatus"] == "any"] in ([], [rules[-1]]), "the any rule is last"
    assert len([r for r in rules if r["selection"]["tagStatus"] == "untagged"]) <= 1, "one untagged rule"
    for r in rules:
        selection = r["selection"]
        lists = [k for k in ("tagPatternList", "tagPrefixList") if k in selection]
        assert len(lists) == (1 if selection["tagStatus"] == "tagged" else 0), r
        assert all(p.count("*") <= 4 for p in selection.get("tagPatternList", [])), r
        assert (selection.get("countUnit") == "days") == (selection["countType"] == "sinceImagePushed"), r
        assert selection["countNumber"] >= 1 and r["action"] == {"type": "expire"}
    assert len(json.dumps(policy)) <= 30720, "lifecycle policy length quota"


class Registry:
    """A repository shared by staging, production and CI: pushes, lifecycle runs once a day."""

    def __init__(self, policy):
        self.policy, self.images, self.day, self.gone = policy, [], 0, []

    def push(self, *tags):
        self.images.append({"digest": f"sha256:{len(self.images) + len(self.gone):04d}", "tags": list(tags),
                            "pushed": self.day})

    def next_day(self):
        self.day += 1
        expired = evaluate(self.policy, self.images, self.day)
        self.gone += [i for i in self.images if i["digest"] in expired]
        self.images = [i for i in self.images if i["digest"] not in expired]

    def tags(self):
        return {tag for image in self.images for tag in image["tags"]}


RELEASES = ["1.0.0", "1.1.0", "1.2.0", "2.0.0-rc.1", "2.0.0"]


def ci_day(registry, day):
    """Five CI pushes of a commit (the tag of a dev build) and one untagged leftover a day."""
    for build in range(5):
        registry.push(f"dev-{day:03d}{build}")
    registry.push()


def test_release_images_survive_100_ci_pushes_and_the_rest_expires():
    registry = Registry(ecr_lifecycle_policy(30))
    registry.push("1.0.0")               # production runs 1.0.0 for the whole test
    registry.push("sha-abc1234", "1.1.0")  # a CI build promoted to a release keeps both tags
    for day in range(20):                # 20 days x 5 = 100 CI pushes, 20 untagged
        ci_day(registry, day)
        if day in (5, 12, 19):
            registry.push(RELEASES[2 + (day > 5) + (day > 12)])
        registry.next_day()
    for _ in range(10):                  # the lifecycle keeps running after the pushes stop
        registry.next_day()

    tags = registry.tags()
    assert set(RELEASES) <= tags
    assert "sha-abc1234" in tags         # kept with its image, which has a release tag
    dev = sorted(tag for tag in tags if tag.startswith("dev-"))
    pushed = [f"dev-{day:03d}{build}" for day in range(20) for build in range(5)]
    # the newest dev builds are kept: at most 30 images in all, the 5 release images among them
    # (untagged leftovers took slots in the newest 30 while they lived, so a few less than 25)
    assert 20 <= len(dev) <= 25 and dev == pushed[-len(dev):]
    assert len(registry.images) <= 30
    assert not [i for i in registry.images if not i["tags"]], "untagged images expire after 7 days"
    assert len(registry.gone) == 100 + 20 - len(dev)
    assert all(not (set(i["tags"]) & set(RELEASES)) for i in registry.gone)


def test_the_old_policy_expired_the_release_production_runs():
    old = {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "any", "countType": "imageCountMoreThan",
                                                          "countNumber": 30}, "action": {"type": "expire"}}]}
    registry = Registry(old)
    registry.push("1.0.0")
    for day in range(20):
        ci_day(registry, day)
        registry.next_day()
    assert "1.0.0" not in registry.tags()


def test_untagged_images_expire_by_age_even_below_the_count():
    registry = Registry(ecr_lifecycle_policy(30, untagged_expire_days=3))
    registry.push()
    registry.push("dev-1")
    for _ in range(3):
        registry.next_day()
    assert len(registry.images) == 2
    registry.next_day()
    assert [i["tags"] for i in registry.images] == [["dev-1"]]


@pytest.mark.parametrize("pattern, tag, release", [
    ("*.*.*", "1.4.2", True), ("*.*.*", "v1.4.2", True), ("*.*.*", "2.0.0-rc.1", True),
    ("*.*.*", "sha-abc1234", False), ("*.*.*", "1.4", False), ("*.*.*", "main-20260101", False),
    ("v*.*.*", "1.4.2", False), ("release-*", "release-2026.12", True),
])
def test_release_tag_pattern(pattern, tag, release):
    policy = ecr_lifecycle_policy(1, pattern)
    images = [{"digest": "old", "tags": [tag], "pushed": 0}, {"digest": "new", "tags": ["dev"], "pushed": 1}]
    assert ("old" not in evaluate(policy, images, 2)) is release


def test_the_policy_shipped():
    policy = ecr_lifecycle_policy("30")
    check_aws_rules(policy)
    assert policy == {"rules": [
        {"rulePriority": 1, "description": "Keep release images (a tag matching *.*.*)",
         "selection": {"tagStatus": "tagged", "tagPatternList": ["*.*.*"], "countType": "imageCountMoreThan",
                       "countNumber": 100000},
         "action": {"type": "expire"}},
        {"rulePriority": 2, "description": "Expire untagged images 7 days after their push",
         "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7},
         "action": {"type": "expire"}},
        {"rulePriority": 3, "description": "Expire other images beyond the newest 30",
         "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
         "action": {"type": "expire"}}]}
    check_aws_rules(ecr_lifecycle_policy(5, "v*-*.*.*", 1))
    assert ecr_lifecycle_policy(0) is None
    with pytest.raises(AnsibleFilterError, match="ecr_keep_images='many'"):
        ecr_lifecycle_policy("many")
    with pytest.raises(AnsibleFilterError, match="ecr_untagged_expire_days=None"):
        ecr_lifecycle_policy(30, "*.*.*", None)
    with pytest.raises(AnsibleFilterError, match="ecr_release_tag_pattern is empty"):
        ecr_lifecycle_policy(30, "")


def test_no_problem_with_the_repository_asked_for():
    assert ecr_problem({"changed": False, "repository": REPOSITORY}, "fozzy-api") == ""
    kms = dict(REPOSITORY, encryptionConfiguration={"encryptionType": "KMS", "kmsKey": KEY})
    assert ecr_problem({"repository": kms}, "fozzy-api", "KMS", KEY) == ""
    # skipped (ecr_enabled false) or created in check mode: nothing to compare
    assert ecr_problem({"skipped": True}, "fozzy-api") == ""
    assert ecr_problem({"changed": True, "skipped": True, "created": True, "repository": {"repositoryName": "x"}}, "x") == ""


def test_check_mode_creation_is_not_a_problem():
    created = {"failed": True, "created": True, "changed": True, "msg": "could not find repository fozzy-api",
               "repository": {"repositoryName": "fozzy-api"}}
    assert ecr_problem(created, "fozzy-api", check_mode=True) == ""
    # a real run never fails so
    assert ecr_problem(created, "fozzy-api").startswith("Could not converge ECR repository fozzy-api: could not find")


@pytest.mark.parametrize("result, encryption, key, message", [
    ({"repository": REPOSITORY}, "KMS", KEY,
     f"ECR repository fozzy-api is encrypted with AES256, but ecr_encryption=KMS with ecr_kms_key={KEY}. AWS fixes the"
     " encryption of a repository when it is created"),
    ({"repository": dict(REPOSITORY, encryptionConfiguration={"encryptionType": "KMS", "kmsKey": "arn:other"})},
     "KMS", KEY, "ECR repository fozzy-api is encrypted with KMS key arn:other, but ecr_encryption=KMS with"),
    ({"repository": dict(REPOSITORY, encryptionConfiguration={"encryptionType": "KMS", "kmsKey": KEY})},
     "AES256", "", f"ECR repository fozzy-api is encrypted with KMS key {KEY}, but ecr_encryption=AES256. AWS fixes"),
    ({"failed": True, "msg": "Cannot modify repository encryption type"}, "KMS", KEY,
     f"ECR repository fozzy-api exists with another encryption than ecr_encryption=KMS with ecr_kms_key={KEY}. AWS fixes"
     " the encryption of a repository when it is created: set ecr_encryption / ecr_kms_key to the current values"),
    ({"failed": True, "msg": "AccessDenied"}, "AES256", "", "Could not converge ECR repository fozzy-api: AccessDenied"),
    # failed by the task's failed_when on the encryption: the encryption is named, not "unknown error"
    ({"failed": True, "failed_when_result": True, "repository": REPOSITORY}, "KMS", KEY,
     "ECR repository fozzy-api is encrypted with AES256"),
])
def test_each_problem_says_what_to_do(result, encryption, key, message):
    assert ecr_problem(result, "fozzy-api", encryption, key).startswith(message)


def test_result_handed_on():
    assert ecr_result({"repository": REPOSITORY}, True, "fozzy-api") == {
        "enabled": True, "repository_name": "fozzy-api", "repository_uri": REPOSITORY["repositoryUri"],
        "repository_arn": REPOSITORY["repositoryArn"], "registry_id": "123456789012"}
    # check mode before the repository exists: only its name is known
    assert ecr_result({"repository": {"repositoryName": "fozzy-api"}}, True, "fozzy-api") == {
        "enabled": True, "repository_name": "fozzy-api", "repository_uri": "", "repository_arn": "", "registry_id": ""}
    assert ecr_result({"skipped": True}, False, "fozzy-api") == {"enabled": False}
