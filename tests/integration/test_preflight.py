"""Bad input stops site.yml in preflight, before any AWS write, with one message that lists
every problem, each naming the variable, the bad value and what is allowed.

A corpus of bad inputs, each expected to produce its own message in the report of
`ansible-playbook playbooks/site.yml -i inventories/local`, while the emulator stays as it was.
A run costs 10 to 18 seconds of ansible start-up, so the inputs are not given one per run:
preflight reports every problem of every input in one failure, and inputs of different
variables that cannot affect each other share a run (RUNS below). Each input is still its own
test case, which asserts its message is in the report of its run; and every run asserts that
the report counts exactly as many problems as its inputs make alone (PROBLEMS), so an input
that hid another's problem, or added one, would fail the run's cases. Inputs that stop
preflight early (the region, the endpoint) or that could change another input's message
(INTERACTING) never share a run; test_runs_keep_interacting_inputs_apart checks that.

Every run of this file is started at once in a small pool against one emulator prepared like
our AWS account (the hosted zone exists), and the emulator is snapshotted before the first and
after the last run: it is never reset in between, so a resource written by any run would show
in the snapshot each case compares.
"""
import concurrent.futures
import json
import os
import re

import pytest

from aws_stack import snapshot

# Its tests share module-scoped fixtures: `pytest -n` must keep them on one worker.
pytestmark = pytest.mark.xdist_group("preflight")

ZONE = "inbox.wine"
# Parallel ansible-playbook runs; each is mostly CPU, the machine has 2 cores.
WORKERS = int(os.environ.get("FOZZY_PREFLIGHT_WORKERS", "3"))


def _json(**extra):
    return json.dumps(extra)


# (id, extra vars (each one -e), expected message fragment)
BAD_INPUTS = [
    # --- the variables every component shares (environment names, region, domain in zone, tags)
    ("environment-upper-case", ["fozzy_environment=Prod"],
     "fozzy_environment=Prod is not allowed: use 2 to 16 lower case letters, digits or hyphens"),
    ("name-underscore", ["fozzy_name=fozzy_api"], "fozzy_name=fozzy_api is not allowed: use 2 to 16 lower case letters"),
    ("region-empty", ["fozzy_aws_region="], "fozzy_aws_region= is not allowed: it must be a region name like eu-central-1"),
    ("endpoint-without-scheme", ["fozzy_aws_endpoint_url=127.0.0.1:5000"],
     "fozzy_aws_endpoint_url=127.0.0.1:5000 is not allowed: use an http:// or https:// URL"),
    ("domain-outside-zone", ["fozzy_domain_name=api.example.com"],
     "fozzy_domain_name=api.example.com is not allowed: it must be a lower case DNS name inside fozzy_hosted_zone_name=inbox.wine"),
    ("zone-missing", ["fozzy_hosted_zone_name=other.wine", "fozzy_domain_name=api.other.wine"],
     "fozzy_hosted_zone_name / certificate_zone_name: no public Route53 hosted zone named other.wine exists in this account"),
    ("tag-key-aws-prefix", [_json(fozzy_tags={"Project": "fozzy", "aws:owner": "me"})],
     "fozzy_tags key 'aws:owner' is not allowed: keys starting with aws: are reserved for AWS."),
    ("tags-too-many", [_json(fozzy_tags={f"Key{i}": "v" for i in range(49)})],
     "fozzy_tags has 49 tags, which is not allowed: AWS allows 50 tags per resource, including Name and Tier"),
    ("tag-value-too-long", [_json(fozzy_tags={"Project": "p" * 257})],
     "(257 characters) is not allowed: use at most 256 characters."),
    # --- vpc: CIDR validity, subnet fit, AZ count against the region
    ("cidr-prefix-33", ["vpc_cidr=10.0.0.0/33"], "vpc_cidr: '10.0.0.0/33' is not an IPv4 network; use an IPv4 range"),
    ("cidr-too-large", ["vpc_cidr=10.0.0.0/8"], "vpc_cidr: 10.0.0.0/8 has a /8 prefix; AWS allows /16 to /28"),
    ("cidr-host-bits", ["vpc_cidr=10.0.0.1/16"], "vpc_cidr: '10.0.0.1/16' is not an IPv4 network"),
    ("az-count-1", ["vpc_az_count=1"], "vpc_az_count: 1 is not allowed; use 2 (an ALB needs two zones) up to 3"),
    ("az-count-above-region", ["vpc_az_count=4"], "vpc_az_count: 4 is not allowed; use 2 (an ALB needs two zones) up to 3"),
    ("nat-mode-choice", ["vpc_nat_gateway_mode=double"], "vpc_nat_gateway_mode must be one of: single, per_az, got: double"),
    ("flow-logs-retention", ["vpc_flow_logs_retention_days=10"],
     "vpc_flow_logs_retention_days=10 is not allowed: use one of the periods CloudWatch Logs accepts: 1, 3, 5, 7,"),
    ("flow-logs-traffic-choice", ["vpc_flow_logs_traffic_type=SOME"],
     "vpc_flow_logs_traffic_type must be one of: ALL, REJECT, ACCEPT, got: SOME"),
    # a subnet plan that does not fit names every input involved, with its value (the user may have changed either)
    ("subnets-do-not-fit", ["vpc_subnet_newbits=1"],
     "vpc_subnet_newbits=1 with vpc_az_count=2 is not allowed together: 1 bit makes room for 1 subnet per tier"
     " (public, private), and 2 availability zones need 2"),
    ("subnets-too-small", ["vpc_cidr=10.0.0.0/26"],
     "vpc_cidr=10.0.0.0/26 with vpc_subnet_newbits=4 is not allowed together: the subnets would be /30, and AWS allows"
     " /16 to /28"),
    # --- certificate
    ("san-outside-zone", [_json(certificate_subject_alternative_names=["www.example.org"])],
     'certificate_subject_alternative_names=["www.example.org"] with certificate_zone_name=inbox.wine'
     " (fozzy_hosted_zone_name) is not allowed together: every name of the certificate must be the zone or a name"
     " inside it (its validation records go into that zone); these are not: www.example.org"),
    ("key-algorithm-choice", ["certificate_key_algorithm=RSA_1024"],
     "certificate_key_algorithm must be one of: RSA_2048, EC_prime256v1, EC_secp384r1, got: RSA_1024"),
    # --- ecr
    ("repository-name", ["ecr_repository_name=Fozzy_API"],
     "ecr_repository_name=Fozzy_API is not allowed: use 2 to 256 lower case letters"),
    ("kms-without-key", ["ecr_encryption=KMS"], "ecr_kms_key= is not allowed with ecr_encryption=KMS: use the full key ARN"),
    ("release-pattern-wildcards", ["ecr_release_tag_pattern=*.*.*.*.*"],
     "ecr_release_tag_pattern=*.*.*.*.* is not allowed: use one ECR tag pattern of 1 to 128 letters, digits and _ . -"
     " (not starting with . or -) with at most 4 * wildcards"),
    ("untagged-expiry-0", ["ecr_untagged_expire_days=0"], "ecr_untagged_expire_days=0 is not allowed: use 1 to 3650 days."),
    # --- load_balancer: port range, health-check path, timeouts, CIDRs
    ("alb-health-path", ["load_balancer_health_check_path=health"],
     'load_balancer_health_check_path=health is not allowed: use a path starting with "/"'),
    ("alb-port-range", ["load_balancer_target_port=70000"],
     "load_balancer_target_port=70000 is not allowed: use a port from 1 to 65535"),
    # against gunicorn's keep-alive (ecs_service_gunicorn_keepalive=75): the rule between the two roles
    ("alb-idle-above-keepalive", ["load_balancer_idle_timeout=90"],
     "ecs_service_gunicorn_keepalive=75 with load_balancer_idle_timeout=90 is not allowed together: gunicorn's keep-alive"
     " must be longer than the ALB idle timeout"),
    # against the deprecated load_balancer_backend_keepalive, checked by the role when it is set
    ("alb-idle-above-backend-keepalive", ["load_balancer_idle_timeout=70", "load_balancer_backend_keepalive=70"],
     "load_balancer_idle_timeout=70 is not allowed: it must be shorter than the keep-alive of the app server,"
     " load_balancer_backend_keepalive=70, or clients get 502 responses on reused connections."),
    ("alb-ingress-cidr", [_json(load_balancer_ingress_cidrs=["0.0.0.0/0", "10.0.0.300/32"])],
     "load_balancer_ingress_cidrs: '10.0.0.300/32' is not allowed: use an IPv4 network in CIDR notation"),
    ("alb-waf-rate-limit", ["load_balancer_waf_rate_limit=5"],
     "load_balancer_waf_rate_limit=5 is not allowed: use 10 to 2000000000 requests per IP in 5 minutes"),
    ("alb-logs-retention", ["load_balancer_access_logs_retention_days=0"],
     "load_balancer_access_logs_retention_days=0 is not allowed: use 1 to 3650 days."),
    # --- ecs_service: Fargate sizes, image reference, health-check path, port, names
    ("fargate-4096-4096", ["ecs_service_memory=4096"],
     "ecs_service_cpu=4096 with ecs_service_memory=4096 is not allowed together: that is not a Fargate task size; with"
     " ecs_service_cpu=4096, ecs_service_memory must be 8192 to 30720 in steps of 1024 (MiB)."),
    ("fargate-256-4096", ["ecs_service_cpu=256", "ecs_service_memory=4096"],
     "ecs_service_cpu=256 with ecs_service_memory=4096 is not allowed together: that is not a Fargate task size; with"
     " ecs_service_cpu=256, ecs_service_memory must be 512, 1024 or 2048 (MiB)."),
    ("fargate-8192-step", ["ecs_service_cpu=8192", "ecs_service_memory=17408"],
     "ecs_service_cpu=8192 with ecs_service_memory=17408 is not allowed together: that is not a Fargate task size; with"
     " ecs_service_cpu=8192, ecs_service_memory must be 16384 to 61440 in steps of 4096 (MiB)."),
    ("fargate-cpu", ["ecs_service_cpu=3000"],
     "ecs_service_cpu=3000 is not allowed: use a Fargate size: 256, 512, 1024, 2048, 4096, 8192, 16384 (CPU units, 1024 = 1 vCPU)."),
    ("image-syntax", [_json(ecr_enabled=False, ecs_service_image="registry.example.com/Fozzy:1.0.0")],
     "ecs_service_image=registry.example.com/Fozzy:1.0.0 is not allowed: it is not a valid image reference"),
    ("image-latest", [_json(ecr_enabled=False, ecs_service_image="registry.example.com/fozzy:latest")],
     "ecs_service_image=registry.example.com/fozzy:latest is not allowed: latest moves with every push"),
    # shared by the target group and the container health check (stack_defaults)
    ("service-health-path", ["fozzy_health_check_path=health"],
     'fozzy_health_check_path=health is not allowed: use a path starting with "/"'),
    ("environment-variable-name", [_json(ecs_service_environment={"1BAD": "x"})],
     "ecs_service_environment key '1BAD' is not allowed: name environment variables with letters, digits and _, not"
     " starting with a digit."),
    ("arm64-on-spot", [_json(ecs_service_cpu_architecture="ARM64",
                             ecs_service_capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1}])],
     'ecs_service_capacity_provider_strategy=[{"capacity_provider": "FARGATE_SPOT", "weight": 1}] with'
     " ecs_service_cpu_architecture=ARM64 is not allowed together: Fargate Spot runs X86_64 tasks only"),
    # --- ecs_service deployment strategies (inventories/local: canary) and the load balancer's second target group
    ("strategy-unknown", ["ecs_service_deployment_strategy=recreate"],
     "ecs_service_deployment_strategy must be one of: rolling, blue_green, linear, canary, got: recreate"),
    ("canary-percent-range", ["ecs_service_deployment_canary_percent=0.05"],
     "ecs_service_deployment_canary_percent=0.05 is not allowed: use 0.1 to 100 percent (the range ECS accepts)."),
    ("bake-time-range", ["ecs_service_deployment_bake_time=1441"],
     "ecs_service_deployment_bake_time=1441 is not allowed: use 0 to 1440 whole minutes (the range ECS accepts)."),
    ("linear-step-percent", ["ecs_service_deployment_strategy=linear", "ecs_service_deployment_linear_step_percent=2"],
     "ecs_service_deployment_linear_step_percent=2.0 is not allowed: use 3.0 to 100 percent (the range ECS accepts)."),
    ("blue-green-controller", ["ecs_service_deployment_strategy=blue_green", "ecs_service_deployment_controller=CODE_DEPLOY"],
     "ecs_service_deployment_strategy=blue_green with ecs_service_deployment_controller=CODE_DEPLOY is not allowed"
     " together: blue/green, linear and canary deployments are ECS's own, they need the ECS deployment controller."),
    ("alternate-target-group-name", ["load_balancer_alternate_target_group_name=" + "t" * 33],
     "load_balancer_alternate_target_group_name=" + "t" * 33 + " is not allowed: use 1 to 32 letters, digits or hyphens"),
    # --- autoscaling: min <= desired <= max, target in (0, 100]
    ("min-above-max", ["autoscaling_min_capacity=5", "autoscaling_max_capacity=3"],
     "autoscaling_min_capacity=5 is not allowed: use at least 1 and at most autoscaling_max_capacity=3;"
     " autoscaling_min_capacity (5) must not be greater than autoscaling_max_capacity (3)."),
    ("desired-above-max", ["ecs_service_desired_count=20"],
     "ecs_service_desired_count=20 is not allowed: it must lie between autoscaling_min_capacity=2 and"
     " autoscaling_max_capacity=15 (min <= desired <= max)."),
    ("cpu-target-0", ["autoscaling_cpu_target=0"], "autoscaling_cpu_target=0 is not allowed: use a percentage above 0 and at most 100"),
    ("cpu-target-101", ["autoscaling_cpu_target=101"], "autoscaling_cpu_target=101 is not allowed: use a percentage above 0"),
    # --- dns
    ("record-type-choice", [_json(dns_record_types=["A", "MX"])], "dns_record_types must be one or more of: A, AAAA"),
    # --- verify (playbooks/verify.yml; preflight checks its inputs with the others)
    ("verify-url-http", ["verify_url=http://fozzy-api.inbox.wine"],
     "verify_url=http://fozzy-api.inbox.wine is not allowed: use an https:// URL such as https://fozzy-api.inbox.wine."),
    ("verify-load-users-cap", ["verify_load_users=500"], "verify_load_users=500 is not allowed: use a number from 1 to 200."),
    ("verify-min-rps-above-rate", ["verify_min_rps=100"],
     "verify_min_rps=100 with verify_load_rate=50 is not allowed together: the run sends at most verify_load_rate"
     " requests per second, so verify_min_rps must not be above it."),
    # --- monitoring: subscriptions, the topic's key, thresholds, Container Insights for the task-count alarm
    ("alarm-subscription-protocol",
     [_json(monitoring_topic_kms_key="", monitoring_subscriptions=[{"protocol": "sms", "endpoint": "+4930123456"}])],
     "monitoring_subscriptions[0].protocol=sms is not allowed: use email or https."),
    ("alarm-aws-managed-key", [_json(monitoring_topic_kms_key="alias/aws/sns",
                                     monitoring_subscriptions=[{"protocol": "email", "endpoint": "oncall@inbox.wine"}])],
     'monitoring_topic_kms_key=alias/aws/sns with monitoring_subscriptions=[{"endpoint": "oncall@inbox.wine", "protocol":'
     ' "email"}] is not allowed together: CloudWatch alarms cannot publish to a topic encrypted with the AWS managed key'),
    ("alarm-cpu-threshold", ["monitoring_cpu_threshold=0"],
     "monitoring_cpu_threshold=0 is not allowed: use a percentage above 0 and at most 100."),
    ("alarm-container-insights", ["ecs_service_container_insights=disabled"],
     "monitoring_enabled=true with ecs_service_container_insights=disabled is not allowed together: the running-tasks alarm"
     " reads the cluster's Container Insights metrics"),
]

# How many problems each input makes when given alone, where that is more than one: a value
# that other variables default to is reported under those too.
PROBLEMS = {
    # certificate_domain_name and dns_record_name default to fozzy_domain_name
    "domain-outside-zone": 3,
    # load_balancer_name (fozzy_api-local), load_balancer_target_group_name (fozzy_api-local-tg) and
    # load_balancer_alternate_target_group_name (fozzy_api-local-tg-alt)
    "name-underscore": 4,
    # load_balancer_health_check_path defaults to fozzy_health_check_path
    "service-health-path": 2,
}

# Inputs that must not share a run: at most one of each set per run. Inputs of the same
# variable never share a run either (one -e would override the other); that is checked too.
INTERACTING = [
    # preflight stops right after the shared checks when the region or the endpoint is unusable:
    # anything else in the run would not be checked; these run alone
    ("stops early", {"region-empty", "endpoint-without-scheme"}),
    # every vpc input feeds the subnet plan (vpc_cidr, vpc_az_count, vpc_subnet_newbits), and an
    # argument spec error of the vpc role re-runs its rules without the spec
    ("vpc: subnet plan and argument spec", {
        "cidr-prefix-33", "cidr-too-large", "cidr-host-bits", "subnets-too-small", "az-count-1",
        "az-count-above-region", "nat-mode-choice", "subnets-do-not-fit", "flow-logs-traffic-choice"}),
    # an argument spec error of the vpc role must not meet another input of that role
    ("vpc: argument spec", {"nat-mode-choice", "flow-logs-traffic-choice", "flow-logs-retention"}),
    # the certificate's names and zone come from fozzy_domain_name and fozzy_hosted_zone_name; the
    # dns role's too; an argument spec error of either role must not meet another input of that role
    ("certificate names and zone", {"domain-outside-zone", "zone-missing", "san-outside-zone", "key-algorithm-choice"}),
    ("dns names and zone", {"domain-outside-zone", "zone-missing", "record-type-choice"}),
    # load_balancer_health_check_path defaults to fozzy_health_check_path (the same message)
    ("health-check path", {"alb-health-path", "service-health-path"}),
    # the Fargate rule reads ecs_service_cpu and ecs_service_memory together
    ("Fargate size", {"fargate-4096-4096", "fargate-256-4096", "fargate-8192-step", "fargate-cpu"}),
    # ecr_enabled=false (the image inputs) switches the ecr role's checks off
    ("ecr_enabled", {"image-syntax", "image-latest", "repository-name", "kms-without-key", "release-pattern-wildcards",
                     "untagged-expiry-0"}),
    # min <= desired <= max reads all three
    ("autoscaling bounds", {"min-above-max", "desired-above-max"}),
    # the strategy decides which of its parameters are checked, and an unknown one is an argument spec error
    ("deployment strategy", {"strategy-unknown", "canary-percent-range", "bake-time-range", "linear-step-percent",
                             "blue-green-controller"}),
    # fozzy_name and fozzy_environment make the derived names (load balancer, target group, cluster, ...)
    ("derived names", {"name-underscore", "environment-upper-case", "repository-name"}),
    # the topic's key is checked together with the subscriptions
    ("alarm topic", {"alarm-subscription-protocol", "alarm-aws-managed-key"}),
]

# The runs of the corpus: each input in exactly one.
RUNS = {
    "batch-1": ["cidr-prefix-33", "flow-logs-retention", "tag-key-aws-prefix", "fargate-4096-4096", "image-syntax", "alb-health-path",
                "min-above-max", "domain-outside-zone"],
    "batch-2": ["cidr-too-large", "tags-too-many", "fargate-256-4096", "image-latest", "service-health-path",
                "desired-above-max", "zone-missing", "alternate-target-group-name"],
    "batch-3": ["cidr-host-bits", "tag-value-too-long", "fargate-8192-step", "repository-name", "cpu-target-0",
                "san-outside-zone", "alb-port-range", "linear-step-percent"],
    "batch-4": ["subnets-too-small", "fargate-cpu", "kms-without-key", "cpu-target-101", "key-algorithm-choice",
                "alb-idle-above-keepalive", "blue-green-controller"],
    "batch-5": ["az-count-1", "record-type-choice", "alb-ingress-cidr", "name-underscore", "alb-idle-above-backend-keepalive",
                "release-pattern-wildcards", "alarm-cpu-threshold"],
    "batch-6": ["az-count-above-region", "environment-variable-name", "environment-upper-case", "untagged-expiry-0",
                "verify-load-users-cap", "alarm-subscription-protocol", "alb-waf-rate-limit", "canary-percent-range"],
    "batch-7": ["nat-mode-choice", "arm64-on-spot", "verify-url-http", "alarm-aws-managed-key", "alb-logs-retention",
                "bake-time-range"],
    "batch-8": ["subnets-do-not-fit", "verify-min-rps-above-rate", "alarm-container-insights", "strategy-unknown"],
    "batch-9": ["flow-logs-traffic-choice"],
    "region-empty": ["region-empty"],
    "endpoint-without-scheme": ["endpoint-without-scheme"],
}
RUN_OF = {case: run for run, cases in RUNS.items() for case in cases}
CASES = {case: (extras, message) for case, extras, message in BAD_INPUTS}


def variables(extras):
    """The variables a list of -e arguments sets."""
    names = set()
    for extra in extras:
        names |= set(json.loads(extra)) if extra.startswith("{") else {extra.split("=", 1)[0]}
    return names


# One run with several problems in different roles: all are reported, in one failure.
SEVERAL = ["vpc_cidr=10.0.0.0/8", "autoscaling_cpu_target=150", "fozzy_environment=Prod"]
SEVERAL_MESSAGES = [
    "- fozzy_environment=Prod is not allowed: use 2 to 16 lower case letters",
    "- vpc_cidr: 10.0.0.0/8 has a /8 prefix; AWS allows /16 to /28",
    "- autoscaling_cpu_target=150 is not allowed: use a percentage above 0 and at most 100.",
]

# A wrong type and a wrong choice in one role do not hide its cross-field problems or another role's.
SPEC_AND_RULES = ["vpc_nat_gateway_mode=double", "vpc_cidr=10.0.0.0/8", "ecs_service_memory=4096"]
SPEC_AND_RULES_MESSAGES = [
    "- vpc role argument spec: value of vpc_nat_gateway_mode must be one of: single, per_az, got: double",
    "- vpc_cidr: 10.0.0.0/8 has a /8 prefix",
    "- ecs_service_cpu=4096 with ecs_service_memory=4096 is not allowed together: that is not a Fargate task size",
]

PREFLIGHT_ONLY = """\
- name: Preflight of the local inventory alone
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/inboxwine.fozzy.aws:
      region: "{{ fozzy_aws_region }}"
      endpoint_url: "{{ fozzy_aws_endpoint_url | default(omit) }}"
  tasks:
    - name: Preflight
      ansible.builtin.import_role: {name: inboxwine.fozzy.preflight}
    - name: Check what preflight hands on
      ansible.builtin.assert:
        that: preflight_result.aws_account_id is match('^[0-9]{12}$')
"""

NO_REGION_INVENTORY = (
    "all:\n  hosts:\n    localhost:\n      ansible_connection: local\n"
    "      ansible_python_interpreter: '{{ ansible_playbook_python }}'\n"
    "  vars:\n    fozzy_environment: it\n    fozzy_name: fozzy-api\n    fozzy_domain_name: fozzy-api.inbox.wine\n"
    "    fozzy_hosted_zone_name: inbox.wine\n    fozzy_tags: {Project: fozzy}\n"
)


def flat(result):
    """stdout and stderr of a run with all white space folded to single spaces."""
    return " ".join((result.stdout + result.stderr).split())


def report(result):
    """The failure preflight reports (the folded text from 'Preflight found' on), or ''."""
    text = flat(result)
    return text[text.find("Preflight found"):] if "Preflight found" in text else ""


def problem_count(result):
    """(the N of "Preflight found N problems", the number of "- " lines listed under it)."""
    lines = (result.stdout + result.stderr).splitlines()
    header = [i for i, line in enumerate(lines) if "Preflight found" in line]
    if not header:
        return None, 0
    found = re.search(r"Preflight found (\d+) problems? in the inputs", lines[header[-1]])
    listed = 0
    for line in lines[header[-1] + 1:]:
        if not line.strip().startswith("- "):
            break
        listed += 1
    return int(found.group(1)) if found else None, listed


@pytest.fixture(scope="module")
def corpus(emulator, tmp_path_factory):
    """Runs every playbook of this file in a pool against one emulator holding the zone."""
    emulator.reset()
    emulator.client("route53").create_hosted_zone(Name=ZONE, CallerReference="test_preflight")
    tmp = tmp_path_factory.mktemp("preflight")
    (tmp / "preflight.yml").write_text(PREFLIGHT_ONLY)
    (tmp / "no-region.yml").write_text(NO_REGION_INVENTORY)

    site = ["playbooks/site.yml", "-i", "inventories/local"]
    # First the run that mostly waits (the SDK retries the refused connection with backoff).
    runs = {"unreachable": site + ["-e", "fozzy_aws_endpoint_url=http://127.0.0.1:9"]}
    runs.update({run: site + [arg for case in cases for extra in CASES[case][0] for arg in ("-e", extra)]
                 for run, cases in RUNS.items()})
    runs["several"] = site + [arg for extra in SEVERAL for arg in ("-e", extra)]
    runs["spec-and-rules"] = site + [arg for extra in SPEC_AND_RULES for arg in ("-e", extra)]
    runs["valid"] = [tmp / "preflight.yml", "-i", "inventories/local"]
    runs["no-region"] = ["playbooks/site.yml", "-i", tmp / "no-region.yml"]

    before = snapshot(emulator.client)
    with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {case: pool.submit(emulator.playbook, *args) for case, args in runs.items()}
        results = {case: future.result() for case, future in futures.items()}
    after = snapshot(emulator.client)
    return {"results": results, "before": before, "after": after}


def test_corpus_is_large_enough():
    assert len(BAD_INPUTS) >= 30
    assert len({case for case, _, _ in BAD_INPUTS}) == len(BAD_INPUTS)


def test_runs_keep_interacting_inputs_apart():
    """Every input is in exactly one run; no run sets a variable twice or holds two inputs that
    could change each other's problems."""
    listed = [case for cases in RUNS.values() for case in cases]
    assert sorted(listed) == sorted(CASES), "every input in exactly one run"
    assert set(PROBLEMS) <= set(CASES)
    for run, cases in RUNS.items():
        names = [name for case in cases for name in variables(CASES[case][0])]
        assert len(names) == len(set(names)), f"{run} sets a variable twice: {sorted(names)}"
        for reason, group in INTERACTING:
            assert len(group & set(cases)) <= 1, f"{run} holds {sorted(group & set(cases))} ({reason})"


@pytest.mark.parametrize("case,extras,message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_stops_before_any_change(corpus, case, extras, message):
    run = RUN_OF[case]
    result = corpus["results"][run]
    assert result.returncode != 0
    assert "Traceback" not in flat(result)
    assert message in report(result), flat(result)[-3000:]
    # the other inputs of the run neither hid a problem nor added one
    expected = sum(PROBLEMS.get(other, 1) for other in RUNS[run])
    assert problem_count(result) == (expected, expected), f"{run} {RUNS[run]}:\n{report(result)}"
    assert corpus["after"] == corpus["before"]


def test_several_problems_are_reported_together(corpus):
    result = corpus["results"]["several"]
    assert result.returncode != 0
    text = report(result)
    assert text.startswith("Preflight found 3 problems in the inputs; nothing was changed in AWS:"), flat(result)[-3000:]
    for message in SEVERAL_MESSAGES:
        assert message in text
    # one failure ends the run; the problems of the roles were collected (rescued), not fatal
    assert re.search(r"localhost\s*:.*\bfailed=1\b", result.stdout)
    assert corpus["after"] == corpus["before"]


def test_argument_spec_errors_do_not_hide_other_problems(corpus):
    result = corpus["results"]["spec-and-rules"]
    assert result.returncode != 0
    text = report(result)
    for message in SPEC_AND_RULES_MESSAGES:
        assert message in text, flat(result)[-3000:]


def test_valid_inputs_pass_preflight(corpus):
    result = corpus["results"]["valid"]
    assert result.returncode == 0, flat(result)[-3000:]


def test_missing_region_is_named(corpus):
    # An inventory without fozzy_aws_region: the argument spec of preflight names it.
    result = corpus["results"]["no-region"]
    assert result.returncode != 0
    assert "missing required arguments: fozzy_aws_region" in flat(result)


def test_unreachable_endpoint_gives_one_clear_error(corpus):
    result = corpus["results"]["unreachable"]
    assert result.returncode != 0
    output = flat(result)
    assert "Cannot talk to AWS at http://127.0.0.1:9" in output
    assert "Traceback" not in output
