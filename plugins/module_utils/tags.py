# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tag reconciliation for every module of the collection that tags (ACM, ECS).

- ``tag_changes(current, desired, purge_tags)``: what to add and what to remove to get from
  ``current`` to ``desired`` (the O(tags) / O(purge_tags) semantics of amazon.aws, through its
  ``compare_aws_tags``), the tags afterwards and whether anything changes. ``desired=None``
  (O(tags) not set) changes nothing.
- ``reconcile_tags(module, current, desired, purge_tags, add, remove, what)``: the same, and
  outside check mode it calls ``remove(keys)`` then ``add(tags)`` (the service's own
  tag/untag calls), turning an AWS error into a failure that names ``what``.
"""

from collections import namedtuple

from ansible.module_utils.common.text.converters import to_text

from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import aws_errors


class TagChanges(namedtuple("TagChanges", ["to_add", "to_remove", "after"])):
    """``to_add``: dict of tags to set; ``to_remove``: list of keys; ``after``: the tags afterwards."""

    __slots__ = ()

    @property
    def changed(self):
        return bool(self.to_add or self.to_remove)


def tag_changes(current, desired, purge_tags=True):
    """TagChanges from the ``current`` tag dict to ``desired`` (None: leave the tags alone).

    Keys starting with ``aws:`` are never removed (AWS reserves them). Values are compared,
    and reported in ``after``, as text, the way AWS keeps them.
    """
    current = dict(current or {})
    if desired is None:
        return TagChanges({}, [], current)
    to_add, to_remove = compare_aws_tags(current, desired, purge_tags)
    after = {key: value for key, value in current.items() if key not in to_remove}
    after.update({key: to_text(value) for key, value in to_add.items()})
    return TagChanges(to_add, sorted(to_remove), after)


def reconcile_tags(module, current, desired, purge_tags, add, remove, what):
    """Bring the tags of a resource from ``current`` to ``desired``; returns the TagChanges.

    ``remove(keys)`` and ``add(tags)`` make the API calls of the resource's service; they are
    called only for a change and never in check mode. ``what`` names the resource in the
    failure message (``Failed to update the tags of <what>: ...``).
    """
    changes = tag_changes(current, desired, purge_tags)
    if changes.changed and not module.check_mode:
        with aws_errors(module, f"update the tags of {what}"):
            if changes.to_remove:
                remove(changes.to_remove)
            if changes.to_add:
                add(changes.to_add)
    return changes
