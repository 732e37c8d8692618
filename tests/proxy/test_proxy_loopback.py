"""The proxy between two real mock parties in their own processes: an eMSP (A) registers with a
CPO (B) through it, pulls, gets pushes, sends commands; the proxy grades all of it.

Clean, nothing is broken; with one fault injected in one party, the proxy names exactly that
fault's checks (those it judges) and the side that broke them.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

import conformance
from conformance.proxy.judge import Judge
from mock_party.faults import FAULTS
from proxy.proxy_support import start_mock, start_proxy

pytestmark = pytest.mark.slow
JUDGED = {rule.check_id for rule in Judge().rules}


def _traffic(emsp, cpo) -> None:
    """Everything two connected platforms do: register, pull, push, command."""
    registered = emsp.admin(
        "POST", "register", json={"versions_url": PROXY[0], "token_a": cpo.token_a}
    )
    assert registered.status_code == 200, registered.text
    for module in ("locations", "tariffs", "sessions", "cdrs"):
        pulled = emsp.admin("POST", f"pull/{module}", json={})
        assert pulled.status_code == 200, pulled.text
    token = emsp.admin("GET", "objects/tokens").json()["data"][0]
    location = cpo.admin("GET", "objects/locations").json()["data"][0]
    simulated = cpo.admin("POST", "simulate", json={})
    assert simulated.status_code == 200, simulated.text
    command = {
        "token": token,
        "location_id": location["id"],
        "evse_uid": location["evses"][0]["uid"],
    }
    sent = emsp.admin("POST", "commands/START_SESSION", json=command)
    assert sent.status_code == 200, sent.text
    time.sleep(1.0)  # the CommandResult comes back through the proxy after a short delay


PROXY: list[str] = []


def _session(tmp_path: Path, cpo_faults=(), emsp_faults=()):
    cpo = start_mock("cpo", "CPO", tmp_path, cpo_faults)
    emsp = start_mock("emsp", "EMS", tmp_path, emsp_faults)
    proxy, url = start_proxy(cpo.versions_url, tmp_path)
    PROXY[:] = [url]
    try:
        _traffic(emsp, cpo)
        code = proxy.interrupt()
    finally:
        for process in (proxy, cpo.process, emsp.process):
            process.stop()
    results = json.loads((tmp_path / "reports/results.json").read_text())
    har = json.loads((tmp_path / "reports/exchanges.har").read_text())
    _assert_masked(tmp_path / "reports", [cpo.token_a, emsp.token_a], proxy.lines)
    return code, results, har, proxy.lines


def _assert_masked(reports: Path, tokens_a: list[str], console: list[str]) -> None:
    """No token appears unmasked: not the tokens A, not any Authorization or token field."""
    texts = [p.read_text() for p in reports.iterdir()] + ["\n".join(console)]
    for text in texts:
        for token in tokens_a:
            assert token not in text
    har = json.loads((reports / "exchanges.har").read_text())
    for entry in har["log"]["entries"]:
        for name, headers in (("request", entry["request"]["headers"]),):
            for h in headers:
                if h["name"].lower() == "authorization":
                    assert h["value"].split(" ", 1)[-1].startswith("****"), (name, h)
        for body in (
            entry["request"].get("postData", {}).get("text"),
            entry["response"]["content"]["text"],
        ):
            document = json.loads(body) if body and body.startswith("{") else {}
            data = document.get("data", document) if isinstance(document, dict) else {}
            if isinstance(data, dict) and "token" in data and isinstance(data["token"], str):
                assert data["token"].startswith("****"), data


def _broken(results) -> dict[str, list[str]]:
    return {r["id"]: r["broken_by"] for r in results["checks"] if r["outcome"] in ("fail", "warn")}


def test_clean_parties_break_nothing_and_every_exchange_is_reported(tmp_path):
    code, results, har, lines = _session(tmp_path)
    assert _broken(results) == {}
    assert code == 0
    entries = har["log"]["entries"]
    directions = {e["comment"].split(";")[0] for e in entries}
    assert directions == {"A→B", "B→A"}
    urls = [e["request"]["url"] for e in entries]
    assert any("/credentials" in u for u in urls)
    assert any("/sender/locations" in u or "/locations" in u for u in urls)
    assert any("/commands/START_SESSION" in u for u in urls)
    console = [line for line in lines if line.startswith(("A→B", "B→A"))]
    assert len(console) == len(entries)
    seen = {r["id"] for r in results["checks"] if r["outcome"] == "pass"}
    assert "transport.envelope_valid" in seen
    _assert_machine_readable(tmp_path / "reports", results)


def _assert_machine_readable(reports: Path, results: dict) -> None:
    """The proxy's results.json obeys the run's schema, and its JUnit cases carry the check's
    id, level and spec as a run's do."""
    schema = json.loads((Path(conformance.__file__).parent / "results.schema.json").read_text())
    jsonschema.validate(results, schema)
    assert results["source"] == "proxy" and results["target_reachable"] is True
    cases = ET.parse(reports / "junit.xml").getroot().findall("testcase")
    assert len(cases) == len(results["checks"])
    by_id = {r["id"]: r for r in results["checks"]}
    for case in cases:
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        record = by_id[case.get("name")]
        assert props == {"check_id": record["id"], "level": record["level"], "spec": record["spec"]}


_OBJECTS = ("locations", "sessions", "cdrs", "tariffs")


@pytest.mark.parametrize(
    ("party", "fault", "named", "side"),
    [
        ("cpo", "transport.content_type_not_json", {"transport.content_type_json"}, "B"),
        ("emsp", "transport.request_id_not_echoed", {"transport.request_id_echoed"}, "A"),
        (
            "cpo",
            "pricing.cdr_total_mismatch",
            {"cdrs.pricing_reconciles", "cdrs.pushed_pricing_reconciles"},
            "B",
        ),
        # tokens.objects_valid, its fourth trip, is not seen: a CPO has no Tokens to give
        ("cpo", "schema.required_field_dropped", {f"{m}.objects_valid" for m in _OBJECTS}, "B"),
    ],
)
def test_one_fault_is_named_with_the_side_that_broke_it(tmp_path, party, fault, named, side):
    assert named <= set(FAULTS[fault].trips) & JUDGED
    faults = {"cpo_faults" if party == "cpo" else "emsp_faults": (fault,)}
    code, results, _, lines = _session(tmp_path, **faults)
    assert _broken(results) == {check: [side] for check in named}
    assert code == 1
    not_named = set(FAULTS[fault].trips) & JUDGED - named
    outcomes = {r["id"]: r["outcome"] for r in results["checks"]}
    assert all(outcomes[check] == "skip" for check in not_named)
    flagged = [line for line in lines if any(check in line for check in named)]
    assert flagged, "the console names the broken checks on the exchanges that broke them"
