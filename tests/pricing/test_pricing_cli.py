"""The ``price`` command, run through click's CliRunner on files of our own."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pricing_support import EXAMPLES_DIR, component, element, periods_cdr, tariff, utc

from conformance.cli_price import price

NIGHT = tariff(
    element(component("FLAT", "0.50", 20)),
    element(component("ENERGY", "0.20", 10), start_time="22:00", end_time="06:00"),
    element(component("ENERGY", "0.30", 10)),
    tariff_id="NIGHT",
)


def write(path: Path, doc: Any) -> str:
    # Decimals as JSON numbers with all their digits, as a real file has them (a price given as
    # a string is a finding)
    text = json.dumps(doc, default=lambda value: f"@num@{value}@num@")
    path.write_text(re.sub(r'"@num@(.*?)@num@"', r"\1", text), encoding="utf-8")
    return str(path)


def run(*args: str) -> Any:
    return CliRunner().invoke(price, list(args), catch_exceptions=False)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    # 21:00-23:00 Amsterdam, 10 kWh per hour: 10 x 0.30 + 10 x 0.20 + FLAT 0.50 = 5.50
    cdr = periods_cdr(
        utc("2024-01-10T21:00", "Europe/Amsterdam"), [(120, {"ENERGY": 20, "TIME": 2})]
    )
    cdr.update(
        total_cost={"excl_vat": Decimal("5.50"), "incl_vat": Decimal("6.10")},
        total_energy=Decimal(20),
        total_time=Decimal(2),
    )
    envelope = {"data": [NIGHT], "status_code": 1000, "timestamp": "2024-01-10T00:00:00Z"}
    return {
        "tariff": write(tmp_path / "tariff.json", NIGHT),
        "envelope": write(tmp_path / "tariffs.json", envelope),
        "cdr": write(tmp_path / "cdr.json", cdr),
        "location": write(
            tmp_path / "location.json", {"id": "L1", "time_zone": "Europe/Amsterdam"}
        ),
        "no_zone": write(tmp_path / "no_zone.json", {"id": "L1"}),
        "session": write(
            tmp_path / "session.json",
            {
                "start": utc("2024-01-10T21:00", "Europe/Amsterdam"),
                "end": utc("2024-01-10T23:00", "Europe/Amsterdam"),
                "samples": [
                    {"timestamp": utc("2024-01-10T21:00", "Europe/Amsterdam"), "energy_kwh": 0},
                    {"timestamp": utc("2024-01-10T23:00", "Europe/Amsterdam"), "energy_kwh": 20},
                ],
            },
        ),
    }


def test_table_output_for_a_cdr(files):
    result = run(
        "--tariff", files["tariff"], "--cdr", files["cdr"], "--time-zone", "Europe/Amsterdam"
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "OCPI 2.2.1 pricing in EUR; tariff restrictions read in Europe/Amsterdam" in out
    assert "NIGHT elements[2].price_components[0]" in out
    assert "why: tariff NIGHT elements[1] (local time 22:00 in 22:00-06:00)" in out
    total = next(line for line in out.splitlines() if line.startswith("total "))
    assert total.split() == ["total", "5.50", "6.10"]
    assert "the CDR's own figures next to ours:" in out
    assert "DIFFERS" not in out


def test_json_output(files):
    result = run("--tariff", files["envelope"], "--cdr", files["cdr"], "--location",
                 files["location"], "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    for key in ("total_cost", "total_energy_cost", "total_time_cost", "total_parking_cost",
                "total_fixed_cost", "total_reservation_cost"):  # fmt: skip
        assert set(doc[key]) == {"excl_vat", "incl_vat"}
        assert all(isinstance(v, str) for v in doc[key].values())
    assert doc["total_cost"] == {"excl_vat": "5.50", "incl_vat": "6.10"}
    assert doc["time_zone"] == "Europe/Amsterdam"
    assert [line["element_index"] for line in doc["breakdown"]] == [0, 2, 1]
    assert all(row["ok"] in (True, None) for row in doc["comparison"])
    assert doc["findings"] == []


def test_default_time_zone_is_utc_with_a_note(files):
    result = run("--tariff", files["tariff"], "--cdr", files["cdr"], "--json")
    doc = json.loads(result.output)
    assert doc["time_zone"] == "UTC"
    # read in UTC the session is 20:00-22:00: all day rate, 20 x 0.30 + 0.50 = 6.50
    assert doc["total_cost"]["excl_vat"] == "6.50"
    assert any("read in UTC" in note for note in doc["notes"])


def test_session_from_samples(files):
    result = run("--tariff", files["tariff"], "--session", files["session"], "--time-zone",
                 "Europe/Amsterdam", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total_cost"]["excl_vat"] == "5.50"


def test_session_as_an_ocpi_session(files, tmp_path):
    cdr = json.loads(Path(files["cdr"]).read_text())
    session = {
        "id": "S1",
        "start_date_time": cdr["start_date_time"],
        "end_date_time": cdr["end_date_time"],
        "kwh": 20,
        "charging_periods": cdr["charging_periods"],
        "status": "COMPLETED",
    }
    path = write(tmp_path / "ocpi_session.json", session)
    result = run("--tariff", files["tariff"], "--session", path, "--time-zone", "Europe/Amsterdam")
    assert result.exit_code == 0, result.output
    total = next(line for line in result.output.splitlines() if line.startswith("total "))
    assert total.split() == ["total", "5.50", "6.10"]


def test_exact_amounts_and_options(files):
    result = run("--tariff", files["tariff"], "--cdr", files["cdr"], "--decimals", "none",
                 "--step-size", "ignore", "--no-why", "--json")  # fmt: skip
    doc = json.loads(result.output)
    assert doc["total_cost"]["excl_vat"] == "6.50"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give exactly one of --cdr and --session"),
        (["--time-zone", "UTC", "--location", "LOCATION"], "give --time-zone or --location"),
        (["--location", "NO_ZONE"], "the Location has no time_zone"),
        (["--decimals", "many"], "'many' is not a number of decimals 0..10 or 'none'"),
    ],
)
def test_usage_errors(files, args, message):
    args = [files["location"] if a == "LOCATION" else files["no_zone"] if a == "NO_ZONE" else a
            for a in args]  # fmt: skip
    extra = ["--cdr", files["cdr"]] if args else []
    result = run("--tariff", files["tariff"], *extra, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_pricing_errors_are_reported_not_raised(files, tmp_path):
    result = run("--tariff", files["tariff"], "--cdr", files["cdr"], "--time-zone", "Mars/Base")
    assert result.exit_code == 1
    assert "Error: unknown time zone 'Mars/Base'" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = run("--tariff", str(broken), "--cdr", files["cdr"])
    assert result.exit_code == 2 and "not valid JSON" in result.output


def test_a_cdr_without_tariffs_needs_tariff(files):
    result = run("--cdr", files["cdr"])
    assert result.exit_code == 2
    assert "the CDR embeds no tariffs: give --tariff" in result.output


def test_the_spec_cdr_example_with_its_embedded_tariff():
    path = EXAMPLES_DIR / "2.2.1" / "cdr_example.json"
    if not path.is_file():
        pytest.skip(f"spec example not found at {path}; set OCPI_SPEC_EXAMPLES")
    result = run("--cdr", str(path))
    assert result.exit_code == 0, result.output
    assert "cdr.total_energy_mismatch" in result.output  # the example's own inconsistency
    total = next(line for line in result.output.splitlines() if line.startswith("total "))
    assert total.split() == ["total", "4.00", "4.40"]


def test_every_engine_option_is_a_flag():
    from dataclasses import fields

    from ocpi_core.pricing import PricingOptions

    names = {p.name for p in price.params}
    assert {f.name for f in fields(PricingOptions)} <= names


def _total(files, *args):
    result = run("--tariff", files["tariff"], "--cdr", files["cdr"], "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["total_cost"]["excl_vat"]


def test_split_periods_flag(files):
    zone = ("--time-zone", "Europe/Amsterdam")
    # 21:00-23:00 across the 22:00 price change: split 10 x 0.30 + 10 x 0.20 + 0.50, unsplit all
    # 20 kWh at the 21:00 price
    assert _total(files, *zone) == "5.50"
    assert _total(files, *zone, "--no-split-periods") == "6.50"


def test_rounding_flag(files):
    # exact 6.50 incl. VAT 6.65 (0.50 at 20 %, 6.00 at 10 %) -- excl. is whole cents, so round
    # to one decimal to see the mode
    assert _total(files, "--decimals", "0", "--rounding", "ROUND_DOWN") == "6"
    assert _total(files, "--decimals", "0", "--rounding", "ROUND_UP") == "7"


def test_unknown_measurement_flag(tmp_path):
    fast = tariff(
        element(component("ENERGY", "0.50"), min_current=Decimal(16)),
        element(component("ENERGY", "0.30")),
        tariff_id="FAST",
    )
    cdr = periods_cdr("2024-01-10T10:00:00Z", [(60, {"ENERGY": 10, "TIME": 1})])
    args = ["--tariff", write(tmp_path / "t.json", fast), "--cdr", write(tmp_path / "c.json", cdr)]
    # the CDR gives no current: its min_current element does not apply, or applies with "match"
    no_match = json.loads(run(*args, "--json").output)["total_cost"]["excl_vat"]
    match = json.loads(run(*args, "--json", "--unknown-measurement", "match").output)
    assert (no_match, match["total_cost"]["excl_vat"]) == ("3.00", "5.00")
