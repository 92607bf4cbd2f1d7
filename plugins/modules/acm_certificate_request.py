#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: acm_certificate_request
version_added: 0.1.0
short_description: Request an AWS-issued, DNS-validated ACM certificate
description:
  - Requests a public certificate from AWS Certificate Manager (ACM) validated by DNS, or
    finds the one requested earlier, and returns the DNS records that validate it so a
    later task (for example M(amazon.aws.route53)) can create them.
  - M(community.aws.acm_certificate) only imports certificates; this module asks AWS to issue one.
  - Never requests a duplicate. A certificate B(matches) the task when all of these hold
    - its type is V(AMAZON_ISSUED) and it is validated by DNS;
    - its domain name and subject alternative names, as a set and ignoring case, equal
      O(domain_name) plus O(subject_alternative_names);
    - its key algorithm is O(key_algorithm) (ignored for O(state=absent));
    - when O(tags) has a V(ManagedBy) key, it carries a V(ManagedBy) tag with the same value.
      Use this to keep the module away from certificates other tools made for the same names.
  - A matching certificate in status V(ISSUED) or V(PENDING_VALIDATION) is used (an V(ISSUED)
    one first, then the newest) and its tags are reconciled with O(tags).
  - When the only matching certificates are unusable (V(FAILED), V(EXPIRED),
    V(VALIDATION_TIMED_OUT), V(REVOKED) or V(INACTIVE)), a new one is requested, a warning
    says why, and RV(replaced) lists the old ones. They are not deleted, since an expired
    certificate may still be attached to a listener; O(state=absent) removes them.
  - Requests carry an C(IdempotencyToken) derived from the names and key algorithm, so a retried
    request within the hour AWS remembers tokens for does not create a second certificate.
    A replacement adds the replaced ARNs to the derivation, so it gets a new certificate.
    When AWS answers a token with a certificate deleted since, the request is made again with a
    token that names that certificate (up to five deletions within the hour).
author:
  - Inbox Wine platform team (@inboxwine)
options:
  domain_name:
    description:
      - Fully qualified domain name the certificate is for, for example V(fozzy-api.inbox.wine)
        or V(*.inbox.wine).
    type: str
    required: true
  subject_alternative_names:
    description:
      - Additional names the certificate covers. O(domain_name) need not be repeated here.
    type: list
    elements: str
    default: []
  key_algorithm:
    description:
      - Algorithm of the certificate key pair.
      - These are the algorithms ACM issues certificates with; the other values of the ACM
        C(KeyAlgorithm) type only exist for imported certificates.
      - Changing it on an existing certificate requests a new certificate.
    type: str
    default: RSA_2048
    choices: [RSA_2048, EC_prime256v1, EC_secp384r1]
  wait:
    description:
      - Wait until the certificate is V(ISSUED). This needs the validation records in DNS, so
        wait in a second task after the records were created.
      - The module always waits, bounded by O(wait_timeout), until AWS has published the
        validation records of the certificate.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for the validation records and, with O(wait=true), for the V(ISSUED) status;
        with O(state=absent), for AWS to release a certificate in use.
    type: int
    default: 600
  state:
    description:
      - V(present) finds or requests the certificate.
      - V(absent) deletes every matching certificate, whatever its key algorithm or status.
        It fails, deleting nothing, when one of them is still in use after O(wait_timeout)
        (ACM lists a deleted load balancer among a certificate's users for some minutes).
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    details:
      - Nothing is requested, tagged or deleted and nothing is waited for. A certificate that does
        not exist yet is reported as changed with no ARN and no validation records, so tasks that
        create the validation records cannot be planned from it in the same check mode run.
  diff_mode:
    support: full
    details:
      - The diff shows the certificate's ARN, names, key algorithm and tags, not its validation progress.
  platform:
    platforms: all
notes:
  - The certificate is requested in the region of the module. A certificate for CloudFront
    must be requested in V(us-east-1); one for an ALB in the region of the ALB.
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Request the API certificate
  inboxwine.fozzy.acm_certificate_request:
    domain_name: fozzy-api.inbox.wine
    subject_alternative_names:
      - www.fozzy-api.inbox.wine
    tags:
      ManagedBy: inboxwine.fozzy
      Project: fozzy
  register: certificate

- name: Create the validation records
  amazon.aws.route53:
    zone: inbox.wine
    record: "{{ item.name }}"
    type: "{{ item.type }}"
    value: "{{ item.value }}"
    ttl: 300
    overwrite: true
    state: present
  loop: "{{ certificate.validation_records }}"

- name: Wait until the certificate is issued
  inboxwine.fozzy.acm_certificate_request:
    domain_name: fozzy-api.inbox.wine
    subject_alternative_names:
      - www.fozzy-api.inbox.wine
    tags:
      ManagedBy: inboxwine.fozzy
      Project: fozzy
    wait: true
    wait_timeout: 900

- name: Delete the certificate (fails while a listener uses it)
  inboxwine.fozzy.acm_certificate_request:
    domain_name: fozzy-api.inbox.wine
    subject_alternative_names:
      - www.fozzy-api.inbox.wine
    tags:
      ManagedBy: inboxwine.fozzy
    state: absent
"""

RETURN = r"""
certificate_arn:
  description: ARN of the certificate. V(null) for O(state=absent) and, in check mode, for a certificate that would be requested.
  returned: always
  type: str
  sample: arn:aws:acm:eu-central-1:123456789012:certificate/0123abcd-0123-abcd-0123-0123456789ab
status:
  description: Status of the certificate, V(null) when there is none.
  returned: always
  type: str
  sample: PENDING_VALIDATION
domain_name:
  description: Domain name of the certificate.
  returned: when a certificate exists
  type: str
  sample: fozzy-api.inbox.wine
subject_alternative_names:
  description: All names of the certificate as AWS reports them, the domain name included.
  returned: when a certificate exists
  type: list
  elements: str
  sample: ["fozzy-api.inbox.wine", "www.fozzy-api.inbox.wine"]
key_algorithm:
  description: Algorithm of the key pair.
  returned: when a certificate exists
  type: str
  sample: RSA_2048
tags:
  description: Tags of the certificate.
  returned: when a certificate exists
  type: dict
  sample: {"ManagedBy": "inboxwine.fozzy"}
in_use_by:
  description: ARNs of the resources (load balancers, distributions) that use the certificate.
  returned: when a certificate exists
  type: list
  elements: str
  sample: []
validation_records:
  description:
    - DNS records that validate the certificate, one per distinct record. A wildcard and its
      apex share one record; O(domain_name) of the first name it validates is given.
    - Keep them in DNS after issue; AWS needs them to renew the certificate.
  returned: always
  type: list
  elements: dict
  contains:
    domain_name:
      description: Name the record validates.
      type: str
      returned: always
      sample: fozzy-api.inbox.wine
    name:
      description: Record name.
      type: str
      returned: always
      sample: _3f2a...fozzy-api.inbox.wine.
    type:
      description: Record type, V(CNAME).
      type: str
      returned: always
      sample: CNAME
    value:
      description: Record value.
      type: str
      returned: always
      sample: _9b1c....acm-validations.aws.
replaced:
  description: Unusable matching certificates a new request replaced.
  returned: always
  type: list
  elements: dict
  contains:
    certificate_arn:
      description: ARN of the unusable certificate.
      type: str
      returned: always
    status:
      description: Its status.
      type: str
      returned: always
      sample: FAILED
    reason:
      description: The failure reason AWS gives, if any.
      type: str
      returned: always
      sample: CAA_ERROR
deleted:
  description: ARNs of the certificates deleted (or that would be deleted in check mode) by O(state=absent).
  returned: always
  type: list
  elements: str
  sample: []
"""

import hashlib

try:
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import WaitTimeoutError
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_client
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_errors
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import error_code
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import make_diff
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import wait_for
from ansible_collections.inboxwine.fozzy.plugins.module_utils.tags import reconcile_tags

USABLE = ("ISSUED", "PENDING_VALIDATION")
# ListCertificates returns only RSA_2048 certificates unless told otherwise.
ALL_KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
MANAGED_BY = "ManagedBy"
# How long a just-requested ARN may be unknown to DescribeCertificate (eventual consistency)
# before it is taken for the ARN of a deleted certificate the token still points at.
NEW_ARN_GRACE = 30
# Certificates of the same names deleted within the hour AWS remembers a token for, after which
# a request still finds a new one (each costs NEW_ARN_GRACE seconds at most).
STALE_TOKENS_MAX = 5


def normalize(name):
    return name.strip().rstrip(".").lower()


def tags_to_dict(tag_list):
    # ACM tags may have no Value
    return boto3_tag_list_to_ansible_dict([{"Key": tag["Key"], "Value": tag.get("Value", "")} for tag in tag_list or []])


class CertificateRequest:
    def __init__(self, module):
        self.module = module
        params = module.params
        self.domain_name = params["domain_name"]
        self.sans = []
        for name in params["subject_alternative_names"]:
            if normalize(name) != normalize(self.domain_name) and normalize(name) not in map(normalize, self.sans):
                self.sans.append(name)
        self.names = [normalize(self.domain_name)] + [normalize(name) for name in self.sans]
        self.key_algorithm = params["key_algorithm"]
        self.tags = params["tags"]
        self.acm = aws_client(module, "acm", catch_extra_error_codes=["RequestInProgressException"])

    # --- reads -----------------------------------------------------------------

    def describe(self, arn):
        with aws_errors(self.module, f"describe certificate {arn}"):
            return self.acm.describe_certificate(CertificateArn=arn, aws_retry=True)["Certificate"]

    def get_tags(self, arn):
        with aws_errors(self.module, f"list the tags of certificate {arn}"):
            return tags_to_dict(self.acm.list_tags_for_certificate(CertificateArn=arn, aws_retry=True).get("Tags"))

    def matches(self, any_key_algorithm=False):
        """Matching certificates (see DOCUMENTATION) as (description, tags) pairs."""
        summaries = []
        request = {"Includes": {"keyTypes": ALL_KEY_TYPES}}
        with aws_errors(self.module, "list certificates"):
            while True:
                response = self.acm.list_certificates(aws_retry=True, **request)
                summaries.extend(response.get("CertificateSummaryList", []))
                if not response.get("NextToken"):
                    break
                request["NextToken"] = response["NextToken"]

        found = []
        for summary in summaries:
            if normalize(summary.get("DomainName", "")) != self.names[0]:
                continue
            try:
                cert = self.acm.describe_certificate(CertificateArn=summary["CertificateArn"], aws_retry=True)["Certificate"]
            except ClientError as e:
                if error_code(e) == "ResourceNotFoundException":
                    continue  # deleted since it was listed
                self.module.fail_json_aws(e, msg=f"Failed to describe certificate {summary['CertificateArn']}")
            if not self.is_match(cert, any_key_algorithm):
                continue
            tags = self.get_tags(cert["CertificateArn"])
            if self.tags and MANAGED_BY in self.tags and tags.get(MANAGED_BY) != str(self.tags[MANAGED_BY]):
                continue
            found.append((cert, tags))
        return found

    def is_match(self, cert, any_key_algorithm):
        if cert.get("Type") != "AMAZON_ISSUED":
            return False
        methods = {option.get("ValidationMethod") for option in cert.get("DomainValidationOptions", [])}
        if methods - {"DNS", None}:
            return False
        names = {normalize(cert["DomainName"])} | {normalize(n) for n in cert.get("SubjectAlternativeNames", [])}
        if names != set(self.names):
            return False
        return any_key_algorithm or key_algorithm(cert) == self.key_algorithm

    # --- writes: present() returns before request_new() in check mode; the others check it

    def token(self, salt=""):
        """IdempotencyToken: same request, same token; at most 32 word characters."""
        material = "|".join([",".join(self.names[:1] + sorted(self.names[1:])), self.key_algorithm, salt])
        return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]

    def request(self, token):
        request = dict(
            DomainName=self.domain_name,
            ValidationMethod="DNS",
            IdempotencyToken=token,
            KeyAlgorithm=self.key_algorithm,
        )
        if self.sans:
            request["SubjectAlternativeNames"] = self.sans
        if self.tags:
            request["Tags"] = ansible_dict_to_boto3_tag_list(self.tags)
        with aws_errors(self.module, f"request a certificate for {self.domain_name}"):
            return self.acm.request_certificate(aws_retry=True, **request)["CertificateArn"]

    def request_new(self, salt):
        arn = self.request(self.token(salt))
        cert = self.wait_until_known(arn)
        for _attempt in range(STALE_TOKENS_MAX):
            if cert is not None:
                return cert
            # AWS answered a reused token with the ARN of a certificate deleted since (tokens
            # live an hour): ask again with a token that names that ARN. Each deletion within
            # the hour adds a link to the chain, and a retried request follows the same chain.
            arn = self.request(self.token(f"{salt}|after-deleted|{arn}"))
            cert = self.wait_until_known(arn)
        if cert is None:
            self.module.fail_json(msg=f"ACM returned certificate {arn} for {self.domain_name} but does not know it")
        return cert

    def wait_until_known(self, arn):
        def check():
            try:
                return True, self.acm.describe_certificate(CertificateArn=arn, aws_retry=True)["Certificate"]
            except ClientError as e:
                if error_code(e) == "ResourceNotFoundException":
                    return False, None
                self.module.fail_json_aws(e, msg=f"Failed to describe certificate {arn}")

        try:
            return wait_for(check, min(NEW_ARN_GRACE, self.module.params["wait_timeout"]), f"certificate {arn}")
        except WaitTimeoutError:
            return None

    def reconcile_tags(self, arn, current):
        """Bring the tags to O(tags); returns the TagChanges (``after``: the tags the certificate has then)."""
        return reconcile_tags(
            self.module,
            current,
            self.tags,
            self.module.params["purge_tags"],
            add=lambda tags: self.acm.add_tags_to_certificate(
                CertificateArn=arn, Tags=ansible_dict_to_boto3_tag_list(tags), aws_retry=True
            ),
            # a key without a value removes the tag whatever its value
            remove=lambda keys: self.acm.remove_tags_from_certificate(
                CertificateArn=arn, Tags=[{"Key": key} for key in keys], aws_retry=True
            ),
            what=f"certificate {arn}",
        )

    def delete(self, arn):
        if self.module.check_mode:
            return
        try:
            self.acm.delete_certificate(CertificateArn=arn, aws_retry=True)
        except ClientError as e:
            code = error_code(e)
            if code == "ResourceNotFoundException":
                return
            if code == "ResourceInUseException":
                users = self.describe(arn).get("InUseBy") or ["(AWS did not say)"]
                self.module.fail_json(msg=f"Certificate {arn} is in use and cannot be deleted; used by: {', '.join(users)}")
            self.module.fail_json_aws(e, msg=f"Failed to delete certificate {arn}")

    # --- waits -------------------------------------------------------------------

    def wait_for_records(self, arn):
        """The description once AWS has filled in every DNS validation record."""

        def check():
            cert = self.describe(arn)
            options = cert.get("DomainValidationOptions", [])
            return bool(options) and all(option.get("ResourceRecord") for option in options), cert

        def missing(cert):
            pending = [o.get("DomainName") for o in cert.get("DomainValidationOptions", []) if not o.get("ResourceRecord")]
            return f"no record yet for {', '.join(pending) or 'any name'}"

        return self.bounded(check, f"the DNS validation records of certificate {arn}", missing)

    def wait_until_issued(self, arn):
        def check():
            cert = self.describe(arn)
            if cert["Status"] not in USABLE:
                reason = cert.get("FailureReason") or "no reason given"
                self.module.fail_json(
                    msg=f"Certificate {arn} became {cert['Status']} ({reason}) while waiting for it to be issued",
                    certificate_arn=arn,
                    status=cert["Status"],
                    validation_records=validation_records(cert, self.names),
                )
            return cert["Status"] == "ISSUED", cert

        # A short, even poll: ACM issues a certificate seconds after its validation records resolve,
        # and the deploy waits on it (a growing pause would notice it up to 15 s late).
        return self.bounded(check, f"certificate {arn} to be ISSUED",
                            lambda c: f"status {c['Status']}; are the validation records in DNS?", max_delay=5.0)

    def wait_until_released(self, cert):
        """The certificate once nothing uses it, else as last seen after O(wait_timeout).

        ACM goes on listing a load balancer among the users of its certificate for some
        minutes after the load balancer (or its listener) is deleted.
        """
        if not cert.get("InUseBy") or self.module.check_mode:
            return cert

        def check():
            current = self.describe(cert["CertificateArn"])
            return not current.get("InUseBy"), current

        try:
            return wait_for(check, self.module.params["wait_timeout"], f"certificate {cert['CertificateArn']} to be released")
        except WaitTimeoutError as e:
            return e.last

    def bounded(self, check, what, describe, max_delay=15.0):
        try:
            return wait_for(check, self.module.params["wait_timeout"], what, describe=describe, max_delay=max_delay)
        except WaitTimeoutError as e:
            extra = {}
            if e.last:
                extra = dict(
                    certificate_arn=e.last["CertificateArn"],
                    status=e.last["Status"],
                    validation_records=validation_records(e.last, self.names),
                )
            self.module.fail_json(msg=e.message, **extra)

    # --- states ------------------------------------------------------------------

    def present(self):
        found = self.matches()
        usable = [(cert, tags) for cert, tags in found if cert["Status"] in USABLE]
        # an issued certificate first, then the newest
        usable.sort(key=lambda pair: (pair[0]["Status"] == "ISSUED", str(pair[0].get("CreatedAt", ""))), reverse=True)
        replaced = []

        if usable:
            cert, current_tags = usable[0]
            if len(usable) > 1:
                others = ", ".join(c["CertificateArn"] for c, _tags in usable[1:])
                self.module.warn(f"Using {cert['CertificateArn']}; these certificates match the task too: {others}")
            tags = self.reconcile_tags(cert["CertificateArn"], current_tags)
            new_tags, changed = tags.after, tags.changed
            before = view(cert, current_tags)
        else:
            for old, _tags in found:
                replaced.append(
                    dict(certificate_arn=old["CertificateArn"], status=old["Status"], reason=old.get("FailureReason"))
                )
                self.module.warn(
                    f"Certificate {old['CertificateArn']} is {old['Status']}"
                    f" ({old.get('FailureReason') or 'no reason given'}); requesting a replacement"
                )
            before = {}
            changed = True
            if self.module.check_mode:
                after = dict(
                    certificate_arn=None,
                    domain_name=self.domain_name,
                    subject_alternative_names=sorted(self.names),
                    key_algorithm=self.key_algorithm,
                    tags=self.tags or {},
                )
                self.module.exit_json(
                    changed=True,
                    certificate_arn=None,
                    status=None,
                    validation_records=[],
                    replaced=replaced,
                    deleted=[],
                    diff=make_diff(before, after),
                )
            salt = "|".join(sorted(entry["certificate_arn"] for entry in replaced))
            cert = self.request_new(salt)
            new_tags = self.get_tags(cert["CertificateArn"])

        cert = self.wait_for_records(cert["CertificateArn"])
        # in check mode nothing was requested or changed, so there is nothing to wait for
        if self.module.params["wait"] and not self.module.check_mode:
            cert = self.wait_until_issued(cert["CertificateArn"])

        self.module.exit_json(
            changed=changed,
            certificate_arn=cert["CertificateArn"],
            status=cert["Status"],
            domain_name=cert["DomainName"],
            subject_alternative_names=cert.get("SubjectAlternativeNames", []),
            key_algorithm=key_algorithm(cert),
            tags=new_tags,
            in_use_by=cert.get("InUseBy", []),
            validation_records=validation_records(cert, self.names),
            replaced=replaced,
            deleted=[],
            diff=make_diff(before, view(cert, new_tags)),
        )

    def absent(self):
        found = [(self.wait_until_released(cert), tags) for cert, tags in self.matches(any_key_algorithm=True)]
        in_use = [(cert["CertificateArn"], cert["InUseBy"]) for cert, _tags in found if cert.get("InUseBy")]
        if in_use:
            details = "; ".join(f"{arn} is used by {', '.join(users)}" for arn, users in in_use)
            self.module.fail_json(msg=f"Cannot delete a certificate that is in use, nothing was deleted: {details}")
        for cert, _tags in found:
            self.delete(cert["CertificateArn"])
        before = view(*found[0]) if len(found) == 1 else {c["CertificateArn"]: view(c, t) for c, t in found}
        self.module.exit_json(
            changed=bool(found),
            certificate_arn=None,
            status=None,
            validation_records=[],
            replaced=[],
            deleted=[cert["CertificateArn"] for cert, _tags in found],
            diff=make_diff(before, {}),
        )


def key_algorithm(cert):
    """The key algorithm as requested (RSA_2048): AWS describes and lists it as RSA-2048."""
    return cert.get("KeyAlgorithm", "RSA_2048").replace("-", "_")


def view(cert, tags):
    """What the diff shows of a certificate: what the task decides, not the validation progress."""
    names = {normalize(cert["DomainName"])} | {normalize(n) for n in cert.get("SubjectAlternativeNames", [])}
    return dict(
        certificate_arn=cert["CertificateArn"],
        domain_name=cert["DomainName"],
        subject_alternative_names=sorted(names),
        key_algorithm=key_algorithm(cert),
        tags=tags,
    )


def validation_records(cert, names):
    """One entry per distinct record, in the order of the task's names."""

    def rank(option):
        name = normalize(option.get("DomainName", ""))
        return names.index(name) if name in names else len(names)

    records, seen = [], set()
    for option in sorted(cert.get("DomainValidationOptions", []), key=rank):
        record = option.get("ResourceRecord")
        if not record:
            continue
        key = (record["Name"], record["Type"], record["Value"])
        if key in seen:
            continue
        seen.add(key)
        records.append(dict(domain_name=option["DomainName"], name=record["Name"], type=record["Type"], value=record["Value"]))
    return records


def main():
    argument_spec = dict(
        domain_name=dict(type="str", required=True),
        subject_alternative_names=dict(type="list", elements="str", default=[]),
        key_algorithm=dict(type="str", default="RSA_2048", choices=["RSA_2048", "EC_prime256v1", "EC_secp384r1"]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params["wait_timeout"] < 0:
        module.fail_json(msg=f"wait_timeout must be 0 or more seconds, got {module.params['wait_timeout']}")

    certificate = CertificateRequest(module)
    if module.params["state"] == "present":
        certificate.present()
    else:
        certificate.absent()


if __name__ == "__main__":
    main()
