# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The input rules, one module per role (``vpc.py`` ...), ``shared.py`` for the fozzy_* variables
and ``stack.py`` for rules between the inputs of several roles. See plugin_utils/inputs.py."""
