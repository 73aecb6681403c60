"""Normalising feed fields: plain text, canonical links, UTC times and short language tags."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.normalize import (
    canonical_link,
    field_text,
    html_to_text,
    language_tag,
    normalize_entry,
    normalize_text,
    utc_datetime,
)


def test_whitespace_is_folded_and_control_characters_dropped() -> None:
    assert normalize_text("  Shelling\n\tnear\u00a0Sotk\x00\x07  ") == "Shelling near Sotk"


def test_html_is_reduced_to_the_text_it_shows() -> None:
    markup = (
        '<div class="lead"><p>Shots fired near <b>Sotk</b>&nbsp;village.</p><p>More&hellip;</p>'
        "<script>alert(1)</script><style>p{}</style><!-- ad --></div>"
    )
    assert html_to_text(markup) == "Shots fired near Sotk village. More…"


def test_block_tags_and_line_breaks_keep_words_apart() -> None:
    assert html_to_text("Jermuk<br/>Goris<p>Kapan</p>Vardenis") == "Jermuk Goris Kapan Vardenis"


def test_entities_are_unescaped_exactly_once() -> None:
    assert html_to_text("Tom &amp;amp; Jerry &lt;b&gt;") == "Tom &amp; Jerry <b>"


def test_a_quoted_attribute_holding_a_bracket_does_not_leak() -> None:
    assert html_to_text('<a title="5 > 3" href="/x">link</a> text') == "link text"


def test_broken_tags_do_not_leak() -> None:
    assert html_to_text('<a href=http://example.com/">example</a>') == "example"
    assert html_to_text("Ceasefire holds <img src='/a.jpg'") == "Ceasefire holds"


def test_plain_text_titles_keep_brackets_ampersands_and_quotes() -> None:
    assert (
        field_text('AT&T <b> said "no" to Tom\'s plan', "text/plain") == 'AT&T <b> said "no" to Tom\'s plan'
    )
    assert (
        field_text("Clashes on the <i>border</i> &amp; beyond", "text/html")
        == "Clashes on the border & beyond"
    )
    assert field_text("<p>x</p>", "application/xhtml+xml") == "x"
    assert field_text(None, "text/html") == ""


def test_canonical_link_drops_tracking_fragment_and_default_port() -> None:
    link = "HTTPS://News.AM:443/eng/news/1.html?utm_source=rss&id=7&fbclid=a&gclid=b&page=2&_ga=c#comments"
    assert canonical_link(link) == "https://news.am/eng/news/1.html?id=7&page=2"
    assert canonical_link("http://a.am:8080/x?yclid=1&mc_cid=2&mc_eid=3&ref_src=tw&UTM_Medium=x") == (
        "http://a.am:8080/x"
    )
    assert canonical_link("http://example.am") == "http://example.am/"


def test_canonical_link_keeps_other_parameters_in_their_order() -> None:
    assert canonical_link("https://a.az/s?z=1&a=2&utm_campaign=x&m=3") == "https://a.az/s?z=1&a=2&m=3"


def test_canonical_link_drops_credentials_and_escapes_non_ascii_paths() -> None:
    assert canonical_link("https://user:pw@report.az/xəbər") == "https://report.az/x%C9%99b%C9%99r"
    assert canonical_link("https://report.az/x%C9%99b%C9%99r") == "https://report.az/x%C9%99b%C9%99r"


@pytest.mark.parametrize(
    "link",
    [
        None,
        "",
        "mailto:editor@news.am",
        "javascript:alert(1)",
        "ftp://news.am/file",
        "/eng/news/1.html",
        "news.am/eng",
        "http://",
        "http://news.am:99999/",
        "http://bad host/",
    ],
)
def test_canonical_link_refuses_what_is_not_an_absolute_http_url(link: str | None) -> None:
    assert canonical_link(link) is None


def test_ipv6_hosts_keep_their_brackets() -> None:
    assert canonical_link("http://[2001:DB8::1]:80/x") == "http://[2001:db8::1]/x"


def test_language_tags_are_short_and_lower_case() -> None:
    assert language_tag("ru-RU") == "ru"
    assert language_tag("en_us") == "en"
    assert language_tag(" HY ") == "hy"
    assert language_tag("English") == "en"
    assert language_tag("not a language") is None
    assert language_tag(None) is None


def test_parsed_dates_become_aware_utc_datetimes() -> None:
    parsed = time.strptime("2022-09-13 02:05:00", "%Y-%m-%d %H:%M:%S")
    assert utc_datetime(parsed) == datetime(2022, 9, 13, 2, 5, tzinfo=UTC)
    assert utc_datetime(None) is None


def test_an_entry_takes_its_content_when_it_has_no_summary_and_the_feed_language() -> None:
    raw = {
        "id": "  tag:x,2022:1 ",
        "link": "https://oc-media.org/a?utm_source=x",
        "title": "Talks",
        "title_detail": {"type": "text/plain"},
        "content": [{"type": "application/xhtml+xml", "value": "<p>Talks <b>go on</b></p>"}],
        "updated_parsed": time.strptime("2022-09-13 09:00", "%Y-%m-%d %H:%M"),
    }
    entry = normalize_entry(raw, "en")
    assert entry.guid == "tag:x,2022:1"
    assert entry.link == "https://oc-media.org/a"
    assert entry.summary == "Talks go on"
    assert entry.language == "en"
    assert entry.published == datetime(2022, 9, 13, 9, 0, tzinfo=UTC)


@given(st.text())
def test_normalising_any_text_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text())
def test_html_to_text_never_raises_and_returns_normalised_text(text: str) -> None:
    result = html_to_text(text)
    assert normalize_text(result) == result


@given(st.text().filter(lambda s: "<" not in s and "&" not in s))
def test_text_without_markup_comes_through_html_to_text_unchanged(text: str) -> None:
    assert html_to_text(text) == normalize_text(text)


_URLISH = st.one_of(
    st.text(),
    st.builds(
        lambda scheme, rest: scheme + rest,
        st.sampled_from(["http://", "https://", "HTTP://", "javascript:", "ftp://", "http:", "//", ""]),
        st.text(),
    ),
)


@given(_URLISH)
def test_canonical_link_never_returns_a_non_http_url(link: str) -> None:
    result = canonical_link(link)
    if result is not None:
        parts = urlsplit(result)
        assert parts.scheme in ("http", "https")
        assert result.startswith(f"{parts.scheme}://")
        assert parts.hostname
        assert canonical_link(result) == result


def test_bidi_overrides_embeddings_and_isolates_are_dropped_and_marks_kept() -> None:
    # U+202E would show the source and time after this title reversed; RLM is part of right-to-left text
    text = "\u202eShots near Sotk\u202c \u2067ممر لاتشين\u2069 \u202a1\u202b2\u202d3 \u200fמעבר\u200f\u2066"
    assert normalize_text(text) == "Shots near Sotk ممر لاتشين 123 \u200fמעבר\u200f"
    entry = normalize_entry({"title": "Lachin\u202e corridor", "summary": "<b>\u2068text</b>"}, "en")
    assert (entry.title, entry.summary) == ("Lachin corridor", "text")
