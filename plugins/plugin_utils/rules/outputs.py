# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the outputs role's inputs."""

import posixpath

from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.inputs import not_allowed, rule


@rule("outputs")
def outputs_file(inputs):
    path = "" if inputs["outputs_file"] is None else str(inputs["outputs_file"])
    if not path or path.endswith("/") or posixpath.basename(path) in (".", ".."):
        example = f"outputs/{inputs.get('fozzy_environment', 'production')}.json"
        yield not_allowed("outputs_file", path, f"use the path of a file (not a directory, not empty), like {example}.")
