"""Which redirects the client follows: the ones an HTTP client would, on the same origin only.

A server may answer a module URL with a redirect to another form of it (FastAPI sends 307 to the
trailing-slash URL). The client follows 307 and 308 for every method, keeping method, body and
headers (Authorization included), and 301/302/303 for GET and HEAD only (for other methods they
would turn the request into a GET). It never follows a redirect to another scheme, host or port,
since the token would go there too, and stops after :data:`MAX_REDIRECTS` hops, so a loop ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

__all__ = ["MAX_REDIRECTS", "REDIRECT_STATUSES", "Redirect", "judge_redirect"]

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_METHOD_KEEPING = frozenset({307, 308})


@dataclass(frozen=True)
class Redirect:
    """A redirect answer and what the client does with it.

    ``location``: the absolute URL it points to (``None`` without a usable Location header);
    ``note``: the sentence the exchange record carries, e.g. "followed to http://…/locations/".
    """

    status: int
    location: str | None
    followed: bool
    note: str


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default


def judge_redirect(
    method: str,
    url: str,
    status: int,
    location: str | None,
    hop: int,
    max_hops: int = MAX_REDIRECTS,
) -> Redirect | None:
    """What to do with an answer of ``status`` to ``method url``, being redirect number
    ``hop + 1`` of the request; ``None`` when the answer is no redirect."""
    if status not in REDIRECT_STATUSES:
        return None
    if not location:
        return Redirect(status, None, False, "not followed: no Location header")
    try:
        target = httpx.URL(url).join(location)
    except httpx.InvalidURL as exc:
        return Redirect(status, None, False, f"not followed: Location {location!r} ({exc})")
    shown = str(target)
    if _origin(target) != _origin(httpx.URL(url)):
        return Redirect(
            status, shown, False, f"not followed: {shown} is on another origin (scheme/host/port)"
        )
    if status not in _METHOD_KEEPING and method.upper() not in ("GET", "HEAD"):
        return Redirect(
            status, shown, False, f"not followed: HTTP {status} would turn the {method} into a GET"
        )
    if hop >= max_hops:
        return Redirect(
            status, shown, False, f"not followed: more than {max_hops} redirects in a row"
        )
    return Redirect(status, shown, True, f"followed to {shown}")
