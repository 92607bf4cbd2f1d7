# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of inboxwine.fozzy.validate_inputs (documented in plugins/modules/validate_inputs.py).

Gathers the variables of the roles asked for (their defaults under what the play sets),
checks them against each role's argument spec, runs the rules of plugin_utils/rules on them
and fails once, listing every problem. Runs on the controller; never calls AWS.
"""

import pathlib
import re

from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase
from ansible.utils.vars import combine_vars

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils import inputs as engine

COLLECTION = pathlib.Path(__file__).resolve().parents[2]
# The role whose defaults hold the stack-wide fozzy_* values the roles share.
STACK_DEFAULTS_ROLE = "stack_defaults"


class _Templated:
    """Variables templated when a check first reads them."""

    def __init__(self, templar, variables):
        self._templar = templar
        self._variables = variables
        self._done = {}
        self.problems = []

    def __contains__(self, name):
        return name in self._variables

    def __getitem__(self, name):
        if name not in self._done:
            try:
                self._done[name] = self._templar.template(self._variables[name])
            except AnsibleError as exc:
                self.problems.append(f"{name} could not be worked out: {exc.message}")
                raise engine.Refused(name) from None
        return self._done[name]


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self._task.args
        stack = bool(args.get("stack", False))
        roles = list(engine.ROLES) if stack else list(args.get("roles") or [])
        unknown = [role for role in roles if role not in engine.ROLES]
        if unknown or not roles:
            raise AnsibleError(f"validate_inputs: roles={roles} is not allowed: use one or more of {', '.join(engine.ROLES)}"
                               " (or stack: true for all of them)")
        # A play that ran preflight has checked every role's inputs already.
        if not stack and "preflight_result" in task_vars:
            return dict(result, changed=False, skipped=True, skip_reason="preflight checked these inputs in this play")

        variables = combine_vars(self._role_defaults([STACK_DEFAULTS_ROLE] + roles), task_vars)
        values = _Templated(self._templar.copy_with_new_env(available_variables=variables), variables)

        problems, refused, converted = [], set(), {}
        for role in (["preflight"] if stack else []) + roles:
            spec = self._argument_spec(role)
            provided = {}
            for name in spec:
                if name in values:
                    try:
                        provided[name] = values[name]
                    except engine.Refused:
                        refused.add(name)
            validated = ArgumentSpecValidator(spec).validate(provided, validate_role_argument_spec=True)
            for error in validated.errors.messages:
                problems.append(f"{role} role argument spec: {error}")
            refused.update(name for name in provided if _named(name, validated.errors.messages))
            converted.update({name: validated.validated_parameters[name] for name in provided
                              if name in validated.validated_parameters})

        facts = args.get("facts") or {}
        caller = args.get("aws_caller")
        if caller is not None and not caller.get("account"):
            problems.insert(0, _unreachable(caller, task_vars.get("fozzy_aws_endpoint_url"), values))
        checked = engine.Inputs(_Overlay(converted, values), refused=refused, facts=facts)
        scopes = [engine.SHARED] + roles + ([engine.STACK] if stack else [])
        found = engine.check(scopes, checked)
        problems += [problem for problem in values.problems + found if problem not in problems]

        for old, (new, version) in sorted(engine.RENAMED.items()):
            if old in task_vars:
                result.setdefault("deprecations", []).append({
                    "msg": f"{old} is deprecated: set {new} instead (it is used for {new} until then)",
                    "version": version, "collection_name": "inboxwine.fozzy"})

        result.update(changed=False, problems=problems)
        if problems:
            result.update(failed=True, msg=engine.report(problems, "Preflight" if stack else f"The {roles[0]} role"
                                                         if len(roles) == 1 else "The input check"))
        elif stack:
            result["ansible_facts"] = {"preflight_result": engine.preflight_result(caller or {}, facts, checked)}
        return result

    def _role_defaults(self, roles):
        defaults = {}
        for role in roles:
            path = COLLECTION / "roles" / role / "defaults" / "main.yml"
            if path.is_file():
                defaults = combine_vars(defaults, self._loader.load_from_file(str(path), trusted_as_template=True) or {})
        return defaults

    def _argument_spec(self, role):
        path = COLLECTION / "roles" / role / "meta" / "argument_specs.yml"
        if not path.is_file():
            return {}
        specs = self._loader.load_from_file(str(path)) or {}
        return (specs.get("argument_specs") or {}).get("main", {}).get("options") or {}


class _Overlay:
    """The argument spec's converted values over the templated ones."""

    def __init__(self, converted, values):
        self._converted = converted
        self._values = values

    def __contains__(self, name):
        return name in self._converted or name in self._values

    def __getitem__(self, name):
        return self._converted[name] if name in self._converted else self._values[name]


def _named(name, messages):
    return any(re.search(rf"\b{re.escape(name)}\b", message) for message in messages)


def _unreachable(caller, endpoint, values):
    where = endpoint or f"the endpoint of region {values['fozzy_aws_region'] if 'fozzy_aws_region' in values else '?'}"
    hint = " (is the emulator running? `make emulator-start`)" if endpoint else ""
    return (f"Cannot talk to AWS at {where}: {caller.get('msg') or 'no answer'}. Check the credentials and the network{hint}.")
