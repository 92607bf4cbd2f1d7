# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the load_balancer role's inputs (names, ports, health check, timeouts, TLS, logs, network)."""

import re

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.checks import cidr_problems
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.inputs import as_int, not_allowed, rule, together, within
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.rules.shared import account_id_problems

ROLE = "load_balancer"

# ALB and target group names: 1 to 32 letters, digits or hyphens, no hyphen at either end.
ELB_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$")
# HTTP codes 200 to 499: single codes, ranges, comma separated.
MATCHER = re.compile(r"^[2-4][0-9][0-9](-[2-4][0-9][0-9])?(,[2-4][0-9][0-9](-[2-4][0-9][0-9])?)*$")
SSL_POLICY = re.compile(r"^ELBSecurityPolicy-[A-Za-z0-9-]+$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
CERTIFICATE_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$")

# Inputs that are whole numbers within a range: (variable, lowest, highest, what is allowed).
RANGES = (
    ("load_balancer_target_port", 1, 65535, "use a port from 1 to 65535."),
    ("load_balancer_health_check_interval", 5, 300, "use 5 to 300 seconds."),
    ("load_balancer_healthy_threshold", 2, 10, "use 2 to 10."),
    ("load_balancer_unhealthy_threshold", 2, 10, "use 2 to 10."),
    ("load_balancer_idle_timeout", 1, 4000, "use 1 to 4000 seconds."),
    ("load_balancer_deregistration_delay", 0, 3600, "use 0 to 3600 seconds (5 to 30 suit a short API)."),
    ("load_balancer_delete_timeout", 0, 3600, "use 0 to 3600 seconds."),
    ("load_balancer_production_rule_priority", 1, 50000, "use 1 to 50000 (a listener rule priority)."),
    ("load_balancer_test_rule_priority", 1, 50000, "use 1 to 50000, not the production rule's."),
)


def idle_timeout_problems(idle_timeout, keepalive, keepalive_variable="load_balancer_backend_keepalive"):
    """The ALB's idle timeout must be shorter than the keep-alive of the app server behind it.

    ``keepalive_variable`` names where the keep-alive comes from (this role's deprecated
    ``load_balancer_backend_keepalive``, or the ecs_service role's ``ecs_service_gunicorn_keepalive``
    for the rule between the two roles). Nothing is reported for values that are not numbers:
    their own rules say so.
    """
    idle, alive = as_int(idle_timeout), as_int(keepalive)
    if idle is None or alive is None or idle < alive:
        return []
    return [not_allowed("load_balancer_idle_timeout", idle_timeout, "it must be shorter than the keep-alive of the app"
                        f" server, {keepalive_variable}={keepalive}, or clients get 502 responses on reused connections.")]


@rule(ROLE)
def names(inputs):
    name = inputs.get("load_balancer_name")
    if name is not None and (not ELB_NAME.match(str(name)) or str(name).startswith("internal-")):
        yield not_allowed("load_balancer_name", name, "use 1 to 32 letters, digits or hyphens, not starting or ending"
                          ' with a hyphen and not starting with "internal-".')
    group = inputs.get("load_balancer_target_group_name")
    if group is not None and not ELB_NAME.match(str(group)):
        yield not_allowed("load_balancer_target_group_name", group, "use 1 to 32 letters, digits or hyphens, not"
                          " starting or ending with a hyphen.")
    alternate = inputs.get("load_balancer_alternate_target_group_name")
    if alternate is not None and not ELB_NAME.match(str(alternate)):
        yield not_allowed("load_balancer_alternate_target_group_name", alternate, "use 1 to 32 letters, digits or hyphens,"
                          " not starting or ending with a hyphen.")
    elif alternate is not None and group is not None and str(alternate) == str(group):
        yield together([("load_balancer_alternate_target_group_name", alternate), ("load_balancer_target_group_name", group)],
                       "the two target groups of ECS deployments need two names.")
    security_group = inputs.get("load_balancer_security_group_name")
    if security_group is not None and not (1 <= len(str(security_group)) <= 255 and not str(security_group).startswith("sg-")):
        yield not_allowed("load_balancer_security_group_name", security_group, 'use 1 to 255 characters, not starting'
                          ' with "sg-".')


@rule(ROLE)
def ranges(inputs):
    for variable, lowest, highest, allowed in RANGES:
        value = inputs.get(variable)
        if value is not None and not within(value, lowest, highest):
            yield not_allowed(variable, value, allowed)


@rule(ROLE)
def health_check_path(inputs):
    path = inputs.get("load_balancer_health_check_path")
    if path is not None and not (str(path).startswith("/") and len(str(path)) <= 1024):
        yield not_allowed("load_balancer_health_check_path", path, 'use a path starting with "/", at most 1024 characters.')


@rule(ROLE)
def health_check_timeout(inputs):
    timeout = inputs["load_balancer_health_check_timeout"]
    interval = inputs["load_balancer_health_check_interval"]
    if not (within(timeout, 2, 120) and (as_int(interval) is None or as_int(timeout) < as_int(interval))):
        yield not_allowed("load_balancer_health_check_timeout", timeout, "use 2 to 120 seconds, shorter than"
                          f" load_balancer_health_check_interval={interval}.")


@rule(ROLE)
def health_check_matcher(inputs):
    matcher = inputs["load_balancer_health_check_matcher"]
    if not MATCHER.match(str(matcher)):
        yield not_allowed("load_balancer_health_check_matcher", matcher, 'use HTTP codes from 200 to 499 like "200",'
                          ' "200,204" or "200-299".')


@rule(ROLE)
def idle_timeout(inputs):
    # Checked here only when set (deprecated); the rule between load_balancer_idle_timeout and
    # the ecs_service role's gunicorn keep-alive is a STACK rule of the ecs_service rules.
    if inputs.get("load_balancer_backend_keepalive") is not None:
        yield from idle_timeout_problems(inputs["load_balancer_idle_timeout"], inputs["load_balancer_backend_keepalive"])


@rule(ROLE)
def ssl_policy(inputs):
    policy = inputs["load_balancer_ssl_policy"]
    if not SSL_POLICY.match(str(policy)):
        yield not_allowed("load_balancer_ssl_policy", policy, "use an Elastic Load Balancing security policy name such"
                          " as ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09.")


@rule(ROLE)
def access_logs(inputs):
    bucket = inputs.get("load_balancer_access_logs_bucket") or ""
    if bucket and not BUCKET.match(str(bucket)):
        yield not_allowed("load_balancer_access_logs_bucket", bucket, "use an S3 bucket name (3 to 63 lower case letters,"
                          ' digits, dots or hyphens) or "" for the bucket the role creates.')
    if not (bucket or str(inputs.get("load_balancer_access_logs_enabled", True)).lower() in ("true", "yes", "on", "1")):
        return
    prefix = str(inputs.get("load_balancer_access_logs_prefix") or "")
    if prefix.startswith("/") or prefix.endswith("/") or "AWSLogs" in prefix:
        yield not_allowed("load_balancer_access_logs_prefix", prefix, 'use a key prefix without a leading or trailing "/"'
                          ' and without "AWSLogs".')
    yield from account_id_problems("load_balancer_account_id", inputs.get("load_balancer_account_id"))


@rule(ROLE)
def ingress(inputs):
    cidrs = inputs["load_balancer_ingress_cidrs"]
    if not cidrs:
        yield not_allowed("load_balancer_ingress_cidrs", list(cidrs or []), "list at least one IPv4 range, like 0.0.0.0/0.")
    yield from cidr_problems(cidrs, "load_balancer_ingress_cidrs", 4)
    yield from cidr_problems(inputs.get("load_balancer_ingress_ipv6_cidrs") or [], "load_balancer_ingress_ipv6_cidrs", 6)


@rule(ROLE)
def network(inputs):
    """The network inputs, when set (empty: the vpc role's vpc_result fills them in)."""
    vpc_id = inputs.get("load_balancer_vpc_id") or ""
    if vpc_id and not VPC_ID.match(str(vpc_id)):
        yield not_allowed("load_balancer_vpc_id", vpc_id, "use a VPC id like vpc-0123456789abcdef0 (or leave it to the"
                          " vpc role).")
    vpc_cidr = inputs.get("load_balancer_vpc_cidr") or ""
    if vpc_cidr:
        yield from cidr_problems(vpc_cidr, "load_balancer_vpc_cidr", 4)
    subnets = list(inputs.get("load_balancer_subnet_ids") or [])
    if subnets and (len(subnets) < 2 or len(set(subnets)) != len(subnets)
                    or not all(SUBNET_ID.match(str(subnet)) for subnet in subnets)):
        yield not_allowed("load_balancer_subnet_ids", subnets, "use at least two subnet ids like"
                          " subnet-0123456789abcdef0, one per availability zone (or leave them to the vpc role).")


@rule(ROLE)
def certificate(inputs):
    arn = inputs.get("load_balancer_certificate_arn") or ""
    if arn and not CERTIFICATE_ARN.match(str(arn)):
        yield not_allowed("load_balancer_certificate_arn", arn, "use the ARN of an ACM certificate,"
                          " arn:aws:acm:<region>:<account>:certificate/<id> (or leave it to the certificate role).")


WAF_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


@rule(ROLE)
def access_logs_retention(inputs):
    days = inputs.get("load_balancer_access_logs_retention_days")
    if days is not None and not within(days, 1, 3650):
        yield not_allowed("load_balancer_access_logs_retention_days", days, "use 1 to 3650 days.")


@rule(ROLE)
def waf(inputs):
    limit = inputs.get("load_balancer_waf_rate_limit")
    if limit is not None and not within(limit, 10, 2000000000):
        yield not_allowed("load_balancer_waf_rate_limit", limit, "use 10 to 2000000000 requests per IP in 5 minutes"
                          " (the range AWS WAF allows for a rate-based rule).")
    name = inputs.get("load_balancer_waf_name")
    if name is not None and not WAF_NAME.match(str(name)):
        yield not_allowed("load_balancer_waf_name", name, "use 1 to 128 letters, digits, hyphens or underscores.")


@rule(ROLE)
def listener_rule_priorities(inputs):
    production, test = inputs.get("load_balancer_production_rule_priority"), inputs.get("load_balancer_test_rule_priority")
    if inputs.get("load_balancer_test_listener_rule") and within(production, 1, 50000) and as_int(production) == as_int(test):
        yield together([("load_balancer_test_rule_priority", test), ("load_balancer_production_rule_priority", production)],
                       "each listener rule needs its own priority.")
