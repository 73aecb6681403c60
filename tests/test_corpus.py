"""feedparser's own test corpus (about 2,250 files) through parse_feed and prepare_items.

Zero unexpected exceptions: a ParseError (entity declarations, an HTML page, a body that is no feed) is an
expected, clear outcome and is counted. No title or summary may keep markup: every tag that feedparser saw in
an HTML-typed field must be gone from the text we produce. The counts are printed with the test output.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from feeds.identity import prepare_items
from feeds.normalize import is_plain_text_type
from feeds.parse import ParseError, parse_feed

CORPUS = Path(__file__).parent / ".corpus" / "feedparser"
NOW = datetime(2030, 1, 1, tzinfo=UTC)

if not CORPUS.is_dir():
    pytest.skip(
        f"feedparser's test corpus is not in {CORPUS}: run `make corpus` to fetch it", allow_module_level=True
    )

pytestmark = pytest.mark.corpus

# How feedparser's own test runner reads the HTTP headers a corpus file is served with.
_HEADER_LINE = re.compile(rb"^Header:\s+([^:]+):(.+)$", re.MULTILINE)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def _corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".xml", ".gz", ".z"))


def _headers(body: bytes) -> dict[str, str]:
    return {name.decode().strip(): value.decode().strip() for name, value in _HEADER_LINE.findall(body)}


def _raw_fields(raw_entry: Mapping[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """(field, value, content type) as feedparser gave them, for the fields we turn into text."""
    title = raw_entry.get("title_detail") or {}
    summary_value, summary_type = (
        raw_entry.get("summary"),
        (raw_entry.get("summary_detail") or {}).get("type"),
    )
    if not summary_value and raw_entry.get("content"):
        summary_value, summary_type = (
            raw_entry["content"][0].get("value"),
            raw_entry["content"][0].get("type"),
        )
    return [
        ("title", raw_entry.get("title"), title.get("type", "text/plain")),
        ("summary", summary_value, summary_type or "text/html"),
    ]


def _markup_left(raw_value: str | None, raw_type: str | None, text: str) -> list[str]:
    """Tags that were markup in an HTML-typed field and still appear in the text we made of it."""
    if not raw_value or is_plain_text_type(raw_type):
        return []
    tags = {" ".join(tag.split()) for tag in _TAG.findall(raw_value)}
    return sorted(tag for tag in tags if tag in text)


def test_the_whole_corpus_parses_without_unexpected_errors_and_without_markup_in_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    counts: Counter[str] = Counter()
    refusals: Counter[str] = Counter()
    unexpected: list[str] = []
    leaks: list[str] = []
    for path in _corpus_files():
        name = str(path.relative_to(CORPUS))
        body = path.read_bytes()
        headers = _headers(body)
        url = f"http://127.0.0.1:8097/{name}"
        counts["files"] += 1
        try:
            feed = parse_feed(body, headers, url)
            items = prepare_items(feed.entries, NOW)
        except ParseError as exc:
            counts["ParseError (expected, clear)"] += 1
            refusals[re.sub(r"\s*\(.*", "", str(exc).removeprefix(f"{url}: "))] += 1
            continue
        except Exception as exc:
            unexpected.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        counts["parsed"] += 1
        counts["entries"] += len(feed.entries)
        counts["items after identity"] += len(items)
        # The oracle: feedparser's own view of the same bytes, with the field types it decided on.
        raw = feedparser.parse(
            io.BytesIO(body),
            response_headers={**{k.lower(): v for k, v in headers.items()}, "content-location": url},
            sanitize_html=False,
            resolve_relative_uris=False,
        )
        assert len(raw.entries) == len(feed.entries), name
        checks = [("feed title", (raw.feed.get("title_detail") or {}), feed.title or "")]
        for raw_entry, entry in zip(raw.entries, feed.entries, strict=True):
            for field, value, kind in _raw_fields(raw_entry):
                checks.append((field, {"value": value, "type": kind}, getattr(entry, field)))
        for field, detail, text in checks:
            counts["text fields checked"] += 1
            if "<" in text:
                counts["text fields with a literal '<' (escaped text, not markup)"] += 1
            left = _markup_left(detail.get("value"), detail.get("type"), text)
            if left:
                leaks.append(f"{name} {field}: {left} in {text[:120]!r}")

    with capsys.disabled():
        print(f"\nfeedparser corpus ({CORPUS}):")
        for key, number in counts.items():
            print(f"  {number:6d}  {key}")
        for reason, number in refusals.most_common():
            print(f"  {number:6d}    ParseError: {reason}")
        print(f"  {len(unexpected):6d}  unexpected exceptions")
        print(f"  {len(leaks):6d}  text fields holding markup")
    assert counts["files"] > 2000
    assert unexpected == []
    assert leaks == []
