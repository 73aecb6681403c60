"""How much of a feed borderwatch reads and keeps: the one place these limits are set.

The text caps bound what one item can cost everything downstream (the items table, the full-text index,
the classifier, story matching, alerts) whatever a feed sends: a feed is cut, never refused, for long text.
Every FeedEntry holds to them, whichever reader built it (feeds.model).
The parse limits bound what one document can cost the XML parser: a document beyond them is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

# Characters kept of an entry's text (after markup is removed). A title is a line; a summary is a few
# paragraphs (the alert shows 600 characters of it). 20,000 characters are at most 80 KB of UTF-8, far
# below PostgreSQL's 1 MB limit on one row's tsvector, so the full-text index can always hold an item.
MAX_TITLE_CHARS = 1_000
MAX_SUMMARY_CHARS = 20_000
# A feed's own <title> names the source; the feeds table keeps 500 characters.
MAX_FEED_TITLE_CHARS = 500
# A feed's URL (the feeds table keeps 2,048 characters, as /addfeed accepts), as url_length counts it.
MAX_FEED_URL_CHARS = 2_048
# A guid or a link longer than this is not an identifier anyone uses: a guid is cut (it still identifies
# the entry), a link is dropped (a cut URL points somewhere else).
MAX_GUID_CHARS = 2_000
MAX_LINK_CHARS = 4_000

# Items read of one feed document: the newest this many. Every new item is compared with the others of its
# poll when stories are formed, so one document's cost grows with the square of its length (50,000 entries
# held the ingest and the bot for minutes); real feeds carry tens, archives a few hundred.
MAX_ITEMS_PER_DOCUMENT = 500

# An entry dated before this has no real date: 0001-01-01 is .NET's empty date and 1970-01-01 the Unix one,
# as broken feeds write them. It counts as undated (published when first seen). Year 1 also broke the story
# windows around it (a date minus a day is before year 1): every poll of the feed failed, nothing stored.
EARLIEST_PUBLISHED = datetime(1970, 1, 2, tzinfo=UTC)

# A feed's error as stored and shown to admins (a URL, a server's reason phrase, a parser's complaint).
MAX_ERROR_CHARS = 1_000

ELLIPSIS = "\u2026"

# A feed whose last fetch took this long or ran out of time fetches in the fetcher's slow lane, which holds at
# most a quarter of the global fetch slots (at least one), so feeds that drip bytes or answer slowly can
# never take the last free slots from the healthy ones.
SLOW_FETCH_SECONDS = 5.0
SLOW_FETCH_SHARE = 0.25

# A server's lower bound on the next poll (Retry-After, max-age, Expires, <ttl>) is honoured up to this much,
# so a hostile or mistaken header cannot park a feed for days (feeds.schedule; the longest backoff too).
MAX_SERVER_DELAY_SECONDS = 6 * 3600

# After a parse ran out of time, the feed is not polled again for this long (a hostile or broken feed).
PARSE_TIMEOUT_BACKOFF_SECONDS = 900.0


@dataclass(frozen=True, slots=True)
class ParseLimits:
    """What one feed document may cost the parser.

    `max_attributes` per element and `max_depth` of nested elements are checked by a linear pre-scan
    before feedparser's XML parser reads the document (its attribute handling is quadratic: one element
    with 130,000 attributes takes minutes). `timeout_seconds` plus `timeout_seconds_per_mib` of the body
    is the deadline of one parse in a worker process, for whatever else may be slow. A feed whose last
    parse took `slow_seconds` or more (or ran out of time) is parsed in the slow lane: such parses never
    take the last free worker process, so a few feeds that keep parsing close to the deadline cannot make
    every other feed wait for them.
    """

    max_attributes: int = 100
    max_depth: int = 256
    timeout_seconds: float = 20.0
    timeout_seconds_per_mib: float = 3.0
    slow_seconds: float = 5.0

    def deadline(self, body_bytes: int) -> float:
        """Seconds a parse of a body of `body_bytes` may take (a 10 MiB feed parses in about 7 s)."""
        return self.timeout_seconds + self.timeout_seconds_per_mib * body_bytes / 2**20


def clip_text(text: str, limit: int) -> str:
    """`text` if it has at most `limit` characters, else cut to `limit` ending with an ellipsis (at a word
    boundary when one is near)."""
    if len(text) <= limit:
        return text
    kept = text[: max(0, limit - 1)]
    space = kept.rfind(" ")
    if space > limit * 0.9:
        kept = kept[:space]
    return kept.rstrip() + ELLIPSIS[:limit]


def url_length(url: str) -> int:
    """A URL's length as it is sent, each byte of a non-ASCII character written %XX: what MAX_FEED_URL_CHARS
    bounds. Counted as typed, 2,000 CJK characters passed, 6 KB that PostgreSQL cannot hold in the unique
    index of feed URLs (2,704 bytes an entry): the feed, or a whole feed list with it, could not be added."""
    return sum(1 if ord(ch) < 0x80 else 3 * len(ch.encode("utf-8", "surrogatepass")) for ch in url)
