"""A list whose Link rel=next never ends, with a new URL each time, is a pagination failure
found within a few pages (repeated content, or an offset that does not move), not a walk of
hundreds of pages ending in skips."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest

import conformance
from core.cli_runs import run_against
from core.hostile_servers import discovery_answer, envelope_answer, ocpi_body, serve_raw


@pytest.mark.parametrize("how", ["same_page", "offset_stuck", "past_total"])
def test_an_endless_link_fails_pagination_early(tmp_path, how):
    state = {"url": "", "pages": 0}

    def answer(line: str) -> bytes:
        base = state["url"]
        path = line.split()[1]
        if (discovery := discovery_answer(base, path)) is not None:
            return discovery
        state["pages"] += 1
        query = parse_qs(urlsplit(path).query)
        n = state["pages"]
        if how == "same_page":
            data = [{"id": "L1"}]
            link = f"{base}/locations?offset={n}&limit=1"
        elif how == "offset_stuck":
            data = [{"id": f"L{n}"}]
            link = f"{base}/locations?offset={query.get('offset', ['0'])[0]}&page={n}"
        else:  # new objects and a moving offset, far past the X-Total-Count it gives
            data = [{"id": f"L{n}"}]
            link = f"{base}/locations?offset={n}&limit=1"
        headers = f'X-Total-Count: 3\r\nLink: <{link}>; rel="next"\r\n'
        return envelope_answer(ocpi_body(data), headers)

    reports = tmp_path / "reports"
    with serve_raw(answer) as url:
        state["url"] = url
        _, results, console = run_against(
            f"{url}/ocpi/versions", "endless-1234", tmp_path, "-k", "pagination"
        )
    failed = [c for c in results["checks"] if c["outcome"] == "fail"]
    endless = [c for c in failed if "endless Link" in c["message"]]
    assert endless, console
    assert all(c["id"].startswith("pagination.") for c in endless)
    assert state["pages"] < 60, state["pages"]  # a few pages per walk, not 500
    assert (reports / "exchanges.har").stat().st_size < 2_000_000


def test_a_long_walk_keeps_the_reports_small(tmp_path):
    """A list of 150 objects one per page: the check that walks it makes over 150 exchanges, the
    reports keep the first and last ones and say how many were left out."""
    total = 150
    state = {"url": ""}

    def answer(line: str) -> bytes:
        base = state["url"]
        path = line.split()[1]
        if (discovery := discovery_answer(base, path)) is not None:
            return discovery
        query = parse_qs(urlsplit(path).query)
        offset = int(query.get("offset", ["0"])[0])
        headers = f"X-Total-Count: {total}\r\nX-Limit: 1\r\n"
        if offset + 1 < total:
            headers += f'Link: <{base}/locations?offset={offset + 1}&limit=1>; rel="next"\r\n'
        return envelope_answer(ocpi_body([{"id": f"L{offset}"}]), headers)

    reports = tmp_path / "reports"
    with serve_raw(answer) as url:
        state["url"] = url
        _, results, _ = run_against(
            f"{url}/ocpi/versions", "endless-1234", tmp_path, "-k", "total_count"
        )
    schema = json.loads((Path(conformance.__file__).parent / "results.schema.json").read_text())
    jsonschema.validate(results, schema)
    (record,) = [c for c in results["checks"] if c["id"] == "pagination.total_count"]
    assert record["exchanges"] >= total
    assert record["exchanges_left_out"] == record["exchanges"] - 50
    har = json.loads((reports / "exchanges.har").read_text())["log"]["entries"]
    mine = [e for e in har if "pagination.total_count" in e.get("comment", "")]
    assert len(mine) == 50
    noted = [e for e in mine if "left out" in e["comment"]]
    assert len(noted) == 1 and str(record["exchanges_left_out"]) in noted[0]["comment"]
    assert (
        f"{record['exchanges_left_out']} more exchange(s)" in (reports / "report.html").read_text()
    )
