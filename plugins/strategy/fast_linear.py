# -*- coding: utf-8 -*-
# Copyright: (c) 2026, inboxwine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: fast_linear
short_description: The linear strategy, run through Mitogen for Ansible when it is installed
version_added: 0.1.0
description:
  - Runs tasks exactly like C(ansible.builtin.linear), task by task, all hosts in lock step.
  - When the C(mitogen) Python package is installed next to ansible-core, modules run in a
    persistent interpreter, so C(boto3) and C(botocore) are imported once per run instead of
    once per task. A deploy of this collection then takes about half the time.
  - In that interpreter, from the first module of this collection on, botocore parses each
    service's API model once instead of once per task (C(module_utils/api_models.py)),
    which saves 0.1 to 0.35 s on every AWS task that follows.
  - Without C(mitogen) it is plain C(ansible.builtin.linear), so nothing breaks where the
    package is missing (an AWX execution environment, for example).
  - The repository's C(ansible.cfg) selects it; C(requirements.txt) pins C(mitogen).
author:
  - Inbox Wine platform team (@inboxwine)
"""

from ansible.plugins.strategy.linear import StrategyModule as LinearStrategy
from ansible.utils.display import Display

try:
    # Importing the loaders first is what Mitogen's own strategy plugins do: it checks the
    # ansible-core version and fails with a clear message when Mitogen does not support it.
    import ansible_mitogen.loaders  # noqa: F401 pylint: disable=unused-import
    from ansible_mitogen.strategy import StrategyMixin
except ImportError:
    StrategyMixin = None

display = Display()

if StrategyMixin is None:

    class StrategyModule(LinearStrategy):
        def run(self, iterator, play_context):
            display.vvv("fast_linear: mitogen is not installed; running as ansible.builtin.linear")
            return super().run(iterator, play_context)

else:

    class StrategyModule(StrategyMixin, LinearStrategy):
        pass
