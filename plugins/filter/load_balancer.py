# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters of the load_balancer role (documented in the .yml file of each filter's name).

What the role's tasks hand to the modules and to the other roles is worked out here: the
security group rules, the parts of ELB ARNs, the result the role publishes, and in check mode
(where community.aws.elb_target_group does not run and amazon.aws.elb_application_lb says only
"changed") what a real run would change, read against what AWS reports.
"""

import json
import re

from ansible.errors import AnsibleFilterError

# What a value handed in by another role must look like: (pattern, what it is, where it comes from).
WIRING = {
    "load_balancer_vpc_id": (r"^vpc-[0-9a-f]+$", "a VPC id", "run the vpc role first (vpc_result.vpc_id) or set it."),
    "load_balancer_vpc_cidr": (r"^([0-9]{1,3}\.){3}[0-9]{1,3}/[0-9]{1,2}$", "an IPv4 range",
                               "run the vpc role first (vpc_result.cidr) or set it."),
    "load_balancer_certificate_arn": (r"^arn:aws[a-z-]*:(acm|iam):", "a certificate ARN",
                                      "run the certificate role first (certificate_result.certificate_arn) or set it."),
}

# The listener on 80: only a permanent redirect to HTTPS, keeping host, path and query.
REDIRECT = {"protocol": "HTTPS", "port": "443", "host": "#{host}", "path": "/#{path}", "query": "#{query}",
            "status_code": "HTTP_301"}


def load_balancer_ingress_rules(ipv4_cidrs, ipv6_cidrs=(), ip_address_type="dualstack"):
    """The ingress rules of the load balancer's security group: 80 and 443 from the clients
    (from the IPv6 ranges too only when the load balancer is ``dualstack``)."""
    rules = [{"proto": "tcp", "ports": [80, 443], "cidr_ip": list(ipv4_cidrs or []),
              "rule_desc": "HTTP (redirected) and HTTPS from clients"}]
    if ipv6_cidrs and ip_address_type == "dualstack":
        rules.append({"proto": "tcp", "ports": [80, 443], "cidr_ipv6": list(ipv6_cidrs),
                      "rule_desc": "HTTP (redirected) and HTTPS from clients over IPv6"})
    return rules


def load_balancer_wiring(value, variable, allow_empty=False):
    """``value`` unchanged when it is what ``variable`` needs, else an error saying where it comes from.

    For the values other roles hand on (the network, the certificate): a task that writes to
    AWS uses this on them, so a missing one stops it before the call, with a message naming
    the variable. ``allow_empty`` lets an empty value through (check mode, before the
    certificate exists).
    """
    if variable == "load_balancer_result":
        result = value if isinstance(value, dict) else {}
        if not all(key in result for key in ("security_group_id", "target_group_arn")) or not (
                allow_empty or (result["security_group_id"] and result["target_group_arn"])):
            raise AnsibleFilterError("load_balancer_result has no security group and target group: run the prepare entry"
                                     " point of the load_balancer role first (main and site.yml do).")
        return result
    if variable == "load_balancer_subnet_ids":
        subnets = list(value or [])
        if len(subnets) < 2 or len(set(subnets)) != len(subnets):
            raise AnsibleFilterError(f"load_balancer_subnet_ids={','.join(map(str, subnets))} is not allowed: give at least"
                                     " two public subnets in different availability zones (vpc_result.public_subnet_ids).")
        return subnets
    if variable not in WIRING:
        raise AnsibleFilterError(f"load_balancer_wiring: variable={variable!r} is not one of"
                                 f" {', '.join(sorted(WIRING) + ['load_balancer_result', 'load_balancer_subnet_ids'])}")
    pattern, what, where = WIRING[variable]
    text = "" if value is None else str(value)
    if not (re.match(pattern, text) or (allow_empty and text == "")):
        raise AnsibleFilterError(f"{variable}={text} is not {what}: {where}")
    return text


def elb_arn_suffix(arn):
    """The part of a load balancer or target group ARN CloudWatch names it by, or '' for another string.

    ``arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/app/<name>/<id>`` gives
    ``app/<name>/<id>``; ``...:targetgroup/<name>/<id>`` gives ``targetgroup/<name>/<id>``.
    """
    match = re.match(r"^arn:aws[a-z-]*:elasticloadbalancing:[^:]*:[^:]*:(loadbalancer/(.+)|targetgroup/.+)$", str(arn or ""))
    if not match:
        return ""
    return match.group(2) or match.group(1)


def _matcher_codes(text):
    return sorted(part.strip() for part in str(text or "").split(",") if part.strip())


def target_group_changes(read, wanted):
    """What a real run would change on the target group, one line each, from a read of it.

    ``read`` is what community.aws.elb_target_group_info registered (nothing, when it did not
    run: no lines); ``wanted`` the target group's inputs (``name``, ``port``, ``health_check_path``,
    ``health_check_interval``, ``health_check_timeout``, ``healthy_threshold``,
    ``unhealthy_threshold``, ``matcher``, ``deregistration_delay``).
    """
    if not isinstance(read, dict) or "target_groups" not in read:
        return []
    found = (read.get("target_groups") or [{}])[0]
    name = wanted["name"]
    if not found:
        return [f"target group {name}: would be created"]
    lines = []

    def compare(label, current, new):
        if str(current) != str(new):
            lines.append(f"target group {label}: {current if current not in (None, '') else 'none'} -> {new}")

    compare("health_check_path", found.get("health_check_path"), wanted["health_check_path"])
    compare("health_check_interval", found.get("health_check_interval_seconds"), int(wanted["health_check_interval"]))
    compare("health_check_timeout", found.get("health_check_timeout_seconds"), int(wanted["health_check_timeout"]))
    compare("healthy_threshold", found.get("healthy_threshold_count"), int(wanted["healthy_threshold"]))
    compare("unhealthy_threshold", found.get("unhealthy_threshold_count"), int(wanted["unhealthy_threshold"]))
    if _matcher_codes((found.get("matcher") or {}).get("http_code")) != _matcher_codes(wanted["matcher"]):
        compare("matcher", (found.get("matcher") or {}).get("http_code"), wanted["matcher"])
    compare("deregistration_delay", found.get("deregistration_delay_timeout_seconds"), int(wanted["deregistration_delay"]))
    if str(found.get("port")) != str(int(wanted["port"])):
        lines.append(f"target group port: {found.get('port')} -> {int(wanted['port'])} (immutable: the module fails;"
                     " a new port needs a new load_balancer_target_group_name)")
    return lines


def _listener(found, port):
    return next((listener for listener in found.get("listeners") or () if listener.get("port") == port), None)


def _bool(value):
    return str(value).lower() in ("true", "yes", "on", "1")


def load_balancer_plan(found, wanted, target_group_changes=()):
    """What a real run would create or change on the load balancer, one line each ([] for nothing).

    ``found`` is the load balancer as amazon.aws.elb_application_lb_info lists it ({} when it
    does not exist); ``wanted`` its inputs: ``name``, ``vpc_id`` ('' when the network does not
    exist yet, so nothing of the role can exist either), ``security_group_name``,
    ``target_group_name``, ``security_group_id``, ``target_group_arn``, ``subnet_ids``,
    ``ip_address_type``, ``ssl_policy``, ``certificate_arn``, ``idle_timeout``,
    ``deletion_protection``, ``access_logs_bucket``, ``access_logs_prefix``, ``tags`` and
    optionally ``desync_mitigation_mode``.
    ``target_group_changes`` are the lines of target_group_changes, reported with these.
    """
    also = list(target_group_changes or [])
    shape = f"HTTP 80 -> 301 -> HTTPS 443, {wanted['ssl_policy']}"
    if not wanted.get("vpc_id"):
        return [f"Would create security group {wanted['security_group_name']}, target group {wanted['target_group_name']}"
                f" and load balancer {wanted['name']} ({shape}) in the network this run would create"]
    if not found:
        return [f"Would create load balancer {wanted['name']} and its listeners ({shape})"] + also
    lines = []

    def change(label, current, new):
        lines.append(f"{label}: {current if current not in (None, '', []) else 'none'} -> {new}")

    https, http = _listener(found, 443), _listener(found, 80)
    if https is None:
        lines.append("HTTPS listener on port 443 (forward to the target group): would be created")
    else:
        if https.get("ssl_policy") != wanted["ssl_policy"]:
            change("HTTPS listener ssl_policy", https.get("ssl_policy"), wanted["ssl_policy"])
        certificates = [certificate.get("certificate_arn") for certificate in https.get("certificates") or ()]
        if certificates != [wanted["certificate_arn"]]:
            change("HTTPS listener certificate", ",".join(certificates), wanted["certificate_arn"] or "the one requested in this run")
        forwards = [action.get("target_group_arn") for action in https.get("default_actions") or ()
                    if action.get("type") == "forward"]
        if wanted.get("target_group_arn") and forwards != [wanted["target_group_arn"]]:
            change("HTTPS listener forwards to", ",".join(forwards), wanted["target_group_arn"])
    if http is None:
        lines.append("HTTP listener on port 80 (redirect to HTTPS): would be created")
    else:
        actions = http.get("default_actions") or [{}]
        redirect = {key: value for key, value in (actions[0].get("redirect_config") or {}).items() if key in REDIRECT}
        if len(actions) != 1 or actions[0].get("type") != "redirect" or redirect != REDIRECT:
            change("HTTP listener on port 80", actions[0].get("type"), "redirect to HTTPS with HTTP_301")
    for listener in found.get("listeners") or ():
        if listener.get("port") not in (80, 443):
            lines.append(f"listener on port {listener.get('port')}: would be removed")
    if str(found.get("idle_timeout_timeout_seconds")) != str(int(wanted["idle_timeout"])):
        change("idle_timeout", found.get("idle_timeout_timeout_seconds"), int(wanted["idle_timeout"]))
    if _bool(found.get("deletion_protection_enabled")) != _bool(wanted["deletion_protection"]):
        change("deletion_protection", str(found.get("deletion_protection_enabled")).lower(),
               str(_bool(wanted["deletion_protection"])).lower())
    if not _bool(found.get("routing_http_drop_invalid_header_fields_enabled")):
        change("drop_invalid_header_fields", "false", "true")
    logs = (f"s3://{found.get('access_logs_s3_bucket')}/{found.get('access_logs_s3_prefix') or ''}"
            if _bool(found.get("access_logs_s3_enabled")) else "off")
    wanted_logs = (f"s3://{wanted['access_logs_bucket']}/{wanted['access_logs_prefix'] or ''}"
                   if wanted["access_logs_bucket"] else "off")
    if logs != wanted_logs:
        change("access_logs", logs, wanted_logs)
    if wanted.get("desync_mitigation_mode") and \
            found.get("routing_http_desync_mitigation_mode") != wanted["desync_mitigation_mode"]:
        change("desync_mitigation_mode", found.get("routing_http_desync_mitigation_mode"), wanted["desync_mitigation_mode"])
    if found.get("ip_address_type") != wanted["ip_address_type"]:
        change("ip_address_type", found.get("ip_address_type"), wanted["ip_address_type"])
    subnets = sorted(zone.get("subnet_id") for zone in found.get("availability_zones") or ())
    if subnets != sorted(wanted["subnet_ids"] or []):
        change("subnets", ",".join(subnets), ",".join(sorted(wanted["subnet_ids"] or [])))
    if wanted.get("security_group_id") and list(found.get("security_groups") or []) != [wanted["security_group_id"]]:
        change("security_groups", ",".join(found.get("security_groups") or []), wanted["security_group_id"])
    tags = found.get("tags") or {}
    for key, value in sorted((wanted.get("tags") or {}).items()):
        if tags.get(key) != str(value):
            change(f"tag {key}", tags.get(key), value)
    lines += also
    return ["Would change:"] + lines if lines else []


def load_balancer_facts(alb, target_group_arn_suffix=""):
    """What the role hands on about the load balancer itself ('' for what does not exist).

    ``alb`` is what amazon.aws.elb_application_lb returned, or the entry of
    amazon.aws.elb_application_lb_info for it ({} when there is none).
    """
    alb = alb if isinstance(alb, dict) else {}
    arn = alb.get("load_balancer_arn") or ""
    suffix = elb_arn_suffix(arn)
    https, http = _listener(alb, 443), _listener(alb, 80)
    return {
        "arn": arn,
        "arn_suffix": suffix,
        "dns_name": alb.get("dns_name") or "",
        "canonical_hosted_zone_id": alb.get("canonical_hosted_zone_id") or "",
        "vpc_id": alb.get("vpc_id") or "",
        # ipv4 or dualstack: the dns role makes the AAAA alias only for dualstack
        "ip_address_type": alb.get("ip_address_type") or "",
        "http_listener_arn": (http or {}).get("listener_arn") or "",
        "https_listener_arn": (https or {}).get("listener_arn") or "",
        # the app/<alb>/<id>/targetgroup/<tg>/<id> label of the ALBRequestCountPerTarget metric
        "resource_label": f"{suffix}/{target_group_arn_suffix}" if suffix and target_group_arn_suffix else "",
    }


# --- access logs -----------------------------------------------------------------------------

# Regions where Elastic Load Balancing writes access logs as one of its own AWS accounts (AWS
# docs, "Enable access logs for your Application Load Balancer", step 2): the bucket policy
# names that account's root. Every region opened since August 2022 is absent here and uses the
# service principal instead (ELB_LOG_DELIVERY_SERVICE).
ELB_LOG_DELIVERY_ACCOUNTS = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580",
    "ap-south-1": "718504428378",
    "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-south-1": "635631232127",
    "eu-west-3": "009996457667",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-gov-west-1": "048591011584",
    "us-gov-east-1": "190560391635",
    "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
}
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
# S3 bucket names: 3 to 63 lower case letters, digits, dots or hyphens.
S3_BUCKET_MAX = 63


def partition_of_region(region):
    region = str(region or "")
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def elb_log_delivery_principal(region):
    """The principal a bucket policy lets write the access logs of load balancers in ``region``.

    ``{"AWS": "arn:aws:iam::<elb account>:root"}`` for the regions where ELB delivers as one of
    its accounts (eu-central-1: 054676820928), ``{"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}``
    for every newer region.
    """
    account = ELB_LOG_DELIVERY_ACCOUNTS.get(str(region or ""))
    if account:
        return {"AWS": f"arn:{partition_of_region(region)}:iam::{account}:root"}
    return {"Service": ELB_LOG_DELIVERY_SERVICE}


def access_logs_bucket_name(account_id, name, environment):
    """The name of the log bucket the role creates: ``<name>-<environment>-alb-logs-<account>``.

    S3 names are global: the account id keeps two accounts' stacks apart. Fails when the account
    is unknown or the name would be longer than S3 allows (63 characters).
    """
    account = str(account_id or "")
    if not re.match(r"^[0-9]{12}$", account):
        raise AnsibleFilterError(f"access_logs_bucket_name: the AWS account id is needed for the log bucket's name,"
                                 f" got {account!r} (preflight_result.aws_account_id, or set load_balancer_access_logs_bucket).")
    bucket = f"{name}-{environment}-alb-logs-{account}".lower()
    if len(bucket) > S3_BUCKET_MAX:
        raise AnsibleFilterError(f"access_logs_bucket_name: {bucket} is longer than {S3_BUCKET_MAX} characters:"
                                 " set load_balancer_access_logs_bucket to a shorter name.")
    return bucket


def access_logs_bucket_policy(bucket, prefix, account_id, region):
    """The policy of the log bucket: TLS only, and the region's log delivery may put objects
    under ``<prefix>/AWSLogs/<account>/`` (the only place ELB writes to), nothing else."""
    partition = partition_of_region(region)
    bucket_arn = f"arn:{partition}:s3:::{bucket}"
    key_prefix = f"{prefix}/" if prefix else ""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "AllowLoadBalancerLogDelivery",
                "Effect": "Allow",
                "Principal": elb_log_delivery_principal(region),
                "Action": "s3:PutObject",
                "Resource": f"{bucket_arn}/{key_prefix}AWSLogs/{account_id}/*",
            },
        ],
    }


def _policy_document(value):
    if isinstance(value, str):
        try:
            return json.loads(value) if value else {}
        except ValueError:
            return {"unreadable": value}
    return value or {}


def _normalised(value):
    """A policy document with single-item lists as their item and lists sorted (what IAM treats as equal)."""
    if isinstance(value, dict):
        return {key: _normalised(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [_normalised(item) for item in value]
        if len(items) == 1:
            return items[0]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def access_logs_bucket_changes(read, wanted):
    """What a real run would create or change on the log bucket, one line each (check mode).

    ``read`` is what amazon.aws.s3_bucket_info registered for the bucket (with bucket_facts);
    ``wanted``: ``name``, ``policy``, ``retention_days``, ``tags``.
    """
    if not isinstance(read, dict) or "buckets" not in read:
        return []
    found = next((bucket for bucket in read.get("buckets") or () if bucket.get("name") == wanted["name"]), None)
    if found is None:
        return [f"access logs bucket {wanted['name']}: would be created (SSE-S3, public access blocked, TLS only,"
                f" objects expire after {int(wanted['retention_days'])} days)"]
    lines = []
    rules = ((found.get("bucket_encryption") or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
    algorithms = [(rule.get("ApplyServerSideEncryptionByDefault") or {}).get("SSEAlgorithm") for rule in rules]
    if algorithms != ["AES256"]:
        lines.append(f"access logs bucket encryption: {','.join(map(str, algorithms)) or 'none'} -> AES256")
    block = (found.get("public_access_block") or {}).get("PublicAccessBlockConfiguration") or {}
    if not all(block.get(key) for key in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")):
        lines.append("access logs bucket public access block: incomplete -> all four on")
    ownership = [rule.get("ObjectOwnership") for rule in
                 ((found.get("bucket_ownership_controls") or {}).get("OwnershipControls") or {}).get("Rules") or []]
    if ownership != ["BucketOwnerEnforced"]:
        lines.append(f"access logs bucket object ownership: {','.join(map(str, ownership)) or 'none'} -> BucketOwnerEnforced")
    policy = _policy_document((found.get("bucket_policy") or {}).get("Policy") or "")
    if _normalised(policy) != _normalised(wanted["policy"]):
        lines.append("access logs bucket policy: would be replaced (TLS only, log delivery of the region)")
    expiry = [rule.get("Expiration", {}).get("Days") for rule in
              (found.get("bucket_lifecycle_configuration") or {}).get("Rules") or []
              if rule.get("ID") == "expire-access-logs" and rule.get("Status") == "Enabled"]
    if expiry != [int(wanted["retention_days"])]:
        lines.append(f"access logs expiry: {','.join(map(str, expiry)) or 'none'} -> {int(wanted['retention_days'])} days")
    tags = found.get("bucket_tagging") or {}
    for key, value in sorted((wanted.get("tags") or {}).items()):
        if tags.get(key) != str(value):
            lines.append(f"access logs bucket tag {key}: {tags.get(key) or 'none'} -> {value}")
    return lines


# --- WAF -------------------------------------------------------------------------------------

# AWS managed rule groups of the web ACL, in priority order: the common rule set (OWASP-style
# protections) and known bad inputs (Log4j, Java deserialisation, ...). Both are free baseline
# groups (only the per-rule WAF charge).
WAF_MANAGED_RULE_GROUPS = ("AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet")
# Requests per IP in the 5-minute window AWS allows for a rate-based rule.
WAF_RATE_LIMIT_RANGE = (10, 2000000000)


def _visibility(metric_name):
    return {"sampled_requests_enabled": True, "cloud_watch_metrics_enabled": True, "metric_name": metric_name}


def waf_rules(rate_limit, metric_prefix):
    """The rules of the web ACL, as community.aws.wafv2_web_acl takes them (every field AWS
    returns, so that the module's comparison finds no difference on a re-run): the managed rule
    groups (their own actions), then a block of any IP over ``rate_limit`` requests per 5 minutes."""
    rules = [{
        "name": group,
        "priority": priority,
        "override_action": {"none": {}},
        "statement": {"managed_rule_group_statement": {"vendor_name": "AWS", "name": group}},
        "visibility_config": _visibility(f"{metric_prefix}-{group}"),
    } for priority, group in enumerate(WAF_MANAGED_RULE_GROUPS)]
    rules.append({
        "name": "RateLimitPerIP",
        "priority": len(rules),
        "action": {"block": {}},
        "statement": {"rate_based_statement": {"limit": int(rate_limit), "aggregate_key_type": "IP",
                                               "evaluation_window_sec": 300}},
        "visibility_config": _visibility(f"{metric_prefix}-RateLimitPerIP"),
    })
    return rules


class FilterModule:
    def filters(self):
        return {
            "load_balancer_ingress_rules": load_balancer_ingress_rules,
            "load_balancer_wiring": load_balancer_wiring,
            "elb_arn_suffix": elb_arn_suffix,
            "target_group_changes": target_group_changes,
            "load_balancer_plan": load_balancer_plan,
            "load_balancer_facts": load_balancer_facts,
            "elb_log_delivery_principal": elb_log_delivery_principal,
            "access_logs_bucket_name": access_logs_bucket_name,
            "access_logs_bucket_policy": access_logs_bucket_policy,
            "access_logs_bucket_changes": access_logs_bucket_changes,
            "waf_rules": waf_rules,
        }
