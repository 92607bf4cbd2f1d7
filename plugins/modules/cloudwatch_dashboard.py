#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard
version_added: 0.3.0
short_description: Manage a CloudWatch dashboard
description:
  - Creates, updates or deletes a CloudWatch dashboard from its body (the widgets).
  - Neither amazon.aws nor community.aws has a module for dashboards.
  - The body is compared with the dashboard's as parsed JSON, so key order and spacing make no
    difference and a re-run with the same body changes nothing.
author:
  - Inbox Wine platform team (@inboxwine)
options:
  name:
    description:
      - Name of the dashboard (letters, digits, V(-) and V(_), at most 255 characters).
    type: str
    required: true
  state:
    description: V(present) creates or updates the dashboard, V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  body:
    description:
      - The dashboard body, a dict (or a JSON text) with C(widgets) and optionally C(start),
        C(periodOverride) ... as the CloudWatch dashboard body structure describes. Required with O(state=present).
    type: raw
notes:
  - CloudWatch dashboards cannot be tagged (TagResource takes alarms, Contributor Insights rules and metric streams).
attributes:
  check_mode:
    support: full
    details:
      - Nothing is created, changed or deleted; the diff shows the body before and after.
  diff_mode:
    support: full
  platform:
    platforms: all
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A dashboard with the requests of the load balancer
  inboxwine.fozzy.cloudwatch_dashboard:
    name: fozzy-api-production
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: Requests
            region: eu-central-1
            stat: Sum
            period: 60
            metrics:
              - [AWS/ApplicationELB, RequestCount, LoadBalancer, app/fozzy-api-production/50dc6c495c0c9188]

- name: Delete it
  inboxwine.fozzy.cloudwatch_dashboard:
    name: fozzy-api-production
    state: absent
"""

RETURN = r"""
dashboard:
  description: The dashboard after the task (in check mode, what a real run would leave). Empty when there is none.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the dashboard.
      type: str
      returned: when the dashboard exists
      sample: fozzy-api-production
    arn:
      description: ARN of the dashboard ('' in check mode before it exists).
      type: str
      returned: when the dashboard exists
      sample: arn:aws:cloudwatch::123456789012:dashboard/fozzy-api-production
    body:
      description: The body, parsed.
      type: dict
      returned: when the dashboard exists
validation_messages:
  description: What CloudWatch said about the body it accepted (for example a widget it could not read).
  returned: always
  type: list
  elements: dict
  sample: []
"""

import json
import re

try:
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_client
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_errors
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import error_code
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import fail_on_problems
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import make_diff

NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


def parse_body(body):
    """The body as a dict, from a dict or a JSON text; raises ValueError for anything else."""
    if isinstance(body, str):
        body = json.loads(body)
    if not isinstance(body, dict) or not isinstance(body.get("widgets", []), list):
        raise ValueError("the body must be a JSON object whose widgets are a list")
    return body


def body_problems(name, body, state):
    problems = []
    if not NAME.match(name or ""):
        problems.append(f"name={name} is not allowed: use 1 to 255 letters, digits, - and _")
    if state == "present":
        try:
            parse_body(body)
        except (TypeError, ValueError) as e:
            problems.append(f"body is not allowed: {e}")
    return problems


def same_body(wanted, current):
    """Whether two bodies are the same once parsed (key order, spacing and 1 vs 1.0 aside)."""
    def canonical(value):
        return json.loads(json.dumps(value), parse_int=float, parse_float=float)
    return current is not None and canonical(wanted) == canonical(current)


class Dashboard:
    def __init__(self, module):
        self.module = module
        self.name = module.params["name"]
        self.cloudwatch = aws_client(module, "cloudwatch")

    def get(self):
        try:
            found = self.cloudwatch.get_dashboard(DashboardName=self.name, aws_retry=True)
        except ClientError as e:
            if error_code(e) in ("ResourceNotFound", "DashboardNotFoundError", "ResourceNotFoundException"):
                return None
            self.module.fail_json_aws(e, msg=f"Failed to read CloudWatch dashboard {self.name}")
        return {"name": self.name, "arn": found.get("DashboardArn", ""), "body": json.loads(found.get("DashboardBody") or "{}")}

    def present(self):
        body = parse_body(self.module.params["body"])
        existing = self.get()
        if existing is not None and same_body(body, existing["body"]):
            self.exit(False, existing, existing, [])
        after = {"name": self.name, "arn": (existing or {}).get("arn", ""), "body": body}
        messages = []
        if not self.module.check_mode:
            with aws_errors(self.module, f"put CloudWatch dashboard {self.name}"):
                answer = self.cloudwatch.put_dashboard(DashboardName=self.name, DashboardBody=json.dumps(body),
                                                       aws_retry=True)
            messages = answer.get("DashboardValidationMessages", [])
            after = self.get() or after
        self.exit(True, existing, after, messages)

    def absent(self):
        existing = self.get()
        if existing is None:
            self.exit(False, None, None, [])
        if not self.module.check_mode:
            try:
                self.cloudwatch.delete_dashboards(DashboardNames=[self.name], aws_retry=True)
            except ClientError as e:
                if error_code(e) not in ("ResourceNotFound", "DashboardNotFoundError"):  # else gone meanwhile
                    self.module.fail_json_aws(e, msg=f"Failed to delete CloudWatch dashboard {self.name}")
        self.exit(True, existing, None, [])

    def exit(self, changed, before, after, messages):
        self.module.exit_json(changed=changed, dashboard=after or {}, validation_messages=messages,
                              diff=make_diff(before, after))


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        body=dict(type="raw"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True,
                              required_if=[["state", "present", ["body"]]])
    fail_on_problems(module, body_problems(module.params["name"], module.params["body"], module.params["state"]))
    dashboard = Dashboard(module)
    if module.params["state"] == "present":
        dashboard.present()
    else:
        dashboard.absent()


if __name__ == "__main__":
    main()
