"""Command-line targets for the gazetteer: `borderwatch classify`, `eval`, `retag` and `entities list`."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from feeds.classify import Classifier
from feeds.gazetteer import Gazetteer, load_gazetteer, load_yaml_gazetteer
from storage.db import Database
from storage.errors import BorderwatchError, DatabaseUnavailable
from storage.settings import Settings

log = logging.getLogger(__name__)


def classify_line(classifier: Classifier, line: str) -> dict[str, Any]:
    """The output object for one input line: plain text, or JSON {"title", "summary"}; never raises.

    A line that is not valid JSON (or is JSON but not an object) is classified as plain text; an object whose
    title or summary is not a string gives {"error": ...}.
    """
    text = line.rstrip("\r\n")
    title, summary = text, ""
    if text.lstrip().startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            raw_title, raw_summary = parsed.get("title", ""), parsed.get("summary", "")
            if raw_title is None:
                raw_title = ""
            if raw_summary is None:
                raw_summary = ""
            if not isinstance(raw_title, str) or not isinstance(raw_summary, str):
                return {
                    "error": "title and summary must be strings",
                    "entities": [],
                    "severity": None,
                    "events": [],
                }
            title, summary = raw_title, raw_summary
    result = classifier.classify(title, summary)
    return {"entities": result.entity_ids, "severity": result.severity, "events": sorted(result.events)}


async def classify_stdin(
    settings: Settings, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """`borderwatch classify`: one JSON object per stdin line,
    {"entities": [sorted ids], "severity": "P1"…"P4" or null, "events": [sorted event types]}.

    Uses the YAML gazetteer only (no database).
    """
    source = stdin if stdin is not None else sys.stdin
    sink = stdout if stdout is not None else sys.stdout
    classifier = load_yaml_gazetteer(settings).classifier
    for line in source:
        sink.write(json.dumps(classify_line(classifier, line), ensure_ascii=False) + "\n")
        sink.flush()
    return 0


async def evaluate_file(
    settings: Settings, file: str, *, as_json: bool = False, show_failures: bool = False
) -> int:
    """`borderwatch eval FILE.jsonl`: recall, false hits and severity agreement per language, with the
    YAML gazetteer (no database). Prints a table (or one JSON object with --json); exit 0 once read."""
    from pathlib import Path

    from feeds.evaluate import evaluate, format_report, read_labelled, report_json

    items = read_labelled(Path(file))
    evaluation = evaluate(load_yaml_gazetteer(settings).classifier, items)
    if as_json:
        print(json.dumps(report_json(evaluation), ensure_ascii=False))
    else:
        for line in format_report(evaluation, show_failures=show_failures):
            print(line)
    return 0


async def retag(settings: Settings, since_days: float | None) -> int:
    """`borderwatch retag [--since DAYS]`: re-classify stored items (all, or fetched in the last DAYS).

    Uses the gazetteer in force, replaces entity rows and severity, and prints how many were re-tagged. An
    item stored without a language (before languages were detected) is read, and from now on stored and
    compared with other reports, in the language its feed declares, else the one it is written in, as
    ingestion reads a new item.
    """
    from feeds.language import item_language
    from feeds.normalize import language_tag
    from feeds.progress import progress_bar
    from feeds.store import tags_of
    from storage.migrate import upgrade
    from storage.tags import Retag, count_items_since, items_since, retag_items

    if since_days is not None and since_days < 0:
        raise BorderwatchError("retag: --since must be a number of days >= 0")
    await upgrade(settings.database_url)
    db = Database(settings.database_url)
    try:
        gazetteer = await load_gazetteer(db, settings)
        since = datetime.now(UTC) - timedelta(days=since_days) if since_days is not None else None
        count = detected = after_id = 0
        total = await count_items_since(db, since)
        with progress_bar(total, "retag", "items") as progress:
            while True:
                batch = await items_since(db, since, after_id=after_id, limit=500)
                retags = []
                for item in batch:  # classified between the read and the write, outside any transaction
                    language = item.language or item_language(
                        language_tag(item.feed_language), item.title, item.summary
                    )
                    classification = gazetteer.classifier.classify(item.title, item.summary, language)
                    found = language if item.language is None else None
                    detected += found is not None
                    retags.append(Retag(item.id, tags_of(classification), classification.severity, found))
                await retag_items(db, retags)
                if not batch:
                    break
                count += len(batch)
                after_id = batch[-1].id
                progress.update(len(batch))
        print(f"retagged {count} items with {len(gazetteer.entities)} entities")
        if detected:
            print(f"read the language of {detected} items stored without one")
        return 0
    finally:
        await db.dispose()


def format_entities(gazetteer: Gazetteer) -> list[str]:
    """One line per entity: id, kind, display name, coordinates and alias count, tab-separated."""
    lines = []
    for entity, definition in zip(gazetteer.entities, gazetteer.definitions, strict=True):
        where = f"{entity.coordinates[0]:.3f},{entity.coordinates[1]:.3f}" if entity.coordinates else "-"
        lines.append(f"{entity.id}\t{entity.kind}\t{entity.name}\t{where}\t{len(definition.aliases)} aliases")
    return lines


async def list_entities(settings: Settings) -> int:
    """`borderwatch entities list`: the gazetteer in force (the database's, with chat-added entities; the YAML
    file's when the database cannot be reached, said on stderr)."""
    from storage.migrate import upgrade

    try:
        await upgrade(settings.database_url)
        db = Database(settings.database_url)
        try:
            gazetteer = await load_gazetteer(db, settings)
        finally:
            await db.dispose()
    except DatabaseUnavailable as exc:
        print(f"borderwatch: database unavailable ({exc}); showing {settings.entities}", file=sys.stderr)
        gazetteer = load_yaml_gazetteer(settings)
    for line in format_entities(gazetteer):
        print(line)
    return 0
