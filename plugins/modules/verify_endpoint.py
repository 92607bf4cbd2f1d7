#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: verify_endpoint
version_added: 0.3.0
short_description: Check that an HTTPS endpoint serves, and measure it under a bounded load
description:
  - Checks, in this order, and reports each one.
  - V(dns) - the domain resolves and its A alias record in the hosted zone targets the stack's load
    balancer (read from Route 53 and Elastic Load Balancing). Skipped, with the reason, when O(dns)
    is not given or the host of O(url) is not O(dns.domain_name).
  - V(tls) - the certificate chain is valid for the host (O(ca_bundle) or the system's CAs), the
    certificate expires in more than O(cert_min_days) days, the protocol is TLS 1.2 or newer.
  - V(redirect) - O(http_url) answers 301 with a C(Location) on C(https://) and the same host and port.
  - V(health) - O(health_path) answers 200.
  - V(load) - a bounded load run with locust (used as a library) on O(load_paths), measuring
    requests/s, P50, P95, P99 and the error rate, compared with O(slo).
  - Traffic goes only to the host and port of O(url) and O(http_url) (or the addresses O(resolve)
    gives for them); redirects are not followed.
  - The load runs in a child Python process (the same interpreter), because locust monkey-patches the
    standard library for gevent in the process that imports it.
author:
  - Inbox Wine platform team (@inboxwine)
options:
  url:
    description:
      - HTTPS URL of the endpoint, for example V(https://fozzy-api.inbox.wine). A path is ignored;
        O(health_path) and O(load_paths) are requested on its host and port.
    type: str
    required: true
  http_url:
    description:
      - Plain HTTP URL that must redirect to O(url). Defaults to O(url) with C(http://) and port 80.
    type: str
  health_path:
    description:
      - Path that must answer 200.
    type: str
    default: /health
  load_paths:
    description:
      - Paths (with their query) the load run requests, in turn.
    type: list
    elements: str
    default: ["/recommendations?q=fresh+fruity&limit=10"]
  ca_bundle:
    description:
      - PEM file of the CAs that may sign the certificate, instead of the system's.
    type: path
  resolve:
    description:
      - C(host:port:address) entries, like curl's C(--resolve); port may be C(*). Connections to
        that host and port go to the address; the TLS server name and the Host header stay the host.
    type: list
    elements: str
    default: []
  cert_min_days:
    description:
      - The certificate must expire in more than this many days.
    type: int
    default: 14
  timeout:
    description:
      - Seconds each connection and request may take.
    type: float
    default: 10
  load:
    description:
      - The bounds of the load run. Each is capped (300 s, 200 users, 5000 requests/s, 1000000 requests).
    type: dict
    default: {}
    suboptions:
      enabled:
        description: Run the load. When V(false) only the other checks run.
        type: bool
        default: true
      duration:
        description: Seconds the load runs at most.
        type: float
        default: 10
      users:
        description: Concurrent simulated users (connections).
        type: int
        default: 10
      rate:
        description: Requests per second of all users together at most; V(0) for as fast as they go.
        type: float
        default: 50
      max_requests:
        description: Requests sent at most; the run stops when they are done.
        type: int
        default: 2000
  slo:
    description:
      - The objectives of the load run; an unset one is not checked.
    type: dict
    default: {}
    suboptions:
      p95_ms:
        description: Highest P95 latency in milliseconds.
        type: float
      max_error_rate:
        description: Highest share of failed requests (non-2xx answers, errors), 0 to 1.
        type: float
      min_rps:
        description: Fewest requests per second the run must reach.
        type: float
  dns:
    description:
      - What the V(dns) check compares. Reads Route 53 and Elastic Load Balancing (the AWS options apply).
    type: dict
    suboptions:
      domain_name:
        description: The stack's domain, for example V(fozzy-api.inbox.wine).
        type: str
        required: true
      hosted_zone_name:
        description: Public hosted zone of the domain.
        type: str
        required: true
      load_balancer_name:
        description: Name of the stack's Application Load Balancer.
        type: str
        required: true
  fail_on_problems:
    description:
      - Fail when a check or an objective fails. With V(false) the task succeeds and RV(problems)
        and RV(passed) tell (to print the report before failing in a later task).
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    details:
      - The module changes nothing anywhere; it runs every check and the load in check mode too.
  diff_mode:
    support: none
    details:
      - Nothing changes, so there is no diff.
  platform:
    platforms: all
requirements:
  - locust (for the load run)
  - cryptography (to describe a certificate that does not verify)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Verify the stack's endpoint
  inboxwine.fozzy.verify_endpoint:
    url: https://fozzy-api.inbox.wine
    dns:
      domain_name: fozzy-api.inbox.wine
      hosted_zone_name: inbox.wine
      load_balancer_name: fozzy-api-production
    load: {duration: 20, users: 20, rate: 100, max_requests: 2000}
    slo: {p95_ms: 1000, max_error_rate: 0.001, min_rps: 90}

- name: Verify a stand-in endpoint with a test CA, before DNS points at it
  inboxwine.fozzy.verify_endpoint:
    url: https://fozzy-api.inbox.test:8443
    http_url: http://fozzy-api.inbox.test:8080
    ca_bundle: /tmp/standin/ca.pem
    resolve: ["fozzy-api.inbox.test:*:127.0.0.1"]
    slo: {p95_ms: 200}
"""

RETURN = r"""
passed:
  description: Whether every check ran and passed and every objective was met.
  returned: always
  type: bool
problems:
  description: Each failed check and each missed objective, one sentence each (an objective names its variable).
  returned: always
  type: list
  elements: str
  sample: ["verify_slo_p95_ms: P95 120 ms is above the objective 100 ms"]
checks:
  description: Each check with C(name), C(passed) (null when skipped) and C(detail).
  returned: always
  type: list
  elements: dict
figures:
  description: What the load run measured (empty when it did not run).
  returned: always
  type: dict
  contains:
    rps: {description: Requests per second over the run., type: float}
    p50_ms: {description: Median latency in ms., type: int}
    p95_ms: {description: 95th percentile latency in ms., type: int}
    p99_ms: {description: 99th percentile latency in ms., type: int}
    error_rate: {description: Failed requests over all requests., type: float}
    requests: {description: Requests sent., type: int}
    failures: {description: Requests that failed., type: int}
    avg_bytes: {description: Average response body size in bytes., type: float}
    status: {description: Answers per HTTP status., type: dict}
certificate:
  description: The certificate seen, C(subject_alt_names), C(issuer), C(not_after), and when it verified C(version), C(days_left).
  returned: always
  type: dict
table:
  description: The report as lines of a table.
  returned: always
  type: list
  elements: str
"""

try:
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError:
    pass  # AnsibleAWSModule reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.inboxwine.fozzy.plugins.module_utils import verify
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_client
from ansible_collections.inboxwine.fozzy.plugins.module_utils.verify_load import LoadError, bounded, run_load


def dns_check(module, url_host, port, resolve):
    settings = module.params["dns"]
    if not settings:
        return verify.check("dns", None, "skipped: no stack to compare with (dns not given)")
    domain = settings["domain_name"].rstrip(".").lower()
    if url_host != domain:
        return verify.check("dns", None, f"skipped: the host of the URL, {url_host}, is not the stack domain {domain}")
    zone_name = settings["hosted_zone_name"].rstrip(".").lower() + "."
    try:
        route53 = aws_client(module, "route53")
        zones = route53.list_hosted_zones_by_name(DNSName=zone_name, MaxItems="10", aws_retry=True)["HostedZones"]
        zone = next((z for z in zones if z["Name"].lower() == zone_name and not z.get("Config", {}).get("PrivateZone")), None)
        records = []
        if zone:
            records = route53.list_resource_record_sets(HostedZoneId=zone["Id"], StartRecordName=domain,
                                                        StartRecordType="A", MaxItems="10",
                                                        aws_retry=True)["ResourceRecordSets"]
        elbv2 = aws_client(module, "elbv2")
        try:
            balancers = elbv2.describe_load_balancers(Names=[settings["load_balancer_name"]], aws_retry=True)["LoadBalancers"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "LoadBalancerNotFound":
                raise
            balancers = []
    except (BotoCoreError, ClientError) as exc:
        return verify.check("dns", False, f"could not read the record or the load balancer: {exc}")
    if not zone:
        return verify.check("dns", False, f"the public hosted zone {zone_name} was not found")
    return verify.check_dns(domain, records, balancers[0] if balancers else None,
                            verify.resolve_addresses(url_host, port, resolve))


def main():
    argument_spec = dict(
        url=dict(type="str", required=True),
        http_url=dict(type="str"),
        health_path=dict(type="str", default="/health"),
        load_paths=dict(type="list", elements="str", default=["/recommendations?q=fresh+fruity&limit=10"]),
        ca_bundle=dict(type="path"),
        resolve=dict(type="list", elements="str", default=[]),
        cert_min_days=dict(type="int", default=14),
        timeout=dict(type="float", default=10),
        load=dict(type="dict", default={}, options=dict(
            enabled=dict(type="bool", default=True),
            duration=dict(type="float", default=10),
            users=dict(type="int", default=10),
            rate=dict(type="float", default=50),
            max_requests=dict(type="int", default=2000),
        )),
        slo=dict(type="dict", default={}, options=dict(
            p95_ms=dict(type="float"),
            max_error_rate=dict(type="float"),
            min_rps=dict(type="float"),
        )),
        dns=dict(type="dict", options=dict(
            domain_name=dict(type="str", required=True),
            hosted_zone_name=dict(type="str", required=True),
            load_balancer_name=dict(type="str", required=True),
        )),
        fail_on_problems=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    try:
        resolve = verify.parse_resolve(params["resolve"])
        scheme, host, port = verify.split_url(params["url"])[:3]
        if scheme != "https":
            raise ValueError(f"url={params['url']} must be an https:// URL")
        http_url = params["http_url"] or f"http://{host}/"
        verify.split_url(http_url)
        load = params["load"]
        if load["enabled"]:
            bounded(load["duration"], load["users"], load["rate"], load["max_requests"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))

    base = f"https://{host}" + ("" if port == 443 else f":{port}")
    timeout = params["timeout"]
    tls, certificate = verify.check_tls(base, resolve, params["ca_bundle"], params["cert_min_days"], timeout)
    checks = [dns_check(module, host, port, resolve), tls,
              verify.check_redirect(verify.join(http_url, "/"), base + "/", resolve, timeout),
              verify.check_health(verify.join(base, params["health_path"]), resolve, params["ca_bundle"], timeout)]

    figures = {}
    if not load["enabled"]:
        checks.append(verify.check("load", None, "skipped: load.enabled is false"))
    elif tls["passed"] is False:
        checks.append(verify.check("load", None, "skipped: the TLS check failed, so no request is trusted"))
    else:
        try:
            figures = run_load(base, params["load_paths"], load["duration"], load["users"], load["rate"],
                               load["max_requests"], params["ca_bundle"], resolve, timeout)
            if figures["requests"]:
                checks.append(verify.check("load", True, f"{figures['requests']} requests in {figures['duration_s']} s,"
                                           f" {load['users']} users, rate cap {load['rate']:g}/s"))
            else:
                checks.append(verify.check("load", False, f"no request was answered within the run's {load['duration']:g} s"
                                           f" (each may take {timeout:g} s): the endpoint is too slow or does not answer"))
                figures = {}
        except LoadError as exc:
            checks.append(verify.check("load", False, str(exc)))

    problems = [f"{item['name']}: {item['detail']}" for item in checks if item["passed"] is False]
    if figures:
        problems += verify.objectives(figures, params["slo"])
    result = dict(changed=False, passed=not problems, problems=problems, checks=checks, figures=figures,
                  certificate=certificate, table=verify.table(checks, figures, params["slo"]))
    if problems and params["fail_on_problems"]:
        module.fail_json(msg="The endpoint does not serve as expected: " + "; ".join(problems), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
