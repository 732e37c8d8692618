"""The fleet file (TOML): many targets for one ``ocpi-conformance run --fleet``.

Each ``[targets.<name>]`` table holds the keys of a target file's ``[target]`` table, and may have
the target file's other tables beneath it (``[targets.<name>.quirks]``, ``.counterpart``,
``.tokens``, ``.churn``, ``.pricing``); or it names our embedded mock (``mock = "cpo"``, with
``mock_faults``). ``mock = "hub"`` tests our mock Hub, or with ``role``/``via_hub``/``party`` one
of the Hub's parties through it. ``[defaults]`` gives keys every target takes unless it sets its
own. Every error names the file, the target and the key; nothing runs until the whole file is
good.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from conformance.config import ConfigError, _explain

__all__ = ["FleetEntry", "load_fleet", "target_file_text"]

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_INDEX_FILES = {"report.html", "results.json"}
_SHARED_KEYS = ("version", "mode", "timeout", "max_time", "max_body", "select")
_MOCK_KEYS = {"mock", "mock_faults", *_SHARED_KEYS, "churn", "role", "via_hub", "party"}
_TLS_KEYS = ("ca_cert", "insecure", "client_cert", "client_key")  # real targets only
_TLS_FILES = ("ca_cert", "client_cert", "client_key")
_HUB_NEEDED = "OCPI 2.1.1 has no hub role (Hubs and message routing came with 2.2)"


@dataclass(frozen=True)
class FleetEntry:
    """One target of a fleet: a real party (``document`` is its target file, without the
    token) or our embedded mock (``mock`` is its role)."""

    name: str
    document: dict[str, Any]
    token: str | None = field(default=None, repr=False)
    mock: str | None = None
    mock_faults: tuple[str, ...] = ()
    select: str | None = None

    @property
    def versions_url(self) -> str | None:
        return self.document.get("target", {}).get("versions_url")

    @property
    def role(self) -> str | None:
        role = self.document.get("target", {}).get("role") or self.mock
        return role.upper() if role else None

    @property
    def party(self) -> str | None:
        """The target's own party behind a Hub ("NL/CPA"), when it is reached through one."""
        return self.document.get("target", {}).get("party")

    @property
    def counterpart_port(self) -> int:
        return int(self.document.get("counterpart", {}).get("port", 0))


def _schema() -> dict[str, Any]:
    """The fleet file's schema, built from the target file's so that the two never drift."""
    text = resources.files("conformance").joinpath("target.schema.json").read_text()
    target = json.loads(text)["properties"]
    entry = copy.deepcopy(target["target"])
    entry["properties"].update(
        {
            "mock": {"enum": ["cpo", "emsp", "hub", "CPO", "EMSP", "HUB"]},
            "mock_faults": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "select": {"type": "string", "minLength": 1},
        }
    )
    for table, schema in target.items():
        if table not in ("target", "report"):
            entry["properties"][table] = schema
    defaults = {
        "type": "object",
        "additionalProperties": False,
        "properties": {k: entry["properties"][k] for k in (*_SHARED_KEYS, *_TLS_KEYS)},
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["targets"],
        "properties": {
            "defaults": defaults,
            "targets": {"type": "object", "minProperties": 1, "additionalProperties": entry},
        },
    }


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Fleet file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        twice = re.search(r"Cannot declare \('targets', '([^']+)'\) twice", str(exc))
        if twice:
            raise ConfigError(
                f"{path}: two targets are named {twice.group(1)!r}; give each its own name "
                f"(it names its report directory)"
            ) from None
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def load_fleet(path: str | os.PathLike[str]) -> list[FleetEntry]:
    """Every target of the fleet file at ``path``, in the file's order; ConfigError when any
    entry is wrong (an unknown key, a token variable not set, a name given twice)."""
    path = Path(path)
    document = _read(path)
    errors = sorted(Draft202012Validator(_schema()).iter_errors(document), key=lambda e: e.path)
    if errors:
        raise ConfigError(_explain(path, errors[0]))
    defaults = document.get("defaults", {})
    entries, seen = [], {}
    for name, table in document["targets"].items():
        if not _NAME.match(name) or name.lower() in _INDEX_FILES:
            raise ConfigError(
                f"{path}: target name {name!r} cannot name a report directory; use letters, "
                "digits, '.', '-' and '_' (at most 64)"
            )
        if name.lower() in seen:
            raise ConfigError(
                f"{path}: targets {seen[name.lower()]!r} and {name!r} differ only in case; "
                "their report directories would be one on some systems"
            )
        seen[name.lower()] = name
        merged = {**defaults, **table}
        if "mock" in table:  # our mock is served over plain HTTP: the defaults' TLS is not its
            merged = {k: v for k, v in merged.items() if k in table or k not in _TLS_KEYS}
        entries.append(_entry(path, name, merged))
    return entries


def _entry(path: Path, name: str, table: dict[str, Any]) -> FleetEntry:
    where = f"{path}: [targets.{name}]"
    select = table.pop("select", None)
    if "mock" in table:
        extra = sorted(set(table) - _MOCK_KEYS)
        if extra:
            raise ConfigError(
                f"{where}: a mock target takes no {', '.join(extra)}; it takes only "
                f"{', '.join(sorted(_MOCK_KEYS))}"
            )
        mock = table["mock"].lower()
        settings = {k: table[k] for k in (*_SHARED_KEYS, "role", "via_hub", "party") if k in table}
        _check_mock_routing(where, mock, settings)
        document = {"target": settings, **({"churn": table["churn"]} if "churn" in table else {})}
        return FleetEntry(
            name,
            document,
            mock=mock,
            mock_faults=tuple(table.get("mock_faults", ())),
            select=select,
        )
    if "mock_faults" in table:
        raise ConfigError(f'{where}: mock_faults needs mock = "cpo", "emsp" or "hub"')
    missing = [k for k in ("versions_url", "role") if k not in table]
    if "token" not in table and "token_env" not in table:
        missing.append("token_env")
    if missing:
        raise ConfigError(
            f"{where}: missing {', '.join(missing)} (a real target needs versions_url, role "
            'and token_env; or set mock = "cpo" to test our mock)'
        )
    token = table.pop("token", None)
    variable = table.pop("token_env", None)
    if token is None:
        token = os.environ.get(variable, "")
        if not token:
            raise ConfigError(f"{where}: token_env names ${variable}, which is not set")
    hub = str(table.get("role", "")).lower() == "hub" or table.get("via_hub")
    if hub and table.get("version") == "2.1.1":
        raise ConfigError(f"{where}: role hub or via_hub with version 2.1.1: {_HUB_NEEDED}")
    if table.get("via_hub") and "party" not in table:
        raise ConfigError(
            f'{where}: via_hub needs party = "CC/PID", the target\'s own party behind the hub'
        )
    for key in _TLS_FILES:  # each run reads a target file of its own, elsewhere
        if key in table:
            table[key] = os.path.abspath(path.parent / Path(table[key]).expanduser())
    tables = {k: table.pop(k) for k in list(table) if isinstance(table[k], dict)}
    return FleetEntry(name, {"target": table, **tables}, token=token, select=select)


def _check_mock_routing(where: str, mock: str, settings: dict[str, Any]) -> None:
    """role/via_hub/party of a mock target: only with our mock Hub, where they pick one of
    the Hub's parties to test through it."""
    routing = [k for k in ("role", "via_hub", "party") if k in settings]
    role = str(settings.get("role", mock)).lower()
    if mock != "hub":
        if role != mock or "party" in settings or "via_hub" in settings:
            raise ConfigError(
                f"{where}: {', '.join(routing)} with mock = {mock!r}: a party reached through a "
                'Hub is tested with mock = "hub", role = "cpo", via_hub = true, party = "NL/CPA"'
            )
        return
    if settings.get("version") == "2.1.1":
        raise ConfigError(f'{where}: mock = "hub" with version 2.1.1: {_HUB_NEEDED}')
    if role == "hub" and ("party" in settings or settings.get("via_hub")):
        raise ConfigError(
            f"{where}: party/via_hub test one of the Hub's parties through it; give its role "
            '(role = "cpo" or "emsp"), or drop them to test the Hub itself'
        )
    if role != "hub" and "party" not in settings:
        raise ConfigError(
            f'{where}: mock = "hub" with role = {role!r} tests a party behind our mock Hub: '
            'name it, party = "NL/CPA" (its CPOs NL/CPA, DE/CPB, eMSPs NL/EMA, BE/EMB)'
        )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def target_file_text(entry: FleetEntry) -> str:
    """The target file of one fleet entry (never its token: the run gets that from its
    environment)."""
    lines = [f"# target {entry.name!r} of a fleet run; the token comes from $OCPI_TOKEN"]
    for table, values in entry.document.items():
        lines.append(f"\n[{table}]")
        lines += [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"
