#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: validate_inputs
version_added: 0.2.0
short_description: Check the inputs of roles of this collection and report every problem at once
description:
  - Gathers the variables of the roles named in O(roles), each role's defaults under what the play
    sets, checks them against the role's argument spec (entry point C(main)) and runs the
    collection's rules between them (C(plugins/plugin_utils/rules/)). Every problem is one
    sentence naming the variable or variables, the bad value and what is allowed.
  - Fails once, listing every problem, and otherwise changes nothing. Never calls AWS; what
    the rules need from AWS (the region's availability zones, the hosted zones) is passed in
    O(facts) by the C(preflight) role, which reads it first.
  - With O(stack=true) (the C(preflight) role) it checks every role and the rules between the
    inputs of several roles, and sets the fact C(preflight_result). Without it, in a play where
    C(preflight_result) is defined, preflight has checked everything already, and the task is skipped.
  - Warns about renamed variables that are still set under their old name.
  - This is an action plugin; it runs on the controller.
author:
  - Inbox Wine platform team (@inboxwine)
options:
  roles:
    description:
      - Roles whose inputs to check, for example V([vpc]). Ignored with O(stack=true).
    type: list
    elements: str
    choices: [vpc, certificate, ecr, load_balancer, ecs_service, monitoring, autoscaling, dns, outputs]
  stack:
    description:
      - Check every role, the C(preflight) role's argument spec and the rules between roles.
    type: bool
    default: false
  facts:
    description:
      - What the rules may compare with, read from AWS by the caller.
      - C(availability_zones), the names of the region's available zones (the C(vpc) rules check
        C(vpc_az_count) against them); C(hosted_zones), the hosted zones that
        M(amazon.aws.route53_info) listed for the zone name (the C(certificate) rules check that
        the public zone exists).
    type: dict
    default: {}
  aws_caller:
    description:
      - The result of M(amazon.aws.aws_caller_info). Without an C(account) in it, AWS did not
        answer, and that is reported as the first problem.
    type: dict
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
- name: Check the inputs of the network role
  inboxwine.fozzy.validate_inputs:
    roles: [vpc]

- name: Check every input of the stack with what AWS answered
  inboxwine.fozzy.validate_inputs:
    stack: true
    aws_caller: "{{ _caller }}"
    facts:
      availability_zones: "{{ _zones.availability_zones | map(attribute='zone_name') }}"
      hosted_zones: "{{ _hosted_zones.HostedZones }}"
"""

RETURN = r"""
problems:
  description: Every problem found, one sentence each; empty when the inputs are fine.
  returned: always
  type: list
  elements: str
  sample: ["vpc_cidr=10.0.0.0/8 with vpc_subnet_newbits=4 is not allowed together: ..."]
ansible_facts:
  description: With O(stack=true) and no problem, C(preflight_result).
  returned: when O(stack=true) and no problem
  type: dict
  contains:
    preflight_result:
      description: The account id, the region's zones and the hosted zone's id and name.
      type: dict
      returned: success
      sample: {"aws_account_id": "123456789012", "availability_zones": ["eu-central-1a"],
               "hosted_zone_id": "Z0123456789", "hosted_zone_name": "inbox.wine"}
"""
