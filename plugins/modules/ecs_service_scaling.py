#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_service_scaling
version_added: 0.1.0
short_description: Manage target-tracking Application Auto Scaling for an ECS service
description:
  - Registers an ECS service as an Application Auto Scaling scalable target
    (dimension V(ecs:service:DesiredCount), resource ID V(service/<cluster>/<service>))
    with a minimum and maximum task count, and puts its target-tracking scaling policies
    on average CPU, average memory and ALB requests per target.
  - Policy names are derived from the service name, so repeated runs find them again
    V(<service>-cpu), V(<service>-memory) and V(<service>-requests).
  - Unlike M(community.aws.application_autoscaling_policy), this module applies min and
    max capacity changes, writes nothing in check mode and removes the scalable target
    on O(state=absent).
  - Only the values a task sets are compared; fields AWS fills with defaults or returns
    in another numeric form do not cause a change.
author:
  - Inbox Wine platform team (@inboxwine)
options:
  cluster:
    description:
      - Name or ARN of the ECS cluster that runs the service.
    type: str
    required: true
  service:
    description:
      - Name or ARN of the ECS service to scale.
    type: str
    required: true
  min_capacity:
    description:
      - Lowest number of tasks autoscaling may set.
      - Required when the scalable target does not exist yet; when omitted on an
        existing target, its current value is kept.
    type: int
  max_capacity:
    description:
      - Highest number of tasks autoscaling may set. Must not be lower than O(min_capacity).
      - Required when the scalable target does not exist yet; when omitted on an
        existing target, its current value is kept.
    type: int
  cpu_target:
    description:
      - Target value, in percent, of the V(ECSServiceAverageCPUUtilization) metric.
      - Manages the policy V(<service>-cpu). Must be greater than 0 and at most 100.
    type: float
  memory_target:
    description:
      - Target value, in percent, of the V(ECSServiceAverageMemoryUtilization) metric.
      - Manages the policy V(<service>-memory). Must be greater than 0 and at most 100.
    type: float
  request_count_target:
    description:
      - Target number of requests per target per minute, metric V(ALBRequestCountPerTarget).
      - Manages the policy V(<service>-requests). Must be greater than 0.
      - Requires O(request_count_resource_label).
    type: float
  request_count_resource_label:
    description:
      - The ALB and target group the request count is measured on, in the form
        V(app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>),
        that is the part of the load balancer ARN after V(loadbalancer/), a V(/), and the
        part of the target group ARN starting at V(targetgroup/).
      - Requires O(request_count_target).
    type: str
  scale_in_cooldown:
    description:
      - Seconds after a scale-in activity before another scale-in can start.
      - Applies to every policy this task declares.
    type: int
    default: 300
  scale_out_cooldown:
    description:
      - Seconds after a scale-out activity before another scale-out can start.
      - Applies to every policy this task declares.
    type: int
    default: 60
  disable_scale_in:
    description:
      - When V(true), the policies only scale out; scale-in is left to other means.
      - Applies to every policy this task declares.
    type: bool
    default: false
  purge_policies:
    description:
      - When V(true), delete every target-tracking policy on this service that the task
        does not declare (for example V(<service>-memory) after O(memory_target) was removed,
        or policies made outside this module).
      - Step scaling policies are never purged.
    type: bool
    default: false
  state:
    description:
      - V(present) registers or updates the scalable target and puts the declared policies.
      - V(absent) deletes every scaling policy of the service and deregisters the scalable
        target. The cluster and service need not exist any more.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    details:
      - Nothing is registered, put, deleted or deregistered; RV(scalable_target) and RV(policies)
        are what a real run would leave, with no ARN and no alarms for a policy it would create.
  diff_mode:
    support: full
    details:
      - The diff shows the scalable target's bounds and each policy's settings, not ARNs or alarms.
  platform:
    platforms: all
notes:
  - The ECS service must exist and be V(ACTIVE) for O(state=present).
  - When O(purge_policies=false), policies the task no longer declares are left in place.
  - If AWS leaves a cooldown or O(disable_scale_in) out of a policy, its ECS default
    (300 seconds, V(false)) is assumed for comparison.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Scale the API between 2 and 15 tasks on 70 % CPU
  inboxwine.fozzy.ecs_service_scaling:
    cluster: fozzy
    service: fozzy-api
    min_capacity: 2
    max_capacity: 15
    cpu_target: 70

- name: Add memory and request-count tracking, drop undeclared policies
  inboxwine.fozzy.ecs_service_scaling:
    cluster: fozzy
    service: fozzy-api
    min_capacity: 2
    max_capacity: 15
    cpu_target: 70
    memory_target: 80
    request_count_target: 1000
    # part of the ALB ARN after "loadbalancer/" + "/" + part of the target group ARN from "targetgroup/"
    request_count_resource_label: >-
      {{ alb_arn.split(':loadbalancer/')[1] }}/{{ tg_arn.split(':')[-1] }}
    scale_in_cooldown: 300
    scale_out_cooldown: 60
    purge_policies: true

- name: Remove autoscaling from the service
  inboxwine.fozzy.ecs_service_scaling:
    cluster: fozzy
    service: fozzy-api
    state: absent
"""

RETURN = r"""
scalable_target:
  description:
    - The scalable target of the service. Empty when O(state=absent).
    - In check mode, the values it would have.
  returned: always
  type: dict
  contains:
    resource_id:
      description: The Application Auto Scaling resource ID.
      type: str
      returned: when the target exists or would be created
      sample: service/fozzy/fozzy-api
    service_namespace:
      description: Always V(ecs).
      type: str
      returned: when the target exists or would be created
      sample: ecs
    scalable_dimension:
      description: Always V(ecs:service:DesiredCount).
      type: str
      returned: when the target exists or would be created
      sample: ecs:service:DesiredCount
    min_capacity:
      description: Lowest task count.
      type: int
      returned: when the target exists or would be created
      sample: 2
    max_capacity:
      description: Highest task count.
      type: int
      returned: when the target exists or would be created
      sample: 15
    scalable_target_arn:
      description: ARN of the scalable target.
      type: str
      returned: when the target exists and AWS reports it
      sample: arn:aws:application-autoscaling:eu-central-1:123456789012:scalable-target/0123abcd
    role_arn:
      description: Service-linked role Application Auto Scaling uses.
      type: str
      returned: when the target exists and AWS reports it
      sample: arn:aws:iam::123456789012:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService
    suspended_state:
      description: Which scaling activities are suspended.
      type: dict
      returned: when the target exists and AWS reports it
      sample: {"dynamic_scaling_in_suspended": false, "dynamic_scaling_out_suspended": false, "scheduled_scaling_suspended": false}
policies:
  description:
    - Scaling policies of the service after the task, sorted by name. Empty when O(state=absent).
    - Policies the task does not declare (including step scaling ones) are listed too,
      unless O(purge_policies=true) removed them.
    - In check mode, the policies as they would be.
  returned: always
  type: list
  elements: dict
  contains:
    policy_name:
      description: Name of the policy.
      type: str
      returned: always
      sample: fozzy-api-cpu
    policy_arn:
      description: ARN of the policy. V(null) in check mode for a policy that would be created.
      type: str
      returned: always
      sample: arn:aws:autoscaling:eu-central-1:123456789012:scalingPolicy:0123abcd:resource/ecs/service/fozzy/fozzy-api:policyName/fozzy-api-cpu
    policy_type:
      description: V(TargetTrackingScaling) or V(StepScaling).
      type: str
      returned: always
      sample: TargetTrackingScaling
    metric_type:
      description: The predefined metric the policy tracks, V(null) for a customized metric.
      type: str
      returned: always
      sample: ECSServiceAverageCPUUtilization
    resource_label:
      description: The ALB and target group of a V(ALBRequestCountPerTarget) policy.
      type: str
      returned: when the policy tracks V(ALBRequestCountPerTarget)
      sample: app/fozzy-alb/0123456789abcdef/targetgroup/fozzy-api/0123456789abcdef
    target_value:
      description: Target value of the metric. V(null) for a step scaling policy.
      type: float
      returned: always
      sample: 70.0
    scale_in_cooldown:
      description:
        - Scale-in cooldown in seconds; the ECS default 300 when AWS leaves it out.
        - V(null) for a step scaling policy.
      type: int
      returned: always
      sample: 300
    scale_out_cooldown:
      description:
        - Scale-out cooldown in seconds; the ECS default 300 when AWS leaves it out.
        - V(null) for a step scaling policy.
      type: int
      returned: always
      sample: 60
    disable_scale_in:
      description: Whether scale-in is disabled. V(null) for a step scaling policy.
      type: bool
      returned: always
      sample: false
    alarms:
      description: CloudWatch alarms AWS created for the policy.
      type: list
      elements: dict
      returned: always
      contains:
        alarm_name:
          description: Name of the alarm.
          type: str
          returned: always
          sample: TargetTracking-service/fozzy/fozzy-api-AlarmHigh-0123abcd
        alarm_arn:
          description: ARN of the alarm.
          type: str
          returned: always
          sample: arn:aws:cloudwatch:eu-central-1:123456789012:alarm:TargetTracking-service/fozzy/fozzy-api-AlarmHigh-0123abcd
"""

import re

try:
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_client
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_errors
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import differences
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import error_code
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import fail_on_problems
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import make_diff
from ansible_collections.inboxwine.fozzy.plugins.module_utils.scaling import scaling_bounds_problems

NAMESPACE = "ecs"
DIMENSION = "ecs:service:DesiredCount"
TARGET_TRACKING = "TargetTrackingScaling"

# policy name suffix -> (option holding the target value, predefined metric)
METRICS = (
    ("cpu", "cpu_target", "ECSServiceAverageCPUUtilization"),
    ("memory", "memory_target", "ECSServiceAverageMemoryUtilization"),
    ("requests", "request_count_target", "ALBRequestCountPerTarget"),
)

# What AWS means for ECS when a target-tracking configuration leaves a field out.
CONFIG_DEFAULTS = {"DisableScaleIn": False, "ScaleInCooldown": 300, "ScaleOutCooldown": 300}

RESOURCE_LABEL = re.compile(r"^app/[^/]+/[^/]+/targetgroup/[^/]+/[^/]+$")


def short_name(name_or_arn):
    """`fozzy` from `fozzy` or from `arn:aws:ecs:...:cluster/fozzy` (service ARNs too)."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn.rsplit("/", 1)[-1]
    return name_or_arn


def input_problems(params):
    """Checks the API would make later, made before any call, as sentences naming the option."""
    problems = scaling_bounds_problems(params["min_capacity"], params["max_capacity"])
    for option in ("cpu_target", "memory_target"):
        value = params[option]
        if value is not None and not 0 < value <= 100:
            problems.append(f"{option} is a percentage: it must be greater than 0 and at most 100, got {value}")
    if params["request_count_target"] is not None and params["request_count_target"] <= 0:
        problems.append(f"request_count_target must be greater than 0, got {params['request_count_target']}")
    label = params["request_count_resource_label"]
    if label is not None and not RESOURCE_LABEL.match(label):
        problems.append(
            f"request_count_resource_label must look like app/<alb-name>/<alb-id>/targetgroup/<tg-name>/<tg-id>"
            f" (built from the load balancer and target group ARNs), got {label!r}"
        )
    for option in ("scale_in_cooldown", "scale_out_cooldown"):
        if params[option] < 0:
            problems.append(f"{option} must be 0 or more seconds, got {params[option]}")
    return problems


class ServiceScaling:
    def __init__(self, module):
        self.module = module
        self.cluster = short_name(module.params["cluster"])
        self.service = short_name(module.params["service"])
        self.resource_id = f"service/{self.cluster}/{self.service}"
        self.scaling = aws_client(module, "application-autoscaling")
        self.ids = dict(ServiceNamespace=NAMESPACE, ResourceId=self.resource_id, ScalableDimension=DIMENSION)

    # --- reads -----------------------------------------------------------------

    def ensure_service_exists(self):
        ecs = aws_client(self.module, "ecs")
        try:
            response = ecs.describe_services(cluster=self.cluster, services=[self.service], aws_retry=True)
        except ClientError as e:
            if error_code(e) == "ClusterNotFoundException":
                self.module.fail_json(msg=f"ECS cluster {self.cluster!r} (option cluster) does not exist")
            self.module.fail_json_aws(e, msg=f"Failed to describe ECS service {self.service!r} in cluster {self.cluster!r}")
        active = [s for s in response.get("services", []) if s.get("status") == "ACTIVE"]
        if not active:
            found = response.get("services") or [{}]
            status = found[0].get("status") or (response.get("failures") or [{}])[0].get("reason", "MISSING")
            self.module.fail_json(
                msg=f"ECS service {self.service!r} (option service) does not exist in cluster {self.cluster!r} (status: {status})"
            )

    def get_target(self):
        with aws_errors(self.module, f"describe the scalable target {self.resource_id}"):
            response = self.scaling.describe_scalable_targets(
                ServiceNamespace=NAMESPACE, ResourceIds=[self.resource_id], ScalableDimension=DIMENSION, aws_retry=True
            )
        for target in response.get("ScalableTargets", []):
            if target.get("ResourceId") == self.resource_id and target.get("ScalableDimension") == DIMENSION:
                return target
        return None

    def get_policies(self):
        """All scaling policies of this service by name.

        Filtered here: a ResourceId filter is not an exact match everywhere and
        PolicyNames is not honoured by every implementation of the API.
        """
        policies = {}
        request = dict(self.ids)
        with aws_errors(self.module, f"describe the scaling policies of {self.resource_id}"):
            while True:
                response = self.scaling.describe_scaling_policies(aws_retry=True, **request)
                for policy in response.get("ScalingPolicies", []):
                    if policy.get("ResourceId") == self.resource_id and policy.get("ScalableDimension") == DIMENSION:
                        policies[policy["PolicyName"]] = policy
                if not response.get("NextToken"):
                    break
                request["NextToken"] = response["NextToken"]
        return policies

    # --- desired state -----------------------------------------------------------

    def desired_policies(self):
        params = self.module.params
        desired = {}
        for suffix, option, metric in METRICS:
            if params[option] is None:
                continue
            spec = {"PredefinedMetricType": metric}
            if metric == "ALBRequestCountPerTarget":
                spec["ResourceLabel"] = params["request_count_resource_label"]
            desired[f"{self.service}-{suffix}"] = {
                "TargetValue": float(params[option]),
                "PredefinedMetricSpecification": spec,
                "ScaleInCooldown": params["scale_in_cooldown"],
                "ScaleOutCooldown": params["scale_out_cooldown"],
                "DisableScaleIn": params["disable_scale_in"],
            }
        return desired

    def desired_capacity(self, target):
        """(min, max) to register, failing with a message naming the option when impossible."""
        params = self.module.params
        wanted_min, wanted_max = params["min_capacity"], params["max_capacity"]
        if target is None:
            if wanted_min is None or wanted_max is None:
                self.module.fail_json(
                    msg=f"min_capacity and max_capacity are both required to register the new scalable target {self.resource_id}"
                )
            return wanted_min, wanted_max
        new_min = target["MinCapacity"] if wanted_min is None else wanted_min
        new_max = target["MaxCapacity"] if wanted_max is None else wanted_max
        problems = scaling_bounds_problems(new_min, new_max)
        if problems:
            which = "max_capacity" if wanted_max is None else "min_capacity"
            self.module.fail_json(
                msg=" ".join(problems) + f" {which} is the current value of {self.resource_id}, set it in the task too."
            )
        return new_min, new_max

    # --- writes (each one guarded by check mode) --------------------------------

    def register_target(self, min_capacity, max_capacity):
        if self.module.check_mode:
            return
        with aws_errors(self.module, f"register the scalable target {self.resource_id}"):
            self.scaling.register_scalable_target(
                MinCapacity=min_capacity, MaxCapacity=max_capacity, aws_retry=True, **self.ids
            )

    def put_policy(self, name, config):
        if self.module.check_mode:
            return
        with aws_errors(self.module, f"put the scaling policy {name} on {self.resource_id}"):
            self.scaling.put_scaling_policy(
                PolicyName=name,
                PolicyType=TARGET_TRACKING,
                TargetTrackingScalingPolicyConfiguration=config,
                aws_retry=True,
                **self.ids,
            )

    def delete_policy(self, name):
        if self.module.check_mode:
            return
        try:
            self.scaling.delete_scaling_policy(PolicyName=name, aws_retry=True, **self.ids)
        except ClientError as e:
            # already gone (deleted concurrently or with its target): that is the goal
            if error_code(e) != "ObjectNotFoundException":
                self.module.fail_json_aws(e, msg=f"Failed to delete the scaling policy {name} of {self.resource_id}")

    def deregister_target(self):
        if self.module.check_mode:
            return
        try:
            self.scaling.deregister_scalable_target(aws_retry=True, **self.ids)
        except ClientError as e:
            if error_code(e) != "ObjectNotFoundException":
                self.module.fail_json_aws(e, msg=f"Failed to deregister the scalable target {self.resource_id}")

    # --- states ------------------------------------------------------------------

    def present(self):
        self.ensure_service_exists()
        target = self.get_target()
        current_policies = self.get_policies()
        changed = False

        new_min, new_max = self.desired_capacity(target)
        if target is None or differences({"MinCapacity": new_min, "MaxCapacity": new_max}, target):
            self.register_target(new_min, new_max)
            changed = True
        expected_target = dict(target or self.ids, MinCapacity=new_min, MaxCapacity=new_max)

        expected_policies = dict(current_policies)
        for name, config in self.desired_policies().items():
            current = current_policies.get(name)
            if (
                current is None
                or current.get("PolicyType") != TARGET_TRACKING
                or differences(config, current.get("TargetTrackingScalingPolicyConfiguration"), CONFIG_DEFAULTS)
            ):
                self.put_policy(name, config)
                changed = True
                expected_policies[name] = dict(
                    current or self.ids,
                    PolicyName=name,
                    PolicyType=TARGET_TRACKING,
                    TargetTrackingScalingPolicyConfiguration=config,
                )

        if self.module.params["purge_policies"]:
            declared = self.desired_policies()
            for name, policy in current_policies.items():
                if name not in declared and policy.get("PolicyType") == TARGET_TRACKING:
                    self.delete_policy(name)
                    changed = True
                    del expected_policies[name]

        if changed and not self.module.check_mode:
            # what AWS holds now, with ARNs and the alarms it created
            expected_target = self.get_target() or expected_target
            expected_policies = self.get_policies()

        self.exit(changed, (target, current_policies), (expected_target, expected_policies))

    def absent(self):
        target = self.get_target()
        policies = self.get_policies()
        # Deregistering a target deletes its policies in AWS; deleting them first
        # reports each one and leaves nothing behind if the target is already gone.
        for name in sorted(policies):
            self.delete_policy(name)
        if target is not None:
            self.deregister_target()
        changed = target is not None or bool(policies)
        self.exit(changed, (target, policies), (None, {}))

    def exit(self, changed, before, after):
        target, policies = after
        self.module.exit_json(
            changed=changed,
            scalable_target=format_target(target),
            policies=[format_policy(policies[name]) for name in sorted(policies)],
            diff=make_diff(diff_view(*before), diff_view(*after)),
        )


def format_target(target):
    if not target:
        return {}
    keep = ("ResourceId", "ServiceNamespace", "ScalableDimension", "MinCapacity", "MaxCapacity",
            "ScalableTargetARN", "RoleARN", "SuspendedState")
    return camel_dict_to_snake_dict({key: target[key] for key in keep if target.get(key) is not None})


def format_policy(policy):
    config = policy.get("TargetTrackingScalingPolicyConfiguration") or {}
    metric = config.get("PredefinedMetricSpecification") or {}
    # AWS defaults stand in for omitted fields of target tracking only
    defaults = CONFIG_DEFAULTS if policy.get("PolicyType") == TARGET_TRACKING else {}
    result = {
        "policy_name": policy["PolicyName"],
        "policy_arn": policy.get("PolicyARN"),
        "policy_type": policy.get("PolicyType"),
        "metric_type": metric.get("PredefinedMetricType"),
        "target_value": config.get("TargetValue"),
        "scale_in_cooldown": config.get("ScaleInCooldown", defaults.get("ScaleInCooldown")),
        "scale_out_cooldown": config.get("ScaleOutCooldown", defaults.get("ScaleOutCooldown")),
        "disable_scale_in": config.get("DisableScaleIn", defaults.get("DisableScaleIn")),
        "alarms": [
            {"alarm_name": alarm.get("AlarmName"), "alarm_arn": alarm.get("AlarmARN")}
            for alarm in policy.get("Alarms", [])
        ],
    }
    if metric.get("ResourceLabel"):
        result["resource_label"] = metric["ResourceLabel"]
    if result["target_value"] is not None:
        result["target_value"] = float(result["target_value"])
    return result


def diff_view(target, policies):
    """The managed fields only, so the diff shows what the task changes and nothing else."""
    if target is None and not policies:
        return {}
    view = {"scalable_target": {}, "policies": {}}
    if target is not None:
        view["scalable_target"] = {
            "resource_id": target["ResourceId"],
            "min_capacity": target["MinCapacity"],
            "max_capacity": target["MaxCapacity"],
        }
    for name in sorted(policies):
        formatted = format_policy(policies[name])
        for volatile in ("policy_name", "policy_arn", "alarms"):
            formatted.pop(volatile)
        view["policies"][name] = formatted
    return view


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        service=dict(type="str", required=True),
        min_capacity=dict(type="int"),
        max_capacity=dict(type="int"),
        cpu_target=dict(type="float"),
        memory_target=dict(type="float"),
        request_count_target=dict(type="float"),
        request_count_resource_label=dict(type="str"),
        scale_in_cooldown=dict(type="int", default=300),
        scale_out_cooldown=dict(type="int", default=60),
        disable_scale_in=dict(type="bool", default=False),
        purge_policies=dict(type="bool", default=False),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_together=[("request_count_target", "request_count_resource_label")],
        supports_check_mode=True,
    )

    scaling = ServiceScaling(module)
    if module.params["state"] == "present":
        fail_on_problems(module, input_problems(module.params))
        scaling.present()
    else:
        scaling.absent()


if __name__ == "__main__":
    main()
