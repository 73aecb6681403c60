"""`borderwatch classify`, `entities list` and `retag`, run as a user runs them."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from feeds.entity_commands import list_entities, retag
from feeds.gazetteer import load_gazetteer, load_yaml_gazetteer
from feeds.model import FeedEntry, NewItem
from feeds.store import StoredItem, store_new_items
from storage import tags
from storage.db import Database
from storage.models import Feed, Item
from storage.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent


def run_cli(
    args: list[str], stdin: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BORDERWATCH_")}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def test_classify_reads_plain_and_json_lines_and_never_crashes(tmp_path: Path) -> None:
    lines = [
        "Azerbaijani artillery shelled Jermuk and Goris in Armenia",
        json.dumps({"title": "Laçın dəhlizi bağlandı", "summary": ""}, ensure_ascii=False),
        json.dumps({"title": "Новости", "summary": "Обстрел у озера Севлич"}, ensure_ascii=False),
        '{"title": "broken json',
        json.dumps({"title": 5}),
        "FK Qarabağ UEFA",
        "",
    ]
    # a database URL that cannot work proves classify does not need the database
    result = run_cli(
        ["classify", "--json"],
        "\n".join(lines) + "\n",
        {"BORDERWATCH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/missing/dir/none.db"},
    )
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    nothing = {"entities": [], "severity": None, "events": []}
    assert out[0] == {
        "entities": ["armaz_border", "goris", "jermuk"],
        "severity": "P1",
        "events": ["shelling"],
    }
    assert out[1] == {"entities": ["lachin_corridor"], "severity": "P2", "events": ["blockade"]}
    assert out[2] == {"entities": ["sev_lake"], "severity": "P1", "events": ["shelling"]}
    assert out[3] == nothing  # malformed JSON is plain text
    assert "error" in out[4] and out[4]["entities"] == []
    assert out[5] == nothing
    assert out[6] == nothing


def test_classify_reports_a_broken_gazetteer(tmp_path: Path) -> None:
    broken = tmp_path / "entities.yaml"
    broken.write_text("entities:\n  - {id: x, kind: city, aliases: {en: [x]}}\n", encoding="utf-8")
    result = run_cli(["classify"], "text\n", {"BORDERWATCH_ENTITIES": str(broken)})
    assert result.returncode != 0
    assert "entity 'x'" in result.stderr and "kind 'city'" in result.stderr


async def test_retag_rewrites_stored_tags(db: Database, capsys: object) -> None:
    now = datetime.now(UTC)
    async with db.transaction() as session:
        feed = Feed(url="http://127.0.0.1/feed", title="t")
        session.add(feed)
        await session.flush()
        for index, (title, fetched) in enumerate(
            [("Shelling near Sev Lake", now), ("Goris festival", now - timedelta(days=10))]
        ):
            session.add(
                Item(feed_id=feed.id, identity_key=f"k{index}", title=title, summary="", content_hash="h",
                     fetched_at=fetched)
            )  # fmt: skip
    settings = load_settings(database_url=db.url)
    assert await retag(settings, since_days=1) == 0
    async with db.transaction() as session:
        items = (await session.scalars(select(Item).order_by(Item.id))).all()
        assert await tags.item_entity_ids(db, items[0].id) == ["sev_lake"]
        assert items[0].severity == "P1"
        assert await tags.item_entity_ids(db, items[1].id) == []  # older than --since
    assert await retag(settings, since_days=None) == 0
    async with db.transaction() as session:
        items = (await session.scalars(select(Item).order_by(Item.id))).all()
        assert await tags.item_entity_ids(db, items[1].id) == ["goris"]
        assert items[1].severity == "P4"


async def test_entities_list_shows_the_gazetteer_in_force(db: Database, capsys) -> None:  # type: ignore[no-untyped-def]
    assert await list_entities(load_settings(database_url=db.url)) == 0
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("sev_lake\tplace\tSev Lake\t39.598,46.231\t") for line in out)
    assert len(out) == 36


async def _store(
    db: Database, feed: int, title: str, language: str | None, published: datetime
) -> StoredItem:
    """An item stored as ingestion stores it, in `language` (None: as before languages were detected)."""
    key = hashlib.sha256(f"{feed}{title}".encode()).hexdigest()
    link = f"https://a.test/{key[:8]}"
    classifier = load_yaml_gazetteer(load_settings()).classifier
    (stored,) = await store_new_items(
        db,
        feed,
        [NewItem(FeedEntry(link, link, title, "", language, published), key, key, published,
                 classifier.classify(title, "", language))],
        alert=False,
        now=published + timedelta(minutes=3),
    )  # fmt: skip
    return stored


async def test_retag_reads_the_language_of_items_stored_without_one(db: Database, capsys: object) -> None:
    await load_gazetteer(db, load_settings())
    async with db.transaction() as session:
        session.add_all(
            [
                Feed(url="https://feeds.test/undeclared", title="undeclared"),
                Feed(url="https://feeds.test/az", title="az", language="az"),
                Feed(url="https://feeds.test/ru", title="ru", language="ru"),
            ]
        )
    at = datetime.now(UTC) - timedelta(hours=2)
    # stored before languages were detected: a third country's reaction to a clash, from a feed declaring no
    # language, and an older post of a feed declaring Azerbaijani (its words alone read as English)
    condemns = "Turkey condemns Azerbaijani shelling near Sev Lake that wounded two Armenian soldiers"
    reaction = await _store(db, 1, condemns, None, at)
    declared = await _store(db, 2, "Sev Lake: 2 soldiers wounded", None, at - timedelta(days=5))
    assert await retag(load_settings(database_url=db.url), since_days=None) == 0
    async with db.transaction() as session:
        languages = dict((await session.execute(select(Item.id, Item.language))).all())
    # the language it is written in; the language its feed declares always wins
    assert languages == {reaction.id: "en", declared.id: "az"}
    # read in its language, the reaction is a reaction: the clash itself, reported in Russian an hour later,
    # is a story of its own (its own alert), not "also reported" under Turkey's condemnation
    event = await _store(
        db, 3, "Двое военнослужащих ранены при обстреле у озера Сев", "ru", at + timedelta(hours=1)
    )
    assert event.story_id != reaction.story_id
