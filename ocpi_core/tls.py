"""TLS towards a party: which CAs to trust, whether to verify at all, a client certificate.

``TlsSettings`` says it in files; ``ssl_context`` turns it into what httpx takes as ``verify``.
Every problem with the files is a :class:`TlsSettingsError` naming the setting it is about, so
a command line can name its own option.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["TlsSettings", "TlsSettingsError", "ssl_context"]


class TlsSettingsError(ValueError):
    """A TLS setting that cannot be used; ``setting`` is its name (``ca_cert``, …)."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(problem)
        self.setting = setting
        self.problem = problem


@dataclass(frozen=True)
class TlsSettings:
    """How to do TLS with a party.

    ca_cert: a PEM file of the CA certificates to trust *instead of* the default store (as
        curl's ``--cacert`` does); ``None`` keeps the default store (httpx's: certifi, or
        ``$SSL_CERT_FILE``).
    insecure: do not verify the party's certificate at all (nor its host name).
    client_cert: a PEM file with our client certificate (mutual TLS); it may hold the key too.
    client_key: a PEM file with the private key of ``client_cert``, when kept apart.
    """

    ca_cert: str | None = None
    insecure: bool = False
    client_cert: str | None = None
    client_key: str | None = None

    @property
    def is_default(self) -> bool:
        return self == TlsSettings()


def _readable(setting: str, path: str) -> None:
    file = Path(path)
    if not file.is_file():
        raise TlsSettingsError(setting, f"{path}: no such file")
    try:
        file.read_bytes()
    except OSError as exc:
        raise TlsSettingsError(setting, f"{path}: cannot be read ({exc.strerror})") from None


def _no_passphrase() -> bytes:
    raise TlsSettingsError("client_key", "the private key is encrypted; give it unencrypted")


def ssl_context(settings: TlsSettings) -> ssl.SSLContext | bool:
    """``True`` (httpx's own default verification) for default settings, else a context.

    Raises :class:`TlsSettingsError` for a missing or unreadable file, a file that is not PEM of
    the right kind, a key without a certificate, and ``insecure`` together with ``ca_cert``.
    """
    if settings.is_default:
        return True
    if settings.insecure and settings.ca_cert:
        raise TlsSettingsError(
            "insecure", "cannot be combined with ca_cert: either trust that CA or verify nothing"
        )
    if settings.client_key and not settings.client_cert:
        raise TlsSettingsError("client_key", "needs client_cert, the certificate of that key")
    context = httpx.create_ssl_context()  # the store httpx trusts by default
    if settings.insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if settings.ca_cert:
        _readable("ca_cert", settings.ca_cert)
        try:
            context = ssl.create_default_context(cafile=settings.ca_cert)
        except ssl.SSLError as exc:
            raise TlsSettingsError(
                "ca_cert", f"{settings.ca_cert}: no PEM CA certificate could be read ({exc})"
            ) from None
    if settings.client_cert:
        _load_client_cert(context, settings.client_cert, settings.client_key)
    return context


def _load_client_cert(context: ssl.SSLContext, cert: str, key: str | None) -> None:
    _readable("client_cert", cert)
    if key:
        _readable("client_key", key)
    try:
        context.load_cert_chain(cert, key, password=_no_passphrase)
    except ssl.SSLError as exc:
        if key is None:
            raise TlsSettingsError(
                "client_cert",
                f"{cert}: not a PEM certificate with its private key ({exc}); give the key "
                "in client_key if it is kept in a file of its own",
            ) from None
        raise TlsSettingsError(
            "client_key",
            f"{cert} and {key}: not a PEM certificate and its matching private key ({exc})",
        ) from None
