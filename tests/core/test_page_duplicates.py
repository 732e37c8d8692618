"""A page holding the same Location 25,000 times is a pagination finding (pagination.page_unique),
found over loopback from a raw server, with the count in the message."""

from __future__ import annotations

from pathlib import Path

from core.cli_runs import run_against
from core.hostile_servers import discovery_answer, envelope_answer, ocpi_body, serve_raw

STAMP = "2026-01-01T00:00:00Z"
COPIES = 25_000


def _run(tmp_path: Path, copies: int) -> dict:
    state = {"url": ""}
    location = {"country_code": "NL", "party_id": "DUP", "id": "LOC1", "last_updated": STAMP}
    page = ocpi_body([location] * copies)

    def answer(line: str) -> bytes:
        base = state["url"]
        path = line.split()[1]
        if (discovery := discovery_answer(base, path)) is not None:
            return discovery
        return envelope_answer(page, f"X-Total-Count: {copies}\r\nX-Limit: {copies}\r\n")

    with serve_raw(answer) as url:
        state["url"] = url
        _, results, _ = run_against(
            f"{url}/ocpi/versions", "dup-1234", tmp_path, "-k", "page_unique"
        )
    (record,) = [c for c in results["checks"] if c["id"] == "pagination.page_unique"]
    return record


def test_a_page_of_25000_copies_fails_page_unique(tmp_path):
    record = _run(tmp_path, COPIES)
    assert record["outcome"] == "fail", record
    assert f"NL/DUP/LOC1 {COPIES} times" in record["message"]
    assert "2.2.1 §4.1.4.1.3" in record["message"]


def test_one_copy_passes(tmp_path):
    assert _run(tmp_path, 1)["outcome"] == "pass"
