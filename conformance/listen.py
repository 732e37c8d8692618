"""Keeping the counterpart up after registration, so an implementer can make the target call
us by hand (pushes, command results, authorizations) and have those calls graded."""

from __future__ import annotations

import time
from collections.abc import Callable

from ocpi_core.exchange import ExchangeRecorder

__all__ = ["wait_for_calls"]


def wait_for_calls(
    recorder: ExchangeRecorder,
    minutes: float,
    write: Callable[[str], None],
    *,
    poll: float = 0.5,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Wait ``minutes``, writing a line for each call the target makes to us; the count."""
    deadline = clock() + minutes * 60
    seen = len(recorder)
    count = 0
    write(f"Listening for {minutes:g} minute(s): make your platform push to us now.")
    while clock() < deadline:
        sleep(min(poll, max(0.0, deadline - clock())))
        new = recorder.since(seen)
        seen += len(new)
        for exchange in new:
            if exchange.direction == "incoming":
                count += 1
                write(f"  ⇠ {exchange.title}")
    write(f"Stopped listening: {count} call(s) received; grading them now.")
    return count
