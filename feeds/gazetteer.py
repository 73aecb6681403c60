"""The gazetteer in force: YAML definitions merged with what admins added in chat, and its classifier."""

from __future__ import annotations

import asyncio
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from feeds.classify import Classifier, compile_pattern
from feeds.definitions import (
    EntityDef,
    ExtraAlias,
    GazetteerError,
    SeverityLexicon,
    parse_entities,
    parse_severity,
)
from feeds.severity_model import SeverityGrader, bundled_grader
from feeds.textnorm import normalize
from storage.db import Database
from storage.gazetteer import GazetteerRows, gazetteer_rows_if_changed, seed_gazetteer
from storage.settings import Settings

BUNDLED_CONFIG = Path(__file__).resolve().parent.parent / "config"
DEFAULT_ENTITIES = Path("config/entities.yaml")


@dataclass(frozen=True, slots=True)
class EntityInfo:
    """What users see of an entity: id, kind, display name, coordinates (lat, lon) when known."""

    id: str
    kind: str
    name: str
    coordinates: tuple[float, float] | None


class Gazetteer:
    """The tracked entities, a lookup by any of their names, and the classifier built from them."""

    def __init__(
        self,
        definitions: Sequence[EntityDef],
        severity: SeverityLexicon | None = None,
        *,
        version: str | None = None,
        grader: SeverityGrader | None = None,
    ) -> None:
        # the stored gazetteer version it was built from (storage.entities), None when not from the database
        self.version = version
        self.definitions = tuple(sorted(definitions, key=lambda entity: entity.id))
        self.severity = severity or SeverityLexicon()
        self.entities = tuple(EntityInfo(e.id, e.kind, e.name, e.coordinates) for e in self.definitions)
        self._by_id = {entity.id: entity for entity in self.entities}
        self.classifier = Classifier(self.definitions, self.severity, grader)
        self._exact: dict[str, str] = {}
        self._patterns: list[tuple[Any, str]] = []
        for entity in self.definitions:
            self._exact.setdefault(normalize(entity.id), entity.id)
            self._exact.setdefault(normalize(entity.name), entity.id)
            for alias in entity.aliases:
                self._exact.setdefault(normalize(alias.text), entity.id)
                key, suffix, full = compile_pattern(alias.text, alias.language, alias.inflect)
                pattern = full if full is not None else re.escape(key) + (suffix or "")
                self._patterns.append((re.compile(pattern), entity.id))

    def get(self, entity_id: str) -> EntityInfo | None:
        """The entity with exactly this id, or None."""
        return self._by_id.get(entity_id)

    def resolve(self, name: str) -> EntityInfo | None:
        """The entity named by `name` (its id or any alias, any language, case or inflected form), or None."""
        norm = " ".join(normalize(name).split())
        if not norm:
            return None
        entity_id = self._exact.get(norm)
        if entity_id is None:
            for pattern, candidate in self._patterns:
                match = pattern.match(norm)
                if match is not None and match.end() == len(norm):
                    entity_id = candidate
                    break
        return self._by_id.get(entity_id) if entity_id else None

    def suggest(self, name: str, n: int = 3) -> list[str]:
        """Up to `n` entity ids whose id or names are closest to `name` ("did you mean"), best first."""
        norm = " ".join(normalize(name).split())
        matches = difflib.get_close_matches(norm, list(self._exact), n=n * 4, cutoff=0.6)
        result: list[str] = []
        for match in matches:
            entity_id = self._exact[match]
            if entity_id not in result:
                result.append(entity_id)
        return result[:n]


def read_yaml(path: Path, what: str) -> Any:
    """The parsed YAML document at `path`; GazetteerError naming the file when missing or malformed."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise GazetteerError(f"{what}: file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise GazetteerError(f"{what}: {path} is not valid YAML: {exc}") from None


def entities_path(settings: Settings) -> Path:
    """The gazetteer file: BORDERWATCH_ENTITIES, or the bundled default when the default path is absent."""
    path = Path(settings.entities)
    if not path.is_file() and path == DEFAULT_ENTITIES:
        return BUNDLED_CONFIG / "entities.yaml"
    return path


def severity_path(entities_file: Path) -> Path:
    """severity.yaml next to the gazetteer file, else the bundled one."""
    beside = entities_file.parent / "severity.yaml"
    return beside if beside.is_file() else BUNDLED_CONFIG / "severity.yaml"


def raw_entities(document: Any) -> list[Mapping[str, Any]]:
    """The list of entity mappings of a gazetteer document (validated shape only)."""
    entities = document.get("entities") if isinstance(document, Mapping) else None
    if not isinstance(entities, list):
        raise GazetteerError("BORDERWATCH_ENTITIES: the document must have a list `entities`")
    return entities


def load_yaml_gazetteer(settings: Settings) -> Gazetteer:
    """The gazetteer from the YAML files alone (no database): for `borderwatch classify` and tests."""
    path = entities_path(settings)
    definitions = parse_entities(read_yaml(path, "BORDERWATCH_ENTITIES"))
    severity = parse_severity(read_yaml(severity_path(path), "severity lexicon"))
    return Gazetteer(definitions, severity, grader=learned_grader(settings))


def learned_grader(settings: Settings) -> SeverityGrader | None:
    """The learned severity grade (feeds.severity_model) when BORDERWATCH_LEARNED_SEVERITY=true. Off by
    default: on the eight fresh test parts measured after it was turned on it moved agreement by one item in
    865 (docs/classifier-figures.md, "The thirty-eighth test part, measured once")."""
    return bundled_grader() if settings.learned_severity else None


async def load_gazetteer(db: Database, settings: Settings) -> Gazetteer:
    """The gazetteer in force: every active entity in the database with its chat-added aliases.

    The YAML entities are seeded first: new ones added, YAML-origin ones refreshed, chat-added and untracked
    ones kept as they are.
    """
    path = entities_path(settings)
    document = read_yaml(path, "BORDERWATCH_ENTITIES")
    parse_entities(document)  # validate before anything is written
    severity = parse_severity(read_yaml(severity_path(path), "severity lexicon"))
    rows = await seed_gazetteer(db, [_plain(entity) for entity in raw_entities(document)])
    return await build_gazetteer_in_thread(rows, severity, learned_grader(settings))


async def reload_if_changed(db: Database, current: Gazetteer) -> Gazetteer | None:
    """The gazetteer as stored now when it changed since `current` was built (another process ran /track,
    /alias, /untrack or a /review fix, or seeded a changed YAML); None when it did not. One small read when
    unchanged."""
    rows = await gazetteer_rows_if_changed(db, current.version)
    if rows is None:
        return None
    return await build_gazetteer_in_thread(rows, current.severity, current.classifier.grader)


def definitions_from_rows(
    rows: Sequence[Mapping[str, Any]],
    extra: Mapping[str, Sequence[ExtraAlias]],
    fixes: Sequence[AliasFixLike] = (),
) -> list[EntityDef]:
    """Entity definitions from stored rows, chat aliases and the alias fixes decided in /review; a rule
    naming an entity that is no longer tracked is dropped."""
    active = {str(row.get("id")) for row in rows}
    cleaned = [_without_missing_references(row, active) for row in rows]
    extra_lists = {entity_id: list(aliases) for entity_id, aliases in extra.items()}
    if fixes:
        cleaned = [_with_fixes(row, extra_lists, fixes) for row in cleaned]
    return parse_entities({"entities": cleaned}, extra_lists)


class AliasFixLike(Protocol):
    """A decision on one alias (storage.reports.StoredFix): disable it, or exclude it near `word`."""

    @property
    def entity_id(self) -> str: ...
    @property
    def alias_text(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def word(self) -> str | None: ...


def _alias_text(item: Any) -> str:
    return str(item.get("text", "")) if isinstance(item, Mapping) else str(item)


def _with_fixes(
    row: Mapping[str, Any], extra: dict[str, list[ExtraAlias]], fixes: Sequence[AliasFixLike]
) -> dict[str, Any]:
    """The row with its aliases disabled or given an exclusion word as decided; an alias added in chat that
    gets an exclusion word moves into the row's aliases, with its options."""
    entity_id = str(row.get("id"))
    mine = [fix for fix in fixes if fix.entity_id == entity_id]
    if not mine:
        return dict(row)
    aliases = {
        language: list(items) if isinstance(items, list) else items
        for language, items in (row.get("aliases") or {}).items()
    }
    chat_aliases = extra.get(entity_id, [])
    for fix in mine:
        target = normalize(fix.alias_text)
        for language, items in aliases.items():
            if not isinstance(items, list):
                continue
            updated: list[Any] = []
            for item in items:
                if normalize(_alias_text(item)) != target:
                    updated.append(item)
                elif fix.kind == "exclude" and fix.word:
                    updated.append(_excluding(item, fix.word))
            aliases[language] = updated
        for chat_alias in list(chat_aliases):
            item, language = chat_alias
            if normalize(_alias_text(item)) != target:
                continue
            chat_aliases.remove(chat_alias)
            if fix.kind == "exclude" and fix.word:
                key = language if language in ("en", "ru", "hy", "az") else "any"
                aliases.setdefault(key, []).append(_excluding(item, fix.word))
    if not any(isinstance(items, list) and items for items in aliases.values()) and not chat_aliases:
        return dict(row)  # never leave an entity without a name: keep it as it was
    result = dict(row)
    result["aliases"] = aliases
    return result


def _excluding(item: Any, word: str) -> dict[str, Any]:
    """The alias (a name or a mapping with options) that does not count when `word` stands near it."""
    mapping = dict(item) if isinstance(item, Mapping) else {"text": item}
    mapping["unless_near"] = [*list(mapping.get("unless_near") or []), word]
    return mapping


def build_gazetteer(
    rows: GazetteerRows, severity: SeverityLexicon | None, grader: SeverityGrader | None = None
) -> Gazetteer:
    """The gazetteer of stored rows: active entities, chat aliases and alias fixes, with their version
    (raises GazetteerError when they do not make one: a change is then rolled back)."""
    definitions = definitions_from_rows(
        [row.definition for row in rows.entities], rows.chat_aliases, rows.fixes
    )
    return Gazetteer(definitions, severity, version=rows.version, grader=grader)


async def build_gazetteer_in_thread(
    rows: GazetteerRows, severity: SeverityLexicon | None, grader: SeverityGrader | None = None
) -> Gazetteer:
    """build_gazetteer on a worker thread: a build takes most of a second (every alias's patterns and the
    classifier's automata), which on the event loop would hold up every chat's commands and alerts
    (bench/gazetteer_stall.py)."""
    return await asyncio.to_thread(build_gazetteer, rows, severity, grader)


def _without_missing_references(row: Mapping[str, Any], active: set[str]) -> dict[str, Any]:
    result = dict(row)
    aliases = row.get("aliases")
    if not isinstance(aliases, Mapping):
        return result
    new_aliases: dict[str, Any] = {}
    for language, items in aliases.items():
        new_items = []
        for item in items if isinstance(items, list) else []:
            if isinstance(item, Mapping) and isinstance(item.get("with_entities"), list):
                item = dict(item)
                item["with_entities"] = [e for e in item["with_entities"] if e in active]
                if not item["with_entities"] and not item.get("with_words"):
                    continue  # its only context entity is gone: without context it would fire everywhere
            new_items.append(item)
        new_aliases[language] = new_items
    result["aliases"] = new_aliases
    return result


def _plain(value: Any) -> Any:
    """A JSON-storable copy of a YAML value (YAML anchors share objects; dates become strings)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
