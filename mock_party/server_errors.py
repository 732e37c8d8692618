"""Errors waitress answers itself, before the app sees the request (a bad request line, an
invalid Content-Length, raw non-ASCII bytes in the path, a bad header or chunk, headers too
large), as OCPI envelopes instead of waitress's plain text.

The HTTP status stays waitress's (400, 431, 413, …); the OCPI status is 2000 for the client's
errors and 3000 for waitress's own 500. The text names what was wrong, never the request's bytes.
"""

from __future__ import annotations

import json

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from mock_party.ocpi import ocpi_timestamp

__all__ = ["OcpiChannel", "error_envelope"]


def error_envelope(code: int, reason: str, detail: str) -> bytes:
    """The body of an error answered by the HTTP server: an OCPI envelope without data."""
    status_code = 3000 if code >= 500 else 2000
    message = f"{reason}: {detail}" if detail else reason
    body = {"status_code": status_code, "status_message": message, "timestamp": ocpi_timestamp()}
    return json.dumps(body).encode()


class OcpiErrorTask(ErrorTask):
    """waitress's error task, writing an envelope."""

    def execute(self) -> None:
        error = self.request.error
        body = error_envelope(error.code, error.reason, str(error.body))
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", "application/json"))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class OcpiChannel(HTTPChannel):
    """A waitress channel whose own error answers are OCPI envelopes."""

    error_task_class = OcpiErrorTask
