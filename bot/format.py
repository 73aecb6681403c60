"""The one place that turns stored data into Telegram HTML for alerts (and the daily digest).

Every string that came from a feed is escaped and isolated (Unicode bidi isolates, its own bidi controls
removed), so nothing in it can reorder what follows: a title's U+202E cannot reverse the source and time;
links are kept only when they are http(s); the message never exceeds Telegram's 4096 characters (counted
like Telegram, in UTF-16 units after entity parsing): the summary is trimmed first, the title only if it
alone is too long, the link never.
"""

from __future__ import annotations

import html
import re
import urllib.parse
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from bot.i18n import _, ngettext
from bot.replies import fit, publication_time
from bot.telegram_text import MAX_MESSAGE, fits, plain_text, utf16_units
from storage.deliveries import Alert
from storage.digests import DigestStory
from storage.severity import severity_rank

SUMMARY_SHARE = 600  # a summary longer than this is cut: an alert is read at a glance
SEVERITY_MARKERS = {"P1": "🔴", "P2": "🟠", "P3": "🟡", "P4": "⚪"}
NO_SEVERITY_MARKER = "🔹"
ELLIPSIS = "…"
ALSO_NAMED = 2  # sources named in "also reported by: A, B (+3)"; the rest are counted


SOURCE_UNITS = 200
ALSO_UNITS = 800

# First-strong isolate … pop directional isolate: feed text shown between them is laid out on its own.
ISOLATE_START, ISOLATE_END = "\u2068", "\u2069"
_ISOLATES = 2  # UTF-16 units the pair adds
# Bidi embeddings, overrides and isolates inside feed text (stored before they were dropped at ingest):
# one unmatched PDI would end the isolate around the text early.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# What can reorder the text after it in a left-to-right line: right-to-left letters and Arabic digits (the
# Hebrew to Arabic-Extended blocks, RTL presentation forms, the RTL planes), RLM, ALM and bidi controls.
# Text without any of these (Latin, Cyrillic, Armenian …) is shown as it is.
_REORDERING = re.compile(
    "[\u0590-\u08ff\u200f\u202a-\u202e\u2066-\u2069\ufb1d-\ufdff\ufe70-\ufefe"
    "\U00010800-\U00010fff\U0001e800-\U0001efff]"
)


def isolate(text: str) -> str:
    """Feed text made safe to show before other text on a line: when it holds anything that could reorder
    what follows (right-to-left text, bidi controls), its bidi controls are dropped and the rest is put in a
    bidi isolate; other text is returned as it is."""
    if not _REORDERING.search(text):
        return text
    return ISOLATE_START + "".join(c for c in text if c not in _BIDI_CONTROLS) + ISOLATE_END


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def _cut(text: str, units: int) -> str:
    """`text` shortened to at most `units` UTF-16 units, ending with an ellipsis when cut, at a word boundary
    if one is near."""
    if utf16_units(text) <= units:
        return text
    if units <= 1:
        return ELLIPSIS[:units]
    kept = text.encode("utf-16-le")[: (units - 1) * 2].decode("utf-16-le", errors="ignore")
    space = kept.rfind(" ")
    if space > len(kept) * 0.8:
        kept = kept[:space]
    return kept.rstrip() + ELLIPSIS


def safe_link(link: str | None) -> str | None:
    """`link` if it is an absolute http(s) URL, else None (javascript:, data:, relative … are dropped)."""
    if not link:
        return None
    link = link.strip()
    try:
        parts = urllib.parse.urlsplit(link)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc or any(c.isspace() for c in link):
        return None
    return link


def hashtag(entity_id: str) -> str:
    """The hashtag of an entity id: letters, digits and underscores only (what Telegram links as a tag)."""
    tag = re.sub(r"\W+", "_", entity_id).strip("_")
    return f"#{tag}" if tag else ""


def _bold_ranges(title: str, spans: tuple[tuple[int, int, str], ...]) -> list[tuple[int, int]]:
    """Merged [start, end) ranges of the title covered by matched aliases (spans beyond the title dropped)."""
    ranges = sorted((max(0, s), min(len(title), e)) for s, e, _text in spans if s < len(title) and e > s)
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        elif end > start:
            merged.append((start, end))
    return merged


def _title_html(title: str, spans: tuple[tuple[int, int, str], ...]) -> str:
    out: list[str] = []
    position = 0
    for start, end in _bold_ranges(title, spans):
        out.append(_escape(title[position:start]))
        out.append(f"<b>{_escape(title[start:end])}</b>")
        position = end
    out.append(_escape(title[position:]))
    return "".join(out)


def _collapse(text: str) -> tuple[str, list[int]]:
    """`text` with runs of whitespace made one space, ends trimmed and bidi controls dropped, and where each
    original index went."""
    out: list[str] = []
    where: list[int] = []
    pending_space = False
    for char in text:
        if char in _BIDI_CONTROLS:
            where.append(len(out))
            continue
        if char.isspace():
            pending_space = bool(out)
            where.append(len(out))
            continue
        if pending_space:
            out.append(" ")
            pending_space = False
        where.append(len(out))
        out.append(char)
    where.append(len(out))
    return "".join(out), where


def also_reported_by(sources: tuple[str, ...], named: int = ALSO_NAMED) -> str:
    """ "also reported by: Interfax, Armenpress (+3)": the first `named` other sources, then how many more;
    empty when the story has no other source."""
    names = [name.strip() or "?" for name in sources]
    if not names:
        return ""
    shown = ", ".join(names[:named])
    rest = len(names) - named
    return f"also reported by: {shown}" + (f" (+{rest})" if rest > 0 else "")


def format_alert(alert: Alert, *, limit: int = MAX_MESSAGE) -> str:
    """The alert as Telegram HTML: severity marker, title as a link with the matched aliases in bold,
    the summary, source · UTC time, "also reported by …" once other sources joined the story, entity
    hashtags. Never over `limit` characters once parsed."""
    marker = SEVERITY_MARKERS.get(alert.severity or "", NO_SEVERITY_MARKER)
    head = f"{marker} <b>{_escape(alert.severity)}</b> " if alert.severity else f"{marker} "
    head_plain = f"{marker} {alert.severity} " if alert.severity else f"{marker} "
    when = publication_time(alert.published, alert.published_day_only)
    # a feed names itself: a hostile <title> of thousands of characters must not push the alert over the limit
    source_line = f"{isolate(_cut(alert.source.strip() or '?', SOURCE_UNITS))} · {when}"
    tags = " ".join(t for t in (hashtag(e) for e in alert.entity_ids) if t)
    others = tuple(isolate(_cut(s.strip() or "?", SOURCE_UNITS)) for s in alert.also_reported_by)
    also = _cut(also_reported_by(others), ALSO_UNITS)
    tail_plain = f"\n{source_line}" + (f"\n{also}" if also else "") + (f"\n{tags}" if tags else "")

    title, where = _collapse(alert.title)
    if not title:
        title, where = "(untitled)", [0] * (len(alert.title) + 1)
    title = _cut(title, max(1, limit - utf16_units(head_plain + tail_plain) - 2 - _ISOLATES))
    shown = len(title.removesuffix(ELLIPSIS)) if title.endswith(ELLIPSIS) else len(title)
    spans = tuple(
        (where[s], min(where[e], shown), text)
        for s, e, text in alert.spans
        if 0 <= s < e <= len(alert.title) and where[s] < shown
    )
    summary, _ = _collapse(alert.summary)
    # 2: the blank line before the summary
    room = limit - utf16_units(head_plain + title + tail_plain) - 2 - 2 * _ISOLATES
    summary = _cut(summary, min(SUMMARY_SHARE, room)) if room > 10 else ""

    link = safe_link(alert.link)
    title_html = _title_html(title, spans)
    heading = f'<a href="{_escape(link)}">{title_html}</a>' if link else title_html
    if _REORDERING.search(title):
        heading = ISOLATE_START + heading + ISOLATE_END  # the title's own bidi controls were dropped above
    parts = [head + heading, ""]
    if summary:
        parts.append(_escape(isolate(summary)))
    parts.append(_escape(source_line))
    if also:
        parts.append(_escape(also))
    if tags:
        parts.append(tags)
    return "\n".join(parts)


POINTER_MARKER = "↪"
TITLE_UNITS = 600


def message_link(chat_id: int, message_id: int) -> str | None:
    """A link to a message of a supergroup or channel (t.me/c/…), which its members can open; None for private
    chats and basic groups, whose messages have no link."""
    if chat_id <= -1_000_000_000_000:
        return f"https://t.me/c/{-chat_id - 1_000_000_000_000}/{message_id}"
    return None


def format_pointer(kept: Alert, was: Alert | None, *, link: str | None) -> str:
    """What an alert becomes when its story turned out to be one the chat was already alerted to: "same story
    as" the earlier alert (a link to that message where Telegram has one), its title, and what this message
    said before (source · time: title). Feed text is escaped and isolated like an alert's."""
    target = f'<a href="{_escape(link)}">an earlier alert</a>' if link else "an earlier alert"
    title = _escape(isolate(_cut(" ".join(kept.title.split()) or "(untitled)", TITLE_UNITS)))
    lines = [f"{POINTER_MARKER} Same story as {target}: <b>{title}</b>"]
    if was is not None:
        when = publication_time(was.published, was.published_day_only)
        source = isolate(_cut(was.source.strip() or "?", SOURCE_UNITS))
        was_title = isolate(_cut(" ".join(was.title.split()) or "(untitled)", TITLE_UNITS))
        lines.append(_escape(f"{source} · {when}: {was_title}"))
    return "\n".join(lines)


# a source's stories listed in a digest before every other source has its share listed too (then severity
# alone decides): a flood of P1 stories from one feed leaves room for the others' stories
DIGEST_SOURCE_SHARE = 5


def digest_order(stories: Sequence[DigestStory]) -> list[DigestStory]:
    """The digest's rows in the order they earn a line when not all fit: the most severe (then the most
    reported) first, but each source's first DIGEST_SOURCE_SHARE stories before any source's further ones.
    A story listed under two entities counts once in its source's share."""
    by_severity = sorted(stories, key=_severity_order)
    turns: dict[int, int] = {}  # story → its place among its source's stories
    taken: dict[int, int] = {}
    for story in by_severity:
        if story.story_id not in turns:
            taken[story.source] = taken.get(story.source, 0) + 1
            turns[story.story_id] = taken[story.source]
    return sorted(by_severity, key=lambda s: turns[s.story_id] > DIGEST_SOURCE_SHARE)


def _severity_order(story: DigestStory) -> tuple[int, int, int]:
    return (severity_rank(story.severity), -story.sources, story.story_id)


def format_digest(
    stories: Sequence[DigestStory], name_of: Callable[[str], str], since: datetime, until: datetime
) -> str:
    """The daily digest as Telegram HTML: the stories since the last digest grouped by entity (the group with
    the most severe story first), each story a line with severity, linked title and its source count. When
    not all fit Telegram's 4096 characters, the lines kept are the first of digest_order (every source gets
    its share) and the last line says how many stories were left out."""
    total = len({story.story_id for story in stories})
    ranked = digest_order(stories)
    # the most lines that fit: a line more never makes the message shorter
    low, high = 0, len(ranked)
    while low < high:
        middle = (low + high + 1) // 2
        if fits(_digest_lines(ranked[:middle], stories, total, name_of, since, until)):
            low = middle
        else:
            high = middle - 1
    return fit(_digest_lines(ranked[:low], stories, total, name_of, since, until).split("\n"))


def _digest_lines(
    listed: Sequence[DigestStory],
    stories: Sequence[DigestStory],
    total: int,
    name_of: Callable[[str], str],
    since: datetime,
    until: datetime,
) -> str:
    groups: dict[str, list[DigestStory]] = {}
    for story in sorted(listed, key=_severity_order):
        groups.setdefault(story.entity_id, []).append(story)
    order = sorted(
        groups,
        key=lambda e: (
            min(severity_rank(s.severity) for s in groups[e]),
            name_of(e).casefold(),
        ),
    )
    under: dict[str, int] = {}  # stories under each entity, listed or not
    for story in stories:
        under[story.entity_id] = under.get(story.entity_id, 0) + 1
    window = f"{since.astimezone(UTC):%Y-%m-%d %H:%M} – {until.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    heading = ngettext("<b>Digest</b>: {n} story, {window}", "<b>Digest</b>: {n} stories, {window}", total)
    lines = [heading.format(n=total, window=_escape(window))]
    for entity_id in order:
        lines.append("")
        lines.append(
            ngettext("<b>{name}</b> — {n} story", "<b>{name}</b> — {n} stories", under[entity_id]).format(
                name=_escape(name_of(entity_id)), n=under[entity_id]
            )
        )
        for story in groups[entity_id]:
            marker = SEVERITY_MARKERS.get(story.severity or "", NO_SEVERITY_MARKER)
            level = f"{marker} {_escape(story.severity)} " if story.severity else f"{marker} "
            link = safe_link(story.link)
            title = _escape(isolate(_cut(" ".join(story.title.split()) or _("(untitled)"), 200)))
            heading = f'<a href="{_escape(link)}">{title}</a>' if link else title
            count = ngettext("{n} source", "{n} sources", story.sources).format(n=story.sources)
            lines.append(f"{level}{heading} ({count})")
    left_out = total - len({story.story_id for story in listed})
    if left_out:
        lines.append(ngettext("… and {n} more story", "… and {n} more stories", left_out).format(n=left_out))
    return "\n".join(lines)


__all__ = [
    "MAX_MESSAGE",
    "digest_order",
    "format_alert",
    "format_digest",
    "hashtag",
    "plain_text",
    "safe_link",
]
