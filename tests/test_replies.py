"""Reply helpers: escaping, links only for http(s), sparklines, and replies that always fit one message."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.replies import MAX_MESSAGE, fit, history_line, link, quoted, sparkline, usage


def test_user_text_is_escaped_shortened_and_quoted() -> None:
    assert quoted('<b>"x" & y</b>') == "“&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;”"
    assert quoted("a  \n b" + "c" * 100, limit=10) == "“a bcccccc…”"
    assert usage("search") == "Usage: /search &lt;words&gt; — e.g. /search border shooting"


def test_links_only_for_http_and_https() -> None:
    assert link("A & B", "https://x.am/?a=1&b=2") == '<a href="https://x.am/?a=1&amp;b=2">A &amp; B</a>'
    assert link("T", "javascript:alert(1)") == "T"
    assert link("  ", None) == "(untitled)"
    line = history_line("<T>", "ftp://x", "S & S", datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "P2")
    assert line == "• [P2] &lt;T&gt; — S &amp; S, 2026-01-02 03:04 UTC"


def test_sparkline_scales_to_the_largest_count() -> None:
    assert sparkline([0, 0, 0]) == "▁▁▁"
    assert sparkline([0, 7, 1, 14]) == "▁▅▁█"
    assert sparkline([]) == ""


def test_fit_keeps_whole_lines_within_one_message() -> None:
    lines = [f"line {n} " + "x" * 90 for n in range(100)]
    text = fit(lines)
    assert len(text) <= MAX_MESSAGE
    kept = text.splitlines()
    assert kept[:-1] == lines[: len(kept) - 1]
    assert kept[-1] == f"… and {100 - (len(kept) - 1)} more lines"
    assert fit(["short", "lines"]) == "short\nlines"
