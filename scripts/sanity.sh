#!/usr/bin/env bash
# Run `ansible-test sanity` on the collection's plugins/ tree, offline apart from PyPI.
#
#   scripts/sanity.sh [extra ansible-test sanity options, e.g. --test pylint]
#
# ansible-test only works inside .../ansible_collections/<namespace>/<name>/, and the
# checkout reaches that path through a symlink it refuses to follow, so the collection is
# copied into a temporary tree first (without .venv, .git, caches, emulator state, outputs).
#
# ansible-test installs each sanity test's pinned requirements into its own virtualenv.
# It bootstraps pip in those with get-pip.py from ci-files.testing.ansible.com, which is
# not reachable here; a stand-in (below) bootstraps pip with the stdlib's ensurepip and
# installs the requested versions from PyPI instead. The virtualenvs are cached under
# $FOZZY_SANITY_HOME (default .cache/sanity) used as HOME for ansible-test, so the user's
# own ~/.ansible is left alone and runs after the first one need no download.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON_VERSION="3.11"
ANSIBLE_TEST="${ROOT}/.venv/bin/ansible-test"
SANITY_HOME="${FOZZY_SANITY_HOME:-${ROOT}/.cache/sanity}"

# Tests that check the plugins/ tree, plus runtime-metadata (meta/runtime.yml names the
# modules in its action group). Left out: changelog, ignores and shellcheck cover files
# outside plugins/; pslint needs PowerShell; action-plugin-docs has nothing to check
# without action plugins.
TESTS=(
  ansible-doc compile empty-init import line-endings no-assert no-get-exception
  no-illegal-filenames no-smart-quotes pep8 pylint replace-urlopen runtime-metadata shebang
  symlinks use-argspec-type-path use-compat-six validate-modules yamllint
)

[[ -x "${ANSIBLE_TEST}" ]] || { echo "missing ${ANSIBLE_TEST}; create the venv first" >&2; exit 2; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fozzy-sanity.XXXXXX")"
trap 'rm -rf "${WORK}"' EXIT
DEST="${WORK}/ansible_collections/inboxwine/fozzy"
mkdir -p "${DEST}"

tar -C "${ROOT}" \
  --exclude=./.venv --exclude=./.git --exclude=./collections --exclude=./.emulator \
  --exclude=./.cache --exclude=./outputs --exclude=./build --exclude=./tests/output \
  --exclude=./benchmarks --exclude=./molecule/*/.molecule --exclude='__pycache__' --exclude=.pytest_cache \
  --exclude='*.tar.gz' \
  -cf - . | tar -C "${DEST}" -xf -

# Collections ours depends on (doc fragments, module_utils) must sit in the same
# ansible_collections tree for validate-modules, import and pylint to resolve them.
DEPS="$("${ROOT}/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/ansible_collections"
for dep in amazon/aws community/aws; do
  mkdir -p "${WORK}/ansible_collections/${dep%/*}"
  ln -s "${DEPS}/${dep}" "${WORK}/ansible_collections/${dep}"
done

# ansible-test names the bootstrap script after the pip version it pins; ask it which one.
PIP_VERSION="$("${ROOT}/.venv/bin/python" -c '
from ansible_test._internal.host_configs import NativePythonConfig
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(NativePythonConfig(version="'"${PYTHON_VERSION}"'"))["pip"])')"
mkdir -p "${SANITY_HOME}/.ansible/test/cache"
cat > "${SANITY_HOME}/.ansible/test/cache/get_pip_${PIP_VERSION//./_}.py" <<'EOF'
"""Offline stand-in for get-pip.py (written by scripts/sanity.sh).

ansible-test runs it in a new virtualenv with pip-style arguments: pinned packages and
options. Bootstrap pip from the stdlib's ensurepip, then install what was asked from PyPI.
"""
import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}
args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet"] + args)
EOF

cd "${DEST}"
start=$(date +%s)
HOME="${SANITY_HOME}" "${ANSIBLE_TEST}" sanity --local --python "${PYTHON_VERSION}" \
  --color no $(printf -- '--test %s ' "${TESTS[@]}") "$@" plugins/
echo "sanity passed in $(( $(date +%s) - start ))s"
