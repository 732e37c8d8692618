"""Deprecated: ``conformance.pricing`` moved to ``ocpi_core.pricing``, the OCPI core.

This re-export keeps old imports working for one release (see CHANGELOG.md); import
``ocpi_core.pricing`` instead.
"""

import warnings
from typing import Any

from ocpi_core import pricing as _moved
from ocpi_core.pricing import *  # noqa: F403

__all__ = list(getattr(_moved, "__all__", ()))

warnings.warn(
    "conformance.pricing is deprecated: import ocpi_core.pricing instead",
    DeprecationWarning,
    stacklevel=2,
)


def __getattr__(name: str) -> Any:
    return getattr(_moved, name)
