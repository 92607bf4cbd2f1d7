# -*- coding: utf-8 -*-

# Copyright: Inbox Wine platform team
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Code shared by the inboxwine.fozzy modules.

- ``aws_client()``: a boto3 client whose calls retry throttling and 5xx answers
  when made with ``aws_retry=True``; from then on the process parses botocore's
  API models only once (see api_models.py).
- ``aws_errors()``: turn any botocore error inside a block into ``fail_json_aws``
  with a message that says what the module was doing.
- ``wait_for()``: a bounded poll with a timeout message that names what it waited for.
- ``differences()`` / ``make_diff()``: compare only what a task sets, tolerant of the
  way AWS normalises values (``70`` comes back as ``70.0``).
- ``whole_number()`` / ``fail_on_problems()``: for the input rules (functions returning a
  list of problem sentences) that modules and roles share.
"""

import time
from contextlib import contextmanager

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # AnsibleAWSModule reports the missing SDK

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.inboxwine.fozzy.plugins.module_utils.api_models import share_api_models

# Error codes AWS services use for throttling; AWSRetry knows only some of them
# (ACM and Application Auto Scaling answer ThrottlingException).
THROTTLING_ERROR_CODES = frozenset(
    (
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
    )
)


class FozzyAWSRetry(AWSRetry):
    """AWSRetry that also retries every throttling code above and every 5xx answer.

    The decision needs the HTTP status as well as the error code, so the "status code"
    handed from ``status_code_from_exception`` to ``found`` is a (code, http_status) pair.
    """

    @staticmethod
    def status_code_from_exception(error):
        response = getattr(error, "response", None) or {}
        code = response.get("Error", {}).get("Code")
        http_status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        return code, http_status

    @staticmethod
    def found(response_code, catch_extra_error_codes=None):
        code, http_status = response_code
        if isinstance(http_status, int) and http_status >= 500:
            return True
        if code in THROTTLING_ERROR_CODES:
            return True
        return AWSRetry.found(code, catch_extra_error_codes)


def retry_decorator(retries=10, delay=1, max_delay=30, catch_extra_error_codes=None):
    """The retry policy of every client this collection creates."""
    return FozzyAWSRetry.jittered_backoff(
        retries=retries, delay=delay, max_delay=max_delay, catch_extra_error_codes=catch_extra_error_codes
    )


def aws_client(module, service, **kwargs):
    """A client for ``service``; pass ``aws_retry=True`` on a call to retry it."""
    catch = kwargs.pop("catch_extra_error_codes", None)
    share_api_models()
    try:
        return module.client(service, retry_decorator=retry_decorator(catch_extra_error_codes=catch), **kwargs)
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to connect to AWS {service}")


@contextmanager
def aws_errors(module, action):
    """Fail the module with ``Failed to <action>: <AWS message>`` on any botocore error."""
    try:
        yield
    except (BotoCoreError, ClientError) as e:
        module.fail_json_aws(e, msg=f"Failed to {action}")


def error_code(exception):
    """The AWS error code of a ClientError, or None."""
    response = getattr(exception, "response", None) or {}
    return response.get("Error", {}).get("Code")


class WaitTimeoutError(Exception):
    """``wait_for`` gave up. ``last`` is the last value the check returned."""

    def __init__(self, message, last=None):
        super().__init__(message)
        self.message = message
        self.last = last


def wait_for(check, timeout, what, delay=2.0, max_delay=15.0, backoff=1.5, describe=None, sleep=None, clock=None):
    """Poll ``check`` until it reports done, for at most ``timeout`` seconds.

    ``check()`` returns ``(done, value)``; ``wait_for`` returns ``value`` once ``done``.
    It always checks at least once and never sleeps past the deadline. On timeout it
    raises WaitTimeoutError whose message names ``what``, the timeout and, through
    ``describe(value)`` (default ``repr``), the last state seen.
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    deadline = clock() + max(timeout, 0)
    pause = delay
    while True:
        done, value = check()
        if done:
            return value
        remaining = deadline - clock()
        if remaining <= 0:
            seen = describe(value) if describe else repr(value)
            raise WaitTimeoutError(f"Timed out after {timeout} seconds waiting for {what} (last seen: {seen})", value)
        sleep(min(pause, remaining))
        pause = min(pause * backoff, max_delay)


def _is_number(value):
    # bool is an int subclass, but True must not equal 1.0 here
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def values_equal(desired, current):
    """Equality that treats 70 and 70.0 as the same and compares dicts/lists deeply."""
    if isinstance(desired, bool) or isinstance(current, bool):
        return type(desired) is type(current) and desired == current
    if _is_number(desired) and _is_number(current):
        return float(desired) == float(current)
    if isinstance(desired, dict) and isinstance(current, dict):
        return not differences(desired, current)
    if isinstance(desired, (list, tuple)) and isinstance(current, (list, tuple)):
        return len(desired) == len(current) and all(values_equal(d, c) for d, c in zip(desired, current))
    return desired == current


def differences(desired, current, defaults=None, _prefix=""):
    """Dotted paths of the keys set in ``desired`` whose value differs in ``current``.

    Keys ``current`` has but ``desired`` does not are ignored: a module changes only what
    the task sets. ``defaults`` (same shape as ``desired``) supplies what AWS means when
    it leaves a field out of its answer, so an omitted default is not a difference.
    """
    current = current or {}
    defaults = defaults or {}
    found = []
    for key, want in desired.items():
        if want is None:
            continue
        path = f"{_prefix}{key}"
        default = defaults.get(key)
        have = current[key] if key in current else default
        if isinstance(want, dict):
            if have is None:
                have = {}
            if not isinstance(have, dict):
                found.append(path)
                continue
            nested_defaults = default if isinstance(default, dict) else None
            found.extend(differences(want, have, nested_defaults, _prefix=f"{path}."))
        elif not values_equal(want, have):
            found.append(path)
    return found


def make_diff(before, after):
    """The ``diff`` return value; a missing resource is an empty dict on its side."""
    return {"before": before or {}, "after": after or {}}


def whole_number(value):
    """``value`` as an int, or None when it is not a whole number.

    Accepts ints, integral floats and strings of digits (role input arrives as text);
    True and False are not numbers here.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def fail_on_problems(module, problems):
    """Fail the module with every problem of its input, one sentence each, if there are any."""
    if problems:
        module.fail_json(msg=" ".join(p if p.endswith((".", "!", "?")) else p + "." for p in problems))
