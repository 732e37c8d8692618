"""A configurable OCPI party (CPO, eMSP, or both) for development and for the suite."""

from __future__ import annotations

from mock_party.app import create_app
from mock_party.config import MockConfig

__all__ = ["MockConfig", "create_app"]
