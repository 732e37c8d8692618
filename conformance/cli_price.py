"""``ocpi-conformance price``: what a CDR or session costs under its tariff(s), line by line."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from ocpi_core.pricing import (
    OPTION_CHOICES,
    ROUNDINGS,
    PriceResult,
    PricingError,
    PricingOptions,
    check_cdr_consistency,
    check_tariff_sanity,
    compare_with_cdr,
    format_comparison,
    format_findings,
    format_result,
    load_json,
    price_cdr,
    price_session,
    unwrap_list,
    unwrap_object,
)

__all__ = ["price"]

_VERSIONS = ("2.1.1", "2.2.1", "2.3.0")


def _read(path: Path, what: str) -> Any:
    try:
        return load_json(path)
    except PricingError as exc:
        raise click.BadParameter(str(exc), param_hint=what) from None


def _tariffs(paths: tuple[Path, ...]) -> tuple[list[Mapping[str, Any]], list[str]]:
    """The tariffs of the --tariff files, and where each sits in its file (for error paths)."""
    tariffs: list[Mapping[str, Any]] = []
    where: list[str] = []
    for path in paths:
        doc = _read(path, "--tariff")
        items = unwrap_list(doc)
        enveloped = isinstance(doc, Mapping) and "data" in doc and "status_code" in doc
        inner = "$.data" if enveloped else "$"
        listed = isinstance(doc["data"] if enveloped else doc, list)
        for k, item in enumerate(items):
            location = f"{path} {inner}[{k}]" if listed else f"{path} {inner}"
            if not isinstance(item, Mapping):
                raise click.BadParameter(f"{location}: not a Tariff object", param_hint="--tariff")
            tariffs.append(item)
            where.append(location)
    return tariffs, where


def _location_zone(path: Path) -> str:
    try:
        location = unwrap_object(_read(path, "--location"), "Location")
    except PricingError as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--location") from None
    zone = location.get("time_zone") if isinstance(location, Mapping) else None
    if not zone:
        raise click.BadParameter(f"{path}: the Location has no time_zone", param_hint="--location")
    return str(zone)


@click.command("price")
@click.option(
    "--tariff",
    "tariff_paths",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    help="Tariff JSON: one Tariff, a list, or an OCPI response envelope. Repeatable. "
    "Default: the tariffs the CDR embeds.",
)
@click.option(
    "--cdr",
    "cdr_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CDR JSON (a CDR or an envelope around one).",
)
@click.option(
    "--session",
    "session_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Session JSON: an OCPI Session with charging_periods, or {start, end, samples}.",
)
@click.option(
    "--version",
    "version",
    type=click.Choice(_VERSIONS),
    default="2.2.1",
    show_default=True,
    help="OCPI version of the documents.",
)
@click.option("--time-zone", help="IANA time zone of the Location, e.g. Europe/Amsterdam.")
@click.option(
    "--location",
    "location_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Location JSON whose time_zone tariff restrictions are read in.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document instead of tables.")
@click.option(
    "--decimals",
    default="2",
    show_default=True,
    help="Round money to this many decimals, or 'none' for exact amounts.",
)
@click.option("--round-lines", is_flag=True, help="Round every line before adding up.")
@click.option(
    "--step-size",
    type=click.Choice(OPTION_CHOICES["step_size"]),
    default="session",
    show_default=True,
    help="How step_size is applied.",
)
@click.option(
    "--element-selection",
    type=click.Choice(OPTION_CHOICES["element_selection"]),
    default="per_dimension",
    show_default=True,
    help="Which element prices a dimension.",
)
@click.option(
    "--missing-tariff-id",
    type=click.Choice(OPTION_CHOICES["missing_tariff_id"]),
    default="infer",
    show_default=True,
    help="Periods without tariff_id: infer the tariff or price nothing.",
)
@click.option(
    "--overnight-day",
    type=click.Choice(OPTION_CHOICES["overnight_day"]),
    default="moment",
    show_default=True,
    help="Day of week after midnight in a window across midnight.",
)
@click.option(
    "--rounding",
    type=click.Choice(ROUNDINGS),
    default="ROUND_HALF_UP",
    show_default=True,
    help="How money is rounded to --decimals places (Python decimal rounding modes).",
)
@click.option(
    "--split-periods/--no-split-periods",
    default=True,
    show_default=True,
    help="Split a charging period where a restriction changes inside it (time of day, date, "
    "duration, kWh), interpolating linearly; --no-split-periods prices each period wholly as "
    "at its start.",
)
@click.option(
    "--unknown-measurement",
    type=click.Choice(OPTION_CHOICES["unknown_measurement"]),
    default="no_match",
    show_default=True,
    help="A power/current restriction on a period that does not measure it: the element does "
    "not apply (no_match) or applies (match).",
)
@click.option(
    "--why/--no-why", default=True, show_default=True, help="Print the reason under each line."
)
def price(
    tariff_paths: tuple[Path, ...],
    cdr_path: Path | None,
    session_path: Path | None,
    version: str,
    time_zone: str | None,
    location_path: Path | None,
    as_json: bool,
    decimals: str,
    round_lines: bool,
    step_size: str,
    element_selection: str,
    missing_tariff_id: str,
    overnight_day: str,
    rounding: str,
    split_periods: bool,
    unknown_measurement: str,
    why: bool,
) -> None:
    """Price a CDR (or a session) with its tariff(s) and show how each cost came about.

    \b
    Examples:
        ocpi-conformance price --tariff tariff.json --cdr cdr.json --time-zone Europe/Amsterdam
        ocpi-conformance price --tariff tariff.json --session session.json --json

    For a CDR, the CDR's own totals are shown next to ours, with the CDR's internal
    consistency findings and any tariff warnings. Semantics and defaults: docs/pricing.md.
    """
    if (cdr_path is None) == (session_path is None):
        raise click.UsageError("give exactly one of --cdr and --session")
    if time_zone and location_path:
        raise click.UsageError("give --time-zone or --location, not both")
    if location_path is not None:
        time_zone = _location_zone(location_path)
    places = None if decimals.lower() == "none" else decimals
    if places is not None and not (places.isdigit() and int(places) <= 10):
        raise click.BadParameter(
            f"{decimals!r} is not a number of decimals 0..10 or 'none'", param_hint="--decimals"
        )
    options = PricingOptions(
        decimals=None if places is None else int(places),
        round_lines=round_lines,
        step_size=step_size,
        element_selection=element_selection,
        missing_tariff_id=missing_tariff_id,
        overnight_day=overnight_day,
        rounding=rounding,
        split_periods=split_periods,
        unknown_measurement=unknown_measurement,
    )
    tariffs, tariff_where = _tariffs(tariff_paths)
    document: dict[str, Any] = {}
    try:
        if cdr_path is not None:
            cdr = unwrap_object(_read(cdr_path, "--cdr"), "CDR")
            if not isinstance(cdr, Mapping):
                raise click.BadParameter(f"{cdr_path}: not a CDR object", param_hint="--cdr")
            if not tariffs and not unwrap_list(cdr.get("tariffs")):
                raise click.UsageError("the CDR embeds no tariffs: give --tariff")
            result = price_cdr(
                cdr,
                tariffs,
                version=version,
                time_zone=time_zone,
                options=options,
                tariff_paths=tariff_where,
            )
            document["comparison"] = compare_with_cdr(result, cdr, version=version)
            findings = check_cdr_consistency(cdr, tariffs, version=version)
            used = tariffs or unwrap_list(cdr.get("tariffs"))
        else:
            assert session_path is not None
            session = unwrap_object(_read(session_path, "--session"), "session")
            if not tariffs:
                raise click.UsageError("give --tariff with --session")
            result = price_session(
                session,
                tariffs,
                version=version,
                time_zone=time_zone,
                options=options,
                tariff_paths=tariff_where,
            )
            findings = []
            used = tariffs
    except PricingError as exc:
        message = str(exc)
        if message.startswith("$"):
            # a path in the CDR or session file (its embedded tariffs included)
            message = f"{cdr_path or session_path} {message}"
        raise click.ClickException(message) from None
    for i, tariff in enumerate(used):
        for finding in check_tariff_sanity(tariff, version=version):
            prefix = f"tariff {tariff.get('id', i)!s}"
            findings.append(replace(finding, path=f"{prefix} {finding.path}"))
    _print(result, document.get("comparison"), findings, as_json=as_json, why=why)


def _print(
    result: PriceResult,
    comparison: Any,
    findings: list[Any],
    *,
    as_json: bool,
    why: bool,
) -> None:
    if as_json:
        doc = result.to_json_dict()
        if comparison is not None:
            doc["comparison"] = [row.to_json_dict() for row in comparison]
        doc["findings"] = [
            {"code": f.code, "level": f.level, "path": f.path, "message": f.message}
            for f in findings
        ]
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    click.echo(format_result(result, why=why))
    if comparison is not None:
        click.echo("")
        click.echo("the CDR's own figures next to ours:")
        click.echo(format_comparison(comparison))
    if findings:
        click.echo("")
        click.echo("findings:")
        click.echo(format_findings(findings))
