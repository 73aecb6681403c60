"""The clock tests give the code under test (it takes a `clock` callable) and move by hand."""

from __future__ import annotations

from datetime import datetime, timedelta


class Clock:
    """`clock()` is the time the code under test sees: `now`, until a test sets it or calls `advance`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
