#!/usr/bin/env python3
"""A recording, fault-injecting HTTP proxy in front of the local AWS emulator.

Every AWS call a playbook makes through it is recorded (service, action, read or write,
what the proxy did with it), and the proxy can

- fail a deterministic (seeded) share of requests the way AWS does when it throttles or
  has a bad moment: EC2 ``RequestLimitExceeded`` (503, EC2 query XML), awsJson
  ``ThrottlingException`` / ``TooManyRequestsException`` (400, ``__type``), query and
  REST-XML ``Throttling`` (400, ``ErrorResponse``), and plain 500 / 503 answers. These
  faults are answered *before* the request reaches the emulator, as AWS does;
- "cut" the run at a chosen call: after the Nth request, or at the Nth write (any action
  that is not Describe*/List*/Get*/BatchGet*, and for REST APIs any method but GET/HEAD).
  The cut request either never reaches the emulator (``cut_forward=False``) or reaches it
  and its answer is lost (``cut_forward=True``: the write happened, the caller never
  heard). The cut request is answered with a non-retryable error (``cut_mode="error"``)
  or has its connection dropped (``"drop"``, a lost network; the SDK retries it), and
  every request after it gets the non-retryable error, so the run stops there. With
  ``"hang"`` the cut request and all after it are held unanswered until the proxy is
  reconfigured or stopped: a test kills the process at that moment (``cut_event``).

It binds to 127.0.0.1 only and forwards only to a 127.0.0.0/8 upstream.

CLI (prints its URL, runs until interrupted, writes the record as JSON lines)::

    aws_fault_proxy.py --upstream http://127.0.0.1:5000 --fault-rate 0.15 --seed 7
    aws_fault_proxy.py --upstream http://127.0.0.1:5000 --cut-at-write 12 --record calls.jsonl
    aws_fault_proxy.py --upstream http://127.0.0.1:5000 --cut-action CreateNatGateway --cut-forward

From Python::

    with FaultProxy("http://127.0.0.1:5000", FaultPlan(fault_rate=0.15, seed=7)) as proxy:
        ...  # point endpoint_url at proxy.url
        proxy.records, proxy.writes(), proxy.faults()
        proxy.configure(FaultPlan(cut_action="CreateVpc", cut_at_write=1))  # new plan, fresh counters
"""
import argparse
import dataclasses
import http.client
import http.server
import ipaddress
import json
import random
import re
import sys
import threading
import time
import urllib.parse
import uuid

HOST = "127.0.0.1"
READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Head", "Lookup", "Search")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "trailer", "upgrade"}

# Route53 is the one REST-XML API the stack uses: name its calls as the SDK does.
ROUTE53_ACTIONS = [
    ("GET", r"/hostedzonesbyname$", "ListHostedZonesByName"),
    ("GET", r"/hostedzone$", "ListHostedZones"),
    ("POST", r"/hostedzone$", "CreateHostedZone"),
    ("GET", r"/hostedzone/[^/]+/rrset$", "ListResourceRecordSets"),
    ("POST", r"/hostedzone/[^/]+/rrset$", "ChangeResourceRecordSets"),
    ("GET", r"/hostedzone/[^/]+$", "GetHostedZone"),
    ("DELETE", r"/hostedzone/[^/]+$", "DeleteHostedZone"),
    ("GET", r"/change/[^/]+$", "GetChange"),
    ("GET", r"/tags/[^/]+/[^/]+$", "ListTagsForResource"),
    ("POST", r"/tags/[^/]+/[^/]+$", "ChangeTagsForResource"),
]


@dataclasses.dataclass
class FaultPlan:
    """What the proxy does to the requests it sees. All counters start at 1."""

    fault_rate: float = 0.0  # share of requests answered with a throttling or 5xx error
    seed: int = 0
    max_consecutive_faults: int = 2  # per action, so one call never exhausts its retries by bad luck
    cut_after: int = None  # the request with this number is the cut (all requests counted)
    cut_at_write: int = None  # the write with this number is the cut (writes counted)
    cut_action: str = None  # count only writes of this action (e.g. "CreateNatGateway") towards cut_at_write
    cut_forward: bool = False  # the cut request reaches the emulator; its answer is lost
    cut_mode: str = "error"  # the cut request: "error", "drop" or "hang" (see the module's doc)


@dataclasses.dataclass
class Call:
    """One recorded request."""

    number: int
    service: str
    action: str
    write: bool
    outcome: str  # "forwarded", "fault:<code>", "cut", "cut-forwarded", "after-cut"
    status: int = 0  # HTTP status answered (0: connection dropped)
    at: float = 0.0  # seconds since the plan was applied


def parse_call(method, path, headers, body):
    """(service, action) of an AWS request, from its signature and protocol."""
    scope = re.search(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request", headers.get("Authorization", ""))
    service = scope.group(1) if scope else ""
    target = headers.get("X-Amz-Target")
    if target:  # awsJson: ECS, ECR, ACM, CloudWatch Logs, Application Auto Scaling
        return service, target.rsplit(".", 1)[-1]
    url = urllib.parse.urlsplit(path)
    form = dict(urllib.parse.parse_qsl(url.query))
    if "form-urlencoded" in headers.get("Content-Type", ""):
        form.update(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
    if "Action" in form:  # query: EC2, ELBv2, IAM, STS
        return service, form["Action"]
    route = re.sub(r"^/\d{4}-\d{2}-\d{2}", "", url.path).rstrip("/") or "/"
    if service == "route53":
        for verb, pattern, action in ROUTE53_ACTIONS:
            if method == verb and re.search(pattern, route):
                return service, action
    return service, f"{method} {url.path}"


def is_write(method, action):
    if " " in action:  # REST call without a known name
        return method not in ("GET", "HEAD")
    return not action.startswith(READ_PREFIXES)


def protocol_of(service, headers):
    if headers.get("X-Amz-Target"):
        return "json"
    if service == "ec2":
        return "ec2"
    if service == "route53":
        return "rest-xml"
    return "query"


def error_answer(protocol, code, message, status):
    """(status, headers, body) of an AWS error in the protocol's own shape."""
    request_id = str(uuid.uuid4())
    if protocol == "json":
        body = json.dumps({"__type": code, "message": message}).encode()
        return status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": request_id}, body
    if protocol == "ec2":
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        ).encode()
        return status, {"Content-Type": "text/xml;charset=UTF-8"}, body
    kind = "Receiver" if status >= 500 else "Sender"
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
    return status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body


def throttling_answer(protocol, rng):
    """A throttling or 5xx answer AWS gives for this protocol, picked by ``rng``."""
    if rng.random() < 0.25:  # a bad moment behind the API: no AWS error body at all
        status = rng.choice((500, 503))
        reason = http.client.responses[status]
        return f"http{status}", (status, {"Content-Type": "text/html"}, f"<html><body>{reason}</body></html>".encode())
    if protocol == "ec2":
        code, status, message = "RequestLimitExceeded", 503, "Request limit exceeded."
    elif protocol == "json":
        code = rng.choice(("ThrottlingException", "TooManyRequestsException"))
        status, message = 400, "Rate exceeded"
    else:  # query (IAM, ELBv2, STS) and REST-XML (Route53)
        code, status, message = "Throttling", 400, "Rate exceeded"
    return code, error_answer(protocol, code, message, status)


class FaultProxy:
    """The proxy server; a context manager that serves from a background thread."""

    def __init__(self, upstream, plan=None, port=0, log=None):
        target = urllib.parse.urlsplit(upstream)
        if target.scheme != "http" or not ipaddress.ip_address(target.hostname).is_loopback:
            raise ValueError(f"upstream {upstream} is not a local http:// emulator")
        self.upstream = (target.hostname, target.port or 80)
        self.log = log
        self.lock = threading.Lock()
        self.cut_event = threading.Event()  # set when the cut happens
        self.configure(plan or FaultPlan())
        self.server = http.server.ThreadingHTTPServer((HOST, port), self._handler_class())
        self.server.daemon_threads = True
        self.url = f"http://{HOST}:{self.server.server_address[1]}"
        self.thread = None

    # --- control -----------------------------------------------------------------------

    def configure(self, plan):
        """Apply a new plan with fresh counters and an empty record."""
        with self.lock:
            old = getattr(self, "release", None)
            self.plan = plan
            self.started = time.monotonic()
            self.rng = random.Random(plan.seed)
            self.records = []
            self.writes_seen = 0
            self.cut_number = None  # number of the cut request, once it happened
            self.consecutive = {}
            self.release = threading.Event()  # lets "hang" requests go
            self.cut_event.clear()
        if old is not None:
            old.set()

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, name="aws-fault-proxy", daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- what was seen -----------------------------------------------------------------

    def writes(self, forwarded_only=True):
        """Recorded writes; by default only those that reached the emulator."""
        return [c for c in self.records if c.write and (not forwarded_only or c.outcome in ("forwarded", "cut-forwarded"))]

    def faults(self):
        return [c for c in self.records if c.outcome.startswith("fault:")]

    @property
    def cut(self):
        return self.cut_number is not None

    # --- deciding ------------------------------------------------------------------------

    def decide(self, service, action, write):
        """Record the call and return (Call, what to do): forward, fault, cut or after-cut."""
        with self.lock:
            plan = self.plan
            number = len(self.records) + 1
            call = Call(number, service, action, write, "forwarded", at=round(time.monotonic() - self.started, 3))
            self.records.append(call)
            if self.cut_number is not None:
                call.outcome = "after-cut"
                return call, None, self.release
            counted = write and plan.cut_action in (None, action)
            if counted:
                self.writes_seen += 1
            if (plan.cut_after is not None and number >= plan.cut_after) or (
                counted and plan.cut_at_write is not None and self.writes_seen >= plan.cut_at_write
            ):
                self.cut_number = number
                call.outcome = "cut-forwarded" if plan.cut_forward else "cut"
                self.cut_event.set()
                return call, None, self.release
            key = (service, action)
            roll = self.rng.random()  # drawn for every request, so the plan is reproducible
            if service and roll < plan.fault_rate and self.consecutive.get(key, 0) < plan.max_consecutive_faults:
                self.consecutive[key] = self.consecutive.get(key, 0) + 1
                call.outcome = "fault"  # the handler names the error it answers
                return call, "fault", None
            self.consecutive[key] = 0
            return call, None, None

    def write_log(self, call):
        if self.log:
            with self.lock:
                self.log.write(json.dumps(dataclasses.asdict(call)) + "\n")
                self.log.flush()

    def _handler_class(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # An answer's headers and body are two writes: with Nagle's algorithm the body waits
            # for the client's delayed ACK, about 40 ms on every call.
            disable_nagle_algorithm = True

            def log_message(self, *args):  # quiet: the record says what happened
                pass

            def _relay(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.path.startswith("/moto-api"):  # the emulator's own API, not AWS
                    self._forward(body)
                    return
                service, action = parse_call(self.command, self.path, self.headers, body)
                write = is_write(self.command, action)
                call, verdict, release = proxy.decide(service, action, write)
                protocol = protocol_of(service, self.headers)
                try:
                    if call.outcome == "forwarded":
                        call.status = self._forward(body)
                    elif verdict == "fault":
                        code, answer = throttling_answer(protocol, random.Random(f"{proxy.plan.seed}:{call.number}"))
                        call.outcome = f"fault:{code}"
                        call.status = self._answer(*answer)
                    else:
                        self._cut(call, body, release, protocol)
                finally:
                    proxy.write_log(call)

            def _cut(self, call, body, release, protocol):
                plan = proxy.plan
                if call.outcome == "cut-forwarded":
                    call.status = self._forward(body, reply=False)  # it happened; the answer is lost
                if plan.cut_mode == "hang":
                    release.wait(timeout=600)
                dropped = call.outcome == "cut-forwarded" or (plan.cut_mode == "drop" and call.outcome == "cut")
                if plan.cut_mode == "hang" or dropped:
                    self.close_connection = True
                    self.connection.close()
                    return
                message = f"aws_fault_proxy cut the run at request {proxy.cut_number} (no AWS call gets through after it)"
                call.status = self._answer(*error_answer(protocol, "FozzyProxyCut", message, 403))

            def _forward(self, body, reply=True):
                connection = http.client.HTTPConnection(*proxy.upstream, timeout=300)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                    connection.request(self.command, self.path, body=body, headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                    answer_headers = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP}
                    answer_headers.pop("Content-Length", None)
                    if reply:
                        self._answer(response.status, answer_headers, data)
                    return response.status
                finally:
                    connection.close()

            def _answer(self, status, headers, body):
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                return status

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _relay

        return Handler


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="the emulator, e.g. http://127.0.0.1:5000")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of requests to fail, 0..1")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-consecutive-faults", type=int, default=2)
    parser.add_argument("--cut-after", type=int, help="cut at this request (all requests counted)")
    parser.add_argument("--cut-at-write", type=int, help="cut at this write request")
    parser.add_argument("--cut-action", help="count only writes of this action for --cut-at-write (default 1)")
    parser.add_argument("--cut-forward", action="store_true", help="the cut request reaches the emulator, its answer is lost")
    parser.add_argument("--cut-mode", choices=("error", "drop", "hang"), default="error")
    parser.add_argument("--record", help="append every call as a JSON line to this file")
    args = parser.parse_args(argv)
    plan = FaultPlan(
        fault_rate=args.fault_rate, seed=args.seed, max_consecutive_faults=args.max_consecutive_faults,
        cut_after=args.cut_after, cut_action=args.cut_action,
        cut_at_write=args.cut_at_write or (1 if args.cut_action else None), cut_forward=args.cut_forward, cut_mode=args.cut_mode,
    )
    log = open(args.record, "a") if args.record else None
    proxy = FaultProxy(args.upstream, plan, port=args.port, log=log)
    print(proxy.url, flush=True)
    try:
        proxy.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        proxy.server.server_close()
        writes = len(proxy.writes())
        print(f"{len(proxy.records)} requests, {writes} writes forwarded, {len(proxy.faults())} faults injected",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
