"""Deprecated: ``conformance.schemas`` moved to ``ocpi_core.schemas``, the OCPI core.

This re-export keeps old imports working for one release (see CHANGELOG.md); import
``ocpi_core.schemas`` instead.
"""

import warnings
from typing import Any

from ocpi_core import schemas as _moved
from ocpi_core.schemas import *  # noqa: F403

__all__ = list(getattr(_moved, "__all__", ()))

warnings.warn(
    "conformance.schemas is deprecated: import ocpi_core.schemas instead",
    DeprecationWarning,
    stacklevel=2,
)


def __getattr__(name: str) -> Any:
    return getattr(_moved, name)
