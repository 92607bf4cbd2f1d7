"""Small local servers for the verify unit tests: HTTPS with a test CA (the stand-in's certificate
code), and plain HTTP that redirects or not. Threads in the test process, 127.0.0.1 only."""
import contextlib
import http.server
import importlib.util
import pathlib
import ssl
import threading

ROOT = pathlib.Path(__file__).resolve().parents[4]
_spec = importlib.util.spec_from_file_location("local_endpoint", ROOT / "scripts" / "local_endpoint.py")
local_endpoint = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(local_endpoint)


def handler(status=200, location=None):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            body = b'{"status": "ok"}'
            self.send_response(status)
            if location:
                self.send_header("Location", location + self.path)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


@contextlib.contextmanager
def serve(tmp_path=None, name="fozzy-api.inbox.test", expired=False, status=200, location=None):
    """Yields (port, ca_bundle or None); TLS when tmp_path is given."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler(status, location))
    bundle = None
    if tmp_path is not None:
        paths = local_endpoint.make_certificates(pathlib.Path(tmp_path), name, expired)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(paths["cert"], paths["key"])
        server.socket = context.wrap_socket(server.socket, server_side=True)
        bundle = str(paths["ca"])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], bundle
    finally:
        server.shutdown()
        server.server_close()
