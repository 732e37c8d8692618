"""The mock party over real HTTPS on loopback, for the TLS option tests: a CA made on the spot
(trustme), a server certificate for 127.0.0.1 from it, and optionally a server that asks every
client for a certificate of that CA (mutual TLS)."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import trustme
from werkzeug.serving import make_server

from mock_party.app import create_app
from mock_party.config import MockConfig


@dataclass(frozen=True)
class Pki:
    """PEM files of one CA: its certificate, and a client certificate it issued."""

    ca: trustme.CA
    ca_cert: Path
    client_cert: Path  # certificate only
    client_key: Path
    client_both: Path  # certificate and key in one file


def make_pki(directory: Path) -> Pki:
    ca = trustme.CA()
    client = ca.issue_cert("conformance-suite@example.test")
    paths = Pki(
        ca,
        directory / "ca.pem",
        directory / "client.crt",
        directory / "client.key",
        directory / "client-both.pem",
    )
    ca.cert_pem.write_to_path(str(paths.ca_cert))
    client.cert_chain_pems[0].write_to_path(str(paths.client_cert))
    client.private_key_pem.write_to_path(str(paths.client_key))
    client.private_key_and_cert_chain_pem.write_to_path(str(paths.client_both))
    return paths


@dataclass(frozen=True)
class TlsMock:
    url: str  # https://127.0.0.1:PORT
    token_a: str

    @property
    def versions_url(self) -> str:
        return f"{self.url}/ocpi/versions"


@contextmanager
def serve_mock_tls(pki: Pki, *, require_client_cert: bool = False) -> Iterator[TlsMock]:
    """A fresh mock CPO (OCPI 2.2.1) served by werkzeug over TLS with a certificate of
    ``pki``'s CA; with ``require_client_cert`` the handshake needs a client certificate of it."""
    app = create_app(MockConfig(roles=("CPO",), versions=("2.2.1",), slow_delay=0.01))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    pki.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        pki.ca.configure_trust(context)
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield TlsMock(f"https://127.0.0.1:{server.server_port}", app.config["OCPI_TOKEN_A"])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
