#!/usr/bin/env bash
# Is the execution environment right? (`make ee-check`, part of `make test`; offline)
#
#   scripts/ee_check.sh build/inboxwine-fozzy-<version>.tar.gz
#
# 1. `ansible-builder create` of execution-environment.yml succeeds (into a temporary context).
# 2. `ansible-builder introspect` of the collection installed from the tarball, next to the
#    amazon.aws and community.aws the venv has, lists the runtime needs (boto3, botocore) and no
#    development tool (moto, pytest, molecule, ansible-lint ...): what the EE would pip install.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARBALL="$(realpath "${1:?usage: $0 build/inboxwine-fozzy-<version>.tar.gz}")"
BIN="${ROOT}/.venv/bin"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fozzy-ee.XXXXXX")"
trap 'rm -rf "${WORK}"' EXIT

echo "== ansible-builder create"
mkdir -p "${WORK}/src/build/ee-src"
cp "${ROOT}/execution-environment.yml" "${WORK}/src/"
cp "${TARBALL}" "${WORK}/src/build/ee-src/inboxwine-fozzy.tar.gz"
( cd "${WORK}/src" && "${BIN}/ansible-builder" create -f execution-environment.yml -c "${WORK}/context" )
test -f "${WORK}/context/_build/collections/inboxwine-fozzy.tar.gz"

echo "== ansible-builder introspect (the collection installed from $(basename "${TARBALL}"))"
COLLECTIONS="${WORK}/collections"
( cd "${WORK}" && env -u ANSIBLE_CONFIG ANSIBLE_HOME="${WORK}/home" "${BIN}/ansible-galaxy" collection install --no-deps --offline --force \
  -p "${COLLECTIONS}" "${TARBALL}" >/dev/null 2>&1 )
SITE="$("${BIN}/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ansible_collections"
for dep in amazon/aws community/aws; do
  mkdir -p "${COLLECTIONS}/ansible_collections/${dep%/*}"
  ln -s "$(realpath "${SITE}/${dep}")" "${COLLECTIONS}/ansible_collections/${dep}"
done
check() {
"${BIN}/ansible-builder" introspect "$1" --write-pip "${WORK}/python.txt" --write-bindep "${WORK}/bindep.txt" >/dev/null
"${BIN}/python" - "${WORK}/python.txt" <<'PY'
import re
import sys

DEV_TOOLS = {"moto", "pytest", "pytest-xdist", "molecule", "ansible-lint", "yamllint", "ansible-builder",
             "ansible-compat", "black", "cfn-lint", "flask", "responses", "docker"}
names = set()
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if line:
        names.add(re.split(r"[\s\[<>=!~;]", line, maxsplit=1)[0].lower().replace("_", "-"))
problems = [f"development tool in the execution environment: {name}" for name in sorted(names & DEV_TOOLS)]
problems += [f"runtime need missing: {name}" for name in ("boto3", "botocore") if name not in names]
print("python requirements of the EE:", ", ".join(sorted(names)))
for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
PY
}
check "${COLLECTIONS}"
# The checkout itself as a collection (collections/ansible_collections/inboxwine/fozzy links to it):
# its meta/execution-environment.yml, not the root requirements.txt of the development tools.
echo "== ansible-builder introspect (the repository checkout)"
check "${ROOT}/collections"
echo "ee check passed"
