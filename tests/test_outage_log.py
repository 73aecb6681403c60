"""The log of the database's availability: every outage is logged where it begins ("the database is
unavailable") and where it ends ("the database answers again"), also one that begins soon after the last
ended, and once each, also when several threads meet it at the same moment; a database that flaps every
second logs a few lines per UNAVAILABLE_LOG_GAP, with the count of those left out."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import pytest

import storage.db
from storage.db import log_failure, log_recovery

UNAVAILABLE = "the database is unavailable"
ANSWERS = "the database answers again"


def _outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        ANSWERS if ANSWERS in record.getMessage() else UNAVAILABLE
        for record in caplog.records
        if ANSWERS in record.getMessage() or UNAVAILABLE in record.getMessage()
    ]


def test_an_outage_soon_after_the_last_one_ended_is_logged_with_its_end(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    now = [1000.0]
    monkeypatch.setattr(storage.db, "_unavailable_lines", storage.db._RepeatedLines(clock=lambda: now[0]))
    logger = logging.getLogger("tests.outages")
    caplog.set_level(logging.WARNING, logger="tests.outages")
    # two outages of 5 s, 10 s apart: well within UNAVAILABLE_LOG_GAP (30 s) of each other
    for _ in range(2):
        for _ in range(20):
            log_failure(logger, "%s: round failed; retrying", TimeoutError(), "scheduler")
            now[0] += 0.25
        log_recovery(logger)
        now[0] += 10
    assert _outage_lines(caplog) == [UNAVAILABLE, ANSWERS, UNAVAILABLE, ANSWERS]
    ends = [record.getMessage() for record in caplog.records if ANSWERS in record.getMessage()]
    assert all("5 s after" in end and "(20 failed attempts)" in end for end in ends), ends


def _at_once(threads: int, call: Callable[[], None]) -> None:
    """`call` in `threads` threads started together; what any of them raised is raised here."""
    start = threading.Barrier(threads)
    raised: list[BaseException] = []

    def run() -> None:
        start.wait()
        try:
            call()
        except BaseException as error:
            raised.append(error)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not raised, raised


def test_threads_meeting_an_outage_at_once_log_its_begin_and_end_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def slow_clock() -> float:
        # a thread switch while a caller reads the clock: where two callers would both see "nothing logged"
        time.sleep(0.02)
        return time.monotonic()

    monkeypatch.setattr(storage.db, "_unavailable_lines", storage.db._RepeatedLines(clock=slow_clock))
    logger = logging.getLogger("tests.threads")
    caplog.set_level(logging.WARNING, logger="tests.threads")
    _at_once(8, lambda: log_failure(logger, "%s: round failed; retrying", TimeoutError(), "delivery"))
    _at_once(8, lambda: log_recovery(logger))
    assert _outage_lines(caplog) == [UNAVAILABLE, ANSWERS]
    (ended,) = [record.getMessage() for record in caplog.records if ANSWERS in record.getMessage()]
    assert ended.endswith("(8 failed attempts)"), ended


def test_a_database_that_flaps_every_second_logs_a_few_lines_a_gap_with_the_count_left_out(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """SQLite locked on and off by another process's writes: a failure and a success every second for two
    minutes. Before, every failure and every answer after it were logged (240 lines)."""
    now = [1000.0]
    monkeypatch.setattr(storage.db, "_unavailable_lines", storage.db._RepeatedLines(clock=lambda: now[0]))
    logger = logging.getLogger("tests.flaps")
    caplog.set_level(logging.WARNING, logger="tests.flaps")
    for _ in range(120):
        log_failure(logger, "%s: round failed; retrying", TimeoutError(), "scheduler")
        now[0] += 0.5
        log_recovery(logger)
        now[0] += 0.5
    lines = _outage_lines(caplog)
    gaps = 120 / storage.db.UNAVAILABLE_LOG_GAP
    assert 4 <= len(lines) <= 2 * (storage.db.OUTAGES_LOGGED_PER_GAP + 1) * (gaps + 1), lines
    assert any("more times since the last such line" in record.getMessage() for record in caplog.records)
