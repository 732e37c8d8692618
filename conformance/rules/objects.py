"""Rules on the OCPI objects in one exchange: the schema of every object a Sender list returns
or a party pushes to a Receiver (``<module>.objects_valid``), and the Receiver's refusal of a
PATCH without ``last_updated`` (``<module>.receiver.patch_requires_last_updated``).

The run's checks validate the same documents with the same functions (``data_violations`` on
the pages of a walk, ``push_schema`` for the target's pushes); the proxy applies these rules to
each exchange it forwards.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from conformance.crossrules import MODULE_OBJECTS
from conformance.rules import ExchangeRule, RuleContext
from conformance.rules._read import body_json
from ocpi_core.exchange import Exchange
from ocpi_core.schemas import SchemaViolation, validate
from ocpi_core.versions import SINCE_2_2

__all__ = [
    "OBJECT_SPECS",
    "PATCH_RULES",
    "PATCH_SPECS",
    "RULES",
    "data_violations",
    "push_schema_for",
]

# the section of each module's object, as the module's checks cite it
OBJECT_SPECS: dict[str, str] = {
    "locations": "2.2.1 §8.3.1 Location Object",
    "sessions": "2.2.1 §9.3.1 Session Object",
    "cdrs": "2.2.1 §10.3.1 CDR Object",
    "tariffs": "2.2.1 §11.3.1 Tariff Object",
    "tokens": "2.2.1 §12.3.2 Token Object",
}
PATCH_SPECS: dict[str, str] = {
    "locations": "2.2.1 §8.2.2.3 Receiver PATCH Method",
    "sessions": "2.2.1 §9.2.2.3 Receiver PATCH Method",
    "tokens": "2.2.1 §12.2.1.3 Receiver PATCH Method",
}
_SHOWN = 3


def data_violations(
    document: Any, object_name: str, version: str, path: str = "$"
) -> list[SchemaViolation]:
    """Violations of ``object_name`` by ``document`` (each item of a list), paths from ``path``."""
    items = enumerate(document) if isinstance(document, list) else [(None, document)]
    found: list[SchemaViolation] = []
    for index, item in items:
        prefix = path if index is None else f"{path}[{index}]"
        for violation in validate(item, version, object_name):
            found.append(dataclasses.replace(violation, json_path=prefix + violation.json_path[1:]))
    return found


_OBJECT_DEPTH = {"locations": 3, "sessions": 3, "tariffs": 3, "tokens": 3}
_PUT = {"sessions": "Session", "tariffs": "Tariff", "tokens": "Token"}
_PATCH = {"sessions": "SessionPatch", "tokens": "TokenPatch"}
_LOCATION_PARTS = {
    3: ("Location", "LocationPatch"),
    4: ("EVSE", "EVSEPatch"),
    5: ("Connector", "ConnectorPatch"),
}


def push_schema_for(module: str | None, role: str | None, method: str, depth: int) -> str | None:
    """The schema a pushed object must follow, from the module, method and URL depth below a
    Receiver endpoint."""
    if role != "RECEIVER" or module is None:
        return None
    if module == "cdrs":
        return "CDR" if method == "POST" and depth == 0 else None
    if module == "locations" and depth in _LOCATION_PARTS:
        full, partial = _LOCATION_PARTS[depth]
        return {"PUT": full, "PATCH": partial}.get(method)
    if depth != _OBJECT_DEPTH.get(module):
        return None
    if method == "PUT":
        return _PUT.get(module)
    if method == "PATCH":
        return _PATCH.get(module)
    return None


def _listed(exchange: Exchange, context: RuleContext) -> list[Any] | None:
    """The objects of a Sender list page, ``None`` when the exchange is not one."""
    if exchange.method != "GET" or exchange.status != 200 or context.segments:
        return None
    if context.role not in ("SENDER", None) or context.module not in OBJECT_SPECS:
        return None
    body = body_json(exchange.response_body)
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, list) else None


def _problem(violations: list[SchemaViolation]) -> str | None:
    if not violations:
        return None
    shown = "; ".join(str(v) for v in violations[:_SHOWN])
    more = f" (and {len(violations) - _SHOWN} more)" if len(violations) > _SHOWN else ""
    return f"{len(violations)} schema violation(s): {shown}{more}"


def _list_rule(module: str) -> ExchangeRule:
    name = MODULE_OBJECTS[module]

    def judge(exchange: Exchange, context: RuleContext) -> str | None:
        data = _listed(exchange, context) or []
        return _problem(data_violations(data, name, context.version, "$.data"))

    return ExchangeRule(
        check_id=f"{module}.objects_valid",
        spec=OBJECT_SPECS[module],
        title=f"{module} objects that are not valid {name}s",
        expected=f"every object valid against the {name} schema of its OCPI version",
        judge=judge,
        applies=lambda e, c: c.module == module and _listed(e, c) is not None,
    )


def _pushed(exchange: Exchange, context: RuleContext) -> str | None:
    return push_schema_for(context.module, context.role, exchange.method, len(context.segments))


def _push_rule(module: str) -> ExchangeRule:
    name = MODULE_OBJECTS[module]

    def applies(exchange: Exchange, context: RuleContext) -> bool:
        return (
            context.module == module
            and _pushed(exchange, context) is not None
            and body_json(exchange.request_body) is not None
        )

    def judge(exchange: Exchange, context: RuleContext) -> str | None:
        schema = _pushed(exchange, context) or name
        body = body_json(exchange.request_body)
        return _problem(data_violations(body, schema, context.version, "$"))

    return ExchangeRule(
        check_id=f"{module}.objects_valid",
        spec=OBJECT_SPECS[module],
        title=f"{module} objects pushed that are not valid {name}s",
        expected=f"every pushed object valid against its schema ({name} or its PATCH form)",
        judge=judge,
        applies=applies,
        on="request",
    )


def _status_code(exchange: Exchange) -> int | None:
    body = body_json(exchange.response_body)
    code = body.get("status_code") if isinstance(body, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _patch_rule(module: str) -> ExchangeRule:
    def applies(exchange: Exchange, context: RuleContext) -> bool:
        body = body_json(exchange.request_body)
        return (
            exchange.method == "PATCH"
            and exchange.status is not None
            and context.module == module
            and context.role == "RECEIVER"
            and isinstance(body, dict)
            and "last_updated" not in body
        )

    def judge(exchange: Exchange, context: RuleContext) -> str | None:
        code = _status_code(exchange)
        if code is not None and 2000 <= code < 3000:
            return None
        if 400 <= (exchange.status or 0) < 500:
            return None
        return f"accepted: HTTP {exchange.status}" + (f", status_code {code}" if code else "")

    return ExchangeRule(
        check_id=f"{module}.receiver.patch_requires_last_updated",
        spec=PATCH_SPECS[module],
        title="PATCH without last_updated accepted",
        expected="an OCPI client error, status_code 2001",
        judge=judge,
        applies=applies,
        versions=SINCE_2_2,
        hint="every PATCH must carry last_updated; answer 2001 when it does not",
    )


PATCH_RULES = tuple(_patch_rule(m) for m in PATCH_SPECS)
RULES: tuple[ExchangeRule, ...] = (
    *(_list_rule(m) for m in OBJECT_SPECS),
    *(_push_rule(m) for m in OBJECT_SPECS),
    *PATCH_RULES,
)
