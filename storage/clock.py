"""The clock: what time it is, in UTC. Injected wherever behaviour depends on time, so tests never sleep."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


__all__ = ["Clock", "system_clock"]
