"""`make demo` keeps working: the offline demo shows subscriptions, alerts in four languages and /status."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.demo.__main__ import demo


async def test_the_offline_demo_prints_a_transcript_with_alerts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await demo(tmp_path)
    transcript = capsys.readouterr().out
    assert "Subscribed to Sev Lake, Lachin corridor, Syunik." in transcript
    # the shelling near Sev Lake, reported in three languages, is one P1 alert naming the other sources
    assert transcript.count("#sev_lake") == 1
    assert "🔴 P1" in transcript
    assert "also reported by:" in transcript
    assert "Laçın yolunda" in transcript  # the Azerbaijani source alerted the Lachin corridor
    assert "CSTO" not in transcript  # not subscribed: no alert
    assert "Status at" in transcript
