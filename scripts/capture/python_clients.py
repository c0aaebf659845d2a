#!/usr/bin/env python3
"""Requests from Python's own HTTP clients (and `requests`, when installed),
one scenario per run.

Usage: python_clients.py SCENARIO BASE_URL FORM_PATH

Scenarios:
  urllib              GET /, POST the form (urlencoded), POST JSON; one connection each
  http-client-keepalive  GET /, GET /test.jpg, POST the form on one connection
  http-client-chunked    POST the form body with Transfer-Encoding: chunked
  requests            GET /, POST multipart/form-data (needs `requests`)
"""
import http.client
import json
import sys
import urllib.parse
import urllib.request

FORM = {"name": "h1check", "message": "hello from python"}


def urllib_scenario(base, form_path):
    with urllib.request.urlopen(base + "/") as r:
        r.read()
    body = urllib.parse.urlencode(FORM).encode()
    with urllib.request.urlopen(base + form_path, data=body) as r:
        r.read()
    req = urllib.request.Request(
        base + form_path,
        data=json.dumps(FORM).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req) as r:
            r.read()
    except urllib.error.HTTPError as e:  # a 4xx is still a captured request
        e.read()


def http_client_connection(base):
    url = urllib.parse.urlsplit(base)
    return http.client.HTTPConnection(url.hostname, url.port, timeout=10)


def http_client_keepalive(base, form_path):
    conn = http_client_connection(base)
    for path in ["/", "/test.jpg"]:
        conn.request("GET", path)
        conn.getresponse().read()
    conn.request(
        "POST",
        form_path,
        body=urllib.parse.urlencode(FORM),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    conn.getresponse().read()
    conn.close()


def http_client_chunked(base, form_path):
    conn = http_client_connection(base)
    body = urllib.parse.urlencode(FORM).encode()
    # An iterable body with encode_chunked=True is sent as chunks, one per item.
    parts = [body[:7], body[7:]]
    conn.request(
        "POST",
        form_path,
        body=iter(parts),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        encode_chunked=True,
    )
    conn.getresponse().read()
    conn.close()


def requests_scenario(base, form_path):
    import requests

    with requests.Session() as s:
        s.get(base + "/").content
        s.post(
            base + form_path,
            data=FORM,
            files={"upload": ("note.txt", b"a small file\r\n", "text/plain")},
        ).content


SCENARIOS = {
    "urllib": urllib_scenario,
    "http-client-keepalive": http_client_keepalive,
    "http-client-chunked": http_client_chunked,
    "requests": requests_scenario,
}

if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in SCENARIOS:
        sys.exit(__doc__)
    SCENARIOS[sys.argv[1]](sys.argv[2].rstrip("/"), sys.argv[3])
