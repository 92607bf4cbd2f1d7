# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the stack-wide fozzy_* variables, checked with every role's inputs."""

import re

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.checks import tag_problems
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.inputs import RENAMED, SHARED, as_int, not_allowed, rule

# fozzy_environment and fozzy_name: 2 to 16 lower case letters, digits, hyphens.
ID = re.compile(r"^[a-z][a-z0-9-]{0,14}[a-z0-9]$")
# DNS name: labels of letters, digits and hyphens (not at either end), an optional final dot.
DNS_NAME = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?\.?$")
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
URL = re.compile(r"^https?://[^\s/?#]+(/\S*)?$")


def is_dns_name(value):
    return isinstance(value, str) and bool(DNS_NAME.match(value))


def account_id_problems(variable, value):
    """An AWS account id input: 12 digits, or empty (looked up, or preflight's)."""
    account = "" if value is None else str(value)
    if account and not (account.isdigit() and len(account) == 12):
        yield not_allowed(variable, value, 'use the 12 digits of the AWS account id, or "" to have it looked up.')


def in_zone(name, zone):
    """Whether DNS name ``name`` is ``zone`` or inside it (final dots ignored)."""
    name, zone = name.rstrip("."), zone.rstrip(".")
    return name == zone or name.endswith("." + zone)


@rule(SHARED)
def names(inputs):
    for variable, example in (("fozzy_environment", "production, staging"), ("fozzy_name", "fozzy-api")):
        value = inputs.get(variable)
        if value is not None and not ID.match(str(value)):
            yield not_allowed(variable, value, "use 2 to 16 lower case letters, digits or hyphens, starting with a"
                              f" letter and not ending with a hyphen (for example {example}).")


@rule(SHARED)
def region(inputs):
    value = inputs.get("fozzy_aws_region")
    if value is not None and not REGION.match(str(value)):
        yield not_allowed("fozzy_aws_region", value, "it must be a region name like eu-central-1.")


@rule(SHARED)
def endpoint(inputs):
    value = inputs.get("fozzy_aws_endpoint_url")
    if value is not None and not URL.match(str(value)):
        yield not_allowed("fozzy_aws_endpoint_url", value, "use an http:// or https:// URL such as"
                          " http://127.0.0.1:5000, or leave it unset for AWS itself.")


@rule(SHARED)
def domain(inputs):
    zone = inputs.get("fozzy_hosted_zone_name")
    if zone is not None and not is_dns_name(zone):
        yield not_allowed("fozzy_hosted_zone_name", zone, "use a lower case DNS name like inbox.wine (the existing"
                          " public hosted zone).")
        return
    name = inputs.get("fozzy_domain_name")
    if name is not None and zone is not None and not (is_dns_name(name) and in_zone(name, zone)):
        yield not_allowed("fozzy_domain_name", name, f"it must be a lower case DNS name inside fozzy_hosted_zone_name="
                          f"{zone}, like fozzy-api.{zone.rstrip('.')}.")


@rule(SHARED)
def tags(inputs):
    if "fozzy_tags" in inputs:
        yield from tag_problems(inputs["fozzy_tags"], "fozzy_tags")


# Shared values that moved from the ecs_service role to fozzy_* in 0.2.0 (roles/stack_defaults).
RENAMED.update({
    "ecs_service_container_port": ("fozzy_container_port", "0.3.0"),
    "ecs_service_health_check_path": ("fozzy_health_check_path", "0.3.0"),
})


@rule(SHARED)
def container_port(inputs):
    port = inputs.get("fozzy_container_port")
    if port is not None and not (as_int(port) is not None and 1 <= as_int(port) <= 65535):
        yield not_allowed("fozzy_container_port", port, "use a port from 1 to 65535 (the API containers listen on it).")


@rule(SHARED)
def health_check_path(inputs):
    path = inputs.get("fozzy_health_check_path")
    if path is not None and not re.match(r"^/[\x21-\x7e]{0,1023}$", str(path)):
        yield not_allowed("fozzy_health_check_path", path, 'use a path starting with "/", at most 1024 printable'
                          " characters without spaces, like /health.")
