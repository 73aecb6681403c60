"""Public Telegram channels, read from their web preview (`{BORDERWATCH_TELEGRAM_WEB_URL}/s/<channel>`).

The preview shows the latest posts (about 20), oldest first, as `tgme_widget_message` widgets: `data-post`
holds "<channel>/<id>", the text is in `tgme_widget_message_text`, the time in `<time datetime>` of the date
link. Each post becomes an entry whose link (and identity) is `https://t.me/<channel>/<id>`. Older posts are
read from `/s/<channel>?before=<id>`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from selectolax.lexbor import LexborNode

from feeds.errors import ParseError
from feeds.fetch import FetchResponse
from feeds.headline import split_headline
from feeds.htmltext import element_text, parse_html, text_lines
from feeds.lanes import Slowness
from feeds.model import FeedEntry, ParsedFeed
from feeds.normalize import in_utc, normalize_text
from storage.errors import BorderwatchError

if TYPE_CHECKING:
    from feeds.parse import ParserPool

__all__ = [
    "ChannelAddressError",
    "ChannelPage",
    "ChannelReading",
    "channel_feed_url",
    "channel_name",
    "post_link",
    "preview_url",
    "read_channel",
]

MAX_POSTS = 100
# 18 digits: below 2**63, the database's largest integer
_MAX_POST_ID_DIGITS = 18
# Telegram usernames: a letter, then letters, digits and underscores, 4 to 32 characters in all
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_HOSTS = frozenset({"t.me", "www.t.me", "telegram.me", "www.telegram.me", "telegram.dog"})
# first path segments of t.me addresses that are not channels
_NOT_CHANNELS = frozenset(
    [
        "s",
        "c",
        "joinchat",
        "addstickers",
        "addemoji",
        "addtheme",
        "addlist",
        "share",
        "proxy",
        "socks",
        "iv",
        "login",
        "setlanguage",
        "bg",
        "invoice",
        "contact",
        "boost",
        "m",
        "nft",
        "confirmphone",
    ]
)


class ChannelAddressError(BorderwatchError):
    """A Telegram address that cannot be read as a public channel (an invite link, a private chat)."""


def channel_name(text: str) -> str | None:
    """The public channel that `text` names, lower-cased; None when it is not a Telegram address at all.

    Accepts https://t.me/<channel>, https://t.me/s/<channel> (also a post's address, telegram.me, without a
    scheme), tg:<channel>, tg://resolve?domain=<channel> and @<channel>. Raises ChannelAddressError for a
    Telegram address that names no public channel (invite links, private-chat links, bad usernames).
    """
    value = text.strip()
    if value.startswith("@"):
        return _username(value[1:], text)
    lowered = value.lower()
    if lowered.startswith("tg:"):
        rest = value[3:]
        if rest.startswith("//"):
            domain = parse_qs(urlsplit(value).query).get("domain", [""])[0]
            return _username(domain, text)
        return _username(rest, text)
    if "://" not in value:
        if not lowered.startswith(tuple(f"{host}/" for host in _HOSTS)):
            return None
        value = "https://" + value
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or (parts.hostname or "") not in _HOSTS:
        return None
    segments = [segment for segment in parts.path.split("/") if segment]
    if segments and segments[0] == "s":
        segments = segments[1:]
    if not segments:
        raise ChannelAddressError(f"{text}: names no channel (use https://t.me/<channel>)")
    first = segments[0]
    if first.startswith("+") or first.lower() in _NOT_CHANNELS:
        raise ChannelAddressError(
            f"{text}: not a public channel's address (invite and private links have no public preview)"
        )
    return _username(first, text)


def _username(candidate: str, text: str) -> str:
    if not _USERNAME.fullmatch(candidate):
        raise ChannelAddressError(
            f"{text}: {candidate!r} is not a Telegram channel username (4 to 32 letters, digits and _)"
        )
    return candidate.lower()


def channel_feed_url(channel: str) -> str:
    """The stored address of a channel feed: https://t.me/s/<channel> (whatever the preview host is)."""
    return f"https://t.me/s/{channel.lower()}"


def preview_url(web_url: str, channel: str, before: int | None = None) -> str:
    """Where the channel's preview is read: {web_url}/s/<channel>, with ?before=<id> for older posts."""
    url = f"{web_url.rstrip('/')}/s/{channel}"
    return f"{url}?before={before}" if before is not None else url


def post_link(channel: str, post_id: int) -> str:
    """A post's public address, which is also its identity: https://t.me/<channel>/<id>."""
    return f"https://t.me/{channel.lower()}/{post_id}"


# -------------------------------------------------------------------------------------------- one page


class ChannelPage:
    """One preview page, parsed: its message ids are read at once, the posts' text only when asked."""

    def __init__(self, body: bytes, headers: Mapping[str, str], channel: str, url: str) -> None:
        """Raises ParseError when the page is no channel preview (the channel does not exist, is not public,
        or has its preview turned off: Telegram then shows its contact page)."""
        self._tree = parse_html(body, headers)
        self.channel = channel
        self._widgets: list[tuple[int, LexborNode]] = []
        for widget in self._tree.css(".tgme_widget_message[data-post]"):
            owner, _, number = (widget.attributes.get("data-post") or "").rpartition("/")
            post_id = _post_number(number)
            if owner.lower() == channel.lower() and post_id is not None:
                self._widgets.append((post_id, widget))
        # a real page shows about 20; a hostile one with thousands costs only its newest MAX_POSTS
        self._widgets = self._widgets[-MAX_POSTS:]
        if not self._widgets and self._tree.css_first(".tgme_channel_history, .tgme_channel_info") is None:
            raise ParseError(
                f"{url}: no public preview of @{channel} (not a public channel, or its preview is turned off)"
            )
        title_node = self._tree.css_first(".tgme_channel_info_header_title")
        title = element_text(title_node) if title_node is not None else ""
        if not title:
            meta = self._tree.css_first('meta[property="og:title"]')
            title = normalize_text(meta.attributes.get("content") or "") if meta is not None else ""
        self.title = title or None
        more = self._tree.css_first(".tme_messages_more[data-before]")
        self.before = _post_number((more.attributes.get("data-before") or "") if more is not None else "")

    @property
    def ids(self) -> list[int]:
        """The message ids on the page (service messages included)."""
        return [number for number, _ in self._widgets]

    def entries(self, language: str | None) -> list[tuple[int, FeedEntry]]:
        """(id, entry) of every post on the page; service messages ("channel photo updated", "pinned a
        message") are left out."""
        found: list[tuple[int, FeedEntry]] = []
        for number, widget in self._widgets:
            if _is_service(widget):
                continue
            entry = _post_entry(widget, self.channel, number, language)
            if entry is not None:
                found.append((number, entry))
        return found


def _post_number(text: str) -> int | None:
    """A post id as a page writes it; None when it is none: not digits, or more digits than a post id has
    (Telegram counts a channel's posts from 1; a longer number would not fit the stored last post id, and
    more than 4,300 digits is more than int() reads)."""
    if text.isascii() and text.isdigit() and len(text) <= _MAX_POST_ID_DIGITS:
        return int(text)
    return None


def _is_service(widget: LexborNode) -> bool:
    classes = (widget.attributes.get("class") or "").split()
    return "service_message" in classes or widget.css_first(".tgme_widget_message_service_text") is not None


def _outside(node: LexborNode, widget: LexborNode, excluded: tuple[str, ...]) -> bool:
    """Whether no element between `node` and `widget` has one of the `excluded` classes."""
    current: LexborNode | None = node
    while current is not None and current.mem_id != widget.mem_id:
        classes = (current.attributes.get("class") or "").split()
        if any(name in classes for name in excluded):
            return False
        current = current.parent
    return True


# parts of a post that quote something else: a replied-to message, a link's preview
_QUOTED = ("tgme_widget_message_reply", "js-message_reply_text", "tgme_widget_message_link_preview")


def _own(widget: LexborNode, selector: str) -> list[LexborNode]:
    return [node for node in widget.css(selector) if _outside(node, widget, _QUOTED)]


def _post_entry(widget: LexborNode, channel: str, number: int, language: str | None) -> FeedEntry | None:
    texts = _own(widget, ".tgme_widget_message_text")
    # captions can be nested in the text block: the outermost holds them all
    outer = [node for node in texts if not any(_contains(other, node) for other in texts)]
    lines = [line for node in outer for line in text_lines(node)]
    title, rest = split_headline("\n".join(lines))
    media = _media(widget)
    preview = _link_preview(widget)
    if preview and preview[1] and _is_bare_link(title):  # a post that is only a link: its page's title
        title, rest = preview[1], " ".join(part for part in (title, rest) if part)
    if not title:
        title = _capitalised(", ".join(media)) if media else (preview[1] if preview else "")
        media = []
        if not title:
            title = "Post without text"
    summary_parts = [_forwarded(widget), rest, _poll_options(widget)]
    if media:
        summary_parts.append(f"Attached: {', '.join(media)}.")
    if preview:
        summary_parts.append(preview[0])
    return FeedEntry(
        guid=post_link(channel, number),
        link=post_link(channel, number),
        title=title,
        summary=" ".join(part for part in summary_parts if part),
        language=language,
        published=_post_time(widget),
    )


def _is_bare_link(text: str) -> bool:
    return text.lower().startswith(("http://", "https://")) and " " not in text


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _contains(outer: LexborNode, inner: LexborNode) -> bool:
    current = inner.parent
    while current is not None:
        if current.mem_id == outer.mem_id:
            return True
        current = current.parent
    return False


def _forwarded(widget: LexborNode) -> str:
    name = widget.css_first(".tgme_widget_message_forwarded_from_name")
    if name is None:
        return ""
    origin = element_text(name)
    author = widget.css_first(".tgme_widget_message_forwarded_from_author")
    if author is not None and element_text(author):
        origin = f"{origin} ({element_text(author)})"
    return f"Forwarded from {origin}." if origin else "Forwarded."


def _media(widget: LexborNode) -> list[str]:
    """Short descriptions of what the post carries besides text: photos, videos, a poll, documents…"""
    found: list[str] = []
    photos = len(_own(widget, ".tgme_widget_message_photo_wrap"))
    if photos:
        found.append("photo" if photos == 1 else f"{photos} photos")
    videos = _own(widget, ".tgme_widget_message_video_player")
    gifs = [video for video in videos if video.css_first(".message_video_play") is None]
    if len(videos) > len(gifs):
        count = len(videos) - len(gifs)
        found.append("video" if count == 1 else f"{count} videos")
    if gifs:
        found.append("GIF")
    if _own(widget, ".tgme_widget_message_roundvideo_player, .tgme_widget_message_roundvideo"):
        found.append("video message")
    if _own(widget, ".tgme_widget_message_voice"):
        found.append("voice message")
    for document in _own(widget, ".tgme_widget_message_document_wrap"):
        name_node = document.css_first(".tgme_widget_message_document_title")
        name = element_text(name_node) if name_node is not None else ""
        kind = "audio" if document.css_first(".audio") is not None else "document"
        found.append(f"{kind} {name}".strip() if name else kind)
    poll = widget.css_first(".tgme_widget_message_poll_question")
    if poll is not None:
        found.append(f"poll: {element_text(poll)}".rstrip(": "))
    if _own(widget, ".tgme_widget_message_location_wrap, .tgme_widget_message_location"):
        found.append("location")
    contact = widget.css_first(".tgme_widget_message_contact_name")
    if contact is not None:
        found.append(f"contact {element_text(contact)}".strip())
    if _own(
        widget,
        ".tgme_widget_message_sticker, .tgme_widget_message_tgsticker, .tgme_widget_message_videosticker",
    ):
        found.append("sticker")
    if not found and widget.css_first(".message_media_not_supported") is not None:
        found.append("a post that Telegram shows only in its app")
    return found


def _poll_options(widget: LexborNode) -> str:
    options = [element_text(node) for node in widget.css(".tgme_widget_message_poll_option_text")]
    options = [option for option in options if option]
    return f"Options: {'; '.join(options)}." if options else ""


def _link_preview(widget: LexborNode) -> tuple[str, str] | None:
    """(a sentence describing the linked page, the linked page's title) of the post's link preview."""
    preview = widget.css_first(".tgme_widget_message_link_preview")
    if preview is None:
        return None
    parts = {
        name: element_text(node) if (node := preview.css_first(f".link_preview_{name}")) is not None else ""
        for name in ("site_name", "title", "description")
    }
    if not any(parts.values()):
        return None
    head = " — ".join(part for part in (parts["site_name"], parts["title"]) if part)
    sentence = f"Link: {head}." if head else "Link."
    if parts["description"]:
        sentence = f"{sentence} {parts['description']}"
    return sentence, parts["title"] or parts["site_name"]


def _post_time(widget: LexborNode) -> datetime | None:
    node = widget.css_first(".tgme_widget_message_date time[datetime]")
    if node is None:
        candidates = [time for time in _own(widget, "time[datetime]")]
        node = candidates[-1] if candidates else None
    value = (node.attributes.get("datetime") or "").strip() if node is not None else ""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return in_utc(parsed)


# -------------------------------------------------------------------------------------------- a poll


@dataclass(frozen=True, slots=True)
class ChannelReading:
    """One poll of a channel: the first page's response, the posts (None when the newest post is the one
    seen last time, so nothing was read), the newest post id, and how many pages were fetched."""

    response: FetchResponse
    feed: ParsedFeed | None
    newest_id: int | None
    pages: int


FetchPage = Callable[[str], Awaitable[FetchResponse]]


@dataclass(frozen=True, slots=True)
class PagePosts:
    """What one preview page gives (it pickles: pages are read in parser processes)."""

    ids: list[int]
    before: int | None
    title: str | None
    entries: tuple[tuple[int, FeedEntry], ...]  # empty when the page brought nothing new


def read_page(
    body: bytes,
    headers: Mapping[str, str],
    channel: str,
    url: str,
    language: str | None,
    last_post_id: int | None,
) -> PagePosts:
    """A preview page's ids, link to older posts, title, and its posts unless its newest is `last_post_id`
    or older (their text is then not read). Raises ParseError as ChannelPage does."""
    page = ChannelPage(body, headers, channel, url)
    ids = page.ids
    seen = bool(ids) and last_post_id is not None and max(ids) <= last_post_id
    return PagePosts(ids, page.before, page.title, () if seen else tuple(page.entries(language)))


async def read_channel(
    fetch_page: FetchPage,
    parser: ParserPool,
    *,
    web_url: str,
    channel: str,
    last_post_id: int | None,
    max_pages: int,
    language: str | None = None,
    slowness: Slowness | None = None,
) -> ChannelReading:
    """Read a channel's new posts: the latest page; when its newest post id equals `last_post_id`, nothing
    more (its posts are not read). When the page does not reach back to `last_post_id`, older pages are read
    with ?before=<id>, at most `max_pages` pages in all. Entries come newest first.

    `fetch_page(url)` fetches one preview page (pacing is its business); pages are parsed by `parser`'s
    processes, each within the parse deadline, in the slow lane when `slowness.parse` says so (see
    ParserPool.run). Raises FetchError or ParseError.
    """

    async def parse(response: FetchResponse, known: int | None) -> PagePosts:
        return await parser.run(
            first_page,
            read_page,
            response.body,
            dict(response.headers),
            channel,
            response.url,
            language,
            known,
            slowness=slowness,
        )

    first_page = preview_url(web_url, channel)  # the channel's pages are remembered under it
    response = await fetch_page(first_page)
    page = await parse(response, last_post_id)
    ids = page.ids
    newest = max(ids) if ids else None
    if newest is not None and last_post_id is not None and newest <= last_post_id:
        return ChannelReading(response, None, last_post_id, 1)
    pages = [page]
    while last_post_id is not None and len(pages) < max_pages:
        oldest = min(pages[-1].ids, default=None)
        if oldest is None or oldest <= last_post_id + 1:
            break
        older = await fetch_page(preview_url(web_url, channel, pages[-1].before or oldest))
        older_page = await parse(older, None)
        if not older_page.ids or min(older_page.ids) >= oldest:  # no progress: the end of the channel
            break
        pages.append(older_page)
    posts: dict[int, FeedEntry] = {}
    for one in pages:
        for number, entry in one.entries:
            posts.setdefault(number, entry)
    entries = tuple(posts[number] for number in sorted(posts, reverse=True))
    feed = ParsedFeed(title=page.title, language=language, ttl_seconds=None, entries=entries)
    return ChannelReading(response, feed, newest, len(pages))
