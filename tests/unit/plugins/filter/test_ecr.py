"""Filters of the ecr role."""
import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.inboxwine.fozzy.plugins.filter.ecr import ecr_lifecycle_policy, ecr_problem, ecr_result

KEY = "arn:aws:kms:eu-central-1:123456789012:key/0a1b2c3d-0000-4000-8000-0123456789ab"
REPOSITORY = {"repositoryName": "fozzy-api", "repositoryUri": "123456789012.dkr.ecr.eu-central-1.amazonaws.com/fozzy-api",
              "repositoryArn": "arn:aws:ecr:eu-central-1:123456789012:repository/fozzy-api", "registryId": "123456789012",
              "encryptionConfiguration": {"encryptionType": "AES256"}}


def test_lifecycle_policy_keeps_the_newest_images():
    assert ecr_lifecycle_policy("30") == {"rules": [{
        "rulePriority": 1, "description": "Keep the newest 30 images",
        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 30},
        "action": {"type": "expire"}}]}
    assert ecr_lifecycle_policy(0) is None
    with pytest.raises(AnsibleFilterError, match="ecr_keep_images='many'"):
        ecr_lifecycle_policy("many")


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
