"""Deprecated: ``conformance.client`` moved to ``ocpi_core.client``, the OCPI core.

This re-export keeps old imports working for one release (see CHANGELOG.md); import
``ocpi_core.client`` instead.
"""

import warnings
from typing import Any

from ocpi_core import client as _moved
from ocpi_core.client import *  # noqa: F403

__all__ = list(getattr(_moved, "__all__", ()))

warnings.warn(
    "conformance.client is deprecated: import ocpi_core.client instead",
    DeprecationWarning,
    stacklevel=2,
)


def __getattr__(name: str) -> Any:
    return getattr(_moved, name)
