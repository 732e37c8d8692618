"""A shared mock for real: ``ocpi-mock serve --database postgresql://… --workers 4`` as a
process (gunicorn master and four workers) against a real PostgreSQL server. Every worker
sees what another stored (partners, faults switched on at run time, pending results, objects
changed behind the pages each keeps); a worker killed with SIGKILL in the middle of a write
storm loses no acknowledged write."""

from __future__ import annotations

import json
import socket
import subprocess

import httpx
import pytest
from shared_mock_support import (
    OCPI_MOCK,
    add_partner,
    headers,
    kill_one_worker,
    serve,
    stored_tokens,
    storm,
)

from mock_party.objects import SENDER, ObjectKey, Objects
from mock_party.store import Store

# The size: 8 clients, 10,000 writes over 4 workers (about 17 s on 2 cores).
WRITES = 10000


@pytest.fixture
def shared(postgres_url, tmp_path):
    mock = serve(postgres_url, 4, tmp_path, "--locations", "60")
    try:
        yield mock
    finally:
        mock.stop()


def test_four_workers_share_one_store(shared):
    assert len(shared.wait_for_workers(4)) == 4
    add_partner(shared.database)  # stored behind the workers' backs: each must see it
    with httpx.Client(headers=headers(), timeout=30) as http:
        pages = [http.get(shared.url + "/ocpi/2.2.1/sender/locations?limit=50") for _ in range(40)]
        assert {p.status_code for p in pages} == {200}
        assert {p.headers["X-Total-Count"] for p in pages} == {"60"}
        # a fault switched on at run time reaches every worker, and so does switching it off
        switched = httpx.post(
            shared.url + "/admin/faults", json={"faults": ["transport.http_500"]}, timeout=30
        )
        assert switched.status_code == 200
        broken = [http.get(shared.url + "/ocpi/2.2.1/sender/locations") for _ in range(40)]
        assert {p.status_code for p in broken} == {500}
        httpx.post(shared.url + "/admin/faults", json={"faults": []}, timeout=30)
        healed = [http.get(shared.url + "/ocpi/2.2.1/sender/locations") for _ in range(40)]
        assert {p.status_code for p in healed} == {200}
    # each worker keeps the pages it served, but a Location changed behind their backs shows in
    # every next answer (new connections, so that every worker answers some)
    page = shared.url + "/ocpi/2.2.1/sender/locations?limit=50"
    first = [httpx.get(page, headers=headers(), timeout=30).json()["data"][0] for _ in range(24)]
    assert len({location["id"] for location in first}) == 1
    location = {**first[0], "name": "Renamed behind the workers' backs"}
    store = Store(shared.database)
    try:
        key = ObjectKey("locations", SENDER, location["country_code"], location["party_id"],
                        location["id"])  # fmt: skip
        with store.transaction():
            Objects(store.db).put(key, location)
    finally:
        store.close()
    renamed = [httpx.get(page, headers=headers(), timeout=30).json()["data"][0] for _ in range(24)]
    assert {found.get("name") for found in renamed} == {location["name"]}


def test_a_killed_worker_loses_no_acknowledged_write(shared):
    shared.wait_for_workers(4)
    add_partner(shared.database)
    killed: list[int] = []
    done = storm(shared.url, WRITES, clients=8, when_half_done=lambda: killed.append(
        kill_one_worker(shared)))  # fmt: skip
    assert killed, "the storm never reached the point where a worker is killed"
    stored = stored_tokens(shared.database)
    assert done.acknowledged >= WRITES * 0.9, done  # the other workers went on serving
    missing = sorted(uid for uid in done.put if uid.upper() not in {u.upper() for u in stored})
    assert missing == [], f"acknowledged PUTs missing: {missing[:10]}"
    by_uid = {uid.upper(): body for uid, body in stored.items()}
    lost = [uid for uid, issuer in done.patched.items() if by_uid[uid.upper()]["issuer"] != issuer]
    assert lost == [], f"acknowledged PATCHes lost: {lost[:10]}"
    # the master replaced the killed worker
    assert killed[0] not in shared.wait_for_workers(4)


def _raw(url: str, request: bytes) -> tuple[str, dict[str, str], bytes]:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines)
    return status, {k.lower(): v for k, v in fields.items()}, body


@pytest.mark.parametrize(
    ("request_bytes", "status", "named"),
    [
        (b"GARBAGE-REQUEST-LINE\r\n\r\n", "400", "invalid request line"),
        (
            b"GET /ocpi/versions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            "400",
            "invalid header",
        ),  # fmt: skip
    ],
)
def test_errors_gunicorn_answers_are_envelopes(shared, request_bytes, status, named):
    status_line, fields, body = _raw(shared.url, request_bytes)
    assert status_line.split(" ")[1] == status, status_line
    assert fields["content-type"] == "application/json"
    envelope = json.loads(body)
    assert envelope["status_code"] == 2000
    assert named in envelope["status_message"]
    assert "GARBAGE" not in envelope["status_message"]  # what was wrong, not the bytes sent
    assert envelope["timestamp"].endswith("Z")


def test_several_workers_for_a_hub_are_refused():
    # refused before any database is opened, so no PostgreSQL server is needed to see it
    done = subprocess.run(
        [OCPI_MOCK, "serve", "--role", "hub", "--database", "postgresql://mock@127.0.0.1:1/x"]
        + ["--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "--workers 2 cannot serve a mock hub" in done.stderr
    assert "drop --workers for --role hub" in done.stderr


def test_several_workers_over_sqlite_are_refused(tmp_path):
    done = subprocess.run(
        [OCPI_MOCK, "serve", "--database", str(tmp_path / "m.sqlite"), "--workers", "3"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--workers 3 needs a PostgreSQL database" in done.stderr
    assert "SQLite file serves one worker process at most" in done.stderr
