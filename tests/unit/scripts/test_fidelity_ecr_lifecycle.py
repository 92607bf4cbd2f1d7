"""scripts/emulator_fidelity.py: moto refuses the lifecycle policies AWS refuses, and accepts the role's."""
import json
import os
import sys

import boto3
import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "scripts"))
import emulator_fidelity  # noqa: E402

from ansible_collections.inboxwine.fozzy.plugins.filter.ecr import ecr_lifecycle_policy  # noqa: E402


def rule(priority, status, count_type="imageCountMoreThan", number=5, **selection):
    selection = dict(selection, tagStatus=status, countType=count_type, countNumber=number)
    if count_type == "sinceImagePushed":
        selection.setdefault("countUnit", "days")
    return {"rulePriority": priority, "selection": selection, "action": {"type": "expire"}}


@pytest.fixture
def put(aws):
    emulator_fidelity._ecr_lifecycle_policy_refused_like_aws()
    ecr = boto3.client("ecr")
    ecr.create_repository(repositoryName="fozzy-api")

    def _put(policy):
        ecr.put_lifecycle_policy(repositoryName="fozzy-api", lifecyclePolicyText=json.dumps(policy))
        return json.loads(ecr.get_lifecycle_policy(repositoryName="fozzy-api")["lifecyclePolicyText"])

    return _put


def test_the_role_policy_and_the_old_one_are_accepted(put):
    assert put(ecr_lifecycle_policy(30)) == ecr_lifecycle_policy(30)
    assert put({"rules": [rule(1, "any", number=30)]})["rules"][0]["selection"]["countNumber"] == 30


@pytest.mark.parametrize("rules, message", [
    ([rule(1, "tagged")], "tagPatternList or tagPrefixList is required"),
    ([rule(1, "untagged", tagPatternList=["*"])], "tagPatternList is not allowed when tagStatus is untagged"),
    ([rule(1, "tagged", tagPatternList=["*.*.*.*.*"])], "more than 4 wildcards"),
    ([rule(1, "any"), rule(2, "untagged")], "tagStatus any must have the highest rulePriority"),
    ([rule(1, "untagged"), rule(1, "any")], "rulePriority must be unique"),
    ([rule(1, "untagged"), rule(2, "untagged", "sinceImagePushed")], "only one rule may select untagged images"),
    ([rule(1, "untagged", countUnit="days")], "countUnit is required with sinceImagePushed"),
])
def test_what_aws_refuses_is_refused(put, rules, message):
    with pytest.raises(ClientError, match=message) as error:
        put({"rules": rules})
    assert error.value.response["Error"]["Code"] == "InvalidParameterException"
