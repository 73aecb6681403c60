"""Parsing fetched feed bodies: every format, legacy encodings, refusals, and the worker-process pool."""

from __future__ import annotations

import asyncio
import base64
import json
import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds.limits import MAX_SUMMARY_CHARS, MAX_TITLE_CHARS, ParseLimits
from feeds.model import ParsedFeed
from feeds.parse import ParseError, ParserPool, parse_feed
from tests.feedserver import rss

FEEDS = Path(__file__).parent / "data" / "feeds"
RSS = {"Content-Type": "application/rss+xml"}


def _parse(name: str, headers: dict[str, str] | None = None, url: str | None = None) -> ParsedFeed:
    return parse_feed((FEEDS / name).read_bytes(), headers or RSS, url or f"https://example.am/feeds/{name}")


def test_rss_091() -> None:
    feed = _parse("rss091.xml")
    assert feed.title == "Hetq Online"
    assert feed.language == "en"
    assert [e.title for e in feed.entries] == [
        "Shelling reported near Sotk",
        "Border villages ask for shelters",
    ]
    assert feed.entries[1].summary == "Café owners in Jermuk ask for shelters."
    assert feed.entries[0].published is None


def test_rss_20_text_html_links_times_and_ttl() -> None:
    feed = _parse("rss20.xml", url="https://news.am/eng/rss/")
    assert feed.title == "News.am & friends"
    assert feed.ttl_seconds == 15 * 60
    first, second, future, undated = feed.entries
    assert first.title == 'AT&T <b> said "no" to Tom\'s plan'
    assert first.summary == "Shots fired near Sotk village. More…"
    assert first.link == "https://news.am/eng/news/700001.html?id=7&page=2"
    assert first.guid == "news.am-700001"
    assert first.published == datetime(2022, 9, 13, 2, 5, tzinfo=UTC)
    assert second.title == "Ceasefire violated again"
    assert second.summary == 'Azerbaijani forces advanced toward Jermuk. Defence ministry: "5 < 7".'
    assert second.link == "https://news.am/eng/news/700002.html?q=sev+lake"  # relative, resolved on the URL
    assert future.published == datetime(2100, 1, 1, tzinfo=UTC)  # clamping is prepare_items' job
    assert undated.link is None  # mailto: is no article link
    assert undated.published is None


def test_rdf_rss_10() -> None:
    feed = _parse("rdf.xml")
    assert feed.title == "Civil.ge"
    assert feed.language == "en"
    assert [e.link for e in feed.entries] == [
        "https://civil.ge/archives/500001",
        "https://civil.ge/archives/500002",
    ]
    assert feed.entries[0].published == datetime(2022, 9, 13, 4, 0, tzinfo=UTC)


def test_atom_10_types_languages_and_relative_links() -> None:
    feed = _parse("atom.xml", {"Content-Type": "application/atom+xml"}, "https://oc-media.org/feed/")
    html_entry, xhtml_entry = feed.entries
    assert feed.title == "OC Media"
    assert feed.language == "en"
    assert html_entry.title == "Clashes on the border & beyond"
    assert html_entry.summary == "Fighting near Vardenis."
    assert html_entry.link == "https://oc-media.org/feed/articles/clashes-on-the-border/"
    assert html_entry.published == datetime(2022, 9, 13, 7, 30, tzinfo=UTC)
    assert html_entry.language == "en"
    assert xhtml_entry.title == 'Ереван <-> Баку: "переговоры"'
    assert xhtml_entry.summary == "Переговоры продолжаются."
    assert xhtml_entry.language == "ru"


@pytest.mark.parametrize(
    ("name", "headers", "source"),
    [
        ("ru_cp1251_prolog.xml", RSS, "Интерфакс"),
        ("ru_cp1251_header.xml", {"Content-Type": "application/rss+xml; charset=windows-1251"}, "Интерфакс"),
        ("ru_koi8r.xml", {"content-type": "text/xml; charset=koi8-r"}, "Коммерсантъ"),
    ],
)
def test_legacy_cyrillic_encodings_come_out_as_text(name: str, headers: dict[str, str], source: str) -> None:
    feed = _parse(name, headers)
    assert feed.title == source
    assert feed.language == "ru"
    assert feed.entries[0].title == "Обстрел в районе Сотка"
    assert feed.entries[0].summary == "Минобороны Армении сообщило об обстреле позиций."


def test_armenian_and_azerbaijani_utf8() -> None:
    armenian = _parse("hy_utf8.xml")
    assert armenian.language == "hy"
    assert armenian.entries[0].title == "Կրակոցներ Սոթքի մոտ"
    assert armenian.entries[0].summary == "Ադրբեջանական զինուժը կրակ է բացել Ջերմուկի ուղղությամբ։"
    azerbaijani = _parse("az_utf8.xml")
    assert azerbaijani.language == "az"
    assert azerbaijani.entries[0].title == "Ermənistan silahlı qüvvələri təxribat törədib"


def test_a_malformed_but_recoverable_feed_yields_its_entries() -> None:
    feed = _parse("malformed.xml")
    assert [e.title for e in feed.entries] == ["Pashinyan & Aliyev to meet", "Second item"]
    assert feed.entries[0].summary == "Unescaped ampersand & an unclosed tag"


def test_a_feed_served_as_text_html_is_still_a_feed() -> None:
    feed = _parse("rss20.xml", {"Content-Type": "text/html; charset=utf-8"})
    assert len(feed.entries) == 4


@pytest.mark.parametrize("name", ["entity_bomb.xml", "external_entity.xml"])
def test_entity_declarations_are_refused_before_parsing(name: str) -> None:
    with pytest.raises(ParseError, match="declares XML entities"):
        _parse(name)


def test_an_entity_bomb_in_utf16_is_refused_too() -> None:
    body = (FEEDS / "entity_bomb.xml").read_text().replace('<?xml version="1.0"?>', "").encode("utf-16")
    with pytest.raises(ParseError, match="declares XML entities"):
        parse_feed(body, RSS, "https://example.am/bomb")


def test_an_html_page_is_an_error_not_an_empty_feed() -> None:
    with pytest.raises(ParseError, match="HTML page"):
        _parse("html_page.html", {"Content-Type": "text/html"}, "https://news.am/eng/rss/")


@pytest.mark.parametrize(
    "body",
    [
        b"\xef\xbb\xbf  <!-- cache --><HTML><body>Access denied</body></HTML>",
        b"<body><div>Access denied</div></body>",
        b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x.dtd">\n'
        b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Moved</title></head><body/></html>',
    ],
)
def test_html_pages_in_any_dress_are_recognised(body: bytes) -> None:
    with pytest.raises(ParseError, match="HTML page"):
        parse_feed(body, {"Content-Type": "application/rss+xml"}, "https://news.am/eng/rss/")


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n",
        b"Service temporarily unavailable",
        b"\x1f\x8b\x08\x00garbage",
        b"<?xml version='1.0'?><",
    ],
)
def test_garbage_is_a_clear_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError, match=r"^https://news\.am/eng/rss/: "):
        parse_feed(body, RSS, "https://news.am/eng/rss/")


def test_a_valid_feed_without_items_is_an_empty_feed() -> None:
    body = b'<rss version="2.0"><channel><title>Quiet</title><ttl>abc</ttl></channel></rss>'
    feed = parse_feed(body, RSS, "https://news.am/eng/rss/")
    assert feed.title == "Quiet"
    assert feed.entries == ()
    assert feed.ttl_seconds is None


def test_parsed_feeds_survive_pickling() -> None:
    feed = _parse("rss20.xml")
    assert pickle.loads(pickle.dumps(feed)) == feed


async def test_the_pool_parses_in_worker_processes_like_parse_feed() -> None:
    body = (FEEDS / "hy_utf8.xml").read_bytes()
    async with ParserPool(workers=2) as pool:
        parsed = await pool.parse(body, RSS, "https://www.azatutyun.am/api/")
        assert parsed == parse_feed(body, RSS, "https://www.azatutyun.am/api/")
        with pytest.raises(ParseError, match="HTML page"):
            await pool.parse((FEEDS / "html_page.html").read_bytes(), {}, "https://news.am/eng/rss/")


def _utf7_shifted(text: str) -> bytes:
    """`text` in UTF-7 with every character base64-shifted: not one '<' byte shows."""
    return b"+" + base64.b64encode(text.encode("utf-16-be")).rstrip(b"=") + b"-"


# One entity of 4,000 characters used 100 times: a 12 KB document that expands to a 400,000-character summary.
_DECLARATION = '<!DOCTYPE rss [\n<!ENTITY big "' + "lol " * 1000 + '">\n]>\n'
_EXPANDING_FEED = (
    '<rss version="2.0"><channel><title>t</title><item><title>x &big;</title>'
    "<description>" + "&big; " * 100 + "</description></item></channel></rss>"
)


@pytest.mark.parametrize(
    "body",
    [
        # the DOCTYPE in UTF-7's base64 form: the bytes spell no "<!ENTITY"
        b'<?xml version="1.0" encoding="utf-7"?>\n' + _utf7_shifted(_DECLARATION) + _EXPANDING_FEED.encode(),
        # the declaration before the DOCTYPE (feedparser keeps it)
        (
            '<?xml version="1.0"?>\n<!ENTITY big "' + "lol " * 1000 + '">\n<!DOCTYPE rss>\n' + _EXPANDING_FEED
        ).encode(),
        ('<?xml version="1.0" encoding="utf-16"?>\n' + _DECLARATION + _EXPANDING_FEED).encode("utf-16-be"),
        ('<?xml version="1.0" encoding="utf-32"?>\n' + _DECLARATION + _EXPANDING_FEED).encode("utf-32"),
        ('<?xml version="1.0" encoding="cp037"?>\n' + _DECLARATION + _EXPANDING_FEED).encode("cp037"),
    ],
    ids=["utf-7", "entity-before-doctype", "utf-16-be-no-bom", "utf-32-bom", "ebcdic"],
)
def test_entity_declarations_are_refused_in_any_encoding_feedparser_reads(body: bytes) -> None:
    with pytest.raises(ParseError, match="declares XML entities"):
        parse_feed(body, {}, "https://example.am/bomb")


_WORDS = " ".join(f"w{n}" for n in range(200_000))  # 1.5 MB of distinct words


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (rss("Long", [("g1", "T" * 50_000, "http://example.com/1", _WORDS)]).encode(), RSS),
        (
            json.dumps(
                {
                    "version": "https://jsonfeed.org/version/1.1",
                    "title": "Long",
                    "items": [{"id": "g1", "title": "T" * 50_000, "content_text": _WORDS}],
                }
            ).encode(),
            {"Content-Type": "application/feed+json"},
        ),
    ],
    ids=["rss", "json-feed"],
)
def test_entry_text_is_cut_to_the_caps_whatever_the_feed_sends(body: bytes, headers: dict[str, str]) -> None:
    [entry] = parse_feed(body, headers, "https://example.am/long").entries
    assert len(entry.title) == MAX_TITLE_CHARS and entry.title.endswith("…")
    assert len(entry.summary) <= MAX_SUMMARY_CHARS and entry.summary.startswith("w0 w1 w2")
    assert entry.summary.endswith("…") and not entry.summary.endswith(" …")


def _attribute_flood(count: int) -> bytes:
    attributes = " ".join(f'a{n}="x"' for n in range(count))
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item {attributes}>'
        "<title>x</title></item></channel></rss>"
    ).encode()


def _nested(depth: int) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>x</title>'
        '<content:encoded xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        + "<div>" * depth
        + "deep"
        + "</div>" * depth
        + "</content:encoded></item></channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (_attribute_flood(5_000), "an element <item> has more than 100 attributes"),
        (_nested(5_000), "elements are nested more than 256 deep"),
        # the same in UTF-16: the pre-scan reads what feedparser reads
        (
            _attribute_flood(5_000).decode().replace('"1.0"?>', '"1.0" encoding="utf-16"?>').encode("utf-16"),
            "an element <item> has more than 100 attributes",
        ),
    ],
    ids=["attributes", "depth", "attributes-utf-16"],
)
def test_parser_bombs_are_refused_before_the_xml_parser_reads_them(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=f"^https://example.am/bomb: refused: {reason}"):
        parse_feed(body, {}, "https://example.am/bomb")


def test_ordinary_attributes_and_nesting_are_read() -> None:
    assert len(parse_feed(_attribute_flood(60), {}, "https://example.am/a").entries) == 1
    [entry] = parse_feed(_nested(100), {}, "https://example.am/a").entries
    assert entry.summary == "deep"


# 130,000 attributes on one <item>, 1.4 MB: minutes in feedparser's XML parser
ATTRIBUTE_BOMB = _attribute_flood(130_000)
# the pre-scan's attribute cap lifted: this bomb then stands for any parse that is slow in a way no cap knows
NO_ATTRIBUTE_CAP = ParseLimits(max_attributes=10**9, timeout_seconds=1.0, timeout_seconds_per_mib=0.0)


async def test_a_parse_past_its_deadline_is_stopped_and_the_other_worker_keeps_parsing() -> None:
    healthy = (FEEDS / "hy_utf8.xml").read_bytes()
    async with ParserPool(workers=2, limits=NO_ATTRIBUTE_CAP) as pool:
        bombs = [
            asyncio.ensure_future(pool.parse(ATTRIBUTE_BOMB, {}, f"https://bomb.example/{n}")) for n in (1, 2)
        ]
        for _ in range(3):
            await asyncio.sleep(0)  # both bombs take a worker first
        # both workers are held by a bomb until the deadline: the healthy parse gets the first one freed
        parsed = await pool.parse(healthy, RSS, "https://www.azatutyun.am/api/")
        assert parsed == parse_feed(healthy, RSS, "https://www.azatutyun.am/api/")
        for bomb in bombs:
            with pytest.raises(ParseError, match=r"^https://bomb\.example/\d: refused: parsing took longer"):
                await bomb
        assert pool.stopped_parses == 2
        assert len(pool.worker_pids()) <= 2  # the killed processes are gone, not piling up

        # the same body again is refused at once, without holding a worker for another deadline
        with pytest.raises(ParseError, match="parsing took longer") as again:
            await pool.parse(ATTRIBUTE_BOMB, {}, "https://bomb.example/1")
        assert again.value.retry_after is not None and again.value.retry_after >= 900
        assert pool.stopped_parses == 2
        assert await pool.parse(healthy, RSS, "https://www.azatutyun.am/api/") == parsed


async def test_a_page_that_ran_out_of_time_stays_refused_while_its_sources_other_page_parses() -> None:
    """A Telegram channel's pages are remembered under the channel's address: its first page parsing well
    must not make the pool forget that an older page ran out of time (else that page holds a worker for the
    whole deadline again on every poll)."""
    healthy = (FEEDS / "hy_utf8.xml").read_bytes()
    channel = "https://t.me/s/example"
    async with ParserPool(workers=1, limits=NO_ATTRIBUTE_CAP) as pool:
        for poll in range(2):
            await pool.parse(healthy, RSS, channel, source_url=channel)
            with pytest.raises(ParseError, match="parsing took longer"):
                await pool.parse(ATTRIBUTE_BOMB, {}, f"{channel}?before=100", source_url=channel)
            assert pool.stopped_parses == 1, f"poll {poll}: the older page held a worker again"


def test_a_date_without_a_time_of_day_is_that_days_noon_and_marked_as_a_day() -> None:
    document = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Agency</title>
<item><title>Shots near Sotk</title><link>https://a.example/1</link><dc:date>2022-09-13</dc:date></item>
<item><title>Talks in Brussels</title><link>https://a.example/2</link>
<pubDate>Tue, 13 Sep 2022</pubDate></item>
<item><title>Shelling near Jermuk</title><link>https://a.example/3</link>
<pubDate>Tue, 13 Sep 2022 02:05:00 +0400</pubDate></item>
</channel></rss>"""
    by_date, by_rfc822, timed = parse_feed(document, {}, "https://a.example/rss").entries
    for day in (by_date, by_rfc822):
        assert (day.published, day.published_day_only) == (datetime(2022, 9, 13, 12, tzinfo=UTC), True)
    assert (timed.published, timed.published_day_only) == (datetime(2022, 9, 12, 22, 5, tzinfo=UTC), False)
