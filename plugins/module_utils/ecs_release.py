# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Releasing one image to an existing ECS service, rolling it back, and the wait both share.

- Images: ecs_service.missing_images() looks ECR images up (DescribeImages); images.push_instructions()
  says how to push a missing one (as ecs_service_deploy does).
- ``choose_rollback_target()``: the revision to roll back to, from the service's deployment
  history (ListServiceDeployments / DescribeServiceRevisions): the newest one that really
  served (a SUCCESSFUL service deployment) other than the current one, or the one named.
- ``deployment_verdict()``: is a deployment done (the service deployment SUCCESSFUL, else the
  deployment's rolloutState COMPLETED, AND every new task's target healthy in the service's
  target groups), failed (rolled back, stopped) or still going, with what was seen.
- ``DeploymentWait``: the bounded wait on that verdict, used by ecs_release (deploy.yml,
  rollback.yml) and ecs_service_deploy (site.yml).
- ``Releaser``: the ecs_release module's deploy, rollback and check_images.
"""

import re
import time

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import WaitTimeoutError
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_client
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_errors
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import error_code
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import make_diff
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import wait_for
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import deployment_failure
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import describe_progress
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import events_sentence
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import format_service
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import is_stable
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import missing_images
from ansible_collections.inboxwine.fozzy.plugins.module_utils.ecs_service import short_td
from ansible_collections.inboxwine.fozzy.plugins.module_utils.images import push_instructions
from ansible_collections.inboxwine.fozzy.plugins.module_utils.task_definition import DIGEST_LABEL
from ansible_collections.inboxwine.fozzy.plugins.module_utils.task_definition import SpecError
from ansible_collections.inboxwine.fozzy.plugins.module_utils.task_definition import task_definition as build_task_definition

# Service deployment statuses (ListServiceDeployments): done, failed, still going.
SUCCESSFUL = "SUCCESSFUL"
FAILED_STATUSES = ("STOPPED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")
# Error codes of an API the endpoint does not have (older regions, partitions, emulators).
UNSUPPORTED = ("UnknownOperationException", "InvalidAction", "NotImplemented", "UnsupportedOperation")


def ecr_image(account, region, repository, tag):
    """The ECR image reference of ``repository:tag`` in ``account`` and ``region``."""
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{account}.dkr.ecr.{region}.{suffix}/{repository}:{tag}"


def image_tag(image):
    """The tag of an image reference ('' when it has none)."""
    match = re.search(r":([\w][\w.-]{0,127})(@|$)", (image or "").rsplit("/", 1)[-1])
    return match.group(1) if match else ""


def revision_number(arn):
    match = re.search(r":(\d+)$", arn or "")
    return int(match.group(1)) if match else None


def container_image(definition):
    """The image of the (first) container of a task definition."""
    containers = (definition or {}).get("containerDefinitions") or [{}]
    return containers[0].get("image") or ""


def digest_of(definition):
    containers = (definition or {}).get("containerDefinitions") or [{}]
    return (containers[0].get("dockerLabels") or {}).get(DIGEST_LABEL)


# --- the rollback target ---------------------------------------------------------------------


def choose_rollback_target(current, history, rollback_to=""):
    """(task definition ARN, problem): where a rollback goes, or why there is nowhere to go.

    ``current``: the task definition the service runs. ``history``: its service deployments,
    each ``{status, created_at, task_definition, images}``, in any order. Without
    ``rollback_to`` the target is the task definition of the newest SUCCESSFUL deployment that
    is not the current one: it really served (a revision registered and never deployed is in no
    deployment, one ECS rolled back ends in ROLLBACK_*). ``rollback_to`` a revision number is
    looked up by the caller; a tag picks the newest served revision whose image has that tag.
    """
    served = sorted((entry for entry in history if entry.get("status") == SUCCESSFUL and entry.get("task_definition")),
                    key=lambda entry: entry.get("created_at") or 0, reverse=True)
    if rollback_to:
        for entry in served:
            if any(image_tag(image) == rollback_to for image in entry.get("images") or []):
                return entry["task_definition"], None
        tags = sorted({image_tag(image) for entry in served for image in entry.get("images") or []} - {""})
        return None, (f"rollback_to={rollback_to} is not allowed: no revision that served runs an image tagged"
                      f" {rollback_to} (tags that served: {', '.join(tags) or 'none'}); name a revision number, or deploy"
                      f" the tag with deploy.yml -e ecs_service_image_tag={rollback_to}.")
    for entry in served:
        if entry["task_definition"] != current:
            return entry["task_definition"], None
    return None, (f"There is no revision to roll back to: the service's deployment history has no successful deployment"
                  f" of a revision other than the current one ({short_td(current)}); nothing was changed. Name one with"
                  " -e rollback_to=<revision number or image tag>.")


# --- the verdict of a deployment -------------------------------------------------------------


def task_address(task):
    for attachment in task.get("attachments") or []:
        for detail in attachment.get("details") or []:
            if detail.get("name") == "privateIPv4Address":
                return detail.get("value")
    return None


def deployment_verdict(service, task_definition_arn, service_deployment, tasks, health):
    """("done" | "waiting" | "failed", what was seen) of the deployment of ``task_definition_arn``.

    ``service``: DescribeServices' service; ``service_deployment``: the newest service
    deployment of this deployment (ListServiceDeployments' brief form), None where the API is
    missing; ``tasks``: the service's tasks (DescribeTasks), None when not read yet;
    ``health``: ``{target group ARN: {target id: (state, reason)}}``, None when not read yet.
    Done: the service deployment is SUCCESSFUL (or, without one, the deployment's rolloutState
    is COMPLETED with one deployment left) and every running task of the new revision is a
    healthy target in each of the service's target groups, as many as the desired count.
    """
    failure = deployment_failure(service, task_definition_arn)
    status = (service_deployment or {}).get("status")
    if failure is None and status in FAILED_STATUSES:
        reason = service_deployment.get("statusReason") or "no reason given"
        failure = (f"Deployment of {short_td(task_definition_arn)} to ECS service {(service or {}).get('serviceName')}"
                   f" ended {status}: {reason}.")
    if failure:
        return "failed", failure
    seen = [describe_progress(service)]
    if status:
        seen.append(f"service deployment {status}")
    ecs_done = is_stable(service, task_definition_arn) and status in (None, SUCCESSFUL)
    groups = [lb.get("targetGroupArn") for lb in service.get("loadBalancers") or [] if lb.get("targetGroupArn")]
    if not groups:
        return ("done" if ecs_done else "waiting"), "; ".join(seen)
    if tasks is None or health is None:
        return "waiting", "; ".join(seen + ["targets not read yet"])
    new = [task for task in tasks if task.get("taskDefinitionArn") == task_definition_arn
           and task.get("lastStatus") == "RUNNING" and task_address(task)]
    wanted = service.get("desiredCount") or 0
    problems = []
    for group in groups:
        targets = health.get(group) or {}
        for task in new:
            state, reason = targets.get(task_address(task), ("not registered", ""))
            if state != "healthy":
                problems.append(f"{task_address(task)} {state}" + (f" ({reason})" if reason else ""))
    healthy = len(new) * len(groups) - len(problems)
    seen.append(f"{healthy} of {wanted * len(groups)} targets of the new tasks healthy in "
                + ", ".join(group.rsplit(":", 1)[-1] for group in groups)
                + (": " + ", ".join(problems[:10]) if problems else ""))
    if not ecs_done or len(new) < wanted or problems:
        return "waiting", "; ".join(seen)
    return "done", "; ".join(seen)


# --- the wait --------------------------------------------------------------------------------


class DeploymentWait:
    """Waits (bounded) until a deployment is done as deployment_verdict says, reading the service,
    its newest service deployment, its tasks and their targets' health."""

    def __init__(self, module, ecs, cluster, name):
        self.module = module
        self.ecs = ecs
        self.cluster = cluster
        self.name = name
        self.elbv2 = None
        self.service_deployments_supported = True
        self.last_service_deployment = None

    def describe(self):
        with aws_errors(self.module, f"describe ECS service {self.name} in cluster {self.cluster}"):
            services = self.ecs.describe_services(cluster=self.cluster, services=[self.name], include=["TAGS"],
                                                  aws_retry=True).get("services") or []
        return next((s for s in services if s.get("serviceName") == self.name), None)

    def service_deployment(self, since):
        """The newest service deployment created at or after ``since`` (None: the newest at all)."""
        if not self.service_deployments_supported:
            return None
        request = dict(cluster=self.cluster, service=self.name)
        if since is not None:
            request["createdAt"] = {"after": since}
        try:
            found = self.ecs.list_service_deployments(aws_retry=True, **request).get("serviceDeployments") or []
        except ClientError as e:
            if error_code(e) in UNSUPPORTED or e.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                self.service_deployments_supported = False
                return None
            self.module.fail_json_aws(e, msg=f"Failed to list the service deployments of ECS service {self.name}")
        except (BotoCoreError, AttributeError) as e:  # an SDK without the API
            if isinstance(e, AttributeError):
                self.service_deployments_supported = False
                return None
            self.module.fail_json_aws(e, msg=f"Failed to list the service deployments of ECS service {self.name}")
        found.sort(key=lambda d: d.get("createdAt") or 0, reverse=True)
        return found[0] if found else {"status": "PENDING"} if since is not None else None

    def tasks(self):
        with aws_errors(self.module, f"list the tasks of ECS service {self.name}"):
            arns = self.ecs.list_tasks(cluster=self.cluster, serviceName=self.name, desiredStatus="RUNNING",
                                       aws_retry=True).get("taskArns") or []
            if not arns:
                return []
            tasks = self.ecs.describe_tasks(cluster=self.cluster, tasks=arns[:100], aws_retry=True).get("tasks") or []
        return [task for task in tasks if task.get("group") in (None, f"service:{self.name}")]

    def health(self, service):
        if self.elbv2 is None:
            self.elbv2 = aws_client(self.module, "elbv2")
        found = {}
        for lb in service.get("loadBalancers") or []:
            arn = lb.get("targetGroupArn")
            if not arn or arn in found:
                continue
            with aws_errors(self.module, f"describe the target health of {arn}"):
                descriptions = self.elbv2.describe_target_health(TargetGroupArn=arn, aws_retry=True)
            found[arn] = {
                d["Target"]["Id"]: (d.get("TargetHealth", {}).get("State"), d.get("TargetHealth", {}).get("Reason") or "")
                for d in descriptions.get("TargetHealthDescriptions") or []
            }
        return found

    def wait(self, task_definition_arn, timeout, service=None, since=None, known_events=(), changed=True, extra=None):
        """(service, verdict text) once done; fails the module when the deployment fails or the time is up
        (``changed`` and ``extra``: what the failure reports besides the message)."""
        outcome = {}
        extra = dict(extra or {})

        def check():
            current = service if not outcome and service is not None else self.describe()
            outcome["checks"] = outcome.get("checks", 0) + 1
            deployment = self.service_deployment(since)
            self.last_service_deployment = deployment
            state, seen = deployment_verdict(current, task_definition_arn, deployment, None, None)
            if state == "waiting" and seen.endswith("targets not read yet"):  # not failed, behind a load balancer
                state, seen = deployment_verdict(current, task_definition_arn, deployment, self.tasks(), self.health(current))
            outcome.update(state=state, seen=seen, service=current)
            return state != "waiting", current

        groups = ", ".join(lb.get("targetGroupArn", "").rsplit(":", 1)[-1] for lb in (service or {}).get("loadBalancers") or [])
        what = (f"the deployment of {short_td(task_definition_arn)} to ECS service {self.name} in cluster {self.cluster}"
                f" to complete (service deployment SUCCESSFUL, or rolloutState COMPLETED)"
                + (f" and every target of its new tasks in target group {groups} to be healthy" if groups else ""))
        try:
            final = wait_for(check, timeout, what, describe=lambda _value: outcome.get("seen", ""))
        except WaitTimeoutError as e:
            self.module.fail_json(msg=e.message + events_sentence(e.last, set(known_events)), changed=changed,
                                  service=format_service(e.last), waited_for=what, last_seen=outcome.get("seen", ""), **extra)
        if outcome["state"] == "failed":
            reason = outcome["seen"] + self.alarm_sentence(final)
            self.module.fail_json(msg=reason + events_sentence(final, set(known_events)), changed=changed,
                                  service=format_service(final), rolled_back=(final or {}).get("taskDefinition") != task_definition_arn,
                                  waited_for=what, last_seen=outcome["seen"], **extra)
        return final, outcome["seen"]

    def alarm_sentence(self, service):
        """The deployment alarms in ALARM state, as a sentence ('' when none or none configured)."""
        names = (((service or {}).get("deploymentConfiguration") or {}).get("alarms") or {}).get("alarmNames") or []
        if not names:
            return ""
        try:
            alarms = aws_client(self.module, "cloudwatch").describe_alarms(AlarmNames=names, aws_retry=True)
        except (BotoCoreError, ClientError):
            return ""
        firing = [a["AlarmName"] for a in alarms.get("MetricAlarms", []) if a.get("StateValue") == "ALARM"]
        return f" Deployment alarms in ALARM: {', '.join(firing)}." if firing else ""


# --- the module ------------------------------------------------------------------------------


class Releaser:
    """What the ecs_release module does: deploy one image, roll back, or check that images exist."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.cluster = module.params["cluster"]
        self.name = module.params["service"]
        self.ecs = aws_client(module, "ecs")
        self.waiter = DeploymentWait(module, self.ecs, self.cluster, self.name)
        self.phases = {}
        self.started = time.monotonic()
        self.mark = self.started

    def phase(self, name):
        now = time.monotonic()
        self.phases[name] = round(now - self.mark, 3)
        self.mark = now

    # --- reads ---------------------------------------------------------------------------

    def service(self):
        service = self.waiter.describe()
        if not service or service.get("status") != "ACTIVE":
            self.module.fail_json(msg=f"ECS service {self.name} does not exist in cluster {self.cluster}: a release needs"
                                      " the stack; run playbooks/site.yml first.", changed=False)
        return service

    def task_definition(self, name, missing_ok=False):
        try:
            return self.ecs.describe_task_definition(taskDefinition=name, aws_retry=True)["taskDefinition"]
        except ClientError as e:
            if error_code(e) == "ClientException" and missing_ok:
                return None
            self.module.fail_json_aws(e, msg=f"Failed to describe task definition {name}")
        except BotoCoreError as e:
            self.module.fail_json_aws(e, msg=f"Failed to describe task definition {name}")

    def history(self):
        """The service's deployments with the task definition and images of their target revisions."""
        request = dict(cluster=self.cluster, service=self.name)
        briefs = []
        try:
            while True:
                answer = self.ecs.list_service_deployments(aws_retry=True, **request)
                briefs += answer.get("serviceDeployments") or []
                if not answer.get("nextToken") or len(briefs) >= 100:
                    break
                request["nextToken"] = answer["nextToken"]
        except ClientError as e:
            if error_code(e) in UNSUPPORTED:
                self.module.fail_json(msg=f"AWS keeps no deployment history of ECS service {self.name} here"
                                          " (ListServiceDeployments is not available): name the revision with"
                                          " -e rollback_to=<revision number or image tag>.", changed=False)
            self.module.fail_json_aws(e, msg=f"Failed to list the service deployments of ECS service {self.name}")
        except BotoCoreError as e:
            self.module.fail_json_aws(e, msg=f"Failed to list the service deployments of ECS service {self.name}")
        wanted = [b["targetServiceRevisionArn"] for b in briefs if b.get("status") == SUCCESSFUL and b.get("targetServiceRevisionArn")]
        revisions = {}
        for start in range(0, len(wanted), 20):
            with aws_errors(self.module, f"describe the service revisions of ECS service {self.name}"):
                answer = self.ecs.describe_service_revisions(serviceRevisionArns=wanted[start:start + 20], aws_retry=True)
            revisions.update({r["serviceRevisionArn"]: r for r in answer.get("serviceRevisions") or []})
        history = []
        for brief in briefs:
            revision = revisions.get(brief.get("targetServiceRevisionArn")) or {}
            history.append({
                "status": brief.get("status"),
                "created_at": brief.get("createdAt"),
                "task_definition": revision.get("taskDefinition"),
                "images": [image.get("image") for image in revision.get("containerImages") or []],
            })
        return history

    # --- phases --------------------------------------------------------------------------

    def ensure_images(self, images, action, variable=None):
        missing = missing_images(self.module, images)
        if missing:
            named = f"{variable} is not allowed: " if variable else ""
            self.module.fail_json(
                msg=(f"{named}{action}: an image it would run does not exist in Amazon ECR: "
                     + "\n".join(push_instructions(*item) for item in missing)),
                missing_images=[item[0] for item in missing], changed=False,
            )

    def check_images(self):
        images = self.params["images"]
        variable = self.params["tag_variable"]
        named = f"{variable}={image_tag(images[0])}" if variable and len(images) == 1 else None
        self.ensure_images(images, "the ECS service and its task definition were not changed", named)
        self.module.exit_json(changed=False, images=self.params["images"])

    def deploy(self):
        params = self.params
        service = self.service()
        account = service["serviceArn"].split(":")[4]
        image = params["image"] or ecr_image(account, self.module.region, params["repository"], params["tag"])
        variable = f"{params['tag_variable']}={params['tag']}" if params["repository"] and params["tag_variable"] else None
        self.ensure_images([image], f"the deploy of {image} stopped before any change", variable)
        family = params["definition"].get("family")
        newest = self.task_definition(family, missing_ok=True) or {}
        current = newest if newest.get("taskDefinitionArn") == service["taskDefinition"] else self.task_definition(
            service["taskDefinition"])
        spec = dict(params["definition"], image=image, region=self.module.region,
                    execution_role_arn=current.get("executionRoleArn") or newest.get("executionRoleArn") or "",
                    task_role_arn=current.get("taskRoleArn") or newest.get("taskRoleArn") or "")
        try:
            planned = build_task_definition(spec)
        except SpecError as e:
            self.module.fail_json(msg=f"definition: {e}")
        target = None
        for candidate in (current, newest):
            if candidate and digest_of(candidate) == planned["digest"]:
                target = candidate["taskDefinitionArn"]
                break
        self.phase("check")
        registered = False
        if target is None:
            registered = True
            if self.module.check_mode:
                number = (revision_number(newest.get("taskDefinitionArn")) or 0) + 1
                target = f"{family}:{number}"  # not registered: no ARN yet
            else:
                with aws_errors(self.module, f"register a revision of task definition {family}"):
                    target = self.ecs.register_task_definition(
                        family=family, taskRoleArn=planned["task_role_arn"], executionRoleArn=planned["execution_role_arn"],
                        networkMode="awsvpc", containerDefinitions=planned["containers"], volumes=planned["volumes"],
                        requiresCompatibilities=["FARGATE"], cpu=planned["cpu"], memory=planned["memory"],
                        runtimePlatform=planned["runtime_platform"], aws_retry=True,
                    )["taskDefinition"]["taskDefinitionArn"]
        self.phase("register")
        self.release(service, current, target, image, registered)

    def rollback(self):
        service = self.service()
        current = service["taskDefinition"]
        wanted = (self.params["rollback_to"] or "").strip()
        if wanted.isdigit():
            family = current.rsplit("/", 1)[-1].rsplit(":", 1)[0]
            definition = self.task_definition(f"{family}:{wanted}", missing_ok=True)
            if not definition or definition.get("status") != "ACTIVE":
                self.module.fail_json(msg=f"rollback_to={wanted} is not allowed: task definition {family}:{wanted}"
                                          f" {'is INACTIVE (deregistered)' if definition else 'does not exist'}; name an"
                                          " ACTIVE revision of the family or an image tag that served.", changed=False)
            target, images = definition["taskDefinitionArn"], [container_image(definition)]
        else:
            history = self.history()
            target, problem = choose_rollback_target(current, history, wanted)
            if problem:
                self.module.fail_json(msg=problem, changed=False)
            images = next(entry["images"] for entry in history if entry["task_definition"] == target)
        self.ensure_images(images, f"the rollback to {short_td(target)} stopped before any change")
        before = self.task_definition(current)
        self.phase("check")
        self.phase("register")
        self.release(service, before, target, images[0] if images else "", False)

    def release(self, service, current, target, image, registered):
        """Point the service at ``target`` and wait until the deployment is done."""
        old_image = container_image(current)
        changed = service["taskDefinition"] != target
        summary = {
            "from_task_definition": service["taskDefinition"], "task_definition_arn": target,
            "previous_image": old_image, "deployed_image": image, "revision": revision_number(target),
            "registered": registered,
            "strategy": ((service.get("deploymentConfiguration") or {}).get("strategy") or "ROLLING"),
        }
        diff = make_diff({"image": old_image, "task_definition": short_td(service["taskDefinition"])},
                         {"image": image, "task_definition": short_td(target)})
        if self.module.check_mode:
            self.phase("update")
            self.exit(changed, summary, service, diff, "would deploy")
        known_events = {event.get("id") for event in service.get("events") or []}
        since = None
        if changed:
            with aws_errors(self.module, f"update ECS service {self.name} in cluster {self.cluster}"):
                service = self.ecs.update_service(cluster=self.cluster, service=self.name, taskDefinition=target,
                                                  aws_retry=True)["service"]
            primary = next((d for d in service.get("deployments") or [] if d.get("status") == "PRIMARY"), {})
            since = primary.get("createdAt")
        self.phase("update")
        if self.params["wait"]:
            service, seen = self.waiter.wait(target, self.params["wait_timeout"], service=service, since=since,
                                             known_events=known_events)
            summary["verdict"] = seen
        self.phase("wait")
        summary["service_deployment"] = self.waiter.last_service_deployment or {}
        summary["alb_dns_name"] = self.alb_dns_name(service)
        self.exit(changed, summary, service, diff, "deployed")

    def alb_dns_name(self, service):
        groups = [lb["targetGroupArn"] for lb in service.get("loadBalancers") or [] if lb.get("targetGroupArn")]
        if not groups:
            return ""
        elbv2 = self.waiter.elbv2 or aws_client(self.module, "elbv2")
        with aws_errors(self.module, "describe the target group of the service"):
            balancers = elbv2.describe_target_groups(TargetGroupArns=groups[:1], aws_retry=True)["TargetGroups"][0].get(
                "LoadBalancerArns") or []
            if not balancers:
                return ""
            return elbv2.describe_load_balancers(LoadBalancerArns=balancers[:1], aws_retry=True)["LoadBalancers"][0]["DNSName"]

    def exit(self, changed, summary, service, diff, verb):
        self.phases["total"] = round(time.monotonic() - self.started, 3)
        times = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.phases.items())
        lines = [
            f"{'Would deploy' if self.module.check_mode else 'Deployed' if changed else 'Already running'}"
            f" {short_td(summary['task_definition_arn'])}"
            + (" (new revision)" if summary["registered"] else "") + f" to ECS service {self.name}",
            f"image: {summary['previous_image']} -> {summary['deployed_image']}",
            f"task definition: {short_td(summary['from_task_definition'])} -> {short_td(summary['task_definition_arn'])}",
            f"strategy: {summary['strategy']}",
            f"phases: {times}",
        ]
        if summary.get("verdict"):
            lines.append(f"done: {summary['verdict']}")
        self.module.exit_json(changed=changed, release=lines, phases=self.phases, service=format_service(service),
                              diff=diff, **summary)
