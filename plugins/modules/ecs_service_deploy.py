#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_service_deploy
version_added: 0.1.0
short_description: Create, update and deploy an ECS service and wait until the deployment is stable
description:
  - Creates an Amazon ECS service, or updates an existing one, and waits (bounded by
    O(wait_timeout)) until its deployment reaches a steady state. A deployment that the
    deployment circuit breaker stops or rolls back fails the task with the reason taken
    from the deployment and the service events.
  - Compares every field the task sets with the service in AWS, including the deployment
    configuration (percentages, circuit breaker), the network configuration, the load
    balancers, the health check grace period and the capacity provider strategy, applies
    only what differs in one C(UpdateService) call and reports the changed fields in
    RV(changes). Fields the task does not set are left as they are.
  - O(desired_count) is applied when the service is created. On an existing service it is
    applied only with O(force_desired_count=true), so a re-run never resets a task count
    that Application Auto Scaling has changed.
  - With O(check_images=true) (the default), before it creates or updates the service, the
    module checks that every container image of the task definition that lives in Amazon ECR
    exists, and otherwise fails without any change, naming the missing image and the
    commands that push it.
  - Written because M(community.aws.ecs_service) compares only a few fields (changes of the
    deployment configuration, network configuration or capacity provider strategy go
    unnoticed), sends O(desired_count) on every update and cannot wait for a deployment.
author:
  - Inbox Wine platform team (@inboxwine)
options:
  cluster:
    description:
      - Name or ARN of the ECS cluster of the service.
    type: str
    required: true
  name:
    description:
      - Name of the service.
    type: str
    required: true
    aliases: [service]
  state:
    description:
      - V(present) creates or updates the service and, with O(wait=true), waits for a stable deployment.
      - V(absent) deletes the service (its tasks are stopped) and, with O(wait=true), waits until it is V(INACTIVE).
    type: str
    choices: [present, absent]
    default: present
  task_definition:
    description:
      - The task definition to run, as a full ARN (recommended; compared as is) or as
        V(family:revision) or V(family) (the latest ACTIVE revision), which are resolved
        to an ARN with one C(DescribeTaskDefinition) call.
      - Required when O(state=present).
    type: str
  desired_count:
    description:
      - Number of tasks to run. Required when the service is created.
      - Applied to an existing service only when O(force_desired_count=true).
    type: int
  force_desired_count:
    description:
      - Apply O(desired_count) to an existing service too. Leave V(false) when
        Application Auto Scaling manages the task count.
    type: bool
    default: false
  launch_type:
    description:
      - Launch type of the tasks. Mutually exclusive with O(capacity_provider_strategy).
      - Cannot be changed on an existing service.
    type: str
    choices: [FARGATE, EC2]
  capacity_provider_strategy:
    description:
      - Capacity providers to place the tasks with. Mutually exclusive with O(launch_type).
      - A change starts a new deployment (C(forceNewDeployment)) so that the tasks move.
    type: list
    elements: dict
    suboptions:
      capacity_provider:
        description: Name of the capacity provider, for example V(FARGATE) or V(FARGATE_SPOT).
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
  platform_version:
    description:
      - Fargate platform version, for example V(LATEST) or V(1.4.0).
    type: str
  network_configuration:
    description:
      - The awsvpc network configuration of the tasks. Required to create a service whose
        task definition uses the V(awsvpc) network mode (every Fargate service).
    type: dict
    suboptions:
      subnets:
        description: Subnet IDs of the task ENIs. Order does not matter.
        type: list
        elements: str
        required: true
      security_groups:
        description: Security group IDs of the task ENIs. Order does not matter.
        type: list
        elements: str
      assign_public_ip:
        description: Whether the task ENIs get a public IP address.
        type: bool
        default: false
  load_balancers:
    description:
      - Target groups the service registers its tasks with. V([]) removes every load balancer.
    type: list
    elements: dict
    suboptions:
      target_group_arn:
        description: ARN of the target group.
        type: str
        required: true
      container_name:
        description: Name of the container in the task definition that receives the traffic.
        type: str
        required: true
      container_port:
        description: Port of that container.
        type: int
        required: true
  health_check_grace_period_seconds:
    description:
      - Seconds during which the scheduler ignores failing load balancer and container health
        checks of a newly started task.
    type: int
  deployment_configuration:
    description:
      - How tasks are replaced during a deployment. Only the suboptions given are compared.
    type: dict
    suboptions:
      minimum_healthy_percent:
        description: Lower limit of running tasks during a deployment, in percent of the desired count.
        type: int
      maximum_percent:
        description: Upper limit of running and pending tasks during a deployment, in percent of the desired count.
        type: int
      deployment_circuit_breaker:
        description: Stop a deployment whose tasks keep failing and optionally roll back to the last completed one.
        type: dict
        suboptions:
          enable:
            description: Whether the circuit breaker is on.
            type: bool
            required: true
          rollback:
            description: Whether a failed deployment is rolled back.
            type: bool
            required: true
  enable_execute_command:
    description:
      - Whether ECS Exec is enabled for the tasks. A change starts a new deployment.
    type: bool
  propagate_tags:
    description:
      - Copy the tags of the service or of the task definition to the tasks.
    type: str
    choices: [SERVICE, TASK_DEFINITION, NONE]
  force_new_deployment:
    description:
      - Start a new deployment even when nothing changed, for example to pick up new
        values of secrets. Makes the task V(changed) every time.
    type: bool
    default: false
  check_images:
    description:
      - Before the service is created or updated, check that every container image of the
        task definition that is in Amazon ECR (V(<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>)
        or V(...@sha256:<digest>)) exists, and fail without any change otherwise.
      - Images in other registries are not checked.
    type: bool
    default: true
  images:
    description:
      - More image references that O(check_images) checks, besides those of the task definition.
      - For example the image of a revision that a run in check mode did not register, so that
        check mode reports a missing image too.
    type: list
    elements: str
    default: []
  wait:
    description:
      - With O(state=present), wait until the service has one deployment, of O(task_definition),
        that is complete and runs the desired number of tasks. A deployment that fails, or that
        the circuit breaker rolls back, fails the task with the reason.
      - With O(state=absent), wait until the service is V(INACTIVE).
      - Not done in check mode.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait at most. The task fails when the service is not stable by then; the
        deployment itself goes on in AWS.
    type: int
    default: 900
notes:
  - Supports check mode and diff mode. In check mode a task definition that does not exist
    yet (because an earlier task in check mode did not register it) is reported as a change.
  - Tags are set at creation and reconciled afterwards with C(TagResource) and
    C(UntagResource) (long ARN format required for services created before 2021).
  - A deleted service stays V(DRAINING) for a while; creating it again waits for V(INACTIVE) first.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Deploy the API on Fargate behind a target group; keep the task count autoscaling set
  inboxwine.fozzy.ecs_service_deploy:
    cluster: fozzy-api-production
    name: fozzy-api
    task_definition: "{{ taskdef.taskdefinition.taskDefinitionArn }}"
    desired_count: 10
    capacity_provider_strategy:
      - capacity_provider: FARGATE
        base: 1
        weight: 1
    network_configuration:
      subnets: "{{ private_subnet_ids }}"
      security_groups: ["{{ service_sg_id }}"]
      assign_public_ip: false
    load_balancers:
      - target_group_arn: "{{ target_group_arn }}"
        container_name: fozzy-api
        container_port: 8000
    health_check_grace_period_seconds: 60
    deployment_configuration:
      minimum_healthy_percent: 100
      maximum_percent: 200
      deployment_circuit_breaker:
        enable: true
        rollback: true
    tags:
      Project: fozzy
    wait_timeout: 900

- name: Scale to exactly 4 tasks now (overrides autoscaling until its next activity)
  inboxwine.fozzy.ecs_service_deploy:
    cluster: fozzy-api-production
    name: fozzy-api
    task_definition: fozzy-api
    desired_count: 4
    force_desired_count: true

- name: Delete the service and wait until it is gone
  inboxwine.fozzy.ecs_service_deploy:
    cluster: fozzy-api-production
    name: fozzy-api
    state: absent
"""

RETURN = r"""
changes:
  description:
    - The fields that were (in check mode, would be) changed, as dotted option names, or
      V(created) / V(deleted). Empty when nothing changed.
  returned: always
  type: list
  elements: str
  sample: ["task_definition", "deployment_configuration.minimum_healthy_percent"]
stable:
  description: Whether the service was seen with a stable, completed deployment. V(false) when not waited for.
  returned: when O(state=present)
  type: bool
  sample: true
missing_images:
  description: ECR images of the task definition that do not exist (only when the task fails because of them).
  returned: on failure
  type: list
  elements: str
  sample: ["123456789012.dkr.ecr.eu-central-1.amazonaws.com/fozzy-api:1.0.0"]
service:
  description:
    - The service after the task (before it, in check mode). Empty when it does not exist.
  returned: always
  type: dict
  contains:
    service_name:
      description: Name of the service.
      type: str
      returned: when the service exists
      sample: fozzy-api
    service_arn:
      description: ARN of the service.
      type: str
      returned: when the service exists
      sample: arn:aws:ecs:eu-central-1:123456789012:service/fozzy-api-production/fozzy-api
    cluster_arn:
      description: ARN of the cluster.
      type: str
      returned: when the service exists
      sample: arn:aws:ecs:eu-central-1:123456789012:cluster/fozzy-api-production
    status:
      description: V(ACTIVE), V(DRAINING) or V(INACTIVE).
      type: str
      returned: when the service exists
      sample: ACTIVE
    task_definition:
      description: ARN of the task definition the service runs.
      type: str
      returned: when the service exists
      sample: arn:aws:ecs:eu-central-1:123456789012:task-definition/fozzy-api-production:3
    desired_count:
      description: Desired number of tasks.
      type: int
      returned: when the service exists
      sample: 10
    running_count:
      description: Running tasks.
      type: int
      returned: when the service exists
      sample: 10
    pending_count:
      description: Pending tasks.
      type: int
      returned: when the service exists
      sample: 0
    launch_type:
      description: Launch type, when the service does not use a capacity provider strategy.
      type: str
      returned: when set
      sample: FARGATE
    capacity_provider_strategy:
      description: Capacity provider strategy.
      type: list
      elements: dict
      returned: when set
      sample: [{"capacity_provider": "FARGATE", "weight": 1, "base": 1}]
    platform_version:
      description: Fargate platform version.
      type: str
      returned: when set
      sample: LATEST
    deployment_configuration:
      description: Deployment configuration.
      type: dict
      returned: when the service exists
      sample: {"maximum_percent": 200, "minimum_healthy_percent": 100, "deployment_circuit_breaker": {"enable": true, "rollback": true}}
    network_configuration:
      description: Network configuration.
      type: dict
      returned: when set
      sample: {"awsvpc_configuration": {"subnets": ["subnet-1"], "security_groups": ["sg-1"], "assign_public_ip": "DISABLED"}}
    load_balancers:
      description: Target groups of the service.
      type: list
      elements: dict
      returned: when the service exists
      sample: [{"target_group_arn": "arn:aws:elasticloadbalancing:...", "container_name": "fozzy-api", "container_port": 8000}]
    health_check_grace_period_seconds:
      description: Health check grace period.
      type: int
      returned: when set
      sample: 60
    enable_execute_command:
      description: Whether ECS Exec is enabled.
      type: bool
      returned: when the service exists
      sample: false
    propagate_tags:
      description: Where task tags come from.
      type: str
      returned: when set
      sample: SERVICE
    tags:
      description: Tags of the service.
      type: dict
      returned: when the service exists
      sample: {"Project": "fozzy"}
    deployments:
      description: Deployments of the service, the PRIMARY one first.
      type: list
      elements: dict
      returned: when the service exists
      sample: [{"id": "ecs-svc/1234", "status": "PRIMARY", "task_definition": "arn:...:3", "desired_count": 10,
                "running_count": 10, "rollout_state": "COMPLETED", "rollout_state_reason": "ECS deployment ecs-svc/1234 completed."}]
    events:
      description: The five newest service events.
      type: list
      elements: dict
      returned: when the service exists
      sample: [{"created_at": "2025-01-01T12:00:00+00:00", "message": "(service fozzy-api) has reached a steady state."}]
"""

import re

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import WaitTimeoutError
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_client
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_errors
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import differences
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import error_code
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import make_diff
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import wait_for

# What AWS reports for a service created without a deploymentConfiguration.
DEPLOYMENT_DEFAULTS = {
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
}

# <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository>[:<tag>][@sha256:<digest>]
ECR_IMAGE = re.compile(
    r"^(?P<registry>(?P<account>\d{12})\.dkr\.ecr(-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?)/"
    r"(?P<repository>[a-z0-9][a-z0-9._/-]*)(:(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(@(?P<digest>sha256:[0-9a-f]{64}))?$"
)

# Changing these makes ECS start a new deployment.
DEPLOYING_FIELDS = ("task_definition", "network_configuration", "load_balancers", "capacity_provider_strategy", "platform_version")

EVENTS_IN_MESSAGE = 8


def short_td(arn):
    """`family:3` from a task definition ARN (or the value itself)."""
    return (arn or "").rsplit("/", 1)[-1]


def snake_deployment_configuration(config):
    return camel_dict_to_snake_dict(config or {})


class ServiceDeployer:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.cluster = module.params["cluster"]
        self.name = module.params["name"]
        self.ecs = aws_client(module, "ecs")
        self.cluster_missing = False

    # --- reads -----------------------------------------------------------------------

    def describe(self):
        """The service (any status), or None when it or its cluster does not exist."""
        try:
            response = self.ecs.describe_services(
                cluster=self.cluster, services=[self.name], include=["TAGS"], aws_retry=True
            )
        except ClientError as e:
            if error_code(e) == "ClusterNotFoundException":
                self.cluster_missing = True
                return None
            self.module.fail_json_aws(e, msg=f"Failed to describe ECS service {self.name} in cluster {self.cluster}")
        except BotoCoreError as e:
            self.module.fail_json_aws(e, msg=f"Failed to describe ECS service {self.name} in cluster {self.cluster}")
        for service in response.get("services", []):
            if service.get("serviceName") == self.name:
                return service
        return None

    def resolve_task_definition(self):
        """(ARN, definition or None). A full ARN is taken as is, without an API call."""
        wanted = self.params["task_definition"]
        if wanted.startswith("arn:") and ":task-definition/" in wanted and re.search(r":\d+$", wanted):
            return wanted, None
        try:
            definition = self.ecs.describe_task_definition(taskDefinition=wanted, aws_retry=True)["taskDefinition"]
        except ClientError as e:
            if error_code(e) == "ClientException" and self.module.check_mode:
                return wanted, None  # registered by an earlier task that ran in check mode too
            if error_code(e) == "ClientException":
                self.module.fail_json(msg=f"Task definition {wanted} (option task_definition) does not exist")
            self.module.fail_json_aws(e, msg=f"Failed to describe task definition {wanted}")
        except BotoCoreError as e:
            self.module.fail_json_aws(e, msg=f"Failed to describe task definition {wanted}")
        return definition["taskDefinitionArn"], definition

    def missing_images(self, task_definition_arn, definition):
        """ECR images of the task definition that do not exist, as (image, match) pairs."""
        if definition is None:
            try:
                definition = self.ecs.describe_task_definition(taskDefinition=task_definition_arn, aws_retry=True)[
                    "taskDefinition"
                ]
            except ClientError as e:
                if error_code(e) != "ClientException" or not self.module.check_mode:
                    self.module.fail_json_aws(e, msg=f"Failed to describe task definition {task_definition_arn}")
                definition = {}  # not registered yet (check mode): only `images` can be checked
            except BotoCoreError as e:
                self.module.fail_json_aws(e, msg=f"Failed to describe task definition {task_definition_arn}")
        missing = []
        clients = {}
        images = [container.get("image") or "" for container in (definition or {}).get("containerDefinitions", [])]
        images += [image for image in self.params["images"] if image not in images]
        for image in images:
            match = ECR_IMAGE.match(image)
            if not match:
                continue
            region = match["region"]
            if region not in clients:
                extra = {} if region == self.module.region else {"region": region}
                clients[region] = aws_client(self.module, "ecr", **extra)
            image_id = {"imageDigest": match["digest"]} if match["digest"] else {"imageTag": match["tag"] or "latest"}
            try:
                clients[region].describe_images(
                    registryId=match["account"], repositoryName=match["repository"], imageIds=[image_id], aws_retry=True
                )
            except ClientError as e:
                if error_code(e) in ("ImageNotFoundException", "RepositoryNotFoundException"):
                    missing.append((image, match, error_code(e)))
                    continue
                self.module.fail_json_aws(e, msg=f"Failed to look up image {image} in ECR")
            except BotoCoreError as e:
                self.module.fail_json_aws(e, msg=f"Failed to look up image {image} in ECR")
        return missing

    # --- desired state -------------------------------------------------------------

    def desired_deployment_configuration(self):
        config = self.params["deployment_configuration"] or {}
        desired = {}
        if config.get("minimum_healthy_percent") is not None:
            desired["minimumHealthyPercent"] = config["minimum_healthy_percent"]
        if config.get("maximum_percent") is not None:
            desired["maximumPercent"] = config["maximum_percent"]
        breaker = config.get("deployment_circuit_breaker")
        if breaker:
            desired["deploymentCircuitBreaker"] = {"enable": breaker["enable"], "rollback": breaker["rollback"]}
        return desired

    def desired_network_configuration(self):
        network = self.params["network_configuration"]
        if network is None:
            return None
        awsvpc = {
            "subnets": sorted(network["subnets"]),
            "assignPublicIp": "ENABLED" if network["assign_public_ip"] else "DISABLED",
        }
        if network.get("security_groups") is not None:
            awsvpc["securityGroups"] = sorted(network["security_groups"])
        return {"awsvpcConfiguration": awsvpc}

    def desired_load_balancers(self):
        if self.params["load_balancers"] is None:
            return None
        return sorted(
            (
                {"targetGroupArn": lb["target_group_arn"], "containerName": lb["container_name"], "containerPort": lb["container_port"]}
                for lb in self.params["load_balancers"]
            ),
            key=lambda lb: (lb["targetGroupArn"], lb["containerName"], lb["containerPort"]),
        )

    def desired_capacity_provider_strategy(self):
        if not self.params["capacity_provider_strategy"]:
            return None
        return normalise_strategy(
            {"capacityProvider": item["capacity_provider"], "weight": item["weight"], "base": item["base"]}
            for item in self.params["capacity_provider_strategy"]
        )

    # --- comparison ------------------------------------------------------------------

    def compare(self, service, task_definition_arn):
        """{field: (current, desired)} for every field the task sets that differs."""
        params = self.params
        found = {}
        if task_definition_arn != service.get("taskDefinition"):
            found["task_definition"] = (service.get("taskDefinition"), task_definition_arn)
        if params["force_desired_count"] and params["desired_count"] is not None:
            if params["desired_count"] != service.get("desiredCount"):
                found["desired_count"] = (service.get("desiredCount"), params["desired_count"])
        desired = self.desired_deployment_configuration()
        current = service.get("deploymentConfiguration") or {}
        for path in differences(desired, current, DEPLOYMENT_DEFAULTS):
            found[f"deployment_configuration.{camel_to_option(path)}"] = (current, merged_deployment_configuration(current, desired))
        network = self.desired_network_configuration()
        if network is not None:
            current = normalise_network(service.get("networkConfiguration"))
            wanted = dict(current.get("awsvpcConfiguration", {}), **network["awsvpcConfiguration"])
            if wanted != current.get("awsvpcConfiguration"):
                found["network_configuration"] = (current, {"awsvpcConfiguration": wanted})
        load_balancers = self.desired_load_balancers()
        if load_balancers is not None:
            current = normalise_load_balancers(service.get("loadBalancers"))
            if load_balancers != current:
                found["load_balancers"] = (current, load_balancers)
        grace = params["health_check_grace_period_seconds"]
        if grace is not None and grace != service.get("healthCheckGracePeriodSeconds", 0):
            found["health_check_grace_period_seconds"] = (service.get("healthCheckGracePeriodSeconds"), grace)
        strategy = self.desired_capacity_provider_strategy()
        if strategy is not None:
            current = normalise_strategy(service.get("capacityProviderStrategy") or [])
            if strategy != current:
                found["capacity_provider_strategy"] = (current, strategy)
        if params["platform_version"] is not None and params["platform_version"] != service.get("platformVersion"):
            found["platform_version"] = (service.get("platformVersion"), params["platform_version"])
        execute = params["enable_execute_command"]
        if execute is not None and execute != service.get("enableExecuteCommand", False):
            found["enable_execute_command"] = (service.get("enableExecuteCommand", False), execute)
        propagate = params["propagate_tags"]
        if propagate is not None and propagate != service.get("propagateTags", "NONE"):
            found["propagate_tags"] = (service.get("propagateTags", "NONE"), propagate)
        return found

    def check_unchangeable(self, service):
        launch_type = self.params["launch_type"]
        if launch_type and service.get("launchType") != launch_type:
            current = service.get("launchType") or "a capacity provider strategy"
            self.module.fail_json(
                msg=(
                    f"ECS service {self.name} uses {current}; launch_type={launch_type} cannot be set on an existing"
                    " service. Delete the service (state=absent) and create it again, or use capacity_provider_strategy."
                )
            )

    # --- writes ------------------------------------------------------------------------

    def ensure_images(self, task_definition_arn, definition):
        if not self.params["check_images"]:
            return
        missing = self.missing_images(task_definition_arn, definition)
        if not missing:
            return
        lines = []
        for image, match, code in missing:
            registry = match["registry"]
            what = "repository does not exist" if code == "RepositoryNotFoundException" else "image is not in the repository"
            lines.append(
                f"{image} ({what}). Build and push it, then run again:\n"
                f"  aws ecr get-login-password --region {match['region']} | docker login --username AWS --password-stdin {registry}\n"
                f"  docker build -t {image} .\n"
                f"  docker push {image}"
            )
        self.module.fail_json(
            msg=(
                f"ECS service {self.name} was not {'updated' if self.existing_active else 'created'}: an image it would run"
                f" ({short_td(task_definition_arn)}) does not exist in Amazon ECR: " + "\n".join(lines)
            ),
            missing_images=[image for image, _match, _code in missing],
            changed=False,
        )

    def create(self, task_definition_arn):
        params = self.params
        request = dict(
            cluster=self.cluster,
            serviceName=self.name,
            taskDefinition=task_definition_arn,
            desiredCount=params["desired_count"],
            schedulingStrategy="REPLICA",
            deploymentController={"type": "ECS"},
            deploymentConfiguration=merged_deployment_configuration(DEPLOYMENT_DEFAULTS, self.desired_deployment_configuration()),
        )
        if params["launch_type"]:
            request["launchType"] = params["launch_type"]
        strategy = self.desired_capacity_provider_strategy()
        if strategy:
            request["capacityProviderStrategy"] = strategy
        optional = {
            "platformVersion": params["platform_version"],
            "networkConfiguration": self.desired_network_configuration(),
            "loadBalancers": self.desired_load_balancers(),
            "healthCheckGracePeriodSeconds": params["health_check_grace_period_seconds"],
            "enableExecuteCommand": params["enable_execute_command"],
            "propagateTags": params["propagate_tags"],
        }
        request.update({key: value for key, value in optional.items() if value is not None})
        if params["tags"]:
            request["tags"] = ansible_dict_to_boto3_tag_list(params["tags"], "key", "value")
        with aws_errors(self.module, f"create ECS service {self.name} in cluster {self.cluster}"):
            return self.ecs.create_service(aws_retry=True, **request)["service"]

    def update(self, service, found):
        request = dict(cluster=self.cluster, service=self.name)
        for field, (_current, desired) in found.items():
            key = field.split(".", 1)[0]
            if key == "task_definition":
                request["taskDefinition"] = desired
            elif key == "desired_count":
                request["desiredCount"] = desired
            elif key == "deployment_configuration":
                request["deploymentConfiguration"] = desired
            elif key == "network_configuration":
                request["networkConfiguration"] = desired
            elif key == "load_balancers":
                request["loadBalancers"] = desired
            elif key == "health_check_grace_period_seconds":
                request["healthCheckGracePeriodSeconds"] = desired
            elif key == "capacity_provider_strategy":
                request["capacityProviderStrategy"] = desired
                request["forceNewDeployment"] = True
            elif key == "platform_version":
                request["platformVersion"] = desired
            elif key == "enable_execute_command":
                request["enableExecuteCommand"] = desired
                request["forceNewDeployment"] = True  # running tasks get ECS Exec only when replaced
            elif key == "propagate_tags":
                request["propagateTags"] = desired
        if self.params["force_new_deployment"]:
            request["forceNewDeployment"] = True
        with aws_errors(self.module, f"update ECS service {self.name} in cluster {self.cluster}"):
            return self.ecs.update_service(aws_retry=True, **request)["service"]

    def update_tags(self, service):
        if self.params["tags"] is None:
            return False
        current = boto3_tag_list_to_ansible_dict(service.get("tags") or [], "key", "value")
        to_add, to_remove = compare_aws_tags(current, self.params["tags"], self.params["purge_tags"])
        if not (to_add or to_remove):
            return False
        if self.module.check_mode:
            return True
        arn = service["serviceArn"]
        with aws_errors(self.module, f"update the tags of ECS service {self.name}"):
            if to_remove:
                self.ecs.untag_resource(resourceArn=arn, tagKeys=to_remove, aws_retry=True)
            if to_add:
                self.ecs.tag_resource(resourceArn=arn, tags=ansible_dict_to_boto3_tag_list(to_add, "key", "value"), aws_retry=True)
        return True

    # --- waits ---------------------------------------------------------------------------

    def wait_until(self, done, what, known_events):
        def check():
            service = self.describe()
            return done(service), service

        try:
            return wait_for(check, self.params["wait_timeout"], what, describe=describe_progress)
        except WaitTimeoutError as e:
            self.module.fail_json(
                msg=e.message + events_sentence(e.last, known_events),
                changed=True,
                service=format_service(e.last),
                changes=self.changes,
            )

    def wait_for_inactive(self, what):
        return self.wait_until(lambda service: service is None or service.get("status") == "INACTIVE", what, set())

    def wait_until_stable(self, service, task_definition_arn, known_events, first=True):
        """The service once stable; fails on a failed or rolled back deployment."""
        what = f"ECS service {self.name} in cluster {self.cluster} to reach a steady state with {short_td(task_definition_arn)}"
        outcome = {}

        def settled(current):
            failure = deployment_failure(current, task_definition_arn)
            if failure:
                outcome["failure"] = failure
                return True
            return is_stable(current, task_definition_arn)

        if first and settled(service):
            final = service
        else:
            final = self.wait_until(settled, what, known_events)
        if outcome.get("failure"):
            self.module.fail_json(
                msg=outcome["failure"] + events_sentence(final, known_events),
                changed=bool(self.changes),
                changes=self.changes,
                service=format_service(final),
                stable=False,
            )
        return final

    # --- states --------------------------------------------------------------------------

    def present(self):
        params = self.params
        existing = self.describe()
        self.existing_active = existing if existing and existing.get("status") == "ACTIVE" else None
        task_definition_arn, definition = self.resolve_task_definition()
        self.changes = []
        known_events = {event.get("id") for event in (existing or {}).get("events", [])}
        before = diff_view(self.existing_active)

        if self.existing_active is None:
            if params["desired_count"] is None:
                self.module.fail_json(msg=f"desired_count is required to create ECS service {self.name}")
            self.changes = ["created"]
            self.ensure_images(task_definition_arn, definition)
            if self.module.check_mode:
                self.exit(existing or {}, before, self.predicted_new(task_definition_arn), stable=False)
            if existing and existing.get("status") == "DRAINING":
                self.wait_for_inactive(f"the deleted ECS service {self.name} to become INACTIVE before it is created again")
            service = self.create(task_definition_arn)
        else:
            self.check_unchangeable(self.existing_active)
            found = self.compare(self.existing_active, task_definition_arn)
            self.changes = sorted(found)
            if params["force_new_deployment"]:
                self.changes.append("force_new_deployment")
            if self.update_tags(self.existing_active):
                self.changes.append("tags")
            writes = [change for change in self.changes if change != "tags"]
            if writes:
                self.ensure_images(task_definition_arn, definition)
            if self.module.check_mode:
                after = predicted(self.existing_active, found, params["tags"], params["purge_tags"])
                self.exit(self.existing_active, before, diff_view(after), stable=False)
            service = self.update(self.existing_active, found) if writes else self.existing_active
            if "tags" in self.changes:
                service = self.describe() or service

        stable = False
        if params["wait"]:
            latest = service
            if self.changes:
                latest = self.describe() or service
            service = self.wait_until_stable(latest, task_definition_arn, known_events)
            stable = True
        elif self.changes:
            service = self.describe() or service
        self.exit(service, before, diff_view(service), stable=stable)

    def predicted_new(self, task_definition_arn):
        params = self.params
        view = {
            "task_definition": task_definition_arn,
            "desired_count": params["desired_count"],
            "deployment_configuration": snake_deployment_configuration(
                merged_deployment_configuration(DEPLOYMENT_DEFAULTS, self.desired_deployment_configuration())
            ),
            "network_configuration": camel_dict_to_snake_dict(self.desired_network_configuration() or {}),
            "load_balancers": [camel_dict_to_snake_dict(lb) for lb in self.desired_load_balancers() or []],
            "health_check_grace_period_seconds": params["health_check_grace_period_seconds"],
            "capacity_provider_strategy": [camel_dict_to_snake_dict(i) for i in self.desired_capacity_provider_strategy() or []],
            "launch_type": params["launch_type"],
            "platform_version": params["platform_version"],
            "enable_execute_command": params["enable_execute_command"] or False,
            "propagate_tags": params["propagate_tags"] or "NONE",
            "tags": params["tags"] or {},
        }
        return {key: value for key, value in view.items() if value not in (None, [], {})}

    def absent(self):
        existing = self.describe()
        self.changes = []
        status = (existing or {}).get("status")
        before = diff_view(existing if status == "ACTIVE" else None)
        if status == "ACTIVE":
            self.changes = ["deleted"]
            if not self.module.check_mode:
                with aws_errors(self.module, f"delete ECS service {self.name} in cluster {self.cluster}"):
                    existing = self.ecs.delete_service(cluster=self.cluster, service=self.name, force=True, aws_retry=True)[
                        "service"
                    ]
        if status in ("ACTIVE", "DRAINING") and self.params["wait"] and not self.module.check_mode:
            existing = self.wait_for_inactive(f"ECS service {self.name} in cluster {self.cluster} to become INACTIVE")
        self.module.exit_json(
            changed=bool(self.changes),
            changes=self.changes,
            service=format_service(existing),
            diff=make_diff(before, {}),
        )

    def exit(self, service, before, after, stable):
        self.module.exit_json(
            changed=bool(self.changes),
            changes=self.changes,
            stable=stable,
            service=format_service(service),
            diff=make_diff(before, after),
        )


# --- helpers ------------------------------------------------------------------------------


def camel_to_option(path):
    """`deploymentCircuitBreaker.enable` -> `deployment_circuit_breaker.enable`."""
    return ".".join(re.sub(r"(?<!^)(?=[A-Z])", "_", part).lower() for part in path.split("."))


def merged_deployment_configuration(current, desired):
    # settings the task does not manage (alarms, bake time ...) are sent back unchanged
    merged = dict(DEPLOYMENT_DEFAULTS)
    merged.update(current or {})
    for key, value in desired.items():
        if isinstance(value, dict):
            merged[key] = dict(merged.get(key) or {}, **value)
        else:
            merged[key] = value
    return merged


def normalise_strategy(items):
    return sorted(
        ({"capacityProvider": i["capacityProvider"], "weight": int(i.get("weight", 0)), "base": int(i.get("base", 0))} for i in items),
        key=lambda i: i["capacityProvider"],
    )


def normalise_network(network):
    awsvpc = dict((network or {}).get("awsvpcConfiguration") or {})
    if not awsvpc:
        return {}
    for key in ("subnets", "securityGroups"):
        if key in awsvpc:
            awsvpc[key] = sorted(awsvpc[key])
    awsvpc.setdefault("assignPublicIp", "DISABLED")
    return {"awsvpcConfiguration": awsvpc}


def normalise_load_balancers(load_balancers):
    return sorted(
        (
            {"targetGroupArn": lb.get("targetGroupArn"), "containerName": lb.get("containerName"), "containerPort": lb.get("containerPort")}
            for lb in load_balancers or []
        ),
        key=lambda lb: (lb["targetGroupArn"] or "", lb["containerName"] or "", lb["containerPort"] or 0),
    )


def predicted(service, found, tags, purge_tags):
    """The service as it would be after the update (check mode)."""
    after = dict(service)
    keys = {
        "task_definition": "taskDefinition",
        "desired_count": "desiredCount",
        "deployment_configuration": "deploymentConfiguration",
        "network_configuration": "networkConfiguration",
        "load_balancers": "loadBalancers",
        "health_check_grace_period_seconds": "healthCheckGracePeriodSeconds",
        "capacity_provider_strategy": "capacityProviderStrategy",
        "platform_version": "platformVersion",
        "enable_execute_command": "enableExecuteCommand",
        "propagate_tags": "propagateTags",
    }
    for field, (_current, desired) in found.items():
        after[keys[field.split(".", 1)[0]]] = desired
    if tags is not None:
        current = boto3_tag_list_to_ansible_dict(service.get("tags") or [], "key", "value")
        merged = dict(tags) if purge_tags else dict(current, **tags)
        after["tags"] = ansible_dict_to_boto3_tag_list(merged, "key", "value")
    return after


def diff_view(service):
    """The fields this module manages, for `diff`."""
    if not service:
        return {}
    view = {
        "task_definition": service.get("taskDefinition"),
        "desired_count": service.get("desiredCount"),
        "deployment_configuration": snake_deployment_configuration(service.get("deploymentConfiguration")),
        "network_configuration": camel_dict_to_snake_dict(normalise_network(service.get("networkConfiguration"))),
        "load_balancers": [camel_dict_to_snake_dict(lb) for lb in normalise_load_balancers(service.get("loadBalancers"))],
        "health_check_grace_period_seconds": service.get("healthCheckGracePeriodSeconds"),
        "capacity_provider_strategy": [
            camel_dict_to_snake_dict(i) for i in normalise_strategy(service.get("capacityProviderStrategy") or [])
        ],
        "launch_type": service.get("launchType"),
        "platform_version": service.get("platformVersion"),
        "enable_execute_command": service.get("enableExecuteCommand", False),
        "propagate_tags": service.get("propagateTags", "NONE"),
        "tags": boto3_tag_list_to_ansible_dict(service.get("tags") or [], "key", "value"),
    }
    return {key: value for key, value in view.items() if value not in (None, [], {})}


def is_stable(service, task_definition_arn):
    if not service or service.get("status") != "ACTIVE":
        return False
    deployments = service.get("deployments") or []
    if len(deployments) != 1:
        return False
    primary = deployments[0]
    return (
        primary.get("status") == "PRIMARY"
        and primary.get("taskDefinition") == task_definition_arn
        and primary.get("rolloutState", "COMPLETED") == "COMPLETED"
        and service.get("runningCount") == service.get("desiredCount")
    )


def deployment_failure(service, task_definition_arn):
    """A message when the deployment of `task_definition_arn` failed or was rolled back, else None."""
    if not service:
        return "The ECS service disappeared while waiting for its deployment"
    failed = [
        d for d in service.get("deployments") or [] if d.get("taskDefinition") == task_definition_arn and d.get("rolloutState") == "FAILED"
    ]
    reason = failed[0].get("rolloutStateReason") if failed else None
    if not reason:
        for event in service.get("events") or []:
            if "deployment failed" in event.get("message", ""):
                reason = event["message"]
                break
    name = service.get("serviceName")
    if service.get("taskDefinition") != task_definition_arn:
        return (
            f"Deployment of {short_td(task_definition_arn)} to ECS service {name} failed and was rolled back to"
            f" {short_td(service.get('taskDefinition'))}: {reason or 'the deployment circuit breaker stopped it'}."
        )
    if failed:
        return f"Deployment of {short_td(task_definition_arn)} to ECS service {name} failed: {reason}."
    return None


def describe_progress(service):
    if not service:
        return "service not found"
    parts = [f"status {service.get('status')}, {service.get('runningCount')}/{service.get('desiredCount')} tasks running"]
    for d in service.get("deployments") or []:
        parts.append(
            f"{d.get('status')} deployment of {short_td(d.get('taskDefinition'))} {d.get('rolloutState', '')}"
            f" {d.get('runningCount')}/{d.get('desiredCount')} running".replace("  ", " ")
        )
    return "; ".join(parts)


def events_sentence(service, known_events):
    """The service events the deployment logged (oldest first), as one sentence."""
    events = [e for e in (service or {}).get("events") or [] if e.get("id") not in known_events]
    if not events:
        return ""
    messages = [e.get("message", "") for e in reversed(events[:EVENTS_IN_MESSAGE])]
    return " Service events: " + " | ".join(messages)


def format_service(service):
    if not service:
        return {}
    keep = (
        "serviceName", "serviceArn", "clusterArn", "status", "taskDefinition", "desiredCount", "runningCount",
        "pendingCount", "launchType", "capacityProviderStrategy", "platformVersion", "deploymentConfiguration",
        "networkConfiguration", "loadBalancers", "healthCheckGracePeriodSeconds", "enableExecuteCommand",
        "propagateTags",
    )
    result = camel_dict_to_snake_dict({key: service[key] for key in keep if service.get(key) is not None})
    result.setdefault("enable_execute_command", False)
    result.setdefault("load_balancers", [])
    result["tags"] = boto3_tag_list_to_ansible_dict(service.get("tags") or [], "key", "value")
    result["deployments"] = [
        {
            "id": d.get("id"),
            "status": d.get("status"),
            "task_definition": d.get("taskDefinition"),
            "desired_count": d.get("desiredCount"),
            "running_count": d.get("runningCount"),
            "rollout_state": d.get("rolloutState"),
            "rollout_state_reason": d.get("rolloutStateReason"),
        }
        for d in sorted(service.get("deployments") or [], key=lambda d: d.get("status") != "PRIMARY")
    ]
    result["events"] = [
        {"created_at": str(e.get("createdAt")), "message": e.get("message")} for e in (service.get("events") or [])[:5]
    ]
    return result


def validate(module):
    params = module.params
    if params["state"] != "present":
        return
    if not params["task_definition"]:
        module.fail_json(msg="task_definition is required when state=present")
    if params["desired_count"] is not None and params["desired_count"] < 0:
        module.fail_json(msg=f"desired_count must be 0 or more, got {params['desired_count']}")
    if params["wait_timeout"] < 0:
        module.fail_json(msg=f"wait_timeout must be 0 or more seconds, got {params['wait_timeout']}")
    grace = params["health_check_grace_period_seconds"]
    if grace is not None and not 0 <= grace <= 2147483647:
        module.fail_json(msg=f"health_check_grace_period_seconds must be 0 or more, got {grace}")
    config = params["deployment_configuration"] or {}
    low, high = config.get("minimum_healthy_percent"), config.get("maximum_percent")
    if low is not None and not 0 <= low <= 100:
        module.fail_json(msg=f"deployment_configuration.minimum_healthy_percent must be 0 to 100, got {low}")
    if high is not None and high < 100:
        module.fail_json(msg=f"deployment_configuration.maximum_percent must be 100 or more, got {high}")
    if low is not None and high is not None and low >= high:
        module.fail_json(
            msg=(
                f"deployment_configuration.minimum_healthy_percent ({low}) must be below maximum_percent ({high}),"
                " otherwise ECS can neither start nor stop a task during a deployment"
            )
        )
    strategy = params["capacity_provider_strategy"] or []
    if len(strategy) > 6:
        module.fail_json(msg="capacity_provider_strategy takes at most 6 capacity providers")
    if len([item for item in strategy if item["base"]]) > 1:
        module.fail_json(msg="capacity_provider_strategy: only one capacity provider may have a base above 0")
    for item in strategy:
        if not 0 <= item["weight"] <= 1000 or not 0 <= item["base"] <= 100000:
            module.fail_json(
                msg=f"capacity_provider_strategy {item['capacity_provider']}: weight must be 0 to 1000 and base 0 to 100000"
            )
    if strategy and not any(item["weight"] for item in strategy):
        module.fail_json(msg="capacity_provider_strategy: at least one capacity provider needs a weight above 0")


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        name=dict(type="str", required=True, aliases=["service"]),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        task_definition=dict(type="str"),
        desired_count=dict(type="int"),
        force_desired_count=dict(type="bool", default=False),
        launch_type=dict(type="str", choices=["FARGATE", "EC2"]),
        capacity_provider_strategy=dict(
            type="list",
            elements="dict",
            options=dict(
                capacity_provider=dict(type="str", required=True),
                weight=dict(type="int", default=1),
                base=dict(type="int", default=0),
            ),
        ),
        platform_version=dict(type="str"),
        network_configuration=dict(
            type="dict",
            options=dict(
                subnets=dict(type="list", elements="str", required=True),
                security_groups=dict(type="list", elements="str"),
                assign_public_ip=dict(type="bool", default=False),
            ),
        ),
        load_balancers=dict(
            type="list",
            elements="dict",
            options=dict(
                target_group_arn=dict(type="str", required=True),
                container_name=dict(type="str", required=True),
                container_port=dict(type="int", required=True),
            ),
        ),
        health_check_grace_period_seconds=dict(type="int"),
        deployment_configuration=dict(
            type="dict",
            options=dict(
                minimum_healthy_percent=dict(type="int"),
                maximum_percent=dict(type="int"),
                deployment_circuit_breaker=dict(
                    type="dict",
                    options=dict(enable=dict(type="bool", required=True), rollback=dict(type="bool", required=True)),
                ),
            ),
        ),
        enable_execute_command=dict(type="bool"),
        propagate_tags=dict(type="str", choices=["SERVICE", "TASK_DEFINITION", "NONE"]),
        force_new_deployment=dict(type="bool", default=False),
        check_images=dict(type="bool", default=True),
        images=dict(type="list", elements="str", default=[]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=900),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("launch_type", "capacity_provider_strategy")],
        required_if=[("state", "present", ["task_definition"])],
        supports_check_mode=True,
    )
    validate(module)
    deployer = ServiceDeployer(module)
    if module.params["state"] == "present":
        deployer.present()
    else:
        deployer.absent()


if __name__ == "__main__":
    main()
