#!/usr/bin/env python3
"""Keep the generated parts of each role's README.md in step with its argument spec.

    scripts/role_docs.py            rewrite the generated parts of roles/*/README.md
    scripts/role_docs.py --check    fail (exit 1) when a README is missing or out of date

Each role with a ``meta/argument_specs.yml`` has a README.md whose entry point list and
variables table are written from that file, between the markers

    <!-- BEGIN generated: entry points --> ... <!-- END generated: entry points -->
    <!-- BEGIN generated: variables --> ... <!-- END generated: variables -->

Everything outside the markers (what the role makes, what it hands on, the IAM actions it
needs) is written by hand. A role without an argument spec only needs a README.md (Galaxy
refuses a collection with a role that has none). A missing README is created with the
markers and headings to fill in (not with --check). Every entry point needs a
short_description and a description (antsibull-docs and Galaxy want both).
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = ("entry points", "variables")
COLLECTION = "inboxwine.fozzy"

SKELETON = """# {fqcn}

{summary}

## What it makes

TODO

## Entry points

<!-- BEGIN generated: entry points -->
<!-- END generated: entry points -->

## Variables

<!-- BEGIN generated: variables -->
<!-- END generated: variables -->

## What it hands on

TODO

## IAM actions it needs

TODO
"""

# Ansible documentation markup -> Markdown. Semantic markup first (O(), V(), RV(), E(), P()),
# then the classic one (C(), I(), B(), M(), U(), L()).
_MARKUP = [
    (re.compile(r"\b[OVE]\(([^()]*(?:\([^()]*\)[^()]*)*)\)"), lambda m: _code(m.group(1))),
    (re.compile(r"\bRV\(([^()]*)\)"), lambda m: _code(m.group(1))),
    (re.compile(r"\bP\(([^()#]*)(?:#[a-z]+)?\)"), lambda m: _code(m.group(1))),
    (re.compile(r"\bC\(([^()]*(?:\([^()]*\)[^()]*)*)\)"), lambda m: _code(m.group(1))),
    (re.compile(r"\bM\(([^()]*)\)"), lambda m: _code(m.group(1))),
    (re.compile(r"\bI\(([^()]*)\)"), lambda m: f"*{m.group(1)}*"),
    (re.compile(r"\bB\(([^()]*)\)"), lambda m: f"**{m.group(1)}**"),
    (re.compile(r"\bU\(([^()]*)\)"), lambda m: f"<{m.group(1)}>"),
    (re.compile(r"\bL\(([^(),]*),\s*([^()]*)\)"), lambda m: f"[{m.group(1)}]({m.group(2)})"),
    (re.compile(r"\bHORIZONTALLINE\b"), lambda m: ""),
]


def _code(text: str) -> str:
    text = text.replace("`", "'")
    return f"``{text}``" if "`" in text else f"`{text}`"


def markdown(text) -> str:
    """One table cell of Markdown from a description (a string or a list of paragraphs)."""
    if text is None:
        return ""
    if isinstance(text, list):
        text = " ".join(str(part) for part in text)
    text = " ".join(str(text).split())
    for pattern, replace in _MARKUP:
        text = pattern.sub(replace, text)
    return text.replace("|", "\\|")


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value else '""'
    return json.dumps(value)


def _type(spec: dict) -> str:
    kind = spec.get("type", "str")
    if kind == "list" and spec.get("elements"):
        kind = f"list of {spec['elements']}"
    if spec.get("choices"):
        kind += ": " + ", ".join(f"`{_value(choice)}`" for choice in spec["choices"])
    return kind


def _default(spec: dict) -> str:
    if spec.get("required"):
        return "required"
    if "default" not in spec or spec["default"] is None:
        return ""
    return _code(_value(spec["default"]))


def load_specs(role: Path) -> dict:
    with (role / "meta" / "argument_specs.yml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return data.get("argument_specs") or {}


def render_entry_points(role: Path, specs: dict) -> str:
    lines = ["| entry point | what it does |", "|---|---|"]
    for name, entry in specs.items():
        how = f"`{name}`" if name == "main" else f"`{name}` (`tasks_from: {name}`)"
        lines.append(f"| {how} | {markdown(entry.get('short_description'))} |")
    lines.append("")
    lines.append(
        f"`ansible-doc -t role {COLLECTION}.{role.name}` shows the full description of each entry point."
    )
    return "\n".join(lines)


def render_variables(role: Path, specs: dict) -> str:
    options: dict[str, dict] = {}
    used_by: dict[str, list[str]] = {}
    for entry_name, entry in specs.items():
        for name, spec in (entry.get("options") or {}).items():
            options.setdefault(name, spec or {})
            used_by.setdefault(name, []).append(entry_name)
    if not options:
        return "The role takes no variables."
    every_entry = all(len(entries) == len(specs) for entries in used_by.values())
    header = ["variable", "type", "default", "description"]
    if not every_entry:
        header.append("entry points")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, spec in options.items():
        cells = [f"`{name}`", _type(spec), _default(spec), markdown(spec.get("description"))]
        if not every_entry:
            cells.append(", ".join(f"`{entry}`" for entry in used_by[name]))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(
        f"Generated from `meta/argument_specs.yml` by `scripts/role_docs.py`; `defaults/main.yml` holds the defaults"
        f" that are worked out from other variables."
        if (role / "defaults" / "main.yml").exists()
        else "Generated from `meta/argument_specs.yml` by `scripts/role_docs.py`."
    )
    return "\n".join(lines)


def _marker(kind: str, block: str) -> str:
    return f"<!-- {kind} generated: {block} -->"


def update(text: str, block: str, content: str) -> str:
    begin, end = _marker("BEGIN", block), _marker("END", block)
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if len(pattern.findall(text)) != 1:
        raise ValueError(f"needs exactly one pair of markers {begin} ... {end}")
    return pattern.sub(lambda _: f"{begin}\n{content}\n{end}", text)


def expected_readme(role: Path, current: str) -> str:
    specs = load_specs(role)
    text = update(current, "entry points", render_entry_points(role, specs))
    return update(text, "variables", render_variables(role, specs))


def skeleton(role: Path) -> str:
    meta = role / "meta" / "main.yml"
    summary = ""
    if meta.exists():
        summary = ((yaml.safe_load(meta.read_text(encoding="utf-8")) or {}).get("galaxy_info") or {}).get(
            "description", ""
        )
    return SKELETON.format(fqcn=f"{COLLECTION}.{role.name}", summary=summary or "TODO")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only report READMEs that are missing or out of date")
    parser.add_argument("--roles-dir", type=Path, default=ROOT / "roles")
    args = parser.parse_args(argv)

    problems = []
    for role in sorted(path for path in args.roles_dir.iterdir() if path.is_dir()):
        readme = role / "README.md"
        has_specs = (role / "meta" / "argument_specs.yml").exists()
        if not readme.exists():
            if args.check:
                problems.append(f"{readme.relative_to(ROOT)}: missing")
                continue
            readme.write_text(skeleton(role) if has_specs else skeleton(role).split("\n## Entry points")[0] + "\n")
            print(f"created {readme.relative_to(ROOT)} (fill in the TODO parts)")
        if not has_specs:
            continue
        for entry_name, entry in load_specs(role).items():
            for field in ("short_description", "description"):
                if not (entry or {}).get(field):
                    problems.append(f"{role.relative_to(ROOT)}/meta/argument_specs.yml: entry point {entry_name} has no {field}")
        current = readme.read_text(encoding="utf-8")
        try:
            wanted = expected_readme(role, current)
        except ValueError as error:
            problems.append(f"{readme.relative_to(ROOT)}: {error}")
            continue
        if wanted == current:
            continue
        if args.check:
            diff = difflib.unified_diff(
                current.splitlines(), wanted.splitlines(), f"{readme.relative_to(ROOT)} (now)",
                f"{readme.relative_to(ROOT)} (from meta/argument_specs.yml)", lineterm="", n=0,
            )
            problems.append(f"{readme.relative_to(ROOT)}: out of date\n" + "\n".join(diff))
        else:
            readme.write_text(wanted, encoding="utf-8")
            print(f"updated {readme.relative_to(ROOT)}")

    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print("role READMEs: run `make role-docs` (scripts/role_docs.py) and commit the result", file=sys.stderr)
        return 1
    if args.check:
        print("role READMEs: up to date with meta/argument_specs.yml")
    return 0


if __name__ == "__main__":
    sys.exit(main())
