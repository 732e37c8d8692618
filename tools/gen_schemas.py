"""Generate ``schemas/<version>/*.json`` from the spec's field tables plus the overrides below.

The committed JSON files are the product; this script only keeps them consistent. It reads the
machine-readable tables in ``$OCPI_SPEC_MODEL`` (default ``../shared/ocpi-spec/model``), applies the
explicit overrides in this file (errata, regexes from the spec text, choice groups, envelope,
PATCH bodies) and writes one file per type plus ``index.json``.

Run: ``.venv/bin/python tools/gen_schemas.py`` (then review ``git diff schemas/``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODEL_DIR = Path(os.environ.get("OCPI_SPEC_MODEL", ROOT.parent / "shared" / "ocpi-spec" / "model"))
OUT_DIR = ROOT / "schemas"
VERSIONS = ("2.1.1", "2.2.1", "2.3.0")
ID_BASE = "https://ocpi-conformance.dev/schemas"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Extra tables merged into a version (module packages published on their own branches).
EXTRA_MODELS = {"2.3.0": ("2.3.0-bookings-module", "2.3.0-ed2-invoice-reconciliation-module")}

# Spec names that are not usable file names, or are typos of another type in the tables.
RENAMES = {
    "Financial Advice Confirmation": "FinancialAdviceConfirmation",
    "TimeSlot": "Timeslot",  # bookings tables link "TimeSlot" to the class Timeslot
    "BookingTokens": "BookingToken",  # bookings tables link "BookingTokens" to BookingToken
    "ResponseEnvelope": "Response",
}

# "End of input" that means the same in Python's re and ECMA-262: `$` alone also matches before a
# trailing "\n" in Python, which would let a newline slip through every pattern.
END = "(?![\\s\\S])"

# Printable characters. 2.1.1 allows printable ASCII only for every string; 2.2+ allows printable
# UTF-8 for `string` but keeps CiString to printable ASCII (types.asciidoc "string"/"CiString").
ASCII_PRINTABLE = "^[\\x20-\\x7E]*" + END
UTF8_PRINTABLE = "^[^\\x00-\\x1F\\x7F-\\x9F]*" + END
DATETIME = (
    "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    "T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?Z?" + END
)
URL = "^[A-Za-z][A-Za-z0-9+.\\-]*:[^\\s\\x00-\\x1F\\x7F]+" + END
TIME_HHMM = "^([01][0-9]|2[0-3]):[0-5][0-9]" + END
DATE = "^[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])" + END
LAT = {"2.1.1": "^-?[0-9]{1,2}\\.[0-9]{6}" + END, "new": "^-?[0-9]{1,2}\\.[0-9]{5,7}" + END}
LON = {"2.1.1": "^-?[0-9]{1,3}\\.[0-9]{6}" + END, "new": "^-?[0-9]{1,3}\\.[0-9]{5,7}" + END}
UPPER3 = "^[A-Z]{3}" + END
LOWER2 = "^[a-z]{2}" + END
TOKEN = "^[\\x21-\\x7E]*" + END


# Human wording of each pattern, written next to it as the annotation "x-ocpi-format" so that
# validators (ours: ocpi_core.schemas) can say what was expected instead of echoing a regex.
FORMAT_TEXT = {
    ASCII_PRINTABLE: "printable ASCII text (no control characters)",
    UTF8_PRINTABLE: "printable text (no control characters such as CR, LF or TAB)",
    DATETIME: "an OCPI DateTime: UTC, YYYY-MM-DDThh:mm:ss with optional fraction and optional Z, "
    "no offset",
    URL: "an absolute URL without spaces",
    TIME_HHMM: "a time of day hh:mm between 00:00 and 23:59",
    DATE: "a date YYYY-MM-DD",
    LAT["2.1.1"]: "a latitude with exactly 6 decimals, e.g. 51.047599",
    LON["2.1.1"]: "a longitude with exactly 6 decimals, e.g. 3.729944",
    LAT["new"]: "a latitude with 5 to 7 decimals, e.g. 51.04759",
    LON["new"]: "a longitude with 5 to 7 decimals, e.g. 3.72994",
    UPPER3: "a three-letter upper-case code (ISO 4217 currency / ISO 3166-1 alpha-3 country)",
    LOWER2: "a two-letter lower-case ISO 639-1 language code",
    TOKEN: "printable ASCII without spaces",
}


def string_pattern(version: str, spec_type: str) -> str:
    if spec_type == "CiString" or version == "2.1.1":
        return ASCII_PRINTABLE
    return UTF8_PRINTABLE


# Field overrides: (versions, type, field) -> (schema keywords to set, why). Every entry is a
# deliberate deviation from, or a refinement of, the bare table; tests/schemas/test_census.py
# lists the ones that change a tabled fact (max length) in its allow-list.
NEW = ("2.2.1", "2.3.0")
ALL = VERSIONS
FIELD_OVERRIDES: list[tuple[tuple[str, ...], str, str, dict[str, Any], str]] = [
    (NEW, "Location", "address", {"maxLength": 255}, "erratum: release-2.2.1-bugfixes / 2.3.0 ed2"),
    (NEW, "Location", "state", {"maxLength": 45}, "erratum: release-2.2.1-bugfixes / 2.3.0 ed2"),
    (NEW, "SignedValue", "plain_data", {"maxLength": 5000}, "erratum: 2.2.1-bugfixes / 2.3.0 ed2"),
    (("2.1.1",), "GeoLocation", "latitude", {"pattern": LAT["2.1.1"]}, "2.1.1 regex"),
    (("2.1.1",), "GeoLocation", "longitude", {"pattern": LON["2.1.1"]}, "2.1.1 regex"),
    (("2.1.1",), "AdditionalGeoLocation", "latitude", {"pattern": LAT["2.1.1"]}, "2.1.1 regex"),
    (("2.1.1",), "AdditionalGeoLocation", "longitude", {"pattern": LON["2.1.1"]}, "2.1.1 regex"),
    (NEW, "GeoLocation", "latitude", {"pattern": LAT["new"]}, "regex in the table"),
    (NEW, "GeoLocation", "longitude", {"pattern": LON["new"]}, "regex in the table"),
    (NEW, "AdditionalGeoLocation", "latitude", {"pattern": LAT["new"]}, "regex in the table"),
    (NEW, "AdditionalGeoLocation", "longitude", {"pattern": LON["new"]}, "regex in the table"),
    # 2.1.1-d2 prints [0-2][0-9]:[0-5][0-9]; release-2.1.1-bugfixes tightened it to a real time.
    (ALL, "RegularHours", "period_begin", {"pattern": TIME_HHMM}, "regex (2.1.1: bugfix branch)"),
    (ALL, "RegularHours", "period_end", {"pattern": TIME_HHMM}, "regex (2.1.1: bugfix branch)"),
    (ALL, "RegularHours", "weekday", {"minimum": 1, "maximum": 7}, "1 = Monday .. 7 = Sunday"),
    (ALL, "TariffRestrictions", "start_time", {"pattern": TIME_HHMM}, "regex in the table"),
    (ALL, "TariffRestrictions", "end_time", {"pattern": TIME_HHMM}, "regex in the table"),
    (ALL, "TariffRestrictions", "start_date", {"pattern": DATE}, "regex in the table"),
    (ALL, "TariffRestrictions", "end_date", {"pattern": DATE}, "regex in the table"),
    (NEW, "Credentials", "token", {"pattern": TOKEN}, "printable non-whitespace ASCII"),
]


def load_model(version: str) -> dict[str, dict[str, Any]]:
    types: dict[str, dict[str, Any]] = {}
    for name in (version, *EXTRA_MODELS.get(version, ())):
        path = MODEL_DIR / f"{name}.json"
        table = json.loads(path.read_text(encoding="utf-8"))["types"]
        for type_name, spec in table.items():
            fixed = RENAMES.get(type_name, type_name)
            if fixed in types:
                raise SystemExit(f"{path}: type {fixed} defined twice")
            types[fixed] = dict(spec, source=name)
    return types


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"{RENAMES.get(name, name)}.json"}


def primitive(version: str, owner: str, field: dict[str, Any]) -> dict[str, Any] | None:
    spec_type = field["type"]
    maxlen = field.get("maxlen")
    schema: dict[str, Any]
    if spec_type in ("string", "String", "CiString"):
        schema = {"type": "string"}
        if "minlen" in field:
            schema["minLength"] = field["minlen"]
        if maxlen is not None:
            schema["maxLength"] = maxlen
        pattern = string_pattern(version, spec_type)
        if spec_type != "CiString" and field["name"] in ("currency", "country") and maxlen == 3:
            pattern = UPPER3  # ISO 4217 currency / ISO 3166-1 alpha-3 country
        elif spec_type != "CiString" and field["name"] == "language" and maxlen == 2:
            pattern = LOWER2  # ISO 639-1 language code
        schema["pattern"] = pattern
        return schema
    if spec_type == "DateTime":
        return {"type": "string", "maxLength": 25, "pattern": DATETIME}
    if spec_type == "URL":
        return {"type": "string", "maxLength": 255, "pattern": URL}
    if spec_type == "int":
        schema = {"type": "integer"}
        if maxlen is not None:  # int(n): at most n digits
            schema.update(minimum=0, maximum=10**maxlen - 1)
        return schema
    if spec_type == "number":
        return {"type": "number"}
    if spec_type == "boolean":
        return {"type": "boolean"}
    return None


def annotate(schema: dict[str, Any]) -> dict[str, Any]:
    if "pattern" in schema:
        schema["x-ocpi-format"] = FORMAT_TEXT[schema["pattern"]]
    return schema


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    return dict(schema, type=[schema["type"], "null"])


def field_schema(version: str, owner: str, field: dict[str, Any]) -> dict[str, Any]:
    item = primitive(version, owner, field) or ref(field["type"])
    for versions, type_name, name, keywords, _why in FIELD_OVERRIDES:
        if version in versions and type_name == owner and name == field["name"]:
            item.update(keywords)
    annotate(item)
    card = field["card"]
    if card == "1":
        return item
    if card == "?":
        return nullable(item)
    if card == "*":
        return {"type": ["array", "null"], "items": item}
    if card == "+":
        return {"type": "array", "minItems": 1, "items": item}
    raise SystemExit(f"{version} {owner}.{field['name']}: unknown card {card!r}")


def header(version: str, name: str, kind: str, description: str) -> dict[str, Any]:
    return {
        "$schema": DIALECT,
        "$id": f"{ID_BASE}/{version}/{name}.json",
        "title": name,
        "description": description,
        "x-ocpi-kind": kind,
    }


def describe(version: str, name: str, spec: dict[str, Any]) -> str:
    own = DESCRIPTIONS.get(name)
    kind = spec["kind"]
    if own:
        return f"OCPI {version}: {own}"
    if kind == "enum":
        return f"OCPI {version}: closed set of {name} values; anything else is invalid."
    if kind == "openenum":
        return (
            f"OCPI {version}: {name} is an open enumeration: the values listed under `examples` "
            "are the ones the spec defines, other strings are allowed."
        )
    return f"OCPI {version}: the {name} {kind} as tabled in {spec['spec_file']}."


def build_type(version: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    kind = spec["kind"]
    schema = header(version, name, kind, describe(version, name, spec))
    if kind == "enum":
        schema.update(type="string", enum=list(spec["values"]))
        return schema
    if kind == "openenum":
        # 2.3.0 types.asciidoc "OpenEnum": any string, the listed values are the known ones.
        schema.update(
            type="string",
            pattern=ASCII_PRINTABLE,
            **{"x-ocpi-format": FORMAT_TEXT[ASCII_PRINTABLE]},
            examples=list(spec["values"]),
        )
        return schema
    fields = spec["fields"]
    choice = [f["name"] for f in fields if f.get("choice_group")]
    required = [f["name"] for f in fields if f["card"] in ("1", "+") and not f.get("choice_group")]
    schema["type"] = "object"
    if required:
        schema["required"] = required
    props = {f["name"]: field_schema(version, name, f) for f in fields}
    schema["properties"] = props
    if choice:
        # 2.1.1 Hours: exactly one of regular_hours / twentyfourseven (mod_locations.md 4.6).
        schema["oneOf"] = [{"required": [c]} for c in choice]
    if name == "Hours" and version != "2.1.1":
        # 2.2+ Hours.regular_hours: "needs to contain at least one RegularHours object" when
        # twentyfourseven is false.
        schema["if"] = {
            "required": ["twentyfourseven"],
            "properties": {"twentyfourseven": {"const": False}},
        }
        schema["then"] = {
            "required": ["regular_hours"],
            "properties": {"regular_hours": {"type": "array", "minItems": 1}},
        }
    return schema


def build_primitive_types(version: str) -> dict[str, dict[str, Any]]:
    """Stand-alone files for the scalar types, for tools that want them (objects inline them)."""
    out: dict[str, dict[str, Any]] = {}
    texts = {
        "string": "printable text, case-sensitive"
        + (" (ASCII only in 2.1.1)" if version == "2.1.1" else " (UTF-8, no control characters)"),
        "CiString": "case-insensitive printable ASCII text; compare values case-insensitively",
        "DateTime": (
            "UTC timestamp, RFC 3339 / ISO 8601 subset: YYYY-MM-DDThh:mm:ss, optional fraction, "
            "optional Z; offsets such as +00:00 are not allowed; at most 25 characters"
        ),
        "URL": "absolute URL of at most 255 characters",
    }
    for name, text in texts.items():
        schema = header(version, name, "type", f"OCPI {version}: {text}.")
        field = {"name": "value", "type": name, "card": "1"}
        schema.update(annotate(primitive(version, "", field) or {}))
        out[name] = schema
    return out


def build_envelope(version: str) -> dict[str, Any]:
    schema = header(
        version,
        "Response",
        "envelope",
        f"OCPI {version}: the envelope around every response body. `data` holds the payload (a "
        "list, one object or a string) and may be absent, mostly on errors; validate it "
        "separately against the object the endpoint returns.",
    )
    dt = primitive(version, "", {"name": "timestamp", "type": "DateTime", "card": "1"})
    msg = primitive(version, "", {"name": "status_message", "type": "string", "card": "?"})
    assert dt is not None and msg is not None
    annotate(dt)
    annotate(msg)
    schema.update(
        type="object",
        required=["status_code", "timestamp"],
        properties={
            "data": {"description": "Payload; its shape depends on the endpoint."},
            "status_code": {
                "description": "Four-digit OCPI status code (1xxx success, 2xxx client error, "
                "3xxx server error, 4xxx hub error).",
                "type": "integer",
                "minimum": 1000,
                "maximum": 9999,
            },
            "status_message": nullable(msg),
            "timestamp": dt,
        },
    )
    return schema


# Objects a Receiver (or, for Terminals, a Sender) accepts PATCH bodies for.
PATCHABLE = {
    "2.1.1": ("Location", "EVSE", "Connector", "Session", "Tariff", "Token"),
    "2.2.1": ("Location", "EVSE", "Connector", "Session", "Token"),
    "2.3.0": (
        "Location",
        "EVSE",
        "Connector",
        "Session",
        "Token",
        "Terminal",
        "Booking",
        "BookingLocation",
        "Calendar",
    ),
}


# PATCH bodies that need no last_updated: 2.1.1 has no such rule, and the 2.3.0 Payments module
# (PATCH Terminal) states none, unlike Locations, Sessions, Tokens and Bookings ("Any request to
# the PATCH method SHALL contain the last_updated field"); its own example omits it.
def patch_needs_last_updated(version: str, name: str) -> bool:
    return version != "2.1.1" and name != "Terminal"


def build_patch(version: str, name: str, full: dict[str, Any]) -> dict[str, Any]:
    needs = patch_needs_last_updated(version, name)
    rule = "it must carry last_updated" if needs else "last_updated is not required"
    schema = header(
        version,
        f"{name}Patch",
        "patch",
        f"OCPI {version}: body of a PATCH on a {name}: any subset of its fields with the same "
        f"types as in {name}.json; {rule}.",
    )
    schema.update(type="object", minProperties=1)
    if needs:
        schema["required"] = ["last_updated"]
    schema["properties"] = full["properties"]
    return schema


DESCRIPTIONS = {
    "Version": "one entry of the versions list: a version number and the URL of its details.",
    "VersionDetails": "the endpoints a party offers for one OCPI version.",
    "Endpoint": "one module endpoint (module id, URL; from 2.2 also the interface role).",
    "Credentials": "what two parties exchange to register: a token, the versions URL and "
    "who the party is.",
    "CredentialsRole": "one role (with party and business details) a platform acts in.",
    "BusinessDetails": "name, website and logo of a company.",
    "Image": "reference to an image plus its category and size hints.",
    "DisplayText": "a text with its ISO 639-1 language code.",
    "Price": "an amount in the object's currency.",
    "Location": "a site with one or more EVSEs, owned and published by a CPO.",
    "EVSE": "one EVSE (one charge point side that can charge one vehicle at a time).",
    "Connector": "one connector of an EVSE.",
    "Session": "a charging session as it runs.",
    "CDR": "the final charge detail record of a session.",
    "Tariff": "the prices that apply at a connector.",
    "Token": "a means of authorization (RFID card, app user, ...) issued by an eMSP.",
    "AuthorizationInfo": "the eMSP's answer to a real-time authorization request.",
    "CommandResponse": "the CPO's immediate answer to a command.",
    "CommandResult": "the asynchronous outcome of a command, sent to its response_url.",
    "ClientInfo": "the connection state of one party connected to a hub.",
    "Terminal": "a payment terminal managed by a Payment Terminal Provider.",
    "FinancialAdviceConfirmation": "the PTP's report of a captured payment.",
    "Booking": "a booking (reservation of a charging slot ahead of time).",
    "BookingLocation": "a location (part) that can be booked, with its calendars.",
    "Calendar": "available time slots of a booking location.",
    "InvoiceReconciliationRecord": "links an invoice to the CDRs it covers (2.3.0 edition 2).",
    "Parking": "a parking place at a location and which vehicles fit it.",
}


def dump(path: Path, schema: dict[str, Any]) -> None:
    path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def generate(version: str) -> int:
    out = OUT_DIR / version
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.json"):
        old.unlink()
    model = load_model(version)
    schemas: dict[str, dict[str, Any]] = {}
    for name, spec in model.items():
        if name == "Response":
            schemas[name] = build_envelope(version)
        else:
            schemas[name] = build_type(version, name, spec)
    for name in PATCHABLE[version]:
        schemas[f"{name}Patch"] = build_patch(version, name, schemas[name])
    schemas.update(build_primitive_types(version))
    index = {name: f"{name}.json" for name in sorted(schemas)}
    index["ResponseEnvelope"] = "Response.json"  # the spec's name for the envelope
    for name, schema in schemas.items():
        dump(out / f"{name}.json", schema)
    dump(out / "index.json", dict(sorted(index.items())))
    return len(schemas)


def main() -> int:
    if not MODEL_DIR.is_dir():
        print(f"spec model tables not found at {MODEL_DIR} (set OCPI_SPEC_MODEL)", file=sys.stderr)
        return 2
    for version in VERSIONS:
        print(f"{version}: {generate(version)} schema files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
