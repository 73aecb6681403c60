"""The gazetteer file: every rule kind, validation errors that name what is wrong, lookups, the database
merge."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from feeds.classify import Classifier
from feeds.definitions import AliasDef, GazetteerError, parse_entities, parse_severity
from feeds.gazetteer import Gazetteer, load_gazetteer, load_yaml_gazetteer, reload_if_changed
from storage.db import Database
from storage.gazetteer import changing_gazetteer, gazetteer_rows
from storage.settings import load_settings

SEVERITY = parse_severity({"levels": {"P1": {"en": ["shelling"]}}})


def classifier(*entities: dict[str, Any]) -> Classifier:
    return Classifier(parse_entities({"entities": list(entities)}), SEVERITY)


def ids(c: Classifier, text: str) -> list[str]:
    return c.classify(text).entity_ids


def test_default_gazetteer_loads_with_every_entity_of_the_research() -> None:
    gazetteer = load_yaml_gazetteer(load_settings())
    expected = {
        "armaz_border", "sev_lake", "ishkhanasar", "syunik", "zangezur", "zangezur_corridor", "tripp",
        "lachin_corridor", "lachin", "nakhchivan", "nagorno_karabakh", "stepanakert", "shusha", "kalbajar",
        "jermuk", "goris", "kapan", "vardenis", "sotk", "khoznavar", "gegharkunik", "tavush", "csto",
        "ru_peacekeepers", "euma", "osce_mg", "un", "pashinyan", "aliyev", "putin", "mirzoyan", "bayramov",
        "treaty_1997", "trilateral_2020", "washington_2025", "delimitation",
    }  # fmt: skip
    assert {entity.id for entity in gazetteer.entities} == expected
    sev = gazetteer.get("sev_lake")
    assert sev is not None and sev.name == "Sev Lake" and sev.coordinates == (39.598, 46.231)
    for definition in gazetteer.definitions:
        languages = {alias.language for alias in definition.aliases}
        assert {"en"} <= languages or "any" in languages, definition.id


def test_rule_with_entities_or_words() -> None:
    c = classifier(
        {"id": "lake", "kind": "place", "aliases": {"en": [{"text": "Black Lake", "with_entities": ["goris"],
                                                            "with_words": ["Verishen"]}]}},
        {"id": "goris", "kind": "place", "aliases": {"en": ["Goris"]}},
    )  # fmt: skip
    assert ids(c, "Swimming season opens at Black Lake") == []
    assert ids(c, "Troops near Black Lake above Goris") == ["goris", "lake"]
    assert ids(c, "Black Lake seen from Verishen") == ["lake"]


def test_rule_unless_near() -> None:
    c = classifier(
        {"id": "karabakh", "kind": "place",
         "aliases": {"az": [{"text": "Qarabağ", "unless_near": ["FK", "futbol*"], "window": 20}]}},
    )  # fmt: skip
    assert ids(c, "Qarabağda vəziyyət") == ["karabakh"]
    assert ids(c, "FK Qarabağ qalib gəldi") == []
    assert ids(c, "Qarabağ futbolçuları") == []
    assert ids(c, "Qarabağ " + "x" * 40 + " futbol") == ["karabakh"]


def test_rule_unless_next_cancels_only_the_name_the_word_continues() -> None:
    c = classifier(
        {
            "id": "karabakh",
            "kind": "place",
            "aliases": {"az": [{"text": "Qarabağ", "unless_next": ["Universitet*"]}]},
        }
    )
    assert ids(c, "Bu il Qarabağ Universiteti ilk tələbələrini qəbul etdi") == []
    assert ids(c, "Qarabağ Universitetində 1100 tələbə təhsil alır") == []
    # the land named again after the university's name, and the university farther from the name
    assert ids(c, "Qarabağ Universiteti Qarabağı dünyaya daha yaxından tanıdacaq") == ["karabakh"]
    assert ids(c, "Qarabağda yeni Universitet açılıb") == ["karabakh"]


def test_rule_given_name_is_not_the_place_before_a_surname() -> None:
    """An alias that is also a given name (Շուշան, Shushan) is a person before a capitalised surname."""
    c = classifier(
        {"id": "shusha", "kind": "place", "aliases": {"hy": [{"text": "Շուշա", "given_name": True}]}},
    )  # fmt: skip
    assert ids(c, "պաշտպանել է Շուշան հայկական զորքերից") == ["shusha"]
    assert ids(c, "ՊՆ խոսնակ Շուշան Ստեփանյանը հայտնել է") == []
    plain = classifier({"id": "shusha", "kind": "place", "aliases": {"hy": ["Շուշա"]}})
    assert ids(plain, "ՊՆ խոսնակ Շուշան Ստեփանյանը հայտնել է") == ["shusha"]


def test_rule_groups_need_one_alias_from_each() -> None:
    c = classifier(
        {"id": "border", "kind": "conflict", "groups": ["am", "az"],
         "aliases": {"en": [{"text": "Armenia", "group": "am"}, {"text": "Azerbaijan", "group": "az"}]}},
    )  # fmt: skip
    assert ids(c, "Armenia votes") == []
    assert ids(c, "Armenia and Azerbaijan talk") == ["border"]


def test_rule_case_sensitive_and_exact() -> None:
    c = classifier(
        {"id": "sotk", "kind": "place",
         "aliases": {"ru": [{"text": "Сотк", "case_sensitive": True, "inflect": False}]}},
        {"id": "un", "kind": "org", "aliases": {"en": [{"text": "UN", "case_sensitive": True}]}},
    )  # fmt: skip
    assert ids(c, "обстрел у села Сотк") == ["sotk"]
    assert ids(c, "Сотка упала в цене, сотка") == []
    assert ids(c, "UN envoy") == ["un"] and ids(c, "un peu") == []


@pytest.mark.parametrize(
    ("entity", "problem"),
    [
        ({"id": "Bad Id", "kind": "place", "aliases": {"en": ["x"]}}, "lowercase"),
        ({"id": "x", "kind": "city", "aliases": {"en": ["x"]}}, "kind 'city'"),
        ({"id": "x", "kind": "place", "aliases": {"fr": ["x"]}}, "unknown alias language 'fr'"),
        ({"id": "x", "kind": "place", "aliases": {"en": [{"text": "Goris", "colour": 1}]}}, "alias 'Goris'"),
        ({"id": "x", "kind": "place", "aliases": {"en": [{"text": "Goris", "window": 0}]}}, "window"),
        ({"id": "x", "kind": "place", "aliases": {"en": [{"text": "Goris", "with_entities": ["nowhere"]}]}},
         "unknown entity 'nowhere'"),
        ({"id": "x", "kind": "place", "aliases": {"en": [{"text": "A", "group": "g"}]}}, "group 'g'"),
        ({"id": "x", "kind": "place", "coordinates": [91, 0], "aliases": {"en": ["x"]}}, "out of range"),
        ({"id": "x", "kind": "place", "aliases": {}}, "no aliases"),
        ({"id": "x", "kind": "place", "aliases": {"en": ["..."]}}, "no letters"),
        ({"id": "x", "kind": "place", "aliases": {"hy": [{"text": "Շուշա", "given_name": "yes"}]}},
         "given_name must be true or false"),
        ({"id": "x", "kind": "place", "aliases": {"en": [{"text": "Zangezur", "range_name": "no"}]}},
         "range_name must be true or false"),
    ],
)  # fmt: skip
def test_validation_errors_name_entity_alias_and_problem(entity: dict[str, Any], problem: str) -> None:
    with pytest.raises(GazetteerError) as error:
        parse_entities({"entities": [entity]})
    assert problem in str(error.value)
    if entity["id"] == "x":
        assert "entity 'x'" in str(error.value)


def test_duplicate_ids_are_refused() -> None:
    entity = {"id": "x", "kind": "place", "aliases": {"en": ["x"]}}
    with pytest.raises(GazetteerError, match="defined twice"):
        parse_entities({"entities": [entity, entity]})


def test_severity_lexicon_validation() -> None:
    with pytest.raises(GazetteerError, match="unknown level 'P9'"):
        parse_severity({"levels": {"P9": {"en": ["x"]}}})
    with pytest.raises(GazetteerError, match="quote YAML words"):
        parse_severity({"levels": {}, "negations": {"en": [False]}})
    with pytest.raises(GazetteerError, match="event 'shelling': level 'P7'"):
        parse_severity({"events": {"shelling": {"level": "P7", "en": ["shelling"]}}})
    with pytest.raises(GazetteerError, match="unknown language 'xx'"):
        parse_severity({"events": {"shelling": {"level": "P1", "xx": ["shelling"]}}})
    with pytest.raises(GazetteerError, match="cancels unknown event 'nope'"):
        parse_severity({"events": {"freed": {"level": "P4", "cancels": ["nope"], "en": ["freed"]}}})
    with pytest.raises(GazetteerError, match="event name 'Bad Name'"):
        parse_severity({"events": {"Bad Name": {"level": "P1", "en": ["x"]}}})


def test_severity_lexicon_events_and_the_older_levels_form() -> None:
    lexicon = parse_severity(
        {
            "events": {
                "shelling": {"level": "P1", "en": ["shelling"]},
                "talks": {"level": "P4", "ru": ["переговоры"]},
            }
        }
    )
    assert lexicon.levels == {"shelling": "P1", "talks": "P4"}
    assert lexicon.cues == (("P1", "en", "shelling"), ("P4", "ru", "переговоры"))
    older = parse_severity({"levels": {"P1": {"en": ["shelling"]}, "P2": {"en": ["blockade"]}}})
    assert older.levels == {"p1": "P1", "p2": "P2"}
    shipped = load_yaml_gazetteer(load_settings()).severity
    assert {"shelling", "killed", "blockade", "advance", "handover", "ceasefire", "talks"} <= set(
        shipped.levels
    )


def test_resolve_and_suggest() -> None:
    gazetteer = load_yaml_gazetteer(load_settings())

    def resolved(name: str) -> str | None:
        entity = gazetteer.resolve(name)
        return entity.id if entity else None

    assert resolved("sev_lake") == "sev_lake"
    assert resolved("SEVLICH") == "sev_lake"
    assert resolved("Путину") == "putin"
    assert resolved("Сюнике") == "syunik"
    assert resolved("Laçındakı") == "lachin"
    assert resolved("Լաչինի միջանցքում") == "lachin_corridor"
    assert resolved("Ереванский") is None
    assert resolved("nowhere at all") is None
    assert gazetteer.suggest("sev lak")[0] == "sev_lake"
    assert gazetteer.suggest("pashinian")[0] == "pashinyan"
    assert len(gazetteer.suggest("x", n=3)) <= 3


def test_missing_or_broken_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "entities.yaml"
    broken.write_text("entities: [ {id: x", encoding="utf-8")
    with pytest.raises(GazetteerError, match="not valid YAML"):
        load_yaml_gazetteer(load_settings(entities=broken))
    with pytest.raises(GazetteerError, match="does not exist"):
        load_yaml_gazetteer(load_settings(entities=tmp_path / "none.yaml"))


@pytest.fixture
def entities_copy(tmp_path: Path) -> Path:
    path = tmp_path / "entities.yaml"
    path.write_text(Path("config/entities.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    return path


async def test_load_gazetteer_seeds_and_merges_chat_changes(db: Database, entities_copy: Path) -> None:
    settings = load_settings(entities=entities_copy, database_url=db.url)

    first = await load_gazetteer(db, settings)
    assert first.classifier.classify("Обстрел у Гориса").entity_ids == ["goris"]
    async with changing_gazetteer(db) as change:
        assert len((await change.rows()).entities) == len(first.entities)
        await change.add_entity("meghri", "Meghri", ["Мегри"])
        assert await change.add_alias("goris", "Gorisville", "en")
        assert not await change.add_alias("goris", "Gorisville", "en")
        assert await change.untrack_entity("jermuk")

    second = await load_gazetteer(
        db, settings
    )  # a restart: chat changes survive, YAML is not re-seeded over them
    assert second.get("jermuk") is None
    assert second.get("meghri") is not None
    assert second.classifier.classify("Road to Мегри reopened").entity_ids == ["meghri"]
    assert second.classifier.classify("Gorisville news").entity_ids == ["goris"]
    assert second.resolve("gorisville") == second.get("goris")


def test_gazetteer_rebuilds_live_with_a_new_alias() -> None:
    gazetteer = load_yaml_gazetteer(load_settings())
    assert gazetteer.classifier.classify("Sevlichik shore").entity_ids == []
    definitions = [
        replace(d, aliases=(*d.aliases, AliasDef("Sevlichik", "en"))) if d.id == "sev_lake" else d
        for d in gazetteer.definitions
    ]
    rebuilt = Gazetteer(definitions, gazetteer.severity)
    assert rebuilt.classifier.classify("Sevlichik shore").entity_ids == ["sev_lake"]
    assert rebuilt.classifier.classify("Սև լճի մոտ").entity_ids == ["sev_lake"]


async def test_processes_starting_together_seed_the_gazetteer_once(db: Database, entities_copy: Path) -> None:
    """An ingest worker and the bot start at the same moment on an empty database: both seed the YAML
    entities, neither fails (it used to stop with a duplicate key), and each entity is stored once."""
    settings = load_settings(entities=entities_copy, database_url=db.url)
    other = Database(db.url)
    try:
        gazetteers = await asyncio.gather(load_gazetteer(db, settings), load_gazetteer(other, settings))
    finally:
        await other.dispose()
    ids = [entity.id for entity in (await gazetteer_rows(db)).entities]
    assert len(ids) == len(set(ids)) == len(gazetteers[0].entities) == len(gazetteers[1].entities)


async def test_entity_changes_made_by_one_process_reach_another_at_its_next_look(
    db: Database, entities_copy: Path
) -> None:
    """/track, /alias and /untrack in the bot process change the classifier of an ingest process sharing the
    database: it looks at one stored version (a small read) and rebuilds only when that changed."""
    settings = load_settings(entities=entities_copy, database_url=db.url)
    ingest_db = Database(db.url)
    try:
        await load_gazetteer(db, settings)
        ingest = await load_gazetteer(ingest_db, settings)
        assert await reload_if_changed(ingest_db, ingest) is None  # nothing changed: nothing rebuilt

        async with changing_gazetteer(db) as change:
            await change.add_entity("meghri", "Meghri", ["Мегри"])
        tracked = await reload_if_changed(ingest_db, ingest)
        assert tracked is not None
        assert tracked.classifier.classify("Road to Мегри reopened").entity_ids == ["meghri"]
        assert await reload_if_changed(ingest_db, tracked) is None

        async with changing_gazetteer(db) as change:
            assert await change.add_alias("goris", "Gorisville", "en")
        aliased = await reload_if_changed(ingest_db, tracked)
        assert aliased is not None
        assert aliased.classifier.classify("Gorisville news").entity_ids == ["goris"]

        async with changing_gazetteer(db) as change:
            assert await change.untrack_entity("meghri")
        untracked = await reload_if_changed(ingest_db, aliased)
        assert untracked is not None
        assert untracked.classifier.classify("Road to Мегри reopened").entity_ids == []

        # a restart with the same YAML changes nothing: no process rebuilds
        await load_gazetteer(db, settings)
        assert await reload_if_changed(ingest_db, untracked) is None
    finally:
        await ingest_db.dispose()
