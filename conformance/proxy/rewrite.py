"""Keeping traffic on the proxy: real origins in bodies and headers become the proxy's URLs.

An origin is a URL prefix (scheme, host, port and an optional path). Each listener of the proxy
stands for one real origin: the front listener for the upstream (B), the back listener for the
downstream (A). A URL of B seen anywhere in the traffic is rewritten to the front listener's base,
a URL of A to the back listener's, so that whoever follows it comes through the proxy again.
Nothing else in a body changes, byte for byte.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from urllib.parse import urlsplit

__all__ = ["Rewriter", "origin_of"]

# an origin ends where the URL's path goes on, or where the URL ends
_END = r"(?=[/?#\"'\s<>,;]|\\/|$)"
REWRITTEN_HEADERS = ("link", "location", "content-location")


def origin_of(url: str) -> str:
    """``scheme://host:port`` of ``url``."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Rewriter:
    """Real origin → proxy base, both ways known; thread-safe (origins are learned at run time)."""

    _map: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pattern: re.Pattern[bytes] | None = None

    def add(self, real: str, proxy_base: str) -> None:
        real, proxy_base = real.rstrip("/"), proxy_base.rstrip("/")
        if not real or real == proxy_base:
            return
        with self._lock:
            self._map[real] = proxy_base
            alternatives = sorted(self._map, key=len, reverse=True)
            escaped = [re.escape(a.encode()) for a in alternatives]
            # JSON may write a slash as \/; match that form too
            escaped += [re.escape(a.replace("/", "\\/").encode()) for a in alternatives]
            self._pattern = re.compile(b"(" + b"|".join(escaped) + b")" + _END.encode())

    def knows(self, real: str) -> bool:
        with self._lock:
            return real.rstrip("/") in self._map

    def body(self, data: bytes) -> bytes:
        """``data`` with every known real origin replaced by its proxy base."""
        with self._lock:
            pattern, mapping = self._pattern, dict(self._map)
        if pattern is None or not data:
            return data

        def replace(match: re.Match[bytes]) -> bytes:
            found = match.group(1).decode()
            if found in mapping:
                return mapping[found].encode()
            return mapping[found.replace("\\/", "/")].replace("/", "\\/").encode()

        return pattern.sub(replace, data)

    def header(self, name: str, value: str) -> str:
        if name.lower() not in REWRITTEN_HEADERS:
            return value
        return self.body(value.encode("latin-1")).decode("latin-1")
