"""Alert formatting: what a subscriber reads, whatever a feed put in its title, summary and link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Bot
from telegram.constants import ParseMode

from bot.format import MAX_MESSAGE, format_alert, format_pointer, hashtag, plain_text, safe_link
from storage.deliveries import Alert
from tests.botapi import BotApiEmulator, parse_html, utf16_length

WHEN = datetime(2024, 5, 1, 14, 3, 59, tzinfo=UTC)


def alert(
    title: str = "Shooting reported near Sev Lake",
    *,
    link: str | None = "https://news.example/a?id=1&lang=en",
    summary: str = "Residents heard gunfire overnight.",
    source: str = "Example News",
    severity: str | None = "P2",
    entity_ids: tuple[str, ...] = ("sev_lake",),
    spans: tuple[tuple[int, int, str], ...] | None = None,
) -> Alert:
    if spans is None:
        at = title.find("Sev Lake")
        spans = ((at, at + 8, "Sev Lake"),) if at >= 0 else ()
    return Alert(title, link, summary, source, WHEN, severity, entity_ids, spans)


def covered(text: str, entities: list[dict[str, object]], kind: str) -> list[str]:
    """The text under each entity of `kind` (Telegram offsets count UTF-16 units)."""
    units = text.encode("utf-16-le")
    spans = [(int(str(e["offset"])), int(str(e["length"]))) for e in entities if e["type"] == kind]
    return [units[2 * o : 2 * (o + n)].decode("utf-16-le") for o, n in spans]


def test_alert_shows_severity_linked_title_with_bold_alias_source_time_and_hashtags() -> None:
    parsed = parse_html(format_alert(alert()))
    assert parsed.text.splitlines() == [
        "🟠 P2 Shooting reported near Sev Lake",
        "",
        "Residents heard gunfire overnight.",
        "Example News · 2024-05-01 14:03 UTC",
        "#sev_lake",
    ]
    link = next(e for e in parsed.entities if e["type"] == "text_link")
    assert link["url"] == "https://news.example/a?id=1&lang=en"
    assert covered(parsed.text, parsed.entities, "bold") == ["P2", "Sev Lake"]
    assert covered(parsed.text, parsed.entities, "text_link") == ["Shooting reported near Sev Lake"]


def test_an_item_dated_by_the_day_only_shows_its_date_without_a_time() -> None:
    dated = replace(alert(), published=WHEN.replace(hour=12, minute=0, second=0), published_day_only=True)
    assert "Example News · 2024-05-01" in parse_html(format_alert(dated)).text.splitlines()
    pointer = format_pointer(alert(), dated, link=None)
    assert "Example News · 2024-05-01: Shooting reported near Sev Lake" in pointer


def test_hostile_feed_strings_arrive_literally() -> None:
    hostile = alert(
        '<script>alert("x")</script> & Co. </b> Sev Lake <a href="javascript:x">',
        summary="1 < 2 && 3 > 2 &amp; &lt;i&gt;",
        source='Feed "<Quotes>" & Sons',
    )
    parsed = parse_html(format_alert(hostile))
    assert (
        parsed.text.splitlines()[0]
        == '🟠 P2 <script>alert("x")</script> & Co. </b> Sev Lake <a href="javascript:x">'
    )
    assert parsed.text.splitlines()[2] == "1 < 2 && 3 > 2 &amp; &lt;i&gt;"
    assert parsed.text.splitlines()[3].startswith('Feed "<Quotes>" & Sons · ')
    assert [e["url"] for e in parsed.entities if e["type"] == "text_link"] == [hostile.link]


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "data:text/html,x", "/relative/path", "ftp://x.test/f", "tg://resolve", None],
)
def test_links_other_than_http_are_dropped_and_the_title_stays(link: str | None) -> None:
    parsed = parse_html(format_alert(alert(link=link)))
    assert not [e for e in parsed.entities if e["type"] == "text_link"]
    assert "Shooting reported near Sev Lake" in parsed.text
    assert safe_link(link) is None


def test_never_over_4096_characters_summary_trimmed_first_link_kept() -> None:
    long = alert("Sev Lake " + "word " * 700, summary="detail " * 2000, link="https://e.test/" + "p" * 3000)
    html = format_alert(long)
    parsed = parse_html(html)
    assert utf16_length(parsed.text) <= MAX_MESSAGE
    assert parsed.text.startswith("🟠 P2 Sev Lake word word")
    assert "…" in parsed.text.splitlines()[2]  # the summary was trimmed, the title kept whole
    assert "word " * 699 in parsed.text.splitlines()[0] + " "
    assert [e["url"] for e in parsed.entities if e["type"] == "text_link"] == [long.link]


def test_a_title_too_long_on_its_own_is_cut_and_the_summary_dropped() -> None:
    parsed = parse_html(format_alert(alert("Ա" * 5000 + " Sev Lake", summary="s" * 100)))
    assert utf16_length(parsed.text) <= MAX_MESSAGE
    assert "…" in parsed.text.splitlines()[0]
    assert parsed.text.endswith("#sev_lake")


def test_astral_characters_count_as_telegram_counts_them() -> None:
    parsed = parse_html(format_alert(alert("😀" * 3000, summary="😀" * 3000)))
    assert utf16_length(parsed.text) <= MAX_MESSAGE


def test_no_severity_and_odd_entity_ids() -> None:
    parsed = parse_html(format_alert(alert(severity=None, entity_ids=("csto", "nagorno-karabakh"))))
    assert parsed.text.startswith("🔹 Shooting")
    assert parsed.text.endswith("#csto #nagorno_karabakh")
    assert hashtag("a b-c") == "#a_b_c"


def test_plain_text_is_what_the_user_reads() -> None:
    html = format_alert(alert("A < B & C"))
    assert plain_text(html) == parse_html(html).text


@settings(max_examples=200, deadline=None)
@given(
    title=st.text(max_size=300),
    summary=st.text(max_size=5000),
    source=st.text(max_size=80),
    link=st.one_of(st.none(), st.text(max_size=50), st.just("https://ok.test/?a=<b>&c='d'")),
)
def test_every_alert_is_valid_telegram_html_and_keeps_the_title_text(
    title: str, summary: str, source: str, link: str | None
) -> None:
    spans = ((0, min(3, len(title)), title[:3]),) if title.strip() else ()
    html = format_alert(alert(title, summary=summary, source=source, link=link, spans=spans))
    parsed = parse_html(html)  # raises on anything Telegram would refuse
    assert utf16_length(parsed.text) <= MAX_MESSAGE
    shown_title = " ".join(title.split())
    if shown_title and utf16_length(shown_title) < 3000:
        assert shown_title in parsed.text


@pytest.fixture
async def telegram() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(enforce_limits=False) as emulator:
        yield emulator


async def test_the_emulator_accepts_hostile_alerts_and_shows_them_intact(telegram: BotApiEmulator) -> None:
    telegram.add_user(1)
    titles = ['<b>Fake bold</b> & "quotes" in Sev Lake', "a<b", "&amp;&#39;&lt;", "x" * 5000]
    async with Bot(telegram.token, base_url=telegram.base_url) as bot:
        for title in titles:
            await bot.send_message(1, format_alert(alert(title, summary=title)), parse_mode=ParseMode.HTML)
    received = telegram.texts(1)
    assert received[0].startswith('🟠 P2 <b>Fake bold</b> & "quotes" in Sev Lake')
    assert received[1].startswith("🟠 P2 a<b")
    assert received[2].startswith("🟠 P2 &amp;&#39;&lt;")
    assert len(received) == 4


_EMBEDDINGS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067")


def _outside_isolates(line: str) -> str:
    """The part of a line outside first-strong isolates; asserts they are balanced and hold no other bidi
    control (so, by the Unicode bidi algorithm, nothing inside one can reorder what follows it)."""
    outside, depth = [], 0
    for char in line:
        if char == "\u2068":
            depth += 1
        elif char == "\u2069":
            assert depth > 0, line
            depth -= 1
        elif depth == 0:
            outside.append(char)
        else:
            assert char not in _EMBEDDINGS, line
    assert depth == 0, line
    return "".join(outside)


def test_right_to_left_and_hostile_bidi_text_from_a_feed_cannot_reorder_what_follows() -> None:
    title = "\u202eخبر عاجل: اشتباكات قرب Sev Lake"  # stored before ingest dropped U+202E
    source = "صدى \u2069\u202eالأخبار"  # an unmatched PDI, then an override to the end of the line
    parsed = parse_html(format_alert(alert(title, source=source, summary="ملخص \u202b٢٣ ساعة")))
    lines = parsed.text.splitlines()
    outside = [_outside_isolates(line) for line in lines]
    assert not any(char in line for line in outside for char in _EMBEDDINGS)
    assert outside[0] == "🟠 P2 "
    assert outside[3] == " · 2024-05-01 14:03 UTC"  # the time stands after the source, in order
    assert lines[3] == "\u2068صدى الأخبار\u2069 · 2024-05-01 14:03 UTC"
    assert covered(parsed.text, parsed.entities, "bold") == ["P2", "Sev Lake"]


def test_left_to_right_feed_text_is_shown_without_isolates() -> None:
    text = parse_html(format_alert(alert("Обстрел у озера Сев", source="Армянские новости"))).text
    assert "\u2068" not in text and "\u2069" not in text
