#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: sns_encrypted_topic
version_added: 0.3.0
short_description: Manage a standard SNS topic encrypted with KMS, its subscriptions and tags
description:
  - Creates, updates or deletes a standard SNS topic with server-side encryption (a KMS key),
    its e-mail / HTTPS subscriptions and its tags. The topic is found by its name.
  - Written because M(community.aws.sns_topic) (10.0.0) cannot set the topic's KMS key.
author:
  - Inbox Wine platform team (@inboxwine)
options:
  name:
    description: Name of the topic.
    type: str
    required: true
  state:
    description: V(present) creates or updates the topic, V(absent) deletes it with its subscriptions.
    type: str
    choices: [present, absent]
    default: present
  kms_master_key_id:
    description:
      - KMS key the topic's messages are encrypted with at rest (alias, key id or ARN, kept as given).
        V("") turns encryption off. Left as it is when not set.
      - CloudWatch alarms cannot publish to a topic encrypted with the AWS managed key V(alias/aws/sns)
        (its key policy cannot be changed to let cloudwatch.amazonaws.com use it); use a customer
        managed key whose policy allows C(kms:GenerateDataKey*) and C(kms:Decrypt) to that service.
    type: str
  subscriptions:
    description:
      - The subscriptions of the topic. Ones not listed are removed when O(purge_subscriptions=true)
        (AWS keeps subscriptions pending confirmation until they expire after 3 days).
    type: list
    elements: dict
    default: []
    suboptions:
      protocol:
        description: V(email) or V(https) (and the other SNS protocols).
        type: str
        required: true
      endpoint:
        description: The e-mail address or URL.
        type: str
        required: true
  purge_subscriptions:
    description: Remove the subscriptions not in O(subscriptions).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    details:
      - Nothing is created, changed or deleted; RV(changes) and the diff say what a real run would change.
  diff_mode:
    support: full
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
- name: The alarm topic, e-mailing the on-call list
  inboxwine.fozzy.sns_encrypted_topic:
    name: fozzy-api-production-alarms
    kms_master_key_id: arn:aws:kms:eu-central-1:123456789012:key/0a1b2c3d-0000-4000-8000-0123456789ab
    subscriptions:
      - {protocol: email, endpoint: oncall@inbox.wine}
    tags: {Project: fozzy}

- name: Delete it
  inboxwine.fozzy.sns_encrypted_topic:
    name: fozzy-api-production-alarms
    state: absent
"""

RETURN = r"""
changes:
  description: What was (in check mode, would be) changed, or V(created) / V(deleted).
  returned: always
  type: list
  elements: str
  sample: ["kms_master_key_id", "subscriptions"]
topic:
  description: The topic after the task (in check mode, what a real run would leave). Empty when there is none.
  returned: always
  type: dict
  contains:
    name:
      description: Name of the topic.
      type: str
      returned: when the topic exists
    arn:
      description: ARN of the topic (in check mode before it exists, the ARN it will have).
      type: str
      returned: when the topic exists
      sample: arn:aws:sns:eu-central-1:123456789012:fozzy-api-production-alarms
    kms_master_key_id:
      description: The topic's KMS key ('' when not encrypted).
      type: str
      returned: when the topic exists
    subscriptions:
      description: The subscriptions, each C(protocol) and C(endpoint), sorted.
      type: list
      elements: dict
      returned: when the topic exists
    tags:
      description: Tags of the topic.
      type: dict
      returned: when the topic exists
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_client
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_errors
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import make_diff
from ansible_collections.inboxwine.fozzy.plugins.module_utils.tags import reconcile_tags

# A subscription SNS has not confirmed yet has no ARN of its own and cannot be unsubscribed.
UNCONFIRMED = ("PendingConfirmation", "Deleted")


def subscription_changes(wanted, current, purge=True):
    """(to_add, to_remove) between the wanted (protocol, endpoint) pairs and the current subscriptions.

    ``current`` is list_subscriptions_by_topic's Subscriptions; what is removed is their
    SubscriptionArn (never a pending one, which AWS refuses to unsubscribe).
    """
    wanted = {(s["protocol"], s["endpoint"]) for s in wanted or []}
    have = {(s["Protocol"], s["Endpoint"]) for s in current or []}
    to_add = sorted(wanted - have)
    to_remove = sorted(s["SubscriptionArn"] for s in current or []
                       if purge and (s["Protocol"], s["Endpoint"]) not in wanted and s["SubscriptionArn"] not in UNCONFIRMED)
    return to_add, to_remove


def subscription_view(pairs):
    return [{"protocol": protocol, "endpoint": endpoint} for protocol, endpoint in sorted(set(pairs))]


class Topic:
    def __init__(self, module):
        self.module = module
        self.name = module.params["name"]
        self.sns = aws_client(module, "sns")

    def find(self):
        with aws_errors(self.module, f"list the SNS topics looking for {self.name}"):
            for page in self.sns.get_paginator("list_topics").paginate():
                for topic in page.get("Topics", []):
                    if topic["TopicArn"].split(":")[-1] == self.name:
                        return topic["TopicArn"]
        return None

    def read(self, arn):
        with aws_errors(self.module, f"read SNS topic {self.name}"):
            attributes = self.sns.get_topic_attributes(TopicArn=arn, aws_retry=True)["Attributes"]
            subscriptions = [s for page in self.sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn)
                             for s in page.get("Subscriptions", [])]
            tags = boto3_tag_list_to_ansible_dict(self.sns.list_tags_for_resource(ResourceArn=arn, aws_retry=True)
                                                  .get("Tags", []))
        return attributes, subscriptions, tags

    def predicted_arn(self):
        """The ARN the topic will have (check mode before it exists)."""
        with aws_errors(self.module, "ask AWS who we are"):
            account = aws_client(self.module, "sts").get_caller_identity(aws_retry=True)["Account"]
        partition = "aws-cn" if self.module.region.startswith("cn-") else (
            "aws-us-gov" if self.module.region.startswith("us-gov-") else "aws")
        return f"arn:{partition}:sns:{self.module.region}:{account}:{self.name}"

    def present(self):
        params = self.module.params
        key = params["kms_master_key_id"]
        arn = self.find()
        changes, before = [], {}
        if arn is None:
            changes.append("created")
            attributes, subscriptions, tags = {}, [], {}
            if self.module.check_mode:
                arn = self.predicted_arn()
            else:
                request = {"Name": self.name, "Tags": ansible_dict_to_boto3_tag_list(params["tags"] or {})}
                if key:
                    request["Attributes"] = {"KmsMasterKeyId": key}
                with aws_errors(self.module, f"create SNS topic {self.name}"):
                    arn = self.sns.create_topic(aws_retry=True, **request)["TopicArn"]
                tags = {k: str(v) for k, v in (params["tags"] or {}).items()}
            current_key = key or ""
        else:
            attributes, subscriptions, tags = self.read(arn)
            current_key = attributes.get("KmsMasterKeyId", "")
            before = self.view(arn, current_key, [(s["Protocol"], s["Endpoint"]) for s in subscriptions], tags)
            if key is not None and key != current_key:
                changes.append("kms_master_key_id")
                if not self.module.check_mode:
                    with aws_errors(self.module, f"set the KMS key of SNS topic {self.name}"):
                        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="KmsMasterKeyId", AttributeValue=key,
                                                      aws_retry=True)
                current_key = key
            tag_result = reconcile_tags(
                self.module, tags, params["tags"], params["purge_tags"],
                add=lambda t: self.sns.tag_resource(ResourceArn=arn, Tags=ansible_dict_to_boto3_tag_list(t), aws_retry=True),
                remove=lambda keys: self.sns.untag_resource(ResourceArn=arn, TagKeys=keys, aws_retry=True),
                what=f"SNS topic {self.name}")
            if tag_result.changed:
                changes.append("tags")
            tags = tag_result.after

        to_add, to_remove = subscription_changes(params["subscriptions"], subscriptions, params["purge_subscriptions"])
        if (to_add or to_remove) and "created" not in changes:
            changes.append("subscriptions")
        if not self.module.check_mode:
            with aws_errors(self.module, f"change the subscriptions of SNS topic {self.name}"):
                for subscription_arn in to_remove:
                    self.sns.unsubscribe(SubscriptionArn=subscription_arn, aws_retry=True)
                for protocol, endpoint in to_add:
                    self.sns.subscribe(TopicArn=arn, Protocol=protocol, Endpoint=endpoint, aws_retry=True)
        removed = {(s["Protocol"], s["Endpoint"]) for s in subscriptions if s["SubscriptionArn"] in to_remove}
        pairs = [(s["Protocol"], s["Endpoint"]) for s in subscriptions if (s["Protocol"], s["Endpoint"]) not in removed]
        after = self.view(arn, current_key, pairs + to_add, tags)
        self.module.exit_json(changed=bool(changes), changes=changes, topic=after, diff=make_diff(before, after))

    def absent(self):
        arn = self.find()
        if arn is None:
            self.module.exit_json(changed=False, changes=[], topic={}, diff=make_diff({}, {}))
        attributes, subscriptions, tags = self.read(arn)
        before = self.view(arn, attributes.get("KmsMasterKeyId", ""), [(s["Protocol"], s["Endpoint"]) for s in subscriptions],
                           tags)
        if not self.module.check_mode:
            with aws_errors(self.module, f"delete SNS topic {self.name}"):
                for subscription in subscriptions:
                    if subscription["SubscriptionArn"] not in UNCONFIRMED:
                        self.sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"], aws_retry=True)
                self.sns.delete_topic(TopicArn=arn, aws_retry=True)
        self.module.exit_json(changed=True, changes=["deleted"], topic={}, diff=make_diff(before, {}))

    def view(self, arn, key, pairs, tags):
        return {"name": self.name, "arn": arn, "kms_master_key_id": key, "subscriptions": subscription_view(pairs),
                "tags": tags}


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        kms_master_key_id=dict(type="str", no_log=False),
        subscriptions=dict(type="list", elements="dict", default=[],
                           options=dict(protocol=dict(type="str", required=True), endpoint=dict(type="str", required=True))),
        purge_subscriptions=dict(type="bool", default=True),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    topic = Topic(module)
    if module.params["state"] == "present":
        topic.present()
    else:
        topic.absent()


if __name__ == "__main__":
    main()
