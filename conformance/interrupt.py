"""Stopping a run cleanly on SIGTERM (CI job limits, ``timeout``) or SIGINT (Ctrl-C).

The first signal stops the check that is running, with an exception no check catches (it is not
an ``Exception``), and the plugin then marks every check left as not run; pytest finishes the
session as usual, so every report is written. A second signal stops at once, as Python would.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

__all__ = ["RunInterrupted", "SignalGuard"]

SIGNALS = (signal.SIGTERM, signal.SIGINT)


class RunInterrupted(BaseException):
    """Raised in the running check when the run was told to stop; ``reason`` says by what."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SignalGuard:
    """While installed, SIGTERM and SIGINT call ``on_stop(reason)`` and, when a check is
    running (``running``), interrupt it."""

    def __init__(self, on_stop: Callable[[str], None]) -> None:
        self.on_stop = on_stop
        self.running = False
        self.reason: str | None = None
        self._previous: dict[int, Any] = {}

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals reach only the main thread; elsewhere the defaults stay
        for sig in SIGNALS:
            self._previous[sig] = signal.signal(sig, self._handle)

    def restore(self) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.reason is not None:  # a second signal: stop now
            self.restore()
            raise KeyboardInterrupt
        self.reason = f"interrupted ({signal.Signals(signum).name})"
        self.on_stop(self.reason)
        if self.running:
            raise RunInterrupted(self.reason)
