"""Requests waitress refuses before the app sees them (a bad request line, an invalid
Content-Length, raw non-ASCII bytes in the path, a bad header, a bad chunk) get OCPI envelopes
over a raw socket: from a server thread and from an ``ocpi-mock serve`` process."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mock_party import MockConfig, create_app
from mock_party.server import serve_in_thread

MOCK = str(Path(sys.executable).parent / "ocpi-mock")
BAD = {
    "request line": (b"GARBAGE\r\n\r\n", "Start line is invalid"),
    "Content-Length": (
        b"POST /ocpi/versions HTTP/1.1\r\nHost: x\r\nContent-Length: 12a\r\n\r\n",
        "Content-Length is invalid",
    ),
    "non-ASCII path": (
        "GET /ocpi/versions/é² HTTP/1.1\r\nHost: x\r\n\r\n".encode(),
        "Bad URI",
    ),
    "raw byte in path": (b"GET /ocpi/\xff HTTP/1.1\r\nHost: x\r\n\r\n", "Bad URI"),
    "header": (b"GET /ocpi/versions HTTP/1.1\r\nBad Header: y\r\n\r\n", "Invalid header"),
    "chunk": (
        b"POST /ocpi/versions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "Invalid chunk size",
    ),
}


def _exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def _assert_envelope(port: int, raw: bytes, reason: str) -> None:
    status, headers, body = _exchange(port, raw)
    assert status == 400
    assert headers["content-type"] == "application/json"
    document = json.loads(body)
    assert document["status_code"] == 2000
    assert reason in document["status_message"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document["timestamp"])


@pytest.fixture(scope="module")
def port():
    with serve_in_thread(create_app(MockConfig())) as server:
        yield server.port


@pytest.mark.parametrize("what", sorted(BAD))
def test_server_errors_are_envelopes(port, what):
    raw, reason = BAD[what]
    _assert_envelope(port, raw, reason)


def test_the_serve_command_answers_them_as_envelopes(tmp_path):
    proc = subprocess.Popen(
        [MOCK, "serve", "--port", "0", "--database", str(tmp_path / "m.sqlite")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        text = "".join(proc.stdout.readline() for _ in range(2))
        port = int(re.search(r"versions URL: http://[^:]+:(\d+)/", text).group(1))
        for raw, reason in BAD.values():
            _assert_envelope(port, raw, reason)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
