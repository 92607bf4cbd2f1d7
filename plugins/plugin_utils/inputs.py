# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The input checks of the stack: rules as small Python functions, one engine that runs them.

A rule is a function of the inputs that yields problems, each one sentence naming the
variable(s), the bad value(s) and what is allowed. Rules are registered per role with
``@rule("<role>")`` in ``plugin_utils/rules/<role>.py``; ``@rule(STACK)`` marks a rule
between the inputs of several roles, which only a check of the whole stack (preflight) runs
(written in the module of the role it mainly concerns).
The action plugin ``inboxwine.fozzy.validate_inputs`` gives the engine the templated
variables; the engine is plain Python, so every rule is unit-tested without Ansible.

A rule reads its inputs from an :class:`Inputs`: ``inputs["vpc_cidr"]`` is the value after
the role's argument spec converted it (``int``, ``bool``, ``list`` ...). A rule that reads an
input the argument spec already refused is not reported again: the spec's error says it.
"""

import importlib
import json

# Roles in the order a deploy uses them; their rules run (and report) in this order.
# verify is not a step of a deploy; it checks the endpoint afterwards (playbooks/verify.yml).
ROLES = ("vpc", "certificate", "ecr", "load_balancer", "ecs_service", "monitoring", "autoscaling", "dns", "outputs",
         "verify")
# Rules of the variables every role shares (fozzy_*), and rules between several roles.
SHARED = "shared"
STACK = "stack"

_RULES = {}
_IMPORTED = set()
# Public variables renamed: old name -> (new name, collection version that drops the old one).
# The old name keeps working until then (the new one defaults to it) with a deprecation warning.
RENAMED = {}


def rule(scope):
    """Register the decorated function as a rule of ``scope`` (a role, SHARED or STACK)."""

    def register(function):
        _RULES.setdefault(scope, []).append(function)
        return function

    return register


def rules_of(scope):
    """The rules of ``scope``. A role's rules are in ``plugin_utils/rules/<role>.py``, the shared
    ones in ``shared.py``; a STACK rule lives in the module of the role it mainly concerns, so
    the STACK scope imports every module."""
    for module in (ROLES + (SHARED,)) if scope == STACK else (scope,):
        if module not in _IMPORTED:
            try:
                importlib.import_module(f"ansible_collections.inboxwine.fozzy.plugins.plugin_utils.rules.{module}")
            except ModuleNotFoundError as exc:
                if not exc.name.endswith(f"rules.{module}"):
                    raise
            _IMPORTED.add(module)
    return list(_RULES.get(scope, ()))


class Refused(Exception):
    """Raised when a rule reads an input the argument spec refused (already reported)."""


class Inputs:
    """Read-only view of the variables a check sees.

    ``values``: name -> value (converted by the argument spec where it has the name);
    ``refused``: names whose value the argument spec refused; ``facts``: what preflight read
    from AWS (``availability_zones``, ``hosted_zones``), empty when a role checks itself.
    """

    def __init__(self, values, refused=(), facts=None):
        self._values = values
        self._refused = set(refused)
        self.facts = dict(facts or {})

    def __getitem__(self, name):
        if name in self._refused:
            raise Refused(name)
        try:
            return self._values[name]
        except KeyError:
            raise Refused(name) from None

    def __contains__(self, name):
        return name in self._values and name not in self._refused

    def get(self, name, default=None):
        return self[name] if name in self else default


def show(value):
    """A value as a user wrote it in YAML or with -e: scalars plain, lists and dicts as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, sort_keys=True, default=str)
    return "" if value is None else str(value)


def not_allowed(name, value, allowed):
    """``name=value is not allowed: allowed`` for a problem of one input."""
    return f"{name}={show(value)} is not allowed: {allowed}"


def together(values, allowed):
    """A problem between several inputs: names every one with its value.

    ``values`` is a sequence of (name, value) pairs in the order the sentence reads best.
    """
    named = " with ".join(f"{name}={show(value)}" for name, value in values)
    return f"{named} is not allowed together: {allowed}"


def as_int(value):
    """``int(value)`` for an int-like input, else None (a rule then reports its own problem)."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def within(value, lowest, highest):
    """Whether ``value`` is a whole number from ``lowest`` to ``highest``."""
    number = as_int(value)
    return number is not None and lowest <= number <= highest


def check(scopes, inputs):
    """Every problem the rules of ``scopes`` find in ``inputs``, in order, without repeats."""
    problems = []
    for scope in scopes:
        for function in rules_of(scope):
            try:
                found = list(function(inputs) or ())
            except Refused:
                continue
            for problem in found:
                if problem not in problems:
                    problems.append(problem)
    return problems


def report(problems, subject="Preflight"):
    """The one message a failed check prints: every problem, one line each."""
    count = len(problems)
    return (f"{subject} found {count} problem{'' if count == 1 else 's'} in the inputs; nothing was changed in AWS:\n- "
            + "\n- ".join(problems))


def preflight_result(caller, facts, inputs):
    """What preflight hands on: the account, the region's zones and the hosted zone's id."""
    from ansible_collections.inboxwine.fozzy.plugins.filter.dns import public_zone_ids

    zone = inputs.get("fozzy_hosted_zone_name", "").rstrip(".")
    zone_ids = public_zone_ids(facts.get("hosted_zones"), zone)
    return {
        "aws_account_id": caller.get("account", ""),
        "availability_zones": sorted(facts.get("availability_zones") or ()),
        "hosted_zone_id": zone_ids[0] if len(zone_ids) == 1 else "",
        "hosted_zone_name": zone,
    }
