#!/usr/bin/env python3
"""A Python http.server hello-world on loopback, for the conformance matrix.

    python3 scripts/matrix/python_server.py PORT

Answers GET, HEAD and POST (and any other method) with 200 and "hello\n",
speaking HTTP/1.1 (persistent connections), after reading a Content-Length
body. http.server's own request parsing is what the harness judges.
"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self, body=True):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        payload = b"hello\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if body:
            self.wfile.write(payload)

    def do_GET(self):
        self._answer()

    def do_HEAD(self):
        self._answer(body=False)

    def do_POST(self):
        self._answer()

    def log_message(self, *args):
        pass


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: python_server.py PORT")
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Hello).serve_forever()


if __name__ == "__main__":
    main()
