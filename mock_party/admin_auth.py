"""Who may use the admin API (``/admin/…``, the inspector included).

On loopback whoever reaches the port is the developer at that machine: no token. On any other
listen address ``ocpi-mock serve`` gives the mock an admin token (printed at start, like token
A; ``MockConfig.admin_token``) and every ``/admin/…`` request must carry it: the
``X-Admin-Token`` header, or, for a browser, the cookie set by opening
``/admin/ui?admin_token=…`` once (or by the inspector's sign-in form).
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlencode

from flask import Flask, Response, current_app, redirect, render_template, request

from mock_party.config import MockConfig
from mock_party.ocpi import OcpiError

__all__ = ["ADMIN_COOKIE", "ADMIN_HEADER", "init_app", "is_loopback"]

ADMIN_HEADER = "X-Admin-Token"
ADMIN_COOKIE = "ocpi_admin_token"
_QUERY = "admin_token"


def is_loopback(host: str) -> bool:
    """Whether a listen address reaches only this machine: ``localhost``, 127.0.0.0/8, ``::1``.
    ``0.0.0.0`` and ``::`` listen on every interface, so they are not; nor is a host name
    other than localhost (it may resolve to anything)."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_admin_path() -> bool:
    if request.path.startswith("/admin/ui/static/"):
        return False  # the inspector's script and style sheet: no secret, needed to sign in
    return request.path == "/admin" or request.path.startswith("/admin/")


def _matches(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def _signed_in(expected: str) -> Response:
    """The token leaves the address bar (and the browser's history) for a cookie."""
    args = {k: v for k, v in request.args.items() if k != _QUERY}
    target = "/admin/ui" if request.path == "/admin/ui/sign-in" else request.path
    response = redirect(target + (f"?{urlencode(args)}" if args else ""), code=303)
    response.set_cookie(ADMIN_COOKIE, expected, httponly=True, samesite="Strict", path="/admin")
    return response


def _guard() -> Response | None:
    if not _is_admin_path():
        return None
    config: MockConfig = current_app.config["OCPI_MOCK"]
    expected = config.admin_token
    if expected is None:
        return None
    if request.path == "/admin/ui/sign-in" and request.method == "POST":
        if _matches(request.form.get(_QUERY), expected):
            return _signed_in(expected)
        return _sign_in_page(wrong=True)
    query = request.args.get(_QUERY)
    if query is not None and _matches(query, expected):
        return _signed_in(expected)
    if _matches(request.headers.get(ADMIN_HEADER), expected) or _matches(
        request.cookies.get(ADMIN_COOKIE), expected
    ):
        return None
    given = request.headers.get(ADMIN_HEADER) or request.cookies.get(ADMIN_COOKIE) or query
    if request.method == "GET" and config.ui and request.path in ("/admin/ui", "/admin/ui/"):
        return _sign_in_page(wrong=given is not None)
    raise OcpiError(
        f"The admin API needs the admin token printed at start ({ADMIN_HEADER} header); "
        f"this request carried {'a wrong one' if given else 'none'}",
        status_code=2000,
        http_status=401,
    )


def _sign_in_page(*, wrong: bool) -> Response:
    page = render_template("inspector/sign_in.html", wrong=wrong)
    return Response(page, status=401, content_type="text/html; charset=utf-8")


def init_app(app: Flask) -> None:
    """Guard ``/admin/…``; the first before-request hook, so nothing runs for a stranger."""
    app.before_request_funcs.setdefault(None, []).insert(0, _guard)
