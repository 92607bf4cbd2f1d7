#!/usr/bin/env python3
"""Write the surveys of awx/config.yml from the argument specs of the roles and playbooks.

    scripts/awx_surveys.py            rewrite the generated survey blocks of awx/config.yml
    scripts/awx_surveys.py --check    fail (exit 1) when a block is out of date

A block sits between the lines

    # BEGIN generated survey: <role or playbook> <variable> [<variable> ...] [required=<variable>,...]
    # END generated survey

and becomes the template's `survey_spec`: one question per variable, made from its entry in
roles/<role>/meta/argument_specs.yml (entry point main) or, for a playbook's own variables,
awx/extra_var_specs.yml. type str -> text (multiplechoice with choices), int ->
integer, float -> float, bool -> multiplechoice of true/false, list -> multiselect (with
choices) or textarea; the spec's default, description and choices, and min/max where the
spec has them. `required=` names the questions that must be answered. The block's
indentation is the markers'.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "awx" / "config.yml"
PLAYBOOK_SPECS = ROOT / "awx" / "extra_var_specs.yml"
BEGIN = re.compile(r"^(?P<indent>\s*)# BEGIN generated survey: (?P<args>.+?)\s*$")
END = re.compile(r"^\s*# END generated survey\s*$")


def spec_options(source, root=ROOT):
    """The options of a role's main entry point, or of a playbook in awx/extra_var_specs.yml."""
    role_spec = root / "roles" / source / "meta" / "argument_specs.yml"
    if role_spec.exists():
        return yaml.safe_load(role_spec.read_text())["argument_specs"]["main"]["options"]
    playbooks = yaml.safe_load((root / "awx" / "extra_var_specs.yml").read_text())["argument_specs"]
    if source in playbooks:
        return playbooks[source]["options"]
    raise SystemExit(f"awx_surveys: no argument spec for {source!r} (neither a role nor a playbook of awx/extra_var_specs.yml)")


def _text(description):
    text = " ".join(description) if isinstance(description, list) else str(description or "")
    # ansible-doc markup to plain text: C(x), O(x), V(x), M(x) -> x
    return re.sub(r"\b[COVMIPLU]\(([^)]*)\)", r"\1", " ".join(text.split()))


def question(variable, option, required=False):
    """One survey question of the option `variable` of an argument spec."""
    kind = option.get("type", "str")
    choices = option.get("choices")
    default = option.get("default")
    item = {"variable": variable, "question_name": variable, "question_description": _text(option.get("description")),
            "required": bool(required)}
    if kind == "bool":
        item.update(type="multiplechoice", choices=["true", "false"], default="true" if default else "false")
    elif choices and kind == "list":
        item.update(type="multiselect", choices=[str(c) for c in choices], default="\n".join(map(str, default or [])))
    elif choices:
        item.update(type="multiplechoice", choices=[str(c) for c in choices], default="" if default is None else str(default))
    elif kind == "int":
        item.update(type="integer", default="" if default is None else int(default))
    elif kind == "float":
        item.update(type="float", default="" if default is None else float(default))
    elif kind == "list":
        item.update(type="textarea", default="\n".join(map(str, default or [])))
    else:
        item.update(type="text", default="" if default is None else str(default))
    for bound in ("min", "max"):
        if bound in option:
            item[bound] = option[bound]
    return item


def survey(args, root=ROOT):
    """survey_spec of a marker's arguments: '<source> <variable>... [required=a,b]'."""
    words = args.split()
    required = set()
    for word in list(words):
        if word.startswith("required="):
            required.update(filter(None, word.split("=", 1)[1].split(",")))
            words.remove(word)
    source, variables = words[0], words[1:]
    options = spec_options(source, root)
    missing = [name for name in variables if name not in options]
    if missing:
        raise SystemExit(f"awx_surveys: {', '.join(missing)} not in the argument spec of {source}")
    return {"name": "", "description": f"From the argument spec of {source}", "spec": [
        question(name, options[name], name in required) for name in variables]}


class _Dumper(yaml.SafeDumper):
    """Block sequences indented under their key, as yamllint wants."""

    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)


def render(text, root=ROOT):
    """The config text with every generated block written anew."""
    out, lines, i = [], text.splitlines(keepends=True), 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        match = BEGIN.match(line)
        i += 1
        if not match:
            continue
        while i < len(lines) and not END.match(lines[i]):
            i += 1
        if i == len(lines):
            raise SystemExit(f"awx_surveys: no '# END generated survey' after: {line.strip()}")
        indent = match.group("indent")
        body = yaml.dump({"survey_spec": survey(match.group("args"), root)}, Dumper=_Dumper, sort_keys=False, width=110)
        out.extend(indent + row + "\n" for row in body.splitlines())
        out.append(lines[i])
        i += 1
    return "".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when awx/config.yml is out of date")
    args = parser.parse_args(argv)
    current = CONFIG.read_text()
    wanted = render(current)
    if current == wanted:
        print("awx/config.yml: surveys up to date")
        return 0
    if args.check:
        sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), wanted.splitlines(True),
                                                   "awx/config.yml", "awx/config.yml (generated)"))
        print("awx/config.yml: surveys out of date; run scripts/awx_surveys.py", file=sys.stderr)
        return 1
    CONFIG.write_text(wanted)
    print("awx/config.yml: surveys written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
