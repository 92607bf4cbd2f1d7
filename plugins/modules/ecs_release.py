#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_release
version_added: 0.3.0
short_description: Release one image to an existing ECS service, or roll it back, and wait until it serves
description:
  - O(action=deploy) checks that the image (O(repository) and O(tag) in the account's Amazon ECR,
    or O(image)) exists, builds the task definition from O(definition) with that image (the same
    function the C(inboxwine.fozzy.ecs_task_definition) filter of site.yml uses, so both paths
    make the same revision), reuses the service's current or the family's newest revision when it
    is that definition and otherwise registers one, points the service at it and waits.
  - O(action=rollback) points the service at the revision that served before the current one,
    the newest SUCCESSFUL service deployment of another revision (ListServiceDeployments and
    DescribeServiceRevisions), so a revision that was registered and never deployed, or one ECS
    rolled back, is never chosen; or at O(rollback_to), a revision number of the family or an
    image tag that served. It refuses, without any change, when there is none.
  - O(action=check_images) only checks that O(images) exist in ECR (site.yml does it before its
    first write).
  - A missing image fails before any change with the commands that push it.
  - The wait ends when the service deployment is SUCCESSFUL (or, where AWS has no service
    deployments, the deployment's rolloutState is COMPLETED) and every running task of the new
    revision is a healthy target of the service's target groups. A deployment that ECS rolls back
    or stops fails the task with the reason (and the deployment alarms in ALARM); a timeout fails
    it naming what it waited for and what it saw last.
  - Reads and writes nothing else than the service, its task definitions, deployments and tasks,
    the target groups' health, the load balancer's DNS name and, on a failure, the alarms.
author:
  - Inbox Wine platform team (@inboxwine)
options:
  action:
    description: What to do.
    type: str
    choices: [deploy, rollback, check_images]
    default: deploy
  cluster:
    description: Name or ARN of the cluster. Required unless O(action=check_images).
    type: str
  service:
    description: Name of the service. Required unless O(action=check_images).
    type: str
  definition:
    description:
      - With O(action=deploy), the task definition's specification as the C(inboxwine.fozzy.ecs_task_definition)
        filter takes it, without C(image), C(region) and the role ARNs, which the module fills in
        (the roles from the family's revision).
    type: dict
  repository:
    description: With O(action=deploy), the name of the ECR repository of the image (in the service's account and region).
    type: str
  tag:
    description: With O(action=deploy) and O(repository), the image tag to release.
    type: str
  tag_variable:
    description: The name of the variable O(tag) comes from, which the message of a missing image names.
    type: str
  image:
    description: With O(action=deploy), the full image reference, instead of O(repository) and O(tag).
    type: str
  rollback_to:
    description:
      - With O(action=rollback), a revision number of the family or an image tag that served; empty for the revision
        that served before the current one.
    type: str
    default: ""
  images:
    description: With O(action=check_images), the image references to look up (those outside ECR are not checked).
    type: list
    elements: str
    default: []
  wait:
    description: Wait until the deployment is done (see the description). Not done in check mode.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait at most; the deployment goes on in AWS after a timeout.
    type: int
    default: 900
attributes:
  check_mode:
    support: full
    details:
      - Nothing is registered or updated; RV(task_definition_arn) is the revision that would run (C(family:N (would be registered))
        for a new one) and the diff shows image and revision old -> new.
  diff_mode:
    support: full
  platform:
    platforms: all
notes:
  - Tags are not managed here; the revision and the service keep those site.yml gave them.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Release 1.2.0
  inboxwine.fozzy.ecs_release:
    cluster: fozzy-api-production
    service: fozzy-api
    repository: fozzy-api
    tag: 1.2.0
    definition: "{{ spec }}"

- name: Roll back to the revision that served before
  inboxwine.fozzy.ecs_release:
    action: rollback
    cluster: fozzy-api-production
    service: fozzy-api
"""

RETURN = r"""
release:
  description: What was done, one line each (revision, image old -> new, strategy, phase seconds, the final verdict).
  returned: when action is deploy or rollback
  type: list
  elements: str
task_definition_arn:
  description: The revision the service runs afterwards (in check mode, would run).
  returned: when action is deploy or rollback
  type: str
from_task_definition:
  description: The revision the service ran before.
  returned: when action is deploy or rollback
  type: str
previous_image:
  description: The image the service ran before.
  returned: when action is deploy or rollback
  type: str
deployed_image:
  description: The image the service runs afterwards.
  returned: when action is deploy or rollback
  type: str
revision:
  description: Revision number of RV(task_definition_arn).
  returned: when action is deploy or rollback
  type: int
registered:
  description: Whether a new revision was (would be) registered.
  returned: when action is deploy or rollback
  type: bool
strategy:
  description: The service's deployment strategy (ROLLING when AWS reports none).
  returned: when action is deploy or rollback
  type: str
phases:
  description: Seconds per phase (check, register, update, wait) and in total.
  returned: when action is deploy or rollback
  type: dict
service_deployment:
  description: The service deployment last seen by the wait (ListServiceDeployments' brief form).
  returned: when action is deploy or rollback
  type: dict
alb_dns_name:
  description: DNS name of the load balancer of the service's target group.
  returned: when action is deploy or rollback
  type: str
service:
  description: The service afterwards, as M(inboxwine.fozzy.ecs_service_deploy) returns it.
  returned: when action is deploy or rollback
  type: dict
missing_images:
  description: ECR images that do not exist.
  returned: on failure because of them
  type: list
  elements: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_release import Releaser


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            action=dict(type="str", choices=["deploy", "rollback", "check_images"], default="deploy"),
            cluster=dict(type="str"),
            service=dict(type="str"),
            definition=dict(type="dict"),
            repository=dict(type="str"),
            tag=dict(type="str"),
            tag_variable=dict(type="str"),
            image=dict(type="str"),
            rollback_to=dict(type="str", default=""),
            images=dict(type="list", elements="str", default=[]),
            wait=dict(type="bool", default=True),
            wait_timeout=dict(type="int", default=900),
        ),
        required_if=[
            ("action", "deploy", ["cluster", "service", "definition"]),
            ("action", "rollback", ["cluster", "service"]),
        ],
        supports_check_mode=True,
    )
    params = module.params
    if params["action"] == "deploy" and not params["image"] and not (params["repository"] and params["tag"]):
        module.fail_json(msg="action=deploy needs image, or repository and tag")
    releaser = Releaser(module)
    getattr(releaser, params["action"])()


if __name__ == "__main__":
    main()
