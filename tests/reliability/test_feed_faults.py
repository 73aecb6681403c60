"""Every feed fault at once, beside 50 healthy feeds, under the real scheduler: healthy feeds stay on time,
memory stays bounded, and each fault shows as that feed's error (nothing else is touched).

Time in the database runs SPEED times faster than the wall clock, so a 10 s poll interval passes in 1 s
while fetch deadlines (hang, 1 byte/s drip) stay real.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import random
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from feeds.guard import AddressPolicy
from feeds.model import Classification, EntityMatch
from feeds.parse import ParserPool
from feeds.service import IngestService
from storage.chats import add_subscriptions
from storage.db import Database
from storage.feeds import add_feed, get_feed
from storage.models import ALL_ENTITIES, Delivery, Item
from storage.settings import Settings
from tests.feedserver import BILLION_LAUGHS, UTF7_ENTITY_BOMB, FeedServer, attribute_bomb, loopback_hosts
from tests.reliability.conftest import record

pytestmark = pytest.mark.reliability

SPEED = 10.0  # database seconds per wall-clock second
INTERVAL = 10  # seconds (database time) between polls of a healthy feed: 1 s of wall-clock time
WINDOW = 8.0  # wall-clock seconds the scheduler runs
HEALTHY = 50
SETTINGS = Settings(
    allow_private_urls=False,
    fetch_timeout=3,
    connect_timeout=1,
    poll_interval=INTERVAL,
    poll_max_interval=INTERVAL,
)
# the loopback test server is trusted; every other private address stays refused as in production
POLICY = AddressPolicy(trusted=(ipaddress.ip_network("127.0.0.0/8"),))
HOSTS = loopback_hosts(22)


class FastClock:
    """Database time: starts at `start` and runs SPEED times faster than time.monotonic()."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.t0 = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self.t0) * SPEED)


def tagger(title: str, summary: str, language: str | None) -> Classification:
    """The classifier interface, cheap: "Sev Lake" in a title is sev_lake."""
    if "Sev Lake" not in title:
        return Classification()
    start = title.index("Sev Lake")
    return Classification((EntityMatch("sev_lake", ((start, start + 8, "Sev Lake"),)),), "P2")


def recent_rss(title: str, guids: list[str], now: datetime) -> str:
    """An RSS document whose items were published just before `now` (so they may alert)."""
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>{title}</title>']
    for n, guid in enumerate(guids):
        date = format_datetime(now - timedelta(minutes=n + 1))
        parts.append(
            f"<item><guid>{guid}</guid><title>Shelling near Sev Lake, report {n}</title>"
            f"<link>http://example.com/{title}/{n}</link><description>report {n}</description>"
            f"<pubDate>{date}</pubDate></item>"
        )
    return "".join(parts) + "</channel></rss>\n"


# name → (resource options, what the feed's last_error must say)
FAULTS: dict[str, tuple[dict[str, object], str]] = {
    "timeout": ({"fault": "hang"}, "no complete response"),
    "drip": ({"fault": "drip", "drip_interval": 1.0}, "no complete response"),
    "5xx": ({"fault": "status", "status": 503}, "HTTP 503"),
    "500": ({"fault": "status", "status": 500}, "HTTP 500"),
    "429": ({"fault": "status", "status": 429, "headers": {"Retry-After": "600"}}, "HTTP 429"),
    "html": ({"fault": "html"}, "HTML"),
    "truncated": ({"fault": "truncated"}, "before the whole body arrived"),
    "huge": ({"fault": "huge"}, "exceeds"),
    "gzip_bomb": ({"fault": "gzip_bomb"}, "exceeds"),
    "redirect_loop": ({"fault": "redirect"}, "redirect"),
    "entity_bomb": ({"body": BILLION_LAUGHS}, "entit"),
    # served without a charset, so the XML declaration's UTF-7 is what feedparser reads
    "utf7_entity_bomb": (
        {"body": UTF7_ENTITY_BOMB, "content_type": "application/rss+xml"},
        "declares XML entities",
    ),
    "attribute_bomb": ({"body": attribute_bomb()}, "has more than 100 attributes"),
}


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    with FeedServer(HOSTS) as running:
        yield running


def _peak_rss_kib(pids: list[int]) -> int:
    """The largest VmHWM (peak resident set) among `pids`, in KiB."""
    peak = 0
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
    return peak


async def test_every_fault_at_once_beside_fifty_healthy_feeds(db: Database, server: FeedServer) -> None:
    clock = FastClock(datetime.now(UTC).replace(microsecond=0))
    tag = f"{db.dialect}-{id(db)}"
    truncated_body = recent_rss("truncated", [f"t{n}" for n in range(20)], clock.start)
    feed_ids: dict[str, int] = {}
    for n, (name, (options, _)) in enumerate(FAULTS.items()):
        opts = dict(options)
        body = opts.pop("body", truncated_body if name in ("truncated", "drip") else b"")
        path = f"/{tag}/fault-{name}.xml"
        url = server.add(path, body, host=HOSTS[4 + n], **opts)  # type: ignore[arg-type]
        feed_ids[name] = (await add_feed(db, url, now=clock.start))[0].id
    # bytes that are not UTF-8 in a document that says it is
    bad_encoding = (
        recent_rss("encoding", ["e1", "e2"], clock.start)
        .encode()
        .replace(b"report 0", b"report \xff\xfe\xc3\x28 0")
    )
    url = server.add(f"/{tag}/bad-encoding.xml", bad_encoding, host=HOSTS[18])
    feed_ids["bad_encoding"] = (await add_feed(db, url, now=clock.start))[0].id
    churn = recent_rss("churn", [f"churn-@GEN@-{n}" for n in range(5)], clock.start)
    url = server.add(f"/{tag}/churn.xml", churn, fault="churn", host=HOSTS[19])
    feed_ids["churn"] = (await add_feed(db, url, now=clock.start))[0].id
    healthy_paths = []
    healthy_ids = []
    for n in range(HEALTHY):
        path = f"/{tag}/healthy-{n}.xml"
        body = recent_rss(f"healthy{n}", [f"h{n}-{k}" for k in range(3)], clock.start)
        url = server.add(path, body, host=HOSTS[n % 4])
        healthy_paths.append(path)
        healthy_ids.append((await add_feed(db, url, now=clock.start, interval_seconds=INTERVAL))[0].id)
    await add_subscriptions(db, 77, "private", [ALL_ENTITIES])

    parser = ParserPool(workers=2)
    service = IngestService(
        db,
        SETTINGS,
        tagger,
        clock=clock,
        rng=random.Random(7),
        policy=POLICY,
        parser=parser,
        tick_seconds=0.1,
        lease_seconds=60,
    )
    tracemalloc.start()
    try:
        await service.start()
        await asyncio.sleep(WINDOW)
        await service.stop()
        _, peak_python = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await service.stop()
        worker_pids = parser.worker_pids()
        peak_parser_kib = _peak_rss_kib(worker_pids)
        await asyncio.to_thread(parser.close)

    # healthy feeds: polled on schedule, every poll fine
    # a feed is due `INTERVAL` after its previous poll ended, so a gap beyond the interval is that poll's own
    # duration plus the delay; the first gap also holds the cold start (parser processes, storing history)
    worst_delay = worst_steady = 0.0
    polls = []
    for path in healthy_paths:
        times = [r.at for r in server.requests(path)]
        polls.append(len(times))
        gaps = [b - a for a, b in itertools.pairwise(times)]
        worst_delay = max([worst_delay, *(gap - INTERVAL / SPEED for gap in gaps)])
        worst_steady = max([worst_steady, *(gap - INTERVAL / SPEED for gap in gaps[1:])])
    for feed_id in healthy_ids:
        feed = await get_feed(db, feed_id)
        assert feed is not None and feed.last_error is None and feed.consecutive_failures == 0
    expected_polls = int(WINDOW * SPEED / INTERVAL)
    # nobody starved behind a hung or dripping feed, which holds its slot up to the fetch timeout: after its
    # first poll (the cold start: parser processes, history), no healthy feed waited that long past its due
    # time. (A count of polls against the ideal would measure the machine's speed more than starvation.)
    assert worst_steady < SETTINGS.fetch_timeout, (worst_steady, polls)
    assert min(polls) >= expected_polls // 2, polls

    # every fault is its own feed's error, naming the URL
    errors: dict[str, str | None] = {}
    for name, feed_id in feed_ids.items():
        feed = await get_feed(db, feed_id)
        assert feed is not None
        errors[name] = feed.last_error
        if name in FAULTS:
            assert feed.last_error and feed.url in feed.last_error, (name, feed.last_error)
            assert FAULTS[name][1] in feed.last_error, (name, feed.last_error)
            assert feed.consecutive_failures >= 1 and feed.enabled, name
    retry_after = await get_feed(db, feed_ids["429"])
    assert retry_after is not None and len(server.requests(f"/{tag}/fault-429.xml")) == 1  # waits 600 s
    async with db.transaction() as session:
        # the document with broken bytes is still read (undecodable bytes dropped), not lost
        bad = await session.scalar(select(func.count()).where(Item.feed_id == feed_ids["bad_encoding"]))
        # churning guids: the same five stories, polled again and again, are not alerted again
        churn_polls = len(server.requests(f"/{tag}/churn.xml"))
        churn_alerts = await session.scalar(
            select(func.count())
            .select_from(Delivery)
            .join(Item, Item.id == Delivery.item_id)
            .where(Item.feed_id == feed_ids["churn"])
        )
    assert errors["bad_encoding"] is None and bad == 2
    assert churn_polls >= expected_polls // 2
    assert churn_alerts == 0, f"{churn_alerts} alerts from {churn_polls} polls of unchanged stories"

    peak_mib = peak_python / 2**20
    assert peak_mib < 100, f"peak Python memory {peak_mib:.1f} MiB"
    assert peak_parser_kib < 300 * 1024
    record(
        f"feed faults ({db.dialect})",
        f"{len(FAULTS) + 2} faulty + {HEALTHY} healthy feeds for {WINDOW:.0f} s wall ({WINDOW * SPEED:.0f} s "
        f"scheduled): healthy polls per feed {min(polls)}-{max(polls)} (expected {expected_polls}), "
        f"worst delay {worst_delay * 1000:.0f} ms wall ({worst_steady * 1000:.0f} ms after the first poll); "
        f"peak traced Python memory {peak_mib:.1f} MiB, "
        f"peak parser-worker RSS {peak_parser_kib / 1024:.0f} MiB; churn feed polled {churn_polls}× "
        f"with {churn_alerts} repeat alerts",
    )
