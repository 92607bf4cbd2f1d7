# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the verify role's inputs (the URL parsing and the load bounds are the module's own)."""

import os

from ansible_collections.inboxwine.fozzy.plugins.module_utils.verify import parse_resolve, split_url
from ansible_collections.inboxwine.fozzy.plugins.module_utils.verify_load import MAX_DURATION, MAX_RATE
from ansible_collections.inboxwine.fozzy.plugins.module_utils.verify_load import MAX_REQUESTS, MAX_USERS
from ansible_collections.inboxwine.fozzy.plugins.plugin_utils.inputs import not_allowed, rule, together


def _number(value):
    """``float(value)`` for a number-like input (not a bool), else None."""
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _plain(value):
    """A whole float as the int a user typed (the argument spec made 100 into 100.0)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _outside(inputs, name, low, high, unit=""):
    value = inputs[name]
    number = _number(value)
    if number is None or not low <= number <= high:
        yield not_allowed(name, _plain(value), f"use a number from {low:.15g} to {high:.15g}{unit}.")


def _url_problem(name, value, scheme, example):
    try:
        if split_url(str(value))[0] == scheme:
            return None
    except ValueError:
        pass
    return not_allowed(name, value, f"use an {scheme}:// URL such as {example}.")


@rule("verify")
def urls(inputs):
    problem = _url_problem("verify_url", inputs["verify_url"], "https", "https://fozzy-api.inbox.wine")
    if problem:
        yield problem
    http_url = inputs.get("verify_http_url")
    if http_url:
        problem = _url_problem("verify_http_url", http_url, "http", "http://fozzy-api.inbox.wine (or leave it empty)")
        if problem:
            yield problem


@rule("verify")
def resolve(inputs):
    entries = inputs["verify_resolve"] or []
    try:
        parse_resolve(entries)
    except ValueError as exc:
        yield not_allowed("verify_resolve", entries, f"{exc}; for example fozzy-api.inbox.wine:443:192.0.2.10.")


@rule("verify")
def ca_bundle(inputs):
    path = inputs.get("verify_ca_bundle")
    if path and not os.path.isfile(str(path)):
        yield not_allowed("verify_ca_bundle", path, "it must name an existing PEM file (or be empty for the system's CAs).")


@rule("verify")
def load_bounds(inputs):
    for name, low, high in (("verify_load_duration", 1, MAX_DURATION), ("verify_load_users", 1, MAX_USERS),
                            ("verify_load_rate", 0, MAX_RATE), ("verify_load_max_requests", 1, MAX_REQUESTS),
                            ("verify_cert_min_days", 0, 365), ("verify_timeout", 1, 120)):
        yield from _outside(inputs, name, low, high)


@rule("verify")
def objectives(inputs):
    yield from _outside(inputs, "verify_slo_max_error_rate", 0, 1, " (a share: 0.01 is 1 %)")
    p95 = _number(inputs["verify_slo_p95_ms"])
    if p95 is None or p95 <= 0:
        yield not_allowed("verify_slo_p95_ms", _plain(inputs["verify_slo_p95_ms"]), "use a latency above 0 ms, like 1000.")
    least, rate = _number(inputs["verify_min_rps"]), _number(inputs.get("verify_load_rate"))
    if least is None or least < 0:
        yield not_allowed("verify_min_rps", _plain(inputs["verify_min_rps"]), "use 0 or more requests per second.")
    elif rate is not None and rate > 0 and least > rate:
        yield together((("verify_min_rps", _plain(least)), ("verify_load_rate", _plain(rate))),
                       "the run sends at most verify_load_rate requests per second, so verify_min_rps must not be above it.")
