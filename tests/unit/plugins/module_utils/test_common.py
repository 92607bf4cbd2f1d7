"""Unit tests for inboxwine.fozzy module_utils.common (no AWS involved)."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import FozzyAWSRetry
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import WaitTimeoutError
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import differences
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import make_diff
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import retry_decorator
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import values_equal
from ansible_collections.inboxwine.fozzy.plugins.module_utils.common import wait_for


def client_error(code, http_status=400):
    return ClientError(
        {"Error": {"Code": code, "Message": "boom"}, "ResponseMetadata": {"HTTPStatusCode": http_status}}, "Op"
    )


def failing(errors):
    """A callable raising each error in turn, then returning 'ok'; records its calls."""
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return "ok"

    return call, calls


# --- retries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        client_error("ThrottlingException"),
        client_error("TooManyRequestsException", 429),
        client_error("RequestLimitExceeded", 503),
        client_error("Throttling"),
        client_error("BadGateway", 502),
        client_error("InternalServerException", 500),
    ],
)
def test_throttling_and_5xx_are_retried(error, monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    call, calls = failing([error, error])

    assert retry_decorator(delay=0)(call)() == "ok"
    assert len(calls) == 3


@pytest.mark.parametrize("error", [client_error("ValidationException"), client_error("AccessDeniedException", 403)])
def test_client_errors_are_not_retried(error):
    call, calls = failing([error])

    with pytest.raises(ClientError):
        retry_decorator(delay=0)(call)()
    assert len(calls) == 1


def test_retries_are_bounded(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    call, calls = failing([client_error("ThrottlingException")] * 10)

    with pytest.raises(ClientError):
        retry_decorator(retries=4, delay=0)(call)()
    assert len(calls) == 4


def test_extra_codes_are_retried(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    call, calls = failing([client_error("RequestInProgressException")])

    assert retry_decorator(delay=0, catch_extra_error_codes=["RequestInProgressException"])(call)() == "ok"
    assert len(calls) == 2


def test_status_code_from_exception_reads_code_and_http_status():
    assert FozzyAWSRetry.status_code_from_exception(client_error("X", 503)) == ("X", 503)


# --- wait_for ------------------------------------------------------------------------------


def test_wait_for_returns_the_value_once_done(fake_time):
    answers = iter([(False, "a"), (False, "b"), (True, "c")])

    assert wait_for(lambda: next(answers), 60, "thing") == "c"
    assert len(fake_time.sleeps) == 2


def test_wait_for_backs_off_and_never_sleeps_past_the_deadline(fake_time):
    with pytest.raises(WaitTimeoutError):
        wait_for(lambda: (False, None), 10, "thing", delay=2, backoff=2, max_delay=5)

    assert fake_time.sleeps[:3] == [2, 4, 4]  # 2, 4, then capped by the 4 s left
    assert sum(fake_time.sleeps) == 10


def test_wait_for_timeout_message_names_what_and_last_state(fake_time):
    with pytest.raises(WaitTimeoutError) as info:
        wait_for(lambda: (False, {"Status": "PENDING"}), 30, "certificate X to be ISSUED",
                 describe=lambda value: f"status {value['Status']}")

    assert info.value.message == "Timed out after 30 seconds waiting for certificate X to be ISSUED (last seen: status PENDING)"
    assert info.value.last == {"Status": "PENDING"}


def test_wait_for_checks_once_even_without_time(fake_time):
    calls = []

    def check():
        calls.append(1)
        return True, "now"

    assert wait_for(check, 0, "thing") == "now"
    assert calls == [1] and fake_time.sleeps == []


# --- comparison -----------------------------------------------------------------------------


def test_numbers_compare_by_value_but_bools_do_not():
    assert values_equal(70, 70.0)
    assert not values_equal(True, 1)
    assert not values_equal(False, 0.0)


def test_differences_ignores_keys_the_task_does_not_set():
    assert differences({"A": 1}, {"A": 1.0, "B": "extra"}) == []
    assert differences({"A": None}, {"A": 5}) == []


def test_differences_reports_nested_paths():
    desired = {"Spec": {"Type": "CPU", "Label": "x"}, "Value": 70}
    current = {"Spec": {"Type": "CPU", "Label": "y"}, "Value": 71}

    assert sorted(differences(desired, current)) == ["Spec.Label", "Value"]


def test_differences_uses_defaults_for_missing_fields_only():
    defaults = {"Cooldown": 300}

    assert differences({"Cooldown": 300}, {}, defaults) == []
    assert differences({"Cooldown": 60}, {}, defaults) == ["Cooldown"]
    assert differences({"Cooldown": 300}, {"Cooldown": 60}, defaults) == ["Cooldown"]


def test_differences_missing_nested_structure_is_a_difference():
    assert differences({"Spec": {"Type": "CPU"}}, {}) == ["Spec.Type"]
    assert differences({"Spec": {"Type": "CPU"}}, {"Spec": "oops"}) == ["Spec"]


def test_make_diff_uses_empty_dicts_for_missing_sides():
    assert make_diff(None, {"a": 1}) == {"before": {}, "after": {"a": 1}}
