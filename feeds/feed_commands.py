"""The feed commands of the CLI: `poll --once [--json]`, `feeds import|export|list`, first-start seeding."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC
from pathlib import Path

from feeds.guard import AddressPolicy, refused_urls
from feeds.ingest import Classify, PollResult
from feeds.liveness import ProcessLiveness
from feeds.model import Classification
from feeds.opml import OpmlFeed, read_opml, write_opml
from feeds.progress import Progress, progress_bar
from feeds.service import IngestService, PollReport
from feeds.store import StoredItem
from storage.clock import system_clock
from storage.db import Database
from storage.errors import BorderwatchError, InvalidSetting
from storage.feeds import FeedRecord, NewFeed, add_feeds, count_feeds, feed_lease_owners
from storage.feeds import list_feeds as stored_feeds
from storage.migrate import upgrade
from storage.settings import Settings

log = logging.getLogger(__name__)

ClassifierFactory = Callable[[Database, Settings], Awaitable[Classify]]


async def _migrated_database(settings: Settings) -> Database:
    await upgrade(settings.database_url)
    return Database(settings.database_url)


async def add_opml_feeds(
    db: Database, feeds: list[OpmlFeed], settings: Settings, progress: Progress | None = None
) -> int:
    """Add the feeds not yet known (by URL); returns how many were added. New feeds are due at once.

    `progress` (when given) is told of each feed done."""
    outcomes = await add_feeds(
        db,
        [
            NewFeed(
                feed.url,
                feed.title,
                feed.language,
                feed.user_agent,
                feed.kind,
                dict(feed.selectors) if feed.selectors else None,
            )
            for feed in feeds
        ],
        now=system_clock(),
        interval_seconds=settings.poll_interval,
        progress=(lambda: _advance(progress)) if progress is not None else None,
    )
    return sum(outcome == "added" for _record, outcome in outcomes)


def _advance(progress: Progress) -> None:
    progress.update(1)


async def seed_feeds_if_empty(db: Database, settings: Settings) -> int:
    """Load BORDERWATCH_FEEDS (OPML) when the feeds table is empty; returns how many feeds were added.

    With an empty table, a file that does not exist, cannot be read or is no OPML raises InvalidSetting
    naming it (an OPML file without outlines is an empty list); a filled table never reads the file.
    """
    if await count_feeds(db) > 0:
        return 0
    path = Path(settings.feeds)
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except FileNotFoundError:
        raise InvalidSetting(f"BORDERWATCH_FEEDS: {path} does not exist") from None
    except IsADirectoryError:
        raise InvalidSetting(f"BORDERWATCH_FEEDS: {path} is not a file") from None
    except OSError as exc:
        raise InvalidSetting(f"BORDERWATCH_FEEDS: {path} cannot be read: {exc.strerror or exc}") from None
    try:
        feeds = read_opml(data, source=f"BORDERWATCH_FEEDS ({path})")
    except BorderwatchError as exc:
        raise InvalidSetting(str(exc)) from None
    added = await add_opml_feeds(db, feeds, settings)
    log.info("loaded %d feeds from %s", added, path)
    return added


def _no_tags(title: str, summary: str, language: str | None) -> Classification:
    return Classification()


async def default_classifier(db: Database, settings: Settings) -> Classify:
    """The classifier of the gazetteer in force (YAML seeded into the database, plus chat changes).

    When the gazetteer cannot be loaded the error is logged and items are stored untagged, so ingestion
    (and `poll --once`) still runs.
    """
    try:
        from feeds.gazetteer import load_gazetteer

        gazetteer = await load_gazetteer(db, settings)
    except (ImportError, BorderwatchError) as exc:
        log.error("no classifier (%s): items are stored without tags", exc)
        return _no_tags
    classify: Classify = gazetteer.classifier.classify
    return classify


def _item_line(result: PollResult, item: StoredItem) -> str:
    tags = " ".join(f"#{entity}" for entity in item.entity_ids)
    severity = item.severity or "--"
    link = f" <{item.link}>" if item.link else ""
    when = item.published.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"[{severity}] {when} {result.source}: {item.title}{link}" + (f" {tags}" if tags else "")


def _item_json(result: PollResult, item: StoredItem) -> str:
    return json.dumps(
        {
            "feed": result.source,
            "feed_url": result.feed.url,
            "title": item.title,
            "link": item.link,
            "published": item.published.astimezone(UTC).isoformat(),
            "entities": list(item.entity_ids),
            "severity": item.severity,
        },
        ensure_ascii=False,
    )


async def poll_once(
    settings: Settings, as_json: bool, *, classifier_factory: ClassifierFactory = default_classifier
) -> int:
    """`borderwatch poll --once [--json]`: migrate, seed, poll every enabled feed once whatever its schedule.

    Prints each new item with its tags (JSON: one object per line); each feed error is one line on stderr
    naming the URL. Returns 0 unless nothing could run (an unreachable database raises DatabaseUnavailable).
    """
    # this command prints one stderr line per feed error itself; per-request and per-failure logs would repeat
    for name in ("httpx", "feeds.ingest"):
        if logging.getLogger(name).getEffectiveLevel() > logging.DEBUG:
            logging.getLogger(name).setLevel(logging.WARNING)
    db = await _migrated_database(settings)
    try:
        await seed_feeds_if_empty(db, settings)
        classify = await classifier_factory(db, settings)
        enabled = await stored_feeds(db, enabled_only=True)
        with progress_bar(len(enabled), "poll", "feeds") as progress:

            def polled(_result: PollResult) -> None:
                progress.update(1)

            # a killed poll's feeds are taken up by the next process at once (feeds.liveness)
            liveness = ProcessLiveness(db, "poll")
            await liveness.start()
            try:
                async with IngestService(
                    db, settings, classify, on_result=polled, liveness=liveness
                ) as service:
                    report = await service.poll_all_once()
            finally:
                await liveness.stop()
            skipped = await _why_not_polled(db, enabled, report)
    finally:
        await db.dispose()
    for result, item in report.new_items:
        print(_item_json(result, item) if as_json else _item_line(result, item))
    for result in report.errors:
        print(f"borderwatch: feed error: {result.error}", file=sys.stderr)
    for url, reason in skipped:
        print(f"borderwatch: feed not polled: {url}: {reason}", file=sys.stderr)
    sys.stdout.flush()
    return 0


async def _why_not_polled(
    db: Database, enabled: list[FeedRecord], report: PollReport
) -> list[tuple[str, str]]:
    """The enabled feeds this round left out, each with what the database says of it: a lease held by a
    process that may be polling it now, or that stopped while it held the feed back after a refused store
    (so not "another process is polling it" for every one); a feed with no lease was polled by another
    process during the round, or its poll was not taken by the database (logged)."""
    done = {result.feed.id for result in report.results}
    left = [feed for feed in enabled if feed.id not in done]
    if not left:
        return []
    owners = await feed_lease_owners(db, [feed.id for feed in left])
    return [
        (
            feed.url,
            f"leased to {owner}"
            if (owner := owners.get(feed.id))
            else "polled by another borderwatch process during this round, or its poll was not stored",
        )
        for feed in left
    ]


async def import_feeds(settings: Settings, path: str) -> int:
    """`borderwatch feeds import FILE`: add the OPML file's feeds that are not known yet; a feed the fetcher
    would refuse (a private address, unless BORDERWATCH_ALLOW_PRIVATE_URLS) is refused, one stderr line
    each."""
    try:
        data = await asyncio.to_thread(Path(path).read_bytes)
    except OSError as exc:
        print(f"borderwatch: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    try:
        feeds = read_opml(data, source=path)
    except BorderwatchError as exc:
        print(f"borderwatch: {exc}", file=sys.stderr)
        return 1
    # what the fetcher would refuse on every poll (a private address …) is refused now, as /addfeed does
    refused = await refused_urls((feed.url for feed in feeds), AddressPolicy(settings.allow_private_urls))
    for url, reason in refused.items():
        print(f"borderwatch: refused {url}: {reason}", file=sys.stderr)
    feeds = [feed for feed in feeds if feed.url not in refused]
    db = await _migrated_database(settings)
    try:
        with progress_bar(len(feeds), "import", "feeds") as progress:
            added = await add_opml_feeds(db, feeds, settings, progress)
    finally:
        await db.dispose()
    also = f"; {len(refused)} refused" if refused else ""
    print(f"imported {added} new feeds ({len(feeds) - added} already known{also}) from {path}")
    return 0


async def export_feeds(settings: Settings) -> int:
    """`borderwatch feeds export`: print every feed as OPML with its kind, title, language, User-Agent and
    (statement pages) selectors."""
    db = await _migrated_database(settings)
    try:
        feeds = await stored_feeds(db)
    finally:
        await db.dispose()
    sys.stdout.write(write_opml(OpmlFeed.of(feed) for feed in feeds))
    return 0


async def list_feeds(settings: Settings) -> int:
    """`borderwatch feeds list`: one line per feed: id, kind, state, next poll, name, URL, last error."""
    db = await _migrated_database(settings)
    try:
        feeds = await stored_feeds(db)
    finally:
        await db.dispose()
    if not feeds:
        print("no feeds")
        return 0
    for feed in feeds:
        if not feed.enabled:
            state = "disabled"
        elif feed.consecutive_failures:
            state = f"failing x{feed.consecutive_failures}"
        elif feed.last_success_at is None:
            state = "new"
        else:
            state = "ok"
        when = feed.next_poll_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        line = f"{feed.id:>4}  {feed.kind:<8}  {state:<12} next {when}  {feed.name}  {feed.url}"
        if feed.last_error:
            line += f"  error: {feed.last_error}"
        print(line)
    return 0
