# Copyright: Inbox Wine
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks of inboxwine.fozzy.verify_endpoint: does an HTTPS endpoint serve as the stack promises.

Each check returns ``{"name", "passed", "detail"}`` (``passed`` None: skipped, with the reason in
``detail``). Connections go to the URL's host, or to the address a ``resolve`` entry gives for
host:port (curl's --resolve), with the URL's host as TLS server name and HTTP Host header, so an
endpoint can be checked before (or without) its DNS name pointing at it.
"""

import datetime
import http.client
import socket
import ssl
import urllib.parse

USER_AGENT = "inboxwine.fozzy-verify"
TLS_VERSIONS = {"TLSv1": 1.0, "TLSv1.1": 1.1, "TLSv1.2": 1.2, "TLSv1.3": 1.3}


def check(name, passed, detail):
    return {"name": name, "passed": passed, "detail": detail}


def parse_resolve(entries):
    """``host:port:address`` strings (port may be ``*``) as (host, port, address) triples."""
    triples = []
    for entry in entries or ():
        host, sep, rest = str(entry).partition(":")
        port, sep2, address = rest.partition(":")
        if not (host and sep and sep2 and address and (port == "*" or port.isdigit())):
            raise ValueError(f"resolve entry {entry!r} is not host:port:address (port a number or *)")
        triples.append((host.lower(), port, address.strip("[]")))
    return triples


def split_url(url):
    """(scheme, host, port, path-with-query) of an http(s) URL."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http:// or https:// URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname.lower(), port, path


def join(url, path):
    """``path`` (with its query) on the scheme, host and port of ``url``."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, *urllib.parse.urlsplit(path)[2:4], ""))


def address_of(host, port, resolve):
    for name, where, address in resolve:
        if name == host and where in ("*", str(port)):
            return address
    return host


def tls_context(ca_bundle=None):
    context = ssl.create_default_context(cafile=ca_bundle or None)
    return context


def connect(host, port, resolve, timeout, context=None):
    """A socket to host:port (or its resolve address), TLS-wrapped with SNI ``host`` when ``context``."""
    sock = socket.create_connection((address_of(host, port, resolve), port), timeout=timeout)
    if context is None:
        return sock
    try:
        return context.wrap_socket(sock, server_hostname=host)
    except Exception:
        sock.close()
        raise


def get(url, resolve=(), ca_bundle=None, timeout=10.0):
    """GET ``url`` without following redirects: (status, headers dict with lower-case names)."""
    scheme, host, port, path = split_url(url)
    sock = connect(host, port, resolve, timeout, tls_context(ca_bundle) if scheme == "https" else None)
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    connection.sock = sock
    try:
        connection.request("GET", path, headers={"User-Agent": USER_AGENT, "Connection": "close"})
        answer = connection.getresponse()
        answer.read(65536)
        return answer.status, {name.lower(): value for name, value in answer.getheaders()}
    finally:
        connection.close()


def _describe_error(exc):
    if isinstance(exc, ssl.SSLCertVerificationError):
        return exc.verify_message or str(exc)
    return f"{type(exc).__name__}: {exc}"


def certificate_facts(der):
    """Subject names and validity of a DER certificate (cryptography), {} when it cannot be read."""
    try:
        from cryptography import x509
    except ImportError:
        return {}
    cert = x509.load_der_x509_certificate(der)
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    except x509.ExtensionNotFound:
        names = []
    return {"subject_alt_names": list(names), "issuer": cert.issuer.rfc4514_string(),
            "not_after": cert.not_valid_after_utc.isoformat()}


def check_tls(url, resolve=(), ca_bundle=None, min_days=14, timeout=10.0, now=None):
    """The chain is valid for the host (CA bundle or the system's), the certificate expires in
    more than ``min_days`` days, the protocol negotiated is TLS 1.2 or newer."""
    scheme, host, port, _path = split_url(url)
    if scheme != "https":
        return check("tls", False, f"{url} is not an https:// URL"), {}
    now = now or datetime.datetime.now(datetime.timezone.utc)
    facts = {}
    try:
        with connect(host, port, resolve, timeout) as raw:
            unverified = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            unverified.check_hostname, unverified.verify_mode = False, ssl.CERT_NONE
            with unverified.wrap_socket(raw, server_hostname=host) as tls:
                facts = certificate_facts(tls.getpeercert(binary_form=True))
    except (OSError, ValueError) as exc:
        return check("tls", False, f"no TLS handshake with {host}:{port}: {_describe_error(exc)}"), facts
    try:
        with connect(host, port, resolve, timeout, tls_context(ca_bundle)) as tls:
            version = tls.version()
            expires = datetime.datetime.fromtimestamp(ssl.cert_time_to_seconds(tls.getpeercert()["notAfter"]),
                                                      datetime.timezone.utc)
    except ssl.SSLCertVerificationError as exc:
        names = ", ".join(facts.get("subject_alt_names") or []) or "?"
        return check("tls", False, f"the certificate of {host}:{port} does not verify: {_describe_error(exc)}"
                     f" (names: {names}; expires {facts.get('not_after', '?')})"), facts
    except (OSError, ValueError) as exc:
        return check("tls", False, f"TLS with {host}:{port} failed: {_describe_error(exc)}"), facts
    days = (expires - now).total_seconds() / 86400
    facts.update(version=version, days_left=round(days, 1))
    problems = []
    if days <= min_days:
        problems.append(f"verify_cert_min_days: the certificate expires in {days:.1f} days ({expires:%Y-%m-%d}),"
                        f" not more than {min_days}")
    if TLS_VERSIONS.get(version, 0) < 1.2:
        problems.append(f"the protocol negotiated is {version}, older than TLS 1.2")
    if problems:
        return check("tls", False, "; ".join(problems)), facts
    return check("tls", True, f"{version}, valid for {host}, expires in {days:.0f} days ({expires:%Y-%m-%d})"), facts


def check_redirect(http_url, https_url, resolve=(), timeout=10.0):
    """``http://`` answers 301 with a Location on ``https://`` and the same host."""
    path = split_url(http_url)[3]
    https_host, https_port = split_url(https_url)[1:3]
    try:
        status, headers = get(http_url, resolve, timeout=timeout)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return check("redirect", False, f"{http_url} does not answer: {_describe_error(exc)}")
    location = headers.get("location", "")
    try:
        scheme, target_host, target_port = split_url(location)[:3] if location else ("", "", 0)
    except ValueError:
        scheme, target_host, target_port = "", "", 0
    if status != 301 or scheme != "https" or target_host != https_host or target_port != https_port:
        return check("redirect", False, f"{http_url} answers {status} {('to ' + location) if location else 'without a Location'};"
                     f" expected 301 to https://{https_host}{'' if https_port == 443 else f':{https_port}'}{path}")
    return check("redirect", True, f"{http_url} answers 301 to {location}")


def check_health(url, resolve=(), ca_bundle=None, timeout=10.0):
    try:
        status = get(url, resolve, ca_bundle, timeout)[0]
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return check("health", False, f"{url} does not answer: {_describe_error(exc)}")
    return check("health", status == 200, f"{url} answers {status}" + ("" if status == 200 else ", expected 200"))


def _alias_name(name):
    name = (name or "").rstrip(".").lower()
    return name[len("dualstack."):] if name.startswith("dualstack.") else name


def check_dns(domain, records, load_balancer, addresses):
    """The domain resolves (``addresses``: what getaddrinfo gave, or an error string) and its A
    alias record (``records``: the zone's record sets named ``domain``) targets the load
    balancer (``load_balancer``: its description, None when not found)."""
    domain = domain.rstrip(".").lower()
    problems = []
    if isinstance(addresses, str):
        problems.append(f"{domain} does not resolve: {addresses}")
    if not load_balancer:
        problems.append("the stack's load balancer was not found")
    aliases = [record for record in records if record.get("Name", "").rstrip(".").lower() == domain
               and record.get("Type") == "A"]
    if not aliases:
        problems.append(f"the hosted zone has no A record {domain}")
    elif load_balancer:
        target = _alias_name(aliases[0].get("AliasTarget", {}).get("DNSName"))
        if target != _alias_name(load_balancer.get("DNSName")):
            problems.append(f"the A record of {domain} points at {target or 'no alias'},"
                            f" not at the load balancer {load_balancer.get('DNSName')}")
    if problems:
        return check("dns", False, "; ".join(problems))
    return check("dns", True, f"{domain} resolves to {', '.join(addresses)}; alias of {load_balancer['DNSName']}")


def resolve_addresses(host, port, resolve=()):
    """The addresses ``host`` resolves to (an override counts), or the error as a string."""
    try:
        infos = socket.getaddrinfo(address_of(host, port, resolve), port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        return str(exc)
    return sorted({info[4][0] for info in infos})


def objectives(figures, slo):
    """Each objective the load run missed, one sentence naming its variable."""
    missed = []
    p95, target = figures.get("p95_ms"), slo.get("p95_ms")
    if target is not None and (p95 is None or p95 > target):
        missed.append(f"verify_slo_p95_ms: P95 {p95 if p95 is not None else 'unknown'} ms is above the objective {target:g} ms")
    rate, limit = figures.get("error_rate", 1.0), slo.get("max_error_rate")
    if limit is not None and rate > limit:
        missed.append(f"verify_slo_max_error_rate: error rate {rate:.2%} ({figures.get('failures', 0)} of"
                      f" {figures.get('requests', 0)} requests failed) is above the objective {limit:.2%}")
    rps, least = figures.get("rps", 0.0), slo.get("min_rps")
    if least is not None and rps < least:
        missed.append(f"verify_min_rps: {rps:g} requests/s is below the objective {least:g}")
    return missed


def table(checks, figures, slo):
    """The report as lines of a fixed-width table."""
    def mark(passed):
        return "skip" if passed is None else ("ok" if passed else "FAIL")

    lines = [f"{'check':<10} {'result':<6} detail"]
    lines += [f"{item['name']:<10} {mark(item['passed']):<6} {item['detail']}" for item in checks]
    if figures:
        missed = " ".join(objectives(figures, slo))
        rows = (("requests/s", f"{figures['rps']:g}", f">= {slo['min_rps']:g}" if slo.get("min_rps") is not None else "",
                 "verify_min_rps"),
                ("P50 ms", f"{figures['p50_ms']}", "", None),
                ("P95 ms", f"{figures['p95_ms']}", f"<= {slo['p95_ms']:g}" if slo.get("p95_ms") is not None else "",
                 "verify_slo_p95_ms"),
                ("P99 ms", f"{figures['p99_ms']}", "", None),
                ("error rate", f"{figures['error_rate']:.2%}",
                 f"<= {slo['max_error_rate']:.2%}" if slo.get("max_error_rate") is not None else "",
                 "verify_slo_max_error_rate"),
                ("requests", f"{figures['requests']} ({figures['failures']} failed)", "", None))
        lines.append(f"{'figure':<10} {'value':<18} {'objective':<10} result")
        for name, value, objective, variable in rows:
            result = "" if variable is None else ("FAIL" if variable in missed else "ok")
            lines.append(f"{name:<10} {value:<18} {objective:<10} {result}".rstrip())
    return lines
