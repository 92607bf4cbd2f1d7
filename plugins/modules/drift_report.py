#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: drift_report
version_added: 0.3.0
short_description: Fail when the run so far changed, or in check mode would change, something of the stack
description:
  - Reads what the P(inboxwine.fozzy.drift#callback) callback recorded about the run (each task that
    reported C(changed)) and fails naming every such task, with what the task said it would
    change. Otherwise it passes and changes nothing.
  - C(playbooks/site.yml) runs it last when C(fozzy_fail_on_drift=true) (the nightly drift
    detection of AWX, Plan in check mode). A check run that would change something means that
    the stack in AWS differs from the inventory. Autoscaling moving the task count is not drift,
    the service's deployment ignores the count of an existing service.
  - Needs the C(inboxwine.fozzy.drift) callback enabled (the repository's C(ansible.cfg) does);
    fails when it is not, so a missing callback never reads as "no drift".
  - This is an action plugin; it runs on the controller.
author:
  - Inbox Wine platform team (@inboxwine)
options:
  ignore_roles:
    description:
      - Roles whose changed tasks are not drift. The C(outputs) role writes a file on the
        controller only, nothing in AWS.
    type: list
    elements: str
    default: [outputs]
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
  action:
    support: full
    description: Runs on the controller.
  platform:
    platforms: all
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Fail when the stack drifted from the inventory (a check run that would change something)
  inboxwine.fozzy.drift_report:
  when: fozzy_fail_on_drift | default(false) | bool
"""

RETURN = r"""
drifted:
  description: The tasks that changed or would change something, each as its role, a colon and its name.
  returned: always
  type: list
  elements: str
  sample: ["autoscaling : Scale the service automatically"]
drift:
  description: Each of those tasks with its role, action and what it said it would change.
  returned: always
  type: list
  elements: dict
"""
