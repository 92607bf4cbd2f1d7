# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Input rules of Application Auto Scaling for an ECS service, shared by the
ecs_service_scaling module and the autoscaling role's input checks.

Each rule returns a list of problem sentences (empty when the input is fine); every sentence
names the option or variable (passed in, so a role gives its variable names and a module its
option names), the bad value and what is allowed.
"""

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import whole_number


def scaling_bounds_problems(min_capacity, max_capacity, desired_count=None, lowest=0,
                            min_name="min_capacity", max_name="max_capacity", desired_name="desired_count"):
    """Problems of the task count bounds of a scalable target.

    ``min_capacity`` must be at least ``lowest`` and not above ``max_capacity``;
    ``max_capacity`` at least ``lowest`` (a maximum below that is reported on its own, not as
    a minimum above it); ``desired_count``, when given, between the two. The autoscaling role
    passes ``lowest=1`` and its variable names; the module allows 0.
    A bound that is None is not set (a module keeps the current value) and only the rules
    that do not need it are checked. Values may be ints or whole-number strings (role input).
    """
    problems = []
    values = {}
    for name, value in ((min_name, min_capacity), (max_name, max_capacity), (desired_name, desired_count)):
        if value is None:
            values[name] = None
            continue
        number = whole_number(value)
        if number is None:
            problems.append(f"{name}={value!r} is not allowed: use a whole number of tasks.")
        values[name] = number
    low, high, desired = values[min_name], values[max_name], values[desired_name]

    max_ok = high is None or high >= lowest
    if low is not None and (low < lowest or (high is not None and max_ok and low > high)):
        sentence = f"{min_name}={low} is not allowed: use at least {lowest}"
        if high is not None and max_ok:
            sentence += f" and at most {max_name}={high}"
            if low > high:
                sentence += f"; {min_name} ({low}) must not be greater than {max_name} ({high})"
        problems.append(sentence + ".")
    if not max_ok:
        problems.append(f"{max_name}={high} is not allowed: use at least {lowest}.")
    if desired is not None and low is not None and high is not None and not low <= desired <= high:
        problems.append(
            f"{desired_name}={desired} is not allowed: it must lie between {min_name}={low} and"
            f" {max_name}={high} (min <= desired <= max)."
        )
    return problems
