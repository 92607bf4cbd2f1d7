# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the ECS modules (ecs_fargate_cluster, ecs_service_deploy) share.

- Capacity provider strategies: ``strategy_from_options()`` turns module options into the
  API form, ``normalise_strategy()`` puts an API answer into the same form (sorted, with
  weight and base) so the two compare, ``strategy_view()`` is the snake_case form modules
  return. ``capacity_provider_strategy_problems()`` is the input rule the modules and the
  ecs_service role's input checks share.
- Tags: ``ecs_tags()`` reads the ``[{key, value}]`` list of a cluster or service,
  ``reconcile_ecs_tags()`` brings them to O(tags) with TagResource / UntagResource through
  the collection's one tag helper (tags.py).

The service logic (field table, compare, update, waits) is in ecs_service.py.
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import whole_number
from ansible_collections.inboxwine.fozzy.plugins.module_utils.tags import reconcile_tags

# AWS limits of a capacity provider strategy (botocore 1.44 API docs of CreateService and
# CapacityProviderStrategyItem).
MAX_STRATEGY_PROVIDERS = 20
MAX_WEIGHT = 1000
MAX_BASE = 100000
# What a strategy item means when it leaves them out (the modules' option defaults).
DEFAULT_WEIGHT = 1
DEFAULT_BASE = 0


# --- capacity provider strategies ---------------------------------------------------------


def normalise_strategy(items):
    """API-form strategy items (``capacityProvider``, ``weight``, ``base``) sorted by provider.

    AWS leaves out a weight or base of 0; they are filled in, so that a strategy read back
    compares equal to the one sent.
    """
    return sorted(
        (
            {"capacityProvider": i["capacityProvider"], "weight": int(i.get("weight", 0)), "base": int(i.get("base", 0))}
            for i in items or []
        ),
        key=lambda i: i["capacityProvider"],
    )


def strategy_from_options(items):
    """The API form of a strategy option (``capacity_provider``, ``weight``, ``base``); None stays None."""
    if items is None:
        return None
    return normalise_strategy(
        {
            "capacityProvider": item["capacity_provider"],
            "weight": DEFAULT_WEIGHT if item.get("weight") is None else item["weight"],
            "base": DEFAULT_BASE if item.get("base") is None else item["base"],
        }
        for item in items
    )


def strategy_view(items):
    """The snake_case form modules return and diff: ``[{capacity_provider, weight, base}]``, sorted."""
    return [
        {"capacity_provider": i["capacityProvider"], "weight": i["weight"], "base": i["base"]}
        for i in normalise_strategy(items)
    ]


def _shown(value):
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def capacity_provider_strategy_problems(strategy, providers=None, name="capacity_provider_strategy",
                                        providers_name="capacity_providers", allow_empty=True):
    """Problems of a capacity provider strategy, one sentence each (empty list when fine).

    ``strategy`` is a list of ``{capacity_provider, weight, base}`` (weight defaults to 1,
    base to 0). ``providers``, when given, are the cluster's capacity providers, which the
    strategy may only name. ``name`` and ``providers_name`` are the option or variable names
    the sentences use; ``allow_empty=False`` makes an empty strategy a problem (a role that
    must place its tasks somewhere). Rules: at most 20 providers, weight 0 to 1000, base 0 to
    100000, only one provider with a base above 0, and at least one with a weight above 0.
    """
    prefix = f"{name}={_shown(strategy)} is not allowed: "
    if strategy is None:
        strategy = []
    if not isinstance(strategy, (list, tuple)):
        return [prefix + "use a list of capacity providers, each a mapping with capacity_provider, weight"
                f" (0 to {MAX_WEIGHT}, default {DEFAULT_WEIGHT}) and base (0 to {MAX_BASE}, default {DEFAULT_BASE})."]
    if not strategy:
        if allow_empty:
            return []
        among = f" of {providers_name}={_shown(list(providers))}" if providers is not None else ""
        return [prefix + f"name at least one capacity provider{among} to place the tasks with."]

    problems = []
    if len(strategy) > MAX_STRATEGY_PROVIDERS:
        problems.append(prefix + f"it names {len(strategy)} capacity providers; use at most {MAX_STRATEGY_PROVIDERS}.")
    items = []
    for item in strategy:
        provider = item.get("capacity_provider") if isinstance(item, dict) else None
        if not isinstance(provider, str) or not provider:
            problems.append(prefix + f"{_shown(item)} names no capacity provider; give each item a capacity_provider"
                            " such as FARGATE or FARGATE_SPOT.")
            continue
        given_weight = DEFAULT_WEIGHT if item.get("weight") is None else item["weight"]
        given_base = DEFAULT_BASE if item.get("base") is None else item["base"]
        weight, base = whole_number(given_weight), whole_number(given_base)
        if weight is None or base is None or not 0 <= weight <= MAX_WEIGHT or not 0 <= base <= MAX_BASE:
            problems.append(
                prefix + f"{provider} has weight {_shown(given_weight)} and base {_shown(given_base)};"
                f" use a weight of 0 to {MAX_WEIGHT} and a base of 0 to {MAX_BASE} (whole numbers)."
            )
            continue
        items.append((provider, weight, base))

    if providers is not None:
        unknown = [provider for provider in dict.fromkeys(p for p, _w, _b in items) if provider not in providers]
        if unknown:
            problems.append(
                prefix + f"it uses {', '.join(unknown)}, which {'is' if len(unknown) == 1 else 'are'} not in"
                f" {providers_name} ({', '.join(providers) or 'none'}); use only capacity providers of the cluster."
            )
    with_base = [provider for provider, _weight, base in items if base > 0]
    if len(with_base) > 1:
        problems.append(
            prefix + f"only one capacity provider may have a base above 0, but {' and '.join(with_base)} have one;"
            " give the base to one of them."
        )
    if len(items) == len(strategy) and not any(weight for _provider, weight, _base in items):
        problems.append(
            prefix + "at least one capacity provider needs a weight above 0, or ECS places no task beyond the base."
        )
    return problems


# --- tags ----------------------------------------------------------------------------------


def ecs_tags(resource):
    """The tags of an ECS cluster or service as a dict (ECS lists them as ``[{key, value}]``)."""
    return boto3_tag_list_to_ansible_dict((resource or {}).get("tags") or [], "key", "value")


def ecs_tag_list(tags):
    """A tag dict as ECS takes it: ``[{key, value}]``."""
    return ansible_dict_to_boto3_tag_list(tags or {}, "key", "value")


def reconcile_ecs_tags(module, ecs, arn, current, desired, purge_tags, what):
    """Bring the tags of the ECS resource ``arn`` from ``current`` (dict) to ``desired``; see tags.reconcile_tags."""
    return reconcile_tags(
        module,
        current,
        desired,
        purge_tags,
        add=lambda tags: ecs.tag_resource(resourceArn=arn, tags=ecs_tag_list(tags), aws_retry=True),
        remove=lambda keys: ecs.untag_resource(resourceArn=arn, tagKeys=keys, aws_retry=True),
        what=what,
    )


# --- deployment strategies ---------------------------------------------------------------

# ECS's native deployment strategies and their ranges (ECS API reference, DeploymentConfiguration,
# LinearConfiguration and CanaryConfiguration, botocore 1.44).
DEPLOYMENT_STRATEGIES = ("ROLLING", "BLUE_GREEN", "LINEAR", "CANARY")
DEPLOYMENT_CONTROLLERS = ("ECS", "CODE_DEPLOY", "EXTERNAL")
BAKE_MINUTES = (0, 1440)
STEP_PERCENT = (3.0, 100.0)
CANARY_PERCENT = (0.1, 100.0)


def _number_within(value, low, high, whole=True):
    if isinstance(value, bool) or value is None:
        return False
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return low <= number <= high and (not whole or number == int(number))


def deployment_strategy_problems(settings, names):
    """Problems of a deployment strategy and its parameters; the input rule the ecs_service_deploy
    module and the ecs_service role's input checks share.

    ``settings``: ``strategy`` (ROLLING, BLUE_GREEN, LINEAR or CANARY), ``bake_time``,
    ``step_percent``, ``step_bake_time``, ``canary_percent``, ``canary_bake_time`` (None when not
    set) and ``controller`` (the deployment controller type, None for ECS's default).
    ``names``: the same keys -> the name of the input each one comes from, for the messages.
    Only the parameters of the chosen strategy are checked; BLUE_GREEN needs a bake time, and
    every strategy but ROLLING needs the ECS deployment controller.
    """
    strategy = settings.get("strategy")

    def problem(key, allowed):
        return f"{names[key]}={settings.get(key)} is not allowed: {allowed}"

    if strategy not in DEPLOYMENT_STRATEGIES:
        return [problem("strategy", "use one of " + ", ".join(names.get("choices", DEPLOYMENT_STRATEGIES)) + ".")]
    problems = []
    checks = {
        "BLUE_GREEN": [("bake_time", BAKE_MINUTES, True)],
        "LINEAR": [("bake_time", BAKE_MINUTES, True), ("step_percent", STEP_PERCENT, False),
                   ("step_bake_time", BAKE_MINUTES, True)],
        "CANARY": [("bake_time", BAKE_MINUTES, True), ("canary_percent", CANARY_PERCENT, False),
                   ("canary_bake_time", BAKE_MINUTES, True)],
    }.get(strategy, [])
    for key, (low, high), whole in checks:
        value = settings.get(key)
        if value is None and key != "bake_time":
            problems.append(problem(key, f"{strategy} needs it (ECS requires it)."))
        elif value is None and strategy == "BLUE_GREEN":
            problems.append(problem(key, "BLUE_GREEN needs a bake time (ECS requires bakeTimeInMinutes)."))
        elif value is not None and not _number_within(value, low, high, whole):
            unit = "whole minutes" if whole else "percent"
            shown_low, shown_high = (int(low), int(high)) if whole else (low, int(high))
            problems.append(problem(key, f"use {shown_low} to {shown_high} {unit} (the range ECS accepts)."))
    controller = settings.get("controller")
    if strategy != "ROLLING" and controller not in (None, "ECS"):
        problems.append(
            f"{names['strategy']}={settings.get('strategy')} with {names['controller']}={controller} is not allowed"
            " together: blue/green, linear and canary deployments are ECS's own, they need the ECS deployment controller."
        )
    return problems
