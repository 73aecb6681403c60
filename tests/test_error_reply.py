"""The application's error handler on a failure outside any update (a job-queue job such as the failing-feed
notices): a bug keeps its traceback, an unreachable database is one line, not a traceback every minute."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest

import storage.db
from bot.error_reply import answer_failed_update


def _job_failed(error: BaseException) -> Any:
    return SimpleNamespace(error=error, job=SimpleNamespace(name="feed-notices"))


async def test_a_job_that_finds_the_database_unreachable_logs_one_line(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # that line is logged once per UNAVAILABLE_LOG_GAP in the process: none logged before this test
    monkeypatch.setattr(storage.db, "_unavailable_lines", storage.db._RepeatedLines())
    caplog.set_level(logging.WARNING, logger="bot.error_reply")
    # what asyncpg raises when connecting gets no answer within its timeout (a network partition)
    await answer_failed_update(None, _job_failed(TimeoutError()))
    (record,) = caplog.records
    assert record.exc_info is None
    assert "feed-notices" in record.getMessage()
    assert "the database is unavailable (TimeoutError: no answer in time)" in record.getMessage()


async def test_a_job_that_fails_for_a_bug_keeps_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.error_reply")
    await answer_failed_update(None, _job_failed(KeyError("chat_id")))
    (record,) = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "feed-notices" in record.getMessage()
