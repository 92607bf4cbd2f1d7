#!/usr/bin/env python3
"""A local stand-in for the stack's endpoint: the reference app (examples/fozzy-api) under gunicorn
on 127.0.0.1 behind TLS, with a test CA made at start, and a plain HTTP port that redirects.

    scripts/local_endpoint.py start [--state-dir D] [--workers N] [options that make it misbehave]
    scripts/local_endpoint.py stop [--state-dir D]

``start`` prints one JSON line {"https_url", "http_url", "ca_bundle", "host", "resolve"} and writes,
in the state directory, the CA, the server certificate and key, the logs, the PID files, and
``verify_vars.json`` (the same as verify.yml's variables: ``-e @D/verify_vars.json``). The name
``fozzy-api.inbox.test`` resolves nowhere: ``resolve`` (host:*:127.0.0.1) sends it to 127.0.0.1.
``stop`` stops the processes named in the PID files (SIGTERM, then SIGKILL after 10 s), nothing else.

Options that make it misbehave, for the verify role's tests:
``--delay-ms N`` (every answer but /health waits N ms), ``--error-rate R`` (that share of the
answers but /health are 500), ``--cert-name NAME`` (a certificate for another name),
``--expired`` (a certificate that expired yesterday), ``--no-redirect`` (HTTP answers 200).
"""

import argparse
import datetime
import http.server
import json
import os
import pathlib
import signal
import socket
import ssl
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
APP_DIR = ROOT / "examples" / "fozzy-api"
DEFAULT_STATE_DIR = ROOT / ".cache" / "local-endpoint"
HOST = "fozzy-api.inbox.test"
PID_FILES = ("gunicorn.pid", "redirect.pid")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_certificates(state_dir, name, expired):
    """A test CA and a server certificate for ``name`` signed by it (PEM files in state_dir)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "inboxwine.fozzy local test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=60))
          .not_valid_after(now + datetime.timedelta(days=365))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    start, end = ((now - datetime.timedelta(days=30), now - datetime.timedelta(days=1)) if expired
                  else (now - datetime.timedelta(days=1), now + datetime.timedelta(days=90)))
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {"ca": state_dir / "ca.pem", "cert": state_dir / "server.pem", "key": state_dir / "server.key"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].touch(mode=0o600)
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return paths


def standin_app():
    """The reference app with the faults FOZZY_STANDIN_DELAY_MS and FOZZY_STANDIN_ERROR_RATE ask for
    (gunicorn's app factory: ``local_endpoint:standin_app()``; /health is spared)."""
    import asyncio
    import random

    from fozzy_api.main import app

    delay = float(os.environ.get("FOZZY_STANDIN_DELAY_MS", "0")) / 1000
    error_rate = float(os.environ.get("FOZZY_STANDIN_ERROR_RATE", "0"))
    if not delay and not error_rate:
        return app

    async def faulty(scope, receive, send):
        if scope["type"] != "http" or scope["path"] == "/health":
            return await app(scope, receive, send)
        if delay:
            await asyncio.sleep(delay)
        if random.random() < error_rate:
            await send({"type": "http.response.start", "status": 500, "headers": [(b"content-type", b"text/plain")]})
            return await send({"type": "http.response.body", "body": b"injected failure"})
        return await app(scope, receive, send)

    return faulty


def serve_redirect(port, target, redirect):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if redirect:
                self.send_response(301)
                self.send_header("Location", target + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                body = b"plain HTTP, no redirect\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


def running(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def ours(pid, state_dir):
    """Whether the process is one this script started for state_dir (its command line names it)."""
    try:
        return str(state_dir).encode() in pathlib.Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def stop(state_dir):
    stopped = []
    for name in PID_FILES:
        path = state_dir / name
        if not path.is_file():
            continue
        pid = int(path.read_text().strip() or 0)
        if pid and running(pid) and ours(pid, state_dir):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while running(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
            if running(pid):
                os.kill(pid, signal.SIGKILL)
            stopped.append(pid)
        path.unlink()
    return stopped


def wait_ready(url, ca_bundle, timeout=30):
    sys.path.insert(0, str(ROOT / "collections"))
    from ansible_collections.inboxwine.fozzy.plugins.module_utils import verify

    resolve = [(HOST, "*", "127.0.0.1")]
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            context = ssl.create_default_context(cafile=ca_bundle)
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # a bad certificate is the point of some runs
            _, host, port, _ = verify.split_url(url)
            with verify.connect(host, port, resolve, 2, context) as sock:
                sock.sendall(f"GET /health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError as exc:
            last = exc
        time.sleep(0.2)
    raise SystemExit(f"local_endpoint: {url} did not answer /health within {timeout} s ({last})")


def start(args):
    state_dir = args.state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    if any((state_dir / name).is_file() and ours(int((state_dir / name).read_text() or 0), state_dir)
           and running(int((state_dir / name).read_text() or 0)) for name in PID_FILES):
        raise SystemExit(f"local_endpoint: already running for {state_dir}; stop it first")
    paths = make_certificates(state_dir, args.cert_name or HOST, args.expired)
    https_port, http_port = free_port(), free_port()
    env = dict(os.environ, FOZZY_STANDIN_DELAY_MS=str(args.delay_ms), FOZZY_STANDIN_ERROR_RATE=str(args.error_rate))
    env.pop("GUNICORN_CMD_ARGS", None)
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", str(APP_DIR / "gunicorn.conf.py"),
                "--pythonpath", f"{APP_DIR},{ROOT / 'scripts'}", "--bind", f"127.0.0.1:{https_port}",
                "--workers", str(args.workers), "--certfile", str(paths["cert"]), "--keyfile", str(paths["key"]),
                "--pid", str(state_dir / "gunicorn.master.pid"), "--error-logfile", str(state_dir / "gunicorn.log"),
                "local_endpoint:standin_app()"]
    https_url = f"https://{HOST}:{https_port}"
    redirect = [sys.executable, str(pathlib.Path(__file__).resolve()), "_redirect", "--state-dir", str(state_dir),
                "--port", str(http_port), "--to", https_url] + ([] if args.redirect else ["--no-redirect"])
    with open(state_dir / "processes.log", "ab") as log:
        for name, command in (("gunicorn.pid", gunicorn), ("redirect.pid", redirect)):
            process = subprocess.Popen(command, env=env, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                       start_new_session=True, cwd=ROOT)
            (state_dir / name).write_text(f"{process.pid}\n")
    try:
        wait_ready(https_url, str(paths["ca"]))
    except SystemExit:
        stop(state_dir)
        raise
    endpoint = {"https_url": https_url, "http_url": f"http://{HOST}:{http_port}", "ca_bundle": str(paths["ca"]),
                "host": HOST, "resolve": f"{HOST}:*:127.0.0.1"}
    (state_dir / "endpoint.json").write_text(json.dumps(endpoint) + "\n")
    (state_dir / "verify_vars.json").write_text(json.dumps({
        "verify_url": endpoint["https_url"], "verify_http_url": endpoint["http_url"],
        "verify_ca_bundle": endpoint["ca_bundle"], "verify_resolve": [endpoint["resolve"]]}) + "\n")
    print(json.dumps(endpoint), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("start", "stop", "_redirect"):
        command = commands.add_parser(name)
        command.add_argument("--state-dir", type=lambda value: pathlib.Path(value).resolve(), default=DEFAULT_STATE_DIR)
    begin = commands.choices["start"]
    begin.add_argument("--workers", type=int, default=2)
    begin.add_argument("--delay-ms", type=float, default=0)
    begin.add_argument("--error-rate", type=float, default=0)
    begin.add_argument("--cert-name", default="")
    begin.add_argument("--expired", action="store_true")
    begin.add_argument("--no-redirect", dest="redirect", action="store_false")
    serve = commands.choices["_redirect"]
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--to", required=True)
    serve.add_argument("--no-redirect", dest="redirect", action="store_false")
    args = parser.parse_args(argv)
    if args.command == "start":
        start(args)
    elif args.command == "stop":
        stopped = stop(args.state_dir)
        print(f"local_endpoint: stopped {' '.join(map(str, stopped)) or 'nothing'}")
    else:
        serve_redirect(args.port, args.to, args.redirect)


if __name__ == "__main__":
    main()
