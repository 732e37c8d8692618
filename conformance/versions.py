"""Deprecated: ``conformance.versions`` moved to ``ocpi_core.versions``, the OCPI core.

This re-export keeps old imports working for one release (see CHANGELOG.md); import
``ocpi_core.versions`` instead.
"""

import warnings
from typing import Any

from ocpi_core import versions as _moved
from ocpi_core.versions import *  # noqa: F403

__all__ = list(getattr(_moved, "__all__", ()))

warnings.warn(
    "conformance.versions is deprecated: import ocpi_core.versions instead",
    DeprecationWarning,
    stacklevel=2,
)


def __getattr__(name: str) -> Any:
    return getattr(_moved, name)
