"""What a run says about its TLS settings: the plugin arguments that carry them, the warning of
an unverified run (console, results.json, report.html), and the hint when a handshake fails."""

from __future__ import annotations

from typing import Any

from conformance.config import TargetConfig

__all__ = [
    "INSECURE_PROXY_WARNING",
    "INSECURE_WARNING",
    "run_warnings",
    "tls_facts",
    "tls_plugin_args",
    "unreachable_hint",
]

INSECURE_WARNING = (
    "WARNING: --insecure: the target's TLS certificate was NOT verified (nor its host name); "
    "anyone between this machine and the target could have answered in its place. "
    "No verdict of this run shows that the real target conforms."
)

INSECURE_PROXY_WARNING = (
    "WARNING: --insecure: the proxy did NOT verify the platforms' TLS certificates (nor their "
    "host names); anyone on the way could have answered in their place."
)

_TLS_WORDS = ("ssl", "tls", "certificate", "handshake")
_UNTRUSTED = ("certificate_verify_failed", "certificate verify failed")
_CLIENT_CERT_ASKED = ("certificate_required", "certificate required", "alert handshake failure")


def tls_plugin_args(target: TargetConfig) -> list[str]:
    """The ``--ocpi-*`` arguments that hand the TLS settings on to the plugin."""
    args = []
    for name in ("ca_cert", "client_cert", "client_key"):
        value = getattr(target, name)
        if value:
            args.append(f"--ocpi-{name.replace('_', '-')}={value}")
    if target.insecure:
        args.append("--ocpi-insecure")
    return args


def tls_facts(target: TargetConfig) -> dict[str, Any]:
    """``target.tls`` of results.json: how the target's certificate was checked."""
    return {
        "verified": not target.insecure,
        "ca_cert": target.ca_cert,
        "client_cert": target.client_cert,
    }


def run_warnings(target: TargetConfig) -> list[str]:
    """Warnings about the run itself (not the target), shown at the top of every report."""
    return [INSECURE_WARNING] if target.insecure else []


def unreachable_hint(reason: str) -> str:
    """``reason`` (why no connection was made) with what to do when TLS is the cause."""
    lower = reason.lower()
    if not any(word in lower for word in _TLS_WORDS):
        return reason
    if any(word in lower for word in _UNTRUSTED):
        advice = (
            "the target's certificate is not trusted: if it comes from its own CA or is "
            "self-signed, give that CA's PEM file with --ca-cert FILE ([target] ca_cert), or "
            "test without verification with --insecure"
        )
    elif any(word in lower for word in _CLIENT_CERT_ASKED):
        advice = (
            "the target may ask for a client certificate (mutual TLS): give it with "
            "--client-cert FILE and --client-key FILE ([target] client_cert, client_key)"
        )
    else:
        advice = (
            "for a target with its own CA give --ca-cert FILE (or --insecure); for one that "
            "asks for a client certificate, --client-cert FILE and --client-key FILE"
        )
    return f"{reason}. Hint: {advice}"
