"""The target file (TOML) and command-line flags, merged into one frozen ``TargetConfig``.

Order of precedence: a flag given on the command line, then the target file, then the defaults.
Every error names the file, the key, the bad value and what is allowed.
"""

from __future__ import annotations

import difflib
import json
import os
import ssl
import tomllib
from dataclasses import dataclass, field, replace
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from ocpi_core.tls import TlsSettings, TlsSettingsError, ssl_context
from ocpi_core.versions import VERSIONS as _VERSIONS

__all__ = ["MODES", "ROLES", "ConfigError", "TargetConfig", "load_target", "tls_verify"]

MODES = ("read-only", "sandbox", "destructive")
ROLES = ("CPO", "EMSP", "HUB")
VERSIONS = _VERSIONS
#: the parties our counterpart hosts behind a Hub unless the target file says otherwise
DEFAULT_EXTRA_PARTIES = (("EMSP", "NL", "OC1"), ("CPO", "NL", "OC2"))


class ConfigError(ValueError):
    """A configuration that cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class TargetConfig:
    """What to test and how.

    versions_url: the target's versions endpoint.
    token: in ``read-only`` mode, the token of an existing connection; in ``sandbox`` and
        ``destructive`` mode, the registration token A the target handed out.
    role: the target's role, ``CPO``, ``EMSP`` or ``HUB`` (2.2.1/2.3.0: a Hub, which our
        counterpart joins as an eMSP).
    mode: ``read-only`` (GETs only), ``sandbox`` (handshake and writes), ``destructive``
        (also unregister and deletions).
    counterpart_*: where our own party listens for the target's calls; ``counterpart_url``
        is its public URL when the target is not on this machine.
    quirks: check id → reason: known deviations, reported as expected failures.
    pricing_tolerance: how far a CDR's money totals may be from ours, per dimension; ``None``
        leaves it to ``$OCPI_PRICING_TOLERANCE`` or 0.01.
    blocked_token: uid of a token the target (an eMSP) holds as blocked, for the real-time
        authorization checks; without it they use a listed token with ``valid: false``.
    timeout: seconds one request may take in all (connect to the last byte of the body).
    max_time: seconds the whole run may take; the checks left then are not run. ``None``: no
        budget.
    max_body: the most bytes of one response body the suite reads; a larger answer fails
        its exchange.
    churn_wait: the longest pagination.delta_sync waits for the target's data to change, in
        seconds (0: it does not watch, it skips).
    churn_control: base URL of a mock party under test whose status churn the suite switches
        on for pagination.delta_sync (set by ``--mock cpo``); any other target changes by itself.
    via_hub: the target (a CPO or eMSP) is reached through a Hub at ``versions_url``: every
        functional request carries OCPI-to-* naming ``party`` (2.2.1 §4.1.8; 2.2.1/2.3.0 only).
    party: the target's own (country_code, party_id), needed with ``via_hub``; given as
        ``"NL/CPA"`` in the target file or with ``--party``.
    ca_cert, insecure, client_cert, client_key: TLS towards the target (``TlsSettings``): a
        CA bundle trusted instead of the default store, no verification at all, a client
        certificate (and its key) for mutual TLS.
    extra_parties: with role HUB, the parties our counterpart hosts besides its own (role,
        country_code, party_id), named in its credentials roles, so it plays them behind the
        Hub too; ``None``: the default, an eMSP NL/OC1 and a CPO NL/OC2 (see
        ``hosted_parties``); ``()``: none, for a Hub that takes one party a platform. Given as
        ``["NL/OC1", "CPO/NL/OC2"]`` in the target file (a bare CC/PID is an eMSP).
    """

    versions_url: str
    token: str = field(repr=False)
    role: str
    version: str = "2.2.1"
    mode: str = "read-only"
    timeout: float = 10.0
    max_time: float | None = None
    max_body: int = 10_000_000
    churn_wait: float = 15.0
    churn_control: str | None = None
    via_hub: bool = False
    party: tuple[str, str] | None = None
    extra_parties: tuple[tuple[str, str, str], ...] | None = None
    counterpart_host: str = "127.0.0.1"
    counterpart_port: int = 0
    counterpart_url: str | None = None
    report_dir: str = "reports"
    quirks: dict[str, str] = field(default_factory=dict)
    blocked_token: str | None = None
    pricing_tolerance: Decimal | None = None
    ca_cert: str | None = None
    insecure: bool = False
    client_cert: str | None = None
    client_key: str | None = None
    source: str = "command line"

    def __post_init__(self) -> None:
        role = self.role.upper()
        if self.version == "2.1.1" and (role == "HUB" or self.via_hub):
            asked = "role hub" if role == "HUB" else "via_hub"
            raise ConfigError(
                f"{self.source}: {asked} with version 2.1.1: OCPI 2.1.1 has no hub role "
                "(Hubs and message routing came with 2.2); use version 2.2.1 or 2.3.0"
            )
        if role not in ROLES:
            raise _choice(self.source, "role", self.role, ("cpo", "emsp", "hub"))
        object.__setattr__(self, "role", role)
        if self.mode not in MODES:
            raise _choice(self.source, "mode", self.mode, MODES)
        if self.version not in VERSIONS:
            raise _choice(self.source, "version", self.version, VERSIONS)
        if not self.versions_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"{self.source}: versions_url {self.versions_url!r} must be an absolute "
                "http:// or https:// URL"
            )
        if not self.token:
            raise ConfigError(f"{self.source}: token is empty")
        for name in ("timeout", "max_time", "max_body"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ConfigError(f"{self.source}: {name} = {value} must be more than 0")
        if isinstance(self.party, str):
            object.__setattr__(self, "party", parse_party(self.source, self.party))
        if self.via_hub and self.party is None:
            raise ConfigError(
                f"{self.source}: via_hub needs the target's own party behind the hub: "
                'party = "CC/PID" in [target] (or --party CC/PID), e.g. "NL/CPA"'
            )
        if self.extra_parties is not None:
            extra = tuple(
                parse_hosted_party(self.source, p) if isinstance(p, str) else tuple(p)
                for p in self.extra_parties
            )
            object.__setattr__(self, "extra_parties", extra)
            if extra and role != "HUB":
                raise ConfigError(
                    f"{self.source}: extra_parties are played behind a Hub: they need role hub "
                    f"(the target's role is {role.lower()})"
                )
            keys = [("NL", "OCT"), *((c, p) for _, c, p in extra)]
            twice = sorted({f"{c}/{p}" for c, p in keys if keys.count((c, p)) > 1})
            if twice:
                raise ConfigError(
                    f"{self.source}: extra_parties: {', '.join(twice)} named twice (our "
                    "counterpart itself is NL/OCT)"
                )
        if not 0 <= self.churn_wait <= 3600:
            raise ConfigError(
                f"{self.source}: churn_wait = {self.churn_wait} must be 0 to 3600 seconds"
            )
        self.ssl_verify()  # a bad certificate file is a usage error now, not a failed run

    @property
    def tls(self) -> TlsSettings:
        return TlsSettings(self.ca_cert, self.insecure, self.client_cert, self.client_key)

    def ssl_verify(self) -> ssl.SSLContext | bool:
        """What the client takes as ``verify``; a ConfigError naming the option when the TLS
        settings cannot be used."""
        return tls_verify(self.tls, self.source)

    @property
    def hosted_parties(self) -> tuple[tuple[str, str, str], ...]:
        """The parties our counterpart hosts besides its own: ``extra_parties``, or by default
        an eMSP and a CPO when the target is a Hub (none otherwise)."""
        if self.extra_parties is not None:
            return self.extra_parties
        return DEFAULT_EXTRA_PARTIES if self.role == "HUB" else ()

    @property
    def counterpart_role(self) -> str:
        """The role we play towards the target: the opposite one, or an eMSP behind a Hub."""
        return "EMSP" if self.role in ("CPO", "HUB") else "CPO"

    def allows(self, mode: str) -> bool:
        """Whether a check needing ``mode`` may run in this run's mode."""
        return MODES.index(self.mode) >= MODES.index(mode)


def tls_verify(settings: TlsSettings, source: str) -> ssl.SSLContext | bool:
    """``ssl_context(settings)``, its errors as ConfigErrors naming the flag and the key."""
    if settings.insecure and settings.ca_cert:
        raise ConfigError(
            f"{source}: --insecure (insecure) cannot be combined with --ca-cert "
            "(ca_cert): either trust that CA or verify nothing"
        )
    try:
        return ssl_context(settings)
    except TlsSettingsError as exc:
        flag = "--" + exc.setting.replace("_", "-")
        raise ConfigError(f"{source}: {flag} ({exc.setting}): {exc.problem}") from None


def parse_party(source: str, text: str) -> tuple[str, str]:
    """``"NL/CPA"`` (also ``NL*CPA`` or ``NL-CPA``) as ("NL", "CPA"); a ConfigError otherwise."""
    for separator in "/*-":
        country, found, party = text.strip().partition(separator)
        if found:
            break
    if not (len(country) == 2 and country.isalpha() and 1 <= len(party) <= 3 and party.isalnum()):
        raise ConfigError(
            f"{source}: party {text!r} is not COUNTRY_CODE/PARTY_ID (two letters, then one to "
            'three letters or digits, e.g. "NL/CPA")'
        )
    return country.upper(), party.upper()


def parse_hosted_party(source: str, text: str) -> tuple[str, str, str]:
    """``"CPO/NL/OC2"`` as ("CPO", "NL", "OC2"); a bare ``"NL/OC1"`` is an eMSP."""
    role, found, rest = text.strip().partition("/")
    if found and role.upper() in ("CPO", "EMSP"):
        return (role.upper(), *parse_party(source, rest))
    if found and "/" in rest:
        raise ConfigError(
            f"{source}: extra party {text!r}: the role before the party is CPO or EMSP "
            '(e.g. "CPO/NL/OC2")'
        )
    return ("EMSP", *parse_party(source, text))


def _choice(source: str, key: str, value: object, allowed: tuple[str, ...]) -> ConfigError:
    close = difflib.get_close_matches(str(value), allowed, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return ConfigError(
        f"{source}: {key} = {value!r} is not allowed; use one of: {', '.join(allowed)}.{hint}"
    )


def _schema_validator() -> Draft202012Validator:
    text = resources.files("conformance").joinpath("target.schema.json").read_text()
    return Draft202012Validator(json.loads(text))


def _explain(path: Path, error: ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = [k for k in error.instance if k not in allowed]
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, allowed, n=1)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        return (
            f"{path}: unknown key(s) in [{where}]: {', '.join(hints)}; "
            f"known keys: {', '.join(allowed)}"
        )
    if error.validator == "enum":
        return f"{path}: {where} = {error.instance!r} is not allowed; use one of: " + ", ".join(
            map(str, error.validator_value)
        )
    return f"{path}: {where}: {error.message}"


def _decimal(value: object) -> Decimal | None:
    # TOML floats are binary: go through their text, so 0.01 stays 0.01
    return None if value is None else Decimal(str(value))


def load_target(path: str | os.PathLike[str], **overrides: Any) -> TargetConfig:
    """Read a target file; ``overrides`` (flags) that are not ``None`` win over the file."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Target file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    errors = sorted(_schema_validator().iter_errors(document), key=lambda e: e.path)
    if errors:
        raise ConfigError(_explain(path, errors[0]))
    target = document.get("target", {})
    counterpart = document.get("counterpart", {})
    token = target.get("token")
    if token is None and "token_env" in target:
        token = os.environ.get(target["token_env"])
        if not token:
            raise ConfigError(
                f"{path}: target.token_env names ${target['token_env']}, which is not set"
            )
    values: dict[str, Any] = {
        "versions_url": target.get("versions_url"),
        "token": token,
        "role": target.get("role"),
        "version": target.get("version"),
        "mode": target.get("mode"),
        "timeout": target.get("timeout"),
        "max_time": target.get("max_time"),
        "max_body": target.get("max_body"),
        "via_hub": target.get("via_hub"),
        "party": target.get("party"),
        "extra_parties": target.get("extra_parties"),
        "churn_wait": document.get("churn", {}).get("wait"),
        "counterpart_host": counterpart.get("host"),
        "counterpart_port": counterpart.get("port"),
        "counterpart_url": counterpart.get("public_url"),
        "report_dir": document.get("report", {}).get("dir"),
        "quirks": document.get("quirks"),
        "blocked_token": document.get("tokens", {}).get("blocked_uid"),
        "pricing_tolerance": _decimal(document.get("pricing", {}).get("tolerance")),
        "insecure": target.get("insecure"),
        **{key: _beside(path, target.get(key)) for key in TLS_FILES},
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return build_target(source=str(path), **values)


TLS_FILES = ("ca_cert", "client_cert", "client_key")


def _beside(path: Path, file: str | None) -> str | None:
    """A file named in a target file, relative to that file's folder."""
    return None if file is None else str(path.parent / Path(file).expanduser())


def build_target(*, source: str = "command line", **values: Any) -> TargetConfig:
    """A TargetConfig from keyword values, ``None`` meaning 'use the default'."""
    given = {k: v for k, v in values.items() if v is not None}
    missing = [k for k in ("versions_url", "token", "role") if k not in given]
    if missing:
        flags = {"versions_url": "--versions-url", "token": "--token", "role": "--role"}
        raise ConfigError(
            f"{source}: missing {', '.join(missing)}; give "
            + ", ".join(flags[m] for m in missing)
            + " (or a target file with --config)"
        )
    return TargetConfig(source=source, **given)


def with_overrides(config: TargetConfig, **overrides: Any) -> TargetConfig:
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})
