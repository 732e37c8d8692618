"""Recorded HTTP exchanges and the masking of secrets in them.

Every request the suite makes (and every request the target makes to our counterpart) becomes an
:class:`Exchange`. Secrets are masked when the exchange is recorded, so nothing unmasked is kept.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Exchange", "ExchangeRecorder", "Masker", "mask_secret"]

Headers = tuple[tuple[str, str], ...]
_BODY_LIMIT = 200_000


def mask_secret(secret: str) -> str:
    """``****`` plus the last four characters, or only ``****`` for short secrets."""
    return "****" + secret[-4:] if len(secret) >= 8 else "****"


class Masker:
    """Knows the secrets of a run (tokens A, B, C, …) and hides them in any text.

    Both the plain value and its Base64 form are hidden, since OCPI 2.2+ sends the latter.
    Thread-safe: the counterpart records from waitress threads.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._replacements: dict[str, str] = {}
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < 4:
            return
        encoded = base64.b64encode(secret.encode()).decode()
        with self._lock:
            self._replacements[secret] = mask_secret(secret)
            self._replacements[encoded] = mask_secret(encoded)

    def text(self, value: str) -> str:
        with self._lock:
            items = sorted(self._replacements.items(), key=lambda kv: -len(kv[0]))
        for secret, masked in items:
            if secret in value:
                value = value.replace(secret, masked)
        return value

    def header(self, name: str, value: str) -> str:
        if name.lower() == "authorization":
            scheme, _, credential = value.partition(" ")
            if credential:
                return f"{scheme} {mask_secret(credential)}"
            return mask_secret(value)
        return self.text(value)

    def body(self, body: str | None) -> str | None:
        """Mask a body: ``token`` string fields of JSON documents, then every known secret."""
        if body is None:
            return None
        try:
            document = json.loads(body)
        except ValueError:
            return self.text(body)
        if _mask_token_fields(document):
            body = json.dumps(document, ensure_ascii=False)
        return self.text(body)


def _mask_token_fields(node: Any) -> bool:
    changed = False
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "token" and isinstance(value, str):
                node[key] = mask_secret(value)
                changed = True
            else:
                changed |= _mask_token_fields(value)
    elif isinstance(node, list):
        for item in node:
            changed |= _mask_token_fields(item)
    return changed


@dataclass(frozen=True)
class Exchange:
    """One HTTP request and its response, as recorded (secrets already masked).

    ``status`` is ``None`` when no response came; ``error`` then says why. ``redirect`` is set
    on a redirect answer (3xx with Location): whether the client followed it, and where to.
    """

    method: str
    url: str
    request_headers: Headers
    request_body: str | None
    status: int | None
    response_headers: Headers
    response_body: str | None
    started_at: str
    elapsed: float
    error: str | None = None
    direction: str = "outgoing"  # "outgoing": suite → target; "incoming": target → counterpart
    redirect: str | None = None  # on a redirect answer: what the client did with it

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["request_headers"] = dict(self.request_headers)
        data["response_headers"] = dict(self.response_headers)
        return data

    @property
    def title(self) -> str:
        outcome = f"→ {self.status}" if self.status is not None else f"→ {self.error}"
        return f"{self.method} {self.url} {outcome}"


def cut_body(body: bytes | str | None) -> str | None:
    if body is None:
        return None
    if isinstance(body, bytes):
        if not body:
            return None
        body = body.decode("utf-8", errors="replace")
    if len(body) > _BODY_LIMIT:
        return body[:_BODY_LIMIT] + f"… [{len(body) - _BODY_LIMIT} more characters]"
    return body


@dataclass
class ExchangeRecorder:
    """Keeps every exchange of a run in order; thread-safe."""

    masker: Masker = field(default_factory=Masker)
    _items: list[Exchange] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self,
        *,
        method: str,
        url: str,
        request_headers: Iterable[tuple[str, str]],
        request_body: bytes | str | None,
        status: int | None,
        response_headers: Iterable[tuple[str, str]] = (),
        response_body: bytes | str | None = None,
        started_at: str,
        elapsed: float,
        error: str | None = None,
        direction: str = "outgoing",
        redirect: str | None = None,
    ) -> Exchange:
        m = self.masker
        exchange = Exchange(
            method=method,
            url=m.text(url),
            request_headers=tuple((k, m.header(k, v)) for k, v in request_headers),
            request_body=m.body(cut_body(request_body)),
            status=status,
            response_headers=tuple((k, m.header(k, v)) for k, v in response_headers),
            response_body=m.body(cut_body(response_body)),
            started_at=started_at,
            elapsed=elapsed,
            error=error,
            direction=direction,
            redirect=m.text(redirect) if redirect is not None else None,
        )
        with self._lock:
            self._items.append(exchange)
        return exchange

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[Exchange]:
        with self._lock:
            return iter(list(self._items))

    def since(self, mark: int) -> list[Exchange]:
        with self._lock:
            return self._items[mark:]
