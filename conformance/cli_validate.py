"""``ocpi-conformance validate``: check JSON documents against the OCPI schemas."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

import click

from ocpi_core import schemas
from ocpi_core.schemas import VERSIONS, SchemaViolation, candidates, schema_names

__all__ = ["validate"]

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2
_MAX_CANDIDATES = 8
_OBJECT_KINDS = ("object", "class")


class _BadInput(Exception):
    """The file could not be read as JSON."""


@dataclass(frozen=True)
class _Outcome:
    code: int
    lines: list[str]


def _read(path: str) -> Any:
    try:
        with click.open_file(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise _BadInput(f"cannot read: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _BadInput(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc


def _looks_like_envelope(document: Any) -> bool:
    return isinstance(document, dict) and "status_code" in document and "timestamp" in document


def _violation_lines(name: str, found: list[SchemaViolation]) -> list[str]:
    return [f"{name}: {violation}" for violation in found]


def _check_object(
    name: str, document: Any, version: str, object_name: str, envelope: bool
) -> _Outcome:
    found = schemas.validate(document, version, object_name, envelope=envelope)
    if found:
        lines = _violation_lines(name, found)
        if not envelope and _looks_like_envelope(document):
            lines.append(f"{name}: hint: this looks like a response envelope; add --envelope")
        return _Outcome(EXIT_INVALID, lines)
    what = f"{object_name} in a response envelope" if envelope else object_name
    if envelope and isinstance(document.get("data"), list):
        count = len(document["data"])
        what += f" ({count} item{'' if count == 1 else 's'})"
    return _Outcome(EXIT_OK, [f"{name}: OK, valid OCPI {version} {what}"])


def _closest(document: Any, version: str) -> list[str]:
    """The objects whose fields the document mostly uses, fewest violations first."""
    if not isinstance(document, dict) or not document:
        return []
    names = [n for n in schema_names(version) if schemas._kind(version, n) in _OBJECT_KINDS]
    fits = {n: schemas._fit(document, version, n) for n in names}
    best = max(fits.values())
    if best == 0:
        return []
    near = [n for n in names if fits[n] >= min(0.5, best)]
    scored = sorted((len(schemas.validate(document, version, n)), -fits[n], n) for n in near)
    return [f"{n} ({count} violation{'' if count == 1 else 's'})" for count, _, n in scored[:3]]


def _guess(name: str, document: Any, version: str, envelope: bool) -> _Outcome:
    lines: list[str] = []
    code = EXIT_OK
    if envelope:
        found = schemas.validate(document, version, "Response")
        if found:
            return _Outcome(EXIT_INVALID, _violation_lines(name, found))
        document = document.get("data")
        if document is None:
            return _Outcome(
                EXIT_OK, [f"{name}: OK, valid OCPI {version} response envelope without data"]
            )
    fits = candidates(document, version)
    if fits:
        shown = ", ".join(fits[:_MAX_CANDIDATES])
        more = f" and {len(fits) - _MAX_CANDIDATES} more" if len(fits) > _MAX_CANDIDATES else ""
        lines.append(f"{name}: valid as OCPI {version} {shown}{more}")
        lines.append(f"{name}: use --object {fits[0]} to validate against one of them")
        return _Outcome(code, lines)
    lines.append(f"{name}: matches no OCPI {version} object or class")
    if not envelope and _looks_like_envelope(document):
        lines.append(f"{name}: hint: this looks like a response envelope; add --envelope")
    closest = _closest(document, version)
    if closest:
        lines.append(f"{name}: closest: {', '.join(closest)}; see them with --object NAME")
    return _Outcome(EXIT_INVALID, lines)


def _object_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    version = ctx.params.get("ocpi_version", "2.2.1")
    names = schema_names(version)
    if value in names:
        return value
    close = difflib.get_close_matches(value, names, n=3)
    hint = f" Did you mean {' or '.join(close)}?" if close else ""
    objects = [n for n in names if schemas._kind(version, n) == "object"]
    raise click.BadParameter(
        f"{value!r} is not an OCPI {version} schema.{hint} Objects: {', '.join(objects)} "
        "(classes, enums and PATCH bodies such as LocationPatch are accepted too)."
    )


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(allow_dash=True, dir_okay=False))
@click.option(
    "--version",
    "ocpi_version",
    type=click.Choice(VERSIONS),
    default="2.2.1",
    show_default=True,
    is_eager=True,  # --object is checked against this version's names
    help="OCPI version whose schemas apply.",
)
@click.option(
    "--object",
    "object_name",
    metavar="NAME",
    callback=_object_name,
    help="Schema to validate against: an object, class, enum or body name such as Location, "
    "EVSE, LocationPatch, Tariff, Response. Without it, the command lists the objects the "
    "document is valid as.",
)
@click.option(
    "--envelope",
    is_flag=True,
    help="The document is a whole OCPI response (data, status_code, status_message, "
    "timestamp): check the envelope, then data (each item, if it is a list).",
)
def validate(
    files: tuple[str, ...], ocpi_version: str, object_name: str | None, envelope: bool
) -> None:
    """Validate OCPI JSON documents against the schemas.

    FILE is a JSON file, or - for standard input. Each problem is printed as
    FILE: JSON-path: message (rule at Schema.json#/where), for example

    \b
        loc.json: $.evses[0].status: 'FOO' is not one of [...] (enum at Status.json#/enum)

    Exit status: 0 when every file is valid (or, without --object, valid as at least one
    object), 1 when a document breaks a schema, 2 for unreadable files or invalid JSON.

    \b
    Examples:
        ocpi-conformance validate location.json --object Location
        curl -s ... | ocpi-conformance validate - --envelope --object Location
        ocpi-conformance validate --version 2.1.1 unknown.json
    """
    worst = EXIT_OK
    for path in files:
        name = "<stdin>" if path == "-" else path
        try:
            document = _read(path)
        except _BadInput as exc:
            click.secho(f"{name}: {exc}", fg="red", err=True)
            worst = EXIT_USAGE
            continue
        if envelope and not isinstance(document, dict):
            click.echo(f"{name}: $: a response envelope must be a JSON object")
            worst = max(worst, EXIT_INVALID)
            continue
        if object_name is None:
            outcome = _guess(name, document, ocpi_version, envelope)
        else:
            outcome = _check_object(name, document, ocpi_version, object_name, envelope)
        for line in outcome.lines:
            click.echo(line)
        worst = max(worst, outcome.code)
    raise SystemExit(worst)
