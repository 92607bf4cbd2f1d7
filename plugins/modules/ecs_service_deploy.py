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
  - Deployment strategies (O(deployment_configuration.strategy) V(ROLLING), V(BLUE_GREEN), V(LINEAR) or V(CANARY),
    with their bake times and steps), deployment alarms with rollback and the load balancers' C(advancedConfiguration)
    are compared and updated in place like every other field; a switch of strategy never recreates the service.
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
      - At most 20 providers, at most one of them with a base above 0, and at least one with a
        weight above 0. V([]) leaves the strategy of an existing service as it is.
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
      advanced_configuration:
        description:
          - What ECS's blue/green, linear and canary deployments use to shift traffic (C(advancedConfiguration)).
          - ECS alternates which of the two target groups it names the primary after each such deployment;
            the module compares the pair in any order and, when it sends the load balancers, keeps the
            order ECS gave them, so a re-run never moves traffic back to the drained target group.
        type: dict
        suboptions:
          alternate_target_group_arn:
            description: ARN of the second (alternate) target group, of target type V(ip) like the first.
            type: str
            required: true
          production_listener_rule:
            description: ARN of the listener rule (forward actions only) that carries production traffic.
            type: str
          test_listener_rule:
            description: ARN of the listener rule that carries test traffic to the new tasks before production.
            type: str
          role_arn:
            description: ARN of the infrastructure role ECS assumes to change the listener rules
              (trusting C(ecs.amazonaws.com), with C(AmazonECSInfrastructureRolePolicyForLoadBalancers)).
            type: str
  deployment_controller:
    description:
      - Deployment controller of the service, V(ECS) when the service is created without it.
      - V(BLUE_GREEN), V(LINEAR) and V(CANARY) strategies need V(ECS).
    type: str
    choices: [ECS, CODE_DEPLOY, EXTERNAL]
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
      strategy:
        description:
          - How ECS replaces the tasks. V(ROLLING) replaces them a few at a time in the one target group;
            V(BLUE_GREEN) starts the new tasks in the alternate target group and shifts all production traffic
            at once; V(LINEAR) shifts it in equal steps; V(CANARY) shifts a share first, then the rest.
          - The other strategies' settings are dropped from the configuration sent.
        type: str
        choices: [ROLLING, BLUE_GREEN, LINEAR, CANARY]
      bake_time_in_minutes:
        description:
          - Minutes the old and the new tasks keep running together after all production traffic shifted
            (0 to 1440). Required with V(BLUE_GREEN); used by V(BLUE_GREEN), V(LINEAR) and V(CANARY).
        type: int
      linear_configuration:
        description: The steps of a V(LINEAR) deployment.
        type: dict
        suboptions:
          step_percent:
            description: Share of production traffic shifted in each step, 3.0 to 100.0 percent.
            type: float
          step_bake_time_in_minutes:
            description: Minutes between two steps, 0 to 1440.
            type: int
      canary_configuration:
        description: The canary step of a V(CANARY) deployment.
        type: dict
        suboptions:
          canary_percent:
            description: Share of production traffic the new tasks get first, 0.1 to 100.0 percent.
            type: float
          canary_bake_time_in_minutes:
            description: Minutes before the rest of the traffic shifts, 0 to 1440.
            type: int
      alarms:
        description:
          - CloudWatch alarms that fail (and with O(deployment_configuration.alarms.rollback), roll back) a
            deployment when they go into ALARM while it runs.
          - An empty O(deployment_configuration.alarms.alarm_names) turns the alarms off.
          - Names are compared in any order.
        type: dict
        suboptions:
          alarm_names:
            description: Names of the alarms.
            type: list
            elements: str
            required: true
          enable:
            description: Whether the alarms are watched (only with at least one name).
            type: bool
            default: true
          rollback:
            description: Whether a deployment whose alarm fired is rolled back.
            type: bool
            default: true
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
        that is complete and runs the desired number of tasks. After a change, also until the
        service deployment is SUCCESSFUL (ListServiceDeployments, where AWS has it) and every
        running task of O(task_definition) is a healthy target of each of O(load_balancers)
        (the wait M(inboxwine.fozzy.ecs_release) uses). A deployment that fails, or that the
        circuit breaker rolls back, fails the task with the reason.
      - With O(state=absent), wait until the service is V(INACTIVE).
      - Not done in check mode.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait at most. The task fails when the service is not stable by then, naming
        what it waited for and what it saw last; the deployment itself goes on in AWS.
    type: int
    default: 900
attributes:
  check_mode:
    support: full
    details:
      - Nothing is created, updated, tagged or deleted, and nothing is waited for; RV(changes) and
        the diff say what a real run would change, RV(service) is the service as it is and
        RV(stable) is V(false).
      - A task definition that does not exist yet (because an earlier task in check mode did not
        register it) is reported as a change of O(task_definition). Its images are not known, so
        only those in O(images) are checked.
  diff_mode:
    support: full
    details:
      - The diff shows the fields this module manages (not the running or pending counts, the
        deployments or the events); in check mode the after side is the predicted service.
  platform:
    platforms: all
notes:
  - Tags are set at creation and reconciled afterwards with C(TagResource) and
    C(UntagResource) (long ARN format required for services created before 2021).
  - A deleted service stays V(DRAINING) for a while; creating it again waits for V(INACTIVE) first.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
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

- name: Canary deployments (10 % for 5 minutes, then all), rolled back by two alarms
  inboxwine.fozzy.ecs_service_deploy:
    cluster: fozzy-api-production
    name: fozzy-api
    task_definition: "{{ taskdef.taskdefinition.taskDefinitionArn }}"
    load_balancers:
      - target_group_arn: "{{ target_group_arn }}"
        container_name: fozzy-api
        container_port: 8000
        advanced_configuration:
          alternate_target_group_arn: "{{ alternate_target_group_arn }}"
          production_listener_rule: "{{ production_rule_arn }}"
          role_arn: "{{ infrastructure_role_arn }}"
    deployment_configuration:
      strategy: CANARY
      bake_time_in_minutes: 10
      canary_configuration:
        canary_percent: 10
        canary_bake_time_in_minutes: 5
      alarms:
        alarm_names: [fozzy-api-production-target-5xx, fozzy-api-production-latency-p95]

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

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import fail_on_problems
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import ServiceDeployer
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import service_input_problems


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
                advanced_configuration=dict(
                    type="dict",
                    options=dict(
                        alternate_target_group_arn=dict(type="str", required=True),
                        production_listener_rule=dict(type="str"),
                        test_listener_rule=dict(type="str"),
                        role_arn=dict(type="str"),
                    ),
                ),
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
                strategy=dict(type="str", choices=["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"]),
                bake_time_in_minutes=dict(type="int"),
                linear_configuration=dict(
                    type="dict",
                    options=dict(step_percent=dict(type="float"), step_bake_time_in_minutes=dict(type="int")),
                ),
                canary_configuration=dict(
                    type="dict",
                    options=dict(canary_percent=dict(type="float"), canary_bake_time_in_minutes=dict(type="int")),
                ),
                alarms=dict(
                    type="dict",
                    options=dict(
                        alarm_names=dict(type="list", elements="str", required=True),
                        enable=dict(type="bool", default=True),
                        rollback=dict(type="bool", default=True),
                    ),
                ),
            ),
        ),
        deployment_controller=dict(type="str", choices=["ECS", "CODE_DEPLOY", "EXTERNAL"]),
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
    fail_on_problems(module, service_input_problems(module.params))
    deployer = ServiceDeployer(module)
    if module.params["state"] == "present":
        deployer.present()
    else:
        deployer.absent()


if __name__ == "__main__":
    main()
