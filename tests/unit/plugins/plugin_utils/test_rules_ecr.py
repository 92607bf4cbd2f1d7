"""Rules of the ecr role's inputs."""
import pytest

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils import inputs as engine

KEY = "arn:aws:kms:eu-central-1:123456789012:key/0a1b2c3d-0000-4000-8000-0123456789ab"
GOOD = {
    "ecr_state": "present", "ecr_enabled": True, "ecr_repository_name": "fozzy-api",
    "ecr_image_tag_mutability": "IMMUTABLE", "ecr_scan_on_push": True, "ecr_encryption": "AES256",
    "ecr_kms_key": "", "ecr_keep_images": 30, "ecr_force_absent": False,
    "ecr_release_tag_pattern": "*.*.*", "ecr_untagged_expire_days": 7,
}
PATTERN_RULE = ("is not allowed: use one ECR tag pattern of 1 to 128 letters, digits and _ . - (not starting with . or -)"
                " with at most 4 * wildcards (each matches any characters), such as *.*.* for semantic versions or"
                " v*.*.* or release-*.")


def problems(**changes):
    return engine.check(["ecr"], engine.Inputs(dict(GOOD, **changes)))


@pytest.mark.parametrize("changes", [
    {},
    {"ecr_repository_name": "team/fozzy_api.v2", "ecr_keep_images": 0},
    {"ecr_keep_images": 10000},
    {"ecr_release_tag_pattern": "v*.*.*", "ecr_untagged_expire_days": 1},
    {"ecr_release_tag_pattern": "*-*.*.*", "ecr_untagged_expire_days": 3650},
    {"ecr_release_tag_pattern": "release_" + "x" * 120},
    # no lifecycle policy: the pattern is not used
    {"ecr_keep_images": 0, "ecr_release_tag_pattern": ""},
    {"ecr_encryption": "KMS", "ecr_kms_key": KEY},
    # disabled: nothing of the role is used, so nothing is checked
    {"ecr_enabled": False, "ecr_repository_name": "Fozzy_API", "ecr_encryption": "KMS"},
])
def test_good_inputs_have_no_problem(changes):
    assert problems(**changes) == []


@pytest.mark.parametrize("changes, message", [
    ({"ecr_repository_name": "Fozzy_API"},
     "ecr_repository_name=Fozzy_API is not allowed: use 2 to 256 lower case letters, digits and . _ - / separators"
     " (each part starting and ending with a letter or digit)."),
    ({"ecr_repository_name": "a"}, "ecr_repository_name=a is not allowed"),
    ({"ecr_repository_name": "fozzy-"}, "ecr_repository_name=fozzy- is not allowed"),
    ({"ecr_repository_name": "team//api"}, "ecr_repository_name=team//api is not allowed"),
    ({"ecr_repository_name": "a" * 257}, "ecr_repository_name=aaa"),
    ({"ecr_keep_images": -1}, "ecr_keep_images=-1 is not allowed: use 0 (no lifecycle policy) to 10000."),
    ({"ecr_keep_images": 10001}, "ecr_keep_images=10001 is not allowed"),
    ({"ecr_encryption": "KMS"},
     "ecr_kms_key= is not allowed with ecr_encryption=KMS: use the full key ARN (arn:aws:kms:<region>:<account>:key/<id>;"
     " an alias or key ID would never compare equal to what AWS reports)."),
    ({"ecr_encryption": "KMS", "ecr_kms_key": "alias/fozzy"}, "ecr_kms_key=alias/fozzy is not allowed with ecr_encryption=KMS"),
    ({"ecr_kms_key": KEY},
     f"ecr_kms_key={KEY} is not allowed with ecr_encryption=AES256: AES256 takes no key; set ecr_encryption to KMS or"
     ' ecr_kms_key to "".'),
    ({"ecr_release_tag_pattern": "*.*.*.*.*"}, "ecr_release_tag_pattern=*.*.*.*.* " + PATTERN_RULE),
    ({"ecr_release_tag_pattern": ""}, "ecr_release_tag_pattern= " + PATTERN_RULE),
    ({"ecr_release_tag_pattern": "v[0-9]*"}, "ecr_release_tag_pattern=v[0-9]* is not allowed"),
    ({"ecr_release_tag_pattern": ".*"}, "ecr_release_tag_pattern=.* is not allowed"),
    ({"ecr_release_tag_pattern": "1.*, 2.*"}, "ecr_release_tag_pattern=1.*, 2.* is not allowed"),
    ({"ecr_release_tag_pattern": "r" * 129}, "ecr_release_tag_pattern=rrr"),
    ({"ecr_untagged_expire_days": 0}, "ecr_untagged_expire_days=0 is not allowed: use 1 to 3650 days."),
    ({"ecr_untagged_expire_days": 3651}, "ecr_untagged_expire_days=3651 is not allowed"),
])
def test_each_bad_input_is_named_with_its_value(changes, message):
    found = problems(**changes)
    assert len(found) == 1 and found[0].startswith(message), found


def test_ecr_tags_report_only_what_fozzy_tags_does_not():
    long = "p" * 257
    fozzy = {"Project": long, "Environment": "production"}
    found = engine.check(["ecr"], engine.Inputs(dict(GOOD, fozzy_tags=fozzy,
                                                      ecr_tags=dict(fozzy, Environment="shared"))))
    assert found == []
    found = problems(fozzy_tags={"Project": "fozzy"}, ecr_tags={"Project": "fozzy", "aws:owner": "x", "Team": long})
    assert found == ["ecr_tags key 'aws:owner' is not allowed: keys starting with aws: are reserved for AWS.",
                     f"ecr_tags[Team]={long[:40]}... (257 characters) is not allowed: use at most 256 characters."]
    found = problems(fozzy_tags={}, ecr_tags={f"K{i}": "v" for i in range(51)})
    assert found == ["ecr_tags has 51 tags, which is not allowed: AWS allows 50 tags per repository."]
