#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecr_repository_tags
version_added: 0.2.0
short_description: Set the tags of an ECR repository
description:
  - Adds, changes and (with O(purge_tags=true)) removes the tags of an existing Amazon ECR repository.
  - Written because M(community.aws.ecs_ecr), which manages the rest of the repository, cannot tag it.
    Only the tags are compared and changed.
  - In check mode, a repository that does not exist yet (one an earlier task of the same check run would
    create) is reported as getting O(tags). Outside check mode a missing repository is a failure.
author:
  - Inbox Wine platform team (@inboxwine)
options:
  name:
    description:
      - Name of the repository.
    type: str
    required: true
    aliases: [repository_name]
  registry_id:
    description:
      - AWS account ID of the registry holding the repository; the caller's account when not set.
    type: str
attributes:
  check_mode:
    support: full
    details:
      - Nothing is tagged or untagged; C(changed), RV(tags) and the diff say what a real run would do.
  diff_mode:
    support: full
    details:
      - The diff shows the tags before and after.
  platform:
    platforms: all
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
notes:
  - O(tags) not set leaves the tags as they are. Keys starting with C(aws:) are never removed.
"""

EXAMPLES = r"""
- name: Tag the repository (and remove tags not listed)
  inboxwine.fozzy.ecr_repository_tags:
    name: fozzy-api
    tags:
      Project: fozzy
      ManagedBy: inboxwine.fozzy

- name: Add one tag, keep the others
  inboxwine.fozzy.ecr_repository_tags:
    name: fozzy-api
    tags:
      CostCentre: wine
    purge_tags: false
"""

RETURN = r"""
repository_arn:
  description: ARN of the repository; empty in check mode when it does not exist yet.
  returned: always
  type: str
  sample: arn:aws:ecr:eu-central-1:123456789012:repository/fozzy-api
tags:
  description: The tags after the task (in check mode, what they would be).
  returned: always
  type: dict
  sample: {"Project": "fozzy", "ManagedBy": "inboxwine.fozzy"}
added:
  description: Tags that were (in check mode, would be) set.
  returned: always
  type: dict
  sample: {"Project": "fozzy"}
removed:
  description: Keys of the tags that were (in check mode, would be) removed.
  returned: always
  type: list
  elements: str
  sample: ["Owner"]
"""

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_client
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_errors
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import error_code
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import make_diff
from ansible_collections.inboxwine.fozzy.plugins.module_utils.tags import reconcile_tags
from ansible_collections.inboxwine.fozzy.plugins.module_utils.tags import tag_changes


def find_repository(module, ecr, name, registry_id):
    """The repository as DescribeRepositories returns it, or None when it does not exist."""
    request = {"repositoryNames": [name]}
    if registry_id:
        request["registryId"] = registry_id
    try:
        return ecr.describe_repositories(aws_retry=True, **request)["repositories"][0]
    except ClientError as e:
        if error_code(e) == "RepositoryNotFoundException":
            return None
        module.fail_json_aws(e, msg=f"Failed to describe ECR repository {name}")
    except BotoCoreError as e:
        module.fail_json_aws(e, msg=f"Failed to describe ECR repository {name}")


def main():
    argument_spec = dict(
        name=dict(type="str", required=True, aliases=["repository_name"]),
        registry_id=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    name, desired, purge = module.params["name"], module.params["tags"], module.params["purge_tags"]
    ecr = aws_client(module, "ecr")

    repository = find_repository(module, ecr, name, module.params["registry_id"])
    if repository is None:
        if not module.check_mode:
            module.fail_json(msg=f"ECR repository {name} does not exist; create it before tagging it")
        # check mode: the repository a real run would have created by now starts without tags
        changes = tag_changes({}, desired, purge)
        module.exit_json(changed=changes.changed, repository_arn="", tags=changes.after, added=changes.to_add,
                         removed=changes.to_remove, diff=make_diff({"tags": {}}, {"tags": changes.after}))

    arn = repository["repositoryArn"]
    with aws_errors(module, f"read the tags of ECR repository {name}"):
        current = boto3_tag_list_to_ansible_dict(ecr.list_tags_for_resource(resourceArn=arn, aws_retry=True).get("tags", []))
    changes = reconcile_tags(
        module, current, desired, purge,
        add=lambda tags: ecr.tag_resource(resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(tags), aws_retry=True),
        remove=lambda keys: ecr.untag_resource(resourceArn=arn, tagKeys=keys, aws_retry=True),
        what=f"ECR repository {name}",
    )
    module.exit_json(changed=changes.changed, repository_arn=arn, tags=changes.after, added=changes.to_add,
                     removed=changes.to_remove, diff=make_diff({"tags": current}, {"tags": changes.after}))


if __name__ == "__main__":
    main()
