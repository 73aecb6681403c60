"""The `borderwatch` command line (see DESIGN.md): run, poll, classify, eval, retag, db, feeds, entities."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot.logs import configure_logging
from storage.errors import BorderwatchError, InvalidSetting
from storage.settings import Settings, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="borderwatch", description="Border news alerts for Telegram.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="migrate, then ingest feeds and run the bot")
    run.add_argument("--role", choices=["all", "ingest", "bot"], default="all")

    poll = commands.add_parser("poll", help="poll every enabled feed once")
    poll.add_argument("--once", action="store_true", required=True, help="one round, then exit")
    poll.add_argument("--json", action="store_true", help="one JSON object per new item")

    classify = commands.add_parser("classify", help="tag stdin lines with entities and severity")
    classify.add_argument("--json", action="store_true", help="JSON output (the default and only format)")

    retag = commands.add_parser("retag", help="re-tag stored items after gazetteer changes")
    retag.add_argument(
        "--since", type=float, default=None, metavar="DAYS", help="only items of the last DAYS"
    )

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply migrations")
    db_commands.add_parser(
        "prune", help="delete old fetch_log rows and finished alerts now (BORDERWATCH_*_DAYS retention)"
    )

    feeds = commands.add_parser("feeds", help="manage feeds offline")
    feed_commands = feeds.add_subparsers(dest="feeds_command", required=True, metavar="ACTION")
    feeds_import = feed_commands.add_parser("import", help="add the feeds of an OPML file")
    feeds_import.add_argument("file")
    feed_commands.add_parser("export", help="print the feeds as OPML")
    feed_commands.add_parser("list", help="list feeds with their status")

    evaluate = commands.add_parser(
        "eval", help="recall, false hits and severity agreement per language on a labelled JSONL file"
    )
    evaluate.add_argument("file", help="JSON Lines: title, summary, lang, must, must_not, severity_in")
    evaluate.add_argument("--json", action="store_true", help="one JSON object with the figures")
    evaluate.add_argument(
        "--failures", action="store_true", help="also list every item the classifier got wrong"
    )

    entities = commands.add_parser("entities", help="the gazetteer")
    entity_commands = entities.add_subparsers(dest="entities_command", required=True, metavar="ACTION")
    entity_commands.add_parser("list", help="the entities in force")
    return parser


async def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db":
        from storage.migrate import upgrade

        await upgrade(settings.database_url)
        if args.db_command == "prune":
            return await _prune(settings)
        print("database is up to date")
        return 0
    if args.command == "run":
        from bot.runtime import run

        return await run(settings, role=args.role)
    if args.command == "poll":
        from feeds.feed_commands import poll_once

        return await poll_once(settings, as_json=args.json)
    if args.command == "feeds":
        from feeds import feed_commands

        if args.feeds_command == "import":
            return await feed_commands.import_feeds(settings, args.file)
        if args.feeds_command == "export":
            return await feed_commands.export_feeds(settings)
        return await feed_commands.list_feeds(settings)
    if args.command == "classify":
        from feeds.entity_commands import classify_stdin

        return await classify_stdin(settings)
    if args.command == "retag":
        from feeds.entity_commands import retag

        return await retag(settings, since_days=args.since)
    if args.command == "eval":
        from feeds.entity_commands import evaluate_file

        return await evaluate_file(settings, args.file, as_json=args.json, show_failures=args.failures)
    if args.command == "entities":
        from feeds.entity_commands import list_entities

        return await list_entities(settings)
    raise AssertionError(f"unhandled command {args.command}")


async def _prune(settings: Settings) -> int:
    from bot.pruning import prune_now
    from storage.db import Database

    db = Database(settings.database_url)
    try:
        pruned = await prune_now(db, settings)
    finally:
        await db.dispose()
    print(
        f"pruned {pruned.fetch_log} fetch_log rows, {pruned.deliveries} alerts "
        f"and {pruned.delivery_updates} alert edits"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `borderwatch` console script; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except BorderwatchError as exc:
        print(f"borderwatch: {exc}", file=sys.stderr)
        return 2
    secrets = (settings.token,) if settings.token else ()
    configure_logging(settings.log_level, settings.log_format, secrets)
    try:
        return asyncio.run(_dispatch(args, settings))
    except InvalidSetting as exc:
        print(f"borderwatch: {exc}", file=sys.stderr)
        return 2
    except BorderwatchError as exc:
        print(f"borderwatch: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
