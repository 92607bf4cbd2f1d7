#!/usr/bin/env bash
# Would Galaxy accept the built collection? Offline apart from PyPI (`make galaxy` runs this).
#
#   scripts/galaxy_check.sh build/inboxwine-fozzy-<version>.tar.gz
#
# 1. The tarball holds runtime content only: an allow-list of top-level entries, nothing of
#    the test tooling or the deploy project at any depth, every runtime file git tracks, and a
#    README.md for each role.
# 2. Each role's README.md is up to date with its meta/argument_specs.yml (scripts/role_docs.py).
# 3. antsibull-docs lint-collection-docs --plugin-docs on the tarball's content.
# 4. galaxy-importer on the tarball (scripts/galaxy-importer.cfg: ansible-test off, ansible-lint
#    on, offline); any ERROR it logs or any ansible-lint finding fails, and every module must
#    come out with its documentation (proof that the amazon.aws doc fragments resolved).
#
# The tools come from $FOZZY_GALAXY_VENV (default .cache/galaxy-venv, made by `make galaxy` from
# requirements-galaxy.txt). amazon.aws and community.aws, which the doc steps need, are the ones
# the `ansible` package installed into .venv: a directory of links to them goes on
# ANSIBLE_COLLECTIONS_PATH for antsibull-docs and on PYTHONPATH for galaxy-importer, whose
# ansible-doc and ansible-lint only search the extracted tarball and Python's sys.path.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARBALL="$(realpath "${1:?usage: $0 build/inboxwine-fozzy-<version>.tar.gz}")"
GALAXY_VENV="$(realpath -m "${FOZZY_GALAXY_VENV:-${ROOT}/.cache/galaxy-venv}")"
MAIN_PYTHON="${ROOT}/.venv/bin/python"

[[ -f "${TARBALL}" ]] || { echo "no tarball ${TARBALL}; run make build" >&2; exit 2; }
for tool in antsibull-docs ansible-doc ansible-lint; do
  [[ -x "${GALAXY_VENV}/bin/${tool}" ]] || { echo "missing ${GALAXY_VENV}/bin/${tool}; run make galaxy" >&2; exit 2; }
done
"${GALAXY_VENV}/bin/python" -c "import galaxy_importer" 2>/dev/null || { echo "galaxy-importer is not in ${GALAXY_VENV}; run make galaxy" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fozzy-galaxy.XXXXXX")"
trap 'rm -rf "${WORK}"' EXIT
failed=()
step() { printf '\n== %s\n' "$*"; }

step "tarball content: $(basename "${TARBALL}")"
tar -tzvf "${TARBALL}" > "${WORK}/listing"
tracked=""
if git -C "${ROOT}" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  tracked="$(git -C "${ROOT}" ls-files -- plugins roles playbooks meta docs README.md LICENSE CHANGELOG.md)"
fi
if TRACKED="${tracked}" "${MAIN_PYTHON}" - "${WORK}/listing" "${ROOT}" <<'EOF'
import os
import re
import sys
from collections import Counter

listing_file, root = sys.argv[1:3]
entries = []  # (type, path)
for line in open(listing_file, encoding="utf-8"):
    fields = line.split(None, 5)
    path = fields[5].rstrip("\n").split(" -> ")[0]
    entries.append((line[0], path.rstrip("/").removeprefix("./")))
paths = [path for _, path in entries if path and path != "."]

# What Galaxy users get: the collection's runtime content and its metadata, nothing else.
ALLOWED_TOP = {"MANIFEST.json", "FILES.json", "README.md", "LICENSE", "CHANGELOG.md",
               "plugins", "roles", "playbooks", "meta", "docs"}
# Test tooling, caches and development configuration, at any depth (the allow-list above
# keeps out the rest of the repository: scripts, inventories, benchmarks, Makefile ...).
DENIED_PARTS = {"tests", "molecule", "__pycache__", ".pytest_cache", ".cache", ".ci", ".git", ".github", ".venv",
                ".emulator", ".ansible", ".ansible-lint", ".yamllint", ".gitignore", "ansible.cfg", "Makefile"}
DENIED_NAME = re.compile(r"^(requirements.*\.(txt|in)|.*\.(pyc|retry|tar\.gz))$")

problems = []
for top in sorted({path.split("/")[0] for path in paths} - ALLOWED_TOP):
    problems.append(f"not runtime content: {top}")
for path in paths:
    parts = path.split("/")
    if DENIED_PARTS.intersection(parts) or DENIED_NAME.match(parts[-1]):
        problems.append(f"not runtime content: {path}")
for kind, path in entries:
    if kind == "l":
        problems.append(f"symbolic link: {path}")
# meta/execution-environment.yml: what ansible-builder installs for the collection (its runtime
# Python needs, meta/ee-requirements.txt) instead of guessing.
for required in ("MANIFEST.json", "FILES.json", "README.md", "LICENSE", "meta/runtime.yml", "playbooks/site.yml",
                 "meta/execution-environment.yml", "meta/ee-requirements.txt"):
    if required not in paths:
        problems.append(f"missing: {required}")
roles = sorted({path.split("/")[1] for path in paths if path.startswith("roles/") and path.count("/") >= 2})
for role in roles:
    if f"roles/{role}/README.md" not in paths:
        problems.append(f"missing: roles/{role}/README.md (Galaxy refuses a role without one)")
# Every runtime file git tracks is shipped (build_ignore must not drop any), but the playbook that
# configures AWX: it belongs to the deploy project (it needs awx.awx, not a dependency).
NOT_SHIPPED = {"playbooks/awx_configure.yml"}
tracked = [path for path in os.environ.get("TRACKED", "").splitlines() if path]
for path in tracked:
    if path in NOT_SHIPPED:
        if path in paths:
            problems.append(f"not runtime content: {path}")
        continue
    if path not in paths and not os.path.islink(os.path.join(root, path)):
        problems.append(f"tracked runtime file not in the tarball: {path}")

files = [path for kind, path in entries if kind == "-"]
summary = Counter(path.split("/")[0] if "/" not in path else "/".join(path.split("/")[:2]) for path in files)
print(f"{len(files)} files, {len(roles)} roles: "
      + ", ".join(f"{key} {count}" for key, count in sorted(summary.items()) if not key.startswith("roles/"))
      + f", roles/* {sum(count for key, count in summary.items() if key.startswith('roles/'))}")
if not tracked:
    print("(not a git checkout: the check that every tracked runtime file is shipped was skipped)")
for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
EOF
then echo "tarball content: ok"; else failed+=("tarball content"); fi

step "role READMEs"
"${MAIN_PYTHON}" "${ROOT}/scripts/role_docs.py" --check || failed+=("role READMEs")

# The tarball's content as an installed collection, and the collections it depends on.
COLLECTION="${WORK}/collection/ansible_collections/inboxwine/fozzy"
mkdir -p "${COLLECTION}"
tar -xzf "${TARBALL}" -C "${COLLECTION}"
DEPS="${WORK}/deps"
SITE="$("${MAIN_PYTHON}" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ansible_collections"
for dep in amazon/aws community/aws; do
  [[ -d "${SITE}/${dep}" ]] || { echo "missing ${SITE}/${dep}; run make venv" >&2; exit 2; }
  mkdir -p "${DEPS}/ansible_collections/${dep%/*}"
  ln -s "$(realpath "${SITE}/${dep}")" "${DEPS}/ansible_collections/${dep}"
done
# The tools' own environment: no ansible.cfg (the Makefile exports the repository's), no
# collection or Python paths from the caller, a private HOME (ansible-lint caches there).
TOOL_ENV=(env -u ANSIBLE_CONFIG -u ANSIBLE_COLLECTIONS_PATH -u ANSIBLE_COLLECTIONS_PATHS -u PYTHONPATH
  PATH="${GALAXY_VENV}/bin:${PATH}" HOME="${WORK}/home" ANSIBLE_LOCAL_TEMP="${WORK}/ansible-tmp")
mkdir -p "${WORK}/home"

step "antsibull-docs lint-collection-docs --plugin-docs"
# antsibull-docs copies the collections into a temporary tree, only the files git tracks when a
# source lies inside a Git work tree (.venv is inside this one, untracked): GIT_DIR keeps it from
# mistaking them for a checkout.
if "${TOOL_ENV[@]}" ANSIBLE_COLLECTIONS_PATH="${DEPS}" GIT_DIR=/nonexistent \
    antsibull-docs lint-collection-docs --plugin-docs "${COLLECTION}"; then
  echo "antsibull-docs: ok"
else
  failed+=("antsibull-docs")
fi

step "galaxy-importer $(basename "${TARBALL}")"
mkdir -p "${WORK}/importer/tmp" "${WORK}/importer/ansible-tmp"
set +e
( cd "${WORK}/importer" &&
  "${TOOL_ENV[@]}" PYTHONPATH="${DEPS}" GALAXY_IMPORTER_CONFIG="${ROOT}/scripts/galaxy-importer.cfg" \
    GALAXY_IMPORTER_TMP_ROOT_DIR="${WORK}/importer/tmp" GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP="${WORK}/importer/ansible-tmp" \
    "${GALAXY_VENV}/bin/python" -m galaxy_importer.main "${TARBALL}" ) > "${WORK}/importer.log" 2>&1
importer_rc=$?
set -e
grep -vE '^Loading ' "${WORK}/importer.log" || true
if "${MAIN_PYTHON}" - "${WORK}/importer.log" "${WORK}/importer/importer_result.json" "${importer_rc}" <<'EOF'
import json
import os
import sys

log_file, result_file, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
log = open(log_file, encoding="utf-8").read().splitlines()
problems = []
if rc != 0 or "Importer processing completed successfully" not in log:
    problems.append(f"the import failed (exit code {rc})")
# galaxy-importer logs a failed ansible-doc as an ERROR and ansible-lint findings as WARNINGs,
# and still calls the import a success; Galaxy shows them on the collection's page.
problems += [line for line in log if line.startswith(("ERROR", "WARNING"))]
if os.path.exists(result_file):
    result = json.load(open(result_file, encoding="utf-8"))
    for content in result["docs_blob"]["contents"]:
        if content["content_type"] == "module" and not (content.get("doc_strings") or {}).get("doc"):
            problems.append(f"module {content['content_name']}: no documentation in the import")
    modules = sum(1 for content in result["docs_blob"]["contents"] if content["content_type"] == "module")
    roles = sum(1 for content in result["docs_blob"]["contents"] if content["content_type"] == "role")
    print(f"imported {modules} modules and {roles} roles")
for problem in problems:
    print(f"galaxy-importer: {problem}")
sys.exit(1 if problems else 0)
EOF
then echo "galaxy-importer: ok"; else failed+=("galaxy-importer"); fi

echo
if (( ${#failed[@]} )); then
  echo "galaxy check failed: ${failed[*]}" >&2
  exit 1
fi
echo "galaxy check passed: $(basename "${TARBALL}")"
