#!/usr/bin/env python3
"""A Python http.server hello-world on loopback, for the conformance matrix.

    python3 scripts/matrix/python_server.py PORT

GET, HEAD and POST of / or /test.jpg get 200 and "hello\n"; OPTIONS gets
200 and Allow; PUT, DELETE, TRACE, PATCH and CONNECT get 405 with Allow
(other methods get http.server's own 501); any other path 404. It speaks
HTTP/1.1 (persistent connections) and reads a Content-Length body first.
http.server's own request parsing is what the harness judges.
"""
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self, body=True, allowed=True):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        status, payload = 200, b"hello\n"
        # origin-form, absolute-form (RFC 9112 §3.2.2) and * (OPTIONS)
        path = self.path if self.path == "*" else urllib.parse.urlsplit(self.path).path
        if path not in ("/", "/test.jpg") and not (path == "*" and self.command == "OPTIONS"):
            status, payload = 404, b"not found\n"
        elif self.command == "OPTIONS":
            payload = b""
        elif not allowed:
            status, payload = 405, b"method not allowed\n"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        if status == 405 or self.command == "OPTIONS":
            self.send_header("Allow", "GET, HEAD, POST, OPTIONS")
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def do_GET(self):
        self._answer()

    def do_HEAD(self):
        self._answer(body=False)

    def do_POST(self):
        self._answer()

    def do_OPTIONS(self):
        self._answer()

    def _not_allowed(self):
        self._answer(allowed=False)

    do_PUT = do_DELETE = do_TRACE = do_PATCH = do_CONNECT = _not_allowed

    def log_message(self, *args):
        pass


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: python_server.py PORT")
    ThreadingHTTPServer.daemon_threads = True
    # The harness opens many connections at once; the default backlog of 5
    # would refuse some of them.
    ThreadingHTTPServer.request_queue_size = 256
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Hello).serve_forever()


if __name__ == "__main__":
    main()
