"""OCPI conformance suite: client, schemas, checks and reports."""

from __future__ import annotations

__version__ = "0.1.0"
