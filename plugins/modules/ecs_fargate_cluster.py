#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_fargate_cluster
version_added: 0.1.0
short_description: Manage an ECS cluster for Fargate services, with capacity providers, Container Insights and tags
description:
  - Creates, updates or deletes an Amazon ECS cluster with its capacity providers, its default
    capacity provider strategy, the Container Insights setting and tags.
  - Written because M(community.aws.ecs_cluster) cannot set cluster settings (Container
    Insights) or tags. Only what the task sets is compared and changed.
author:
  - Inbox Wine platform team (@inboxwine)
options:
  name:
    description:
      - Name of the cluster.
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the cluster, V(absent) deletes it.
      - Deleting fails while the cluster still has services or tasks; remove them first.
    type: str
    choices: [present, absent]
    default: present
  capacity_providers:
    description:
      - Capacity providers associated with the cluster. When set, the list replaces the
        current one (order does not matter).
    type: list
    elements: str
    default: [FARGATE, FARGATE_SPOT]
  default_capacity_provider_strategy:
    description:
      - Strategy for tasks and services started without a launch type or strategy of their own.
        When set, it replaces the current one. Every provider must be in O(capacity_providers).
      - At most 20 providers, at most one of them with a base above 0, and at least one with a
        weight above 0 (unless the list is empty).
    type: list
    elements: dict
    suboptions:
      capacity_provider:
        description: Name of the capacity provider.
        type: str
        required: true
      weight:
        description: Relative share of the tasks placed with this provider.
        type: int
        default: 1
      base:
        description: Tasks placed with this provider before the weights apply. Only one provider may have a base.
        type: int
        default: 0
  container_insights:
    description:
      - CloudWatch Container Insights for the cluster. V(enhanced) adds task and container level metrics.
      - Left as it is when not set.
    type: str
    choices: [enabled, enhanced, disabled]
attributes:
  check_mode:
    support: full
    details:
      - Nothing is created, changed or deleted; RV(changes) and the diff say what a real run would
        change, and RV(cluster) is the cluster as it is.
  diff_mode:
    support: full
    details:
      - The diff leaves out the status and the service and task counts, which the module does not manage.
  platform:
    platforms: all
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A Fargate cluster with Container Insights
  inboxwine.fozzy.ecs_fargate_cluster:
    name: fozzy-api-production
    capacity_providers: [FARGATE, FARGATE_SPOT]
    default_capacity_provider_strategy:
      - capacity_provider: FARGATE
        base: 1
        weight: 1
    container_insights: enabled
    tags:
      Project: fozzy

- name: Delete the cluster (its services must be gone)
  inboxwine.fozzy.ecs_fargate_cluster:
    name: fozzy-api-production
    state: absent
"""

RETURN = r"""
changes:
  description: The fields that were (in check mode, would be) changed, or V(created) / V(deleted).
  returned: always
  type: list
  elements: str
  sample: ["container_insights"]
cluster:
  description: The cluster after the task (before it, in check mode). Empty when it does not exist.
  returned: always
  type: dict
  contains:
    cluster_name:
      description: Name of the cluster.
      type: str
      returned: when the cluster exists
      sample: fozzy-api-production
    cluster_arn:
      description: ARN of the cluster.
      type: str
      returned: when the cluster exists
      sample: arn:aws:ecs:eu-central-1:123456789012:cluster/fozzy-api-production
    status:
      description: Status of the cluster.
      type: str
      returned: when the cluster exists
      sample: ACTIVE
    capacity_providers:
      description: Capacity providers of the cluster.
      type: list
      elements: str
      returned: when the cluster exists
      sample: [FARGATE, FARGATE_SPOT]
    default_capacity_provider_strategy:
      description: Default capacity provider strategy.
      type: list
      elements: dict
      returned: when the cluster exists
      sample: [{"capacity_provider": "FARGATE", "weight": 1, "base": 1}]
    container_insights:
      description: The Container Insights setting.
      type: str
      returned: when the cluster exists
      sample: enabled
    tags:
      description: Tags of the cluster.
      type: dict
      returned: when the cluster exists
      sample: {"Project": "fozzy"}
    active_services_count:
      description: Services in the cluster.
      type: int
      returned: when the cluster exists
      sample: 1
    running_tasks_count:
      description: Running tasks in the cluster.
      type: int
      returned: when the cluster exists
      sample: 10
"""

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_client
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_errors
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import error_code
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import fail_on_problems
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import make_diff
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import capacity_provider_strategy_problems
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import ecs_tag_list
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import ecs_tags
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import normalise_strategy
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import reconcile_ecs_tags
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import strategy_from_options
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs import strategy_view

INSIGHTS = "containerInsights"


def insights_of(cluster):
    for setting in cluster.get("settings") or []:
        if setting.get("name") == INSIGHTS:
            return setting.get("value")
    return "disabled"


def view(cluster):
    """The cluster as returned (and diffed) by the module."""
    if not cluster:
        return {}
    return {
        "cluster_name": cluster.get("clusterName"),
        "cluster_arn": cluster.get("clusterArn"),
        "status": cluster.get("status"),
        "capacity_providers": sorted(cluster.get("capacityProviders") or []),
        "default_capacity_provider_strategy": strategy_view(cluster.get("defaultCapacityProviderStrategy")),
        "container_insights": insights_of(cluster),
        "tags": ecs_tags(cluster),
        "active_services_count": cluster.get("activeServicesCount", 0),
        "running_tasks_count": cluster.get("runningTasksCount", 0),
    }


def diff_view(cluster):
    result = view(cluster)
    for volatile in ("active_services_count", "running_tasks_count", "status"):
        result.pop(volatile, None)
    return result


class Cluster:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.name = module.params["name"]
        self.ecs = aws_client(module, "ecs")

    def describe(self):
        with aws_errors(self.module, f"describe ECS cluster {self.name}"):
            response = self.ecs.describe_clusters(clusters=[self.name], include=["SETTINGS", "TAGS"], aws_retry=True)
        for cluster in response.get("clusters", []):
            if cluster.get("clusterName") == self.name and cluster.get("status") != "INACTIVE":
                return cluster
        return None

    def present(self):
        params = self.params
        existing = self.describe()
        providers = sorted(params["capacity_providers"]) if params["capacity_providers"] is not None else None
        strategy = strategy_from_options(params["default_capacity_provider_strategy"])
        insights = params["container_insights"]
        changes = []

        if existing is None:
            changes = ["created"]
            predicted = {
                "clusterName": self.name,
                "capacityProviders": providers or [],
                "defaultCapacityProviderStrategy": strategy or [],
                "settings": [{"name": INSIGHTS, "value": insights or "disabled"}],
                "tags": ecs_tag_list(params["tags"]),
            }
            if self.module.check_mode:
                self.exit(changes, None, predicted, None)
            request = dict(clusterName=self.name)
            if providers is not None:
                request["capacityProviders"] = providers
            if strategy is not None:
                request["defaultCapacityProviderStrategy"] = strategy
            if insights is not None:
                request["settings"] = [{"name": INSIGHTS, "value": insights}]
            if params["tags"]:
                request["tags"] = ecs_tag_list(params["tags"])
            with aws_errors(self.module, f"create ECS cluster {self.name}"):
                self.ecs.create_cluster(aws_retry=True, **request)
            self.exit(changes, None, self.describe(), None)

        after = dict(existing)
        current_providers = sorted(existing.get("capacityProviders") or [])
        current_strategy = normalise_strategy(existing.get("defaultCapacityProviderStrategy"))
        new_providers = providers if providers is not None else current_providers
        new_strategy = strategy if strategy is not None else current_strategy
        if new_providers != current_providers:
            changes.append("capacity_providers")
        if new_strategy != current_strategy:
            changes.append("default_capacity_provider_strategy")
        if changes:
            after.update(capacityProviders=new_providers, defaultCapacityProviderStrategy=new_strategy)
            if not self.module.check_mode:
                with aws_errors(self.module, f"set the capacity providers of ECS cluster {self.name}"):
                    self.ecs.put_cluster_capacity_providers(
                        cluster=self.name,
                        capacityProviders=new_providers,
                        defaultCapacityProviderStrategy=new_strategy,
                        aws_retry=True,
                    )

        if insights is not None and insights != insights_of(existing):
            changes.append("container_insights")
            after["settings"] = [{"name": INSIGHTS, "value": insights}]
            if not self.module.check_mode:
                with aws_errors(self.module, f"set Container Insights of ECS cluster {self.name}"):
                    # UpdateCluster takes the settings as well as UpdateClusterSettings does
                    self.ecs.update_cluster(cluster=self.name, settings=[{"name": INSIGHTS, "value": insights}], aws_retry=True)

        tags = reconcile_ecs_tags(
            self.module, self.ecs, existing["clusterArn"], ecs_tags(existing), params["tags"], params["purge_tags"],
            what=f"ECS cluster {self.name}",
        )
        if tags.changed:
            changes.append("tags")
            after["tags"] = ecs_tag_list(tags.after)

        if changes and not self.module.check_mode:
            after = self.describe()
        self.exit(changes, existing, after, existing if self.module.check_mode else None)

    def absent(self):
        existing = self.describe()
        if existing is None:
            self.exit([], None, None, None)
        if not self.module.check_mode:
            try:
                self.ecs.delete_cluster(cluster=self.name, aws_retry=True)
            except ClientError as e:
                if error_code(e) in ("ClusterContainsServicesException", "ClusterContainsTasksException",
                                     "ClusterContainsContainerInstancesException"):
                    self.module.fail_json_aws(
                        e, msg=f"ECS cluster {self.name} still has services or tasks; remove them before the cluster"
                    )
                self.module.fail_json_aws(e, msg=f"Failed to delete ECS cluster {self.name}")
            except BotoCoreError as e:
                self.module.fail_json_aws(e, msg=f"Failed to delete ECS cluster {self.name}")
        self.exit(["deleted"], existing, None, existing)

    def exit(self, changes, before, after, shown):
        """`shown` is returned as `cluster` when given (check mode), else `after`."""
        self.module.exit_json(
            changed=bool(changes),
            changes=changes,
            cluster=view(shown if shown is not None else after),
            diff=make_diff(diff_view(before), diff_view(after)),
        )


def validate(module):
    params = module.params
    fail_on_problems(
        module,
        capacity_provider_strategy_problems(
            params["default_capacity_provider_strategy"], params["capacity_providers"], name="default_capacity_provider_strategy"
        ),
    )


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        capacity_providers=dict(type="list", elements="str", default=["FARGATE", "FARGATE_SPOT"]),
        default_capacity_provider_strategy=dict(
            type="list",
            elements="dict",
            options=dict(
                capacity_provider=dict(type="str", required=True),
                weight=dict(type="int", default=1),
                base=dict(type="int", default=0),
            ),
        ),
        container_insights=dict(type="str", choices=["enabled", "enhanced", "disabled"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    cluster = Cluster(module)
    if module.params["state"] == "present":
        validate(module)
        cluster.present()
    else:
        cluster.absent()


if __name__ == "__main__":
    main()
