"""Typed, validated forms of the gazetteer (config/entities.yaml) and the severity lexicon (severity.yaml).

An entity definition is a plain mapping (as stored in YAML and in `entities.definition` in the database):

    id: sev_lake                      # lowercase letters, digits, underscores
    kind: place                       # place | org | person | project | treaty | event | process | conflict
    name: Sev Lake                    # optional; default: the first English alias
    coordinates: [39.598, 46.231]     # optional [lat, lon]
    aliases:                          # per language: en | ru | hy | az | any
      en: ["Sev Lake", {text: "Black Lake", with_entities: [syunik], with_words: [Verishen]}]
    groups: [armenia, azerbaijan]     # optional: an alias from every group matches the entity too
    group_window: 120                 # optional: ... when those aliases lie within this many characters

An alias is a string or a mapping with `text` and any of: `case_sensitive` (bool), `with_entities` and
`with_words` (the alias counts only when one of these entities or words also occurs in the item),
`unless_near`
(words that cancel the alias within `window` characters, default 30), `inflect` (false: exact form),
`group`, `gap` (up to this many words may stand between the parts of a multi-word alias), `unless_quoted`
(the alias does not count right after an opening quote: «Карабах», "Qarabağ" the football club), `with_all`
(a list of word lists: the alias counts only when each list has a word in the item), `quoted_name` (an alias
with context words counts without them when it stands in quotes as a name: «Թրամփի ուղին», "Дорога Трампа"),
`own_language` (an Azerbaijani alias counts only in Azerbaijani text, with another letter of that alphabet
such as ə outside the name: "Qarabağ back and hoping for more" in English is the football club), `unless_next`
(words that cancel the alias when one of them is the next word: the name goes on as another thing's name,
"Qarabağ Universiteti", while "Qarabağı" later in the same text is still the land; the `unless_next` words of
any place apply to every place), `kept_with` (words anywhere in the item that keep the alias although an
`unless_near` word is near it: a contest between Armenia and Azerbaijan is not their border unless the item
also names the conflict), `unless_near_always` (words that cancel the alias within `window` characters
whatever `kept_with` words the item has: Iran's border "with Azerbaijan and Armenia" is not their border),
`unless_before` (words that cancel the alias when one ends right before it: "Diocese of Syunik",
"фонд возрождения Нагорного Карабаха"; those of any place apply to every place), `landform` (words
of a mountain or a range right before or after a place's name: "Mount Vardenis", "Վարդենիս լեռ", and
`landform_before` right before it only: "гора Варденис", not "за Капаном горы"; `landform_after` right
after it only: "ՎԱՐԴԵՆԻՍ, գետ", not "Həkəri çayının Laçın rayonu" (the river is the name before it);
`landform_after_adjective` right after the name written as a Russian adjective only: «цепью Зангезурских
гор», «Зодский перевал», not "за Капаном горы"; those of any place
apply to every place but one with an alias that has `range_name`, a place named by its range: "the
Karabakh mountains"), `own_next` (as `unless_next`, for that alias alone: "Qarabağ məktəbi" is a school
of art, "Khoznavar school" is the village's), `given_name` (the alias is also a given name: not counted
as a capitalised word right before a capitalised surname, "Շուշան Ստեփանյանը" is a person, "Շուշան" the town).
A word ending in `*` matches any continuation of its stem ("обстрел*").
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from storage.errors import ConfigError
from storage.severity import LEVELS

LANGUAGES = ("en", "ru", "hy", "az", "any")
KINDS = ("place", "org", "person", "project", "treaty", "event", "process", "conflict")
ENTITY_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_ALIAS_KEYS = {
    "text",
    "case_sensitive",
    "with_entities",
    "with_words",
    "unless_near",
    "window",
    "inflect",
    "group",
    "gap",
    "unless_quoted",
    "with_all",
    "quoted_name",
    "own_language",
    "unless_next",
    "kept_with",
    "unless_near_always",
    "unless_before",
    "landform",
    "landform_before",
    "landform_after",
    "landform_after_adjective",
    "range_name",
    "own_next",
    "given_name",
}
_ENTITY_KEYS = {"id", "kind", "name", "coordinates", "aliases", "groups", "group_window"}


class GazetteerError(ConfigError):
    """The gazetteer or the severity lexicon is invalid; the message names the entity, the alias and the
    problem."""


@dataclass(frozen=True, slots=True)
class AliasDef:
    """One alias of an entity in one language, with the context rules that decide whether it counts."""

    text: str
    language: str
    case_sensitive: bool = False
    with_entities: tuple[str, ...] = ()
    with_words: tuple[str, ...] = ()
    unless_near: tuple[str, ...] = ()
    window: int = 30
    inflect: bool = True
    group: str | None = None
    gap: int = 0  # words allowed between the parts of a multi-word alias
    unless_quoted: bool = False  # not counted right after an opening quote: «Карабах» is the football club
    with_all: tuple[tuple[str, ...], ...] = ()  # each of these word lists must also have a word in the item
    quoted_name: bool = False  # in quotes it names the thing by itself: «Թրամփի ուղին» needs no context words
    own_language: bool = False  # counts only in Azerbaijani text (another letter such as ə in it)
    unless_next: tuple[str, ...] = ()  # words that cancel the alias when one is the word right after it
    kept_with: tuple[str, ...] = ()  # words anywhere in the item that keep the alias despite `unless_near`
    unless_near_always: tuple[str, ...] = ()  # like `unless_near`, but no `kept_with` word keeps the alias
    unless_before: tuple[str, ...] = ()  # words that cancel the alias when one ends right before it
    landform: tuple[str, ...] = ()  # words of a mountain or a range right before or after a place's name
    landform_before: tuple[str, ...] = ()  # such words only right before the name ("гора Варденис")
    landform_after: tuple[str, ...] = ()  # such words only right after the name ("Vardenis river")
    landform_after_adjective: tuple[str, ...] = ()  # such words right after a Russian adjective of the name
    range_name: bool = False  # the place is also named by its range ("Karabakh mountains"): landform kept
    own_next: tuple[str, ...] = ()  # like `unless_next`, for this alias only (not every place's)
    given_name: bool = False  # also a given name: not counted right before a capitalised surname

    @property
    def conditional(self) -> bool:
        """True when the alias counts only alongside another entity or word."""
        return bool(self.with_entities or self.with_words or self.with_all)


@dataclass(frozen=True, slots=True)
class EntityDef:
    """A tracked entity: id, kind, display name, coordinates and its aliases in every language."""

    id: str
    kind: str
    name: str
    coordinates: tuple[float, float] | None
    aliases: tuple[AliasDef, ...]
    groups: tuple[str, ...] = ()
    group_window: int | None = None  # aliases of the groups must lie within this many characters


@dataclass(frozen=True, slots=True)
class EventDef:
    """A named event type (shelling, blockade, talks…) with its level and its cue words per language."""

    name: str
    level: str
    cues: tuple[tuple[str, str], ...]  # (language, cue)
    cancels: tuple[str, ...] = ()  # event types that do not count when this one is found


@dataclass(frozen=True, slots=True)
class SeverityLexicon:
    """Event types with their level (P1 most severe) and cue words; which entity kinds earn a severity; the
    floor level; the negations that cancel a cue next to them."""

    events: tuple[EventDef, ...] = ()
    kinds: frozenset[str] = frozenset({"place", "org", "conflict", "project"})
    default: str | None = "P4"
    negations: tuple[tuple[str, str], ...] = ()  # (language, word): a cue right after one does not count
    hedges: tuple[
        tuple[str, str], ...
    ] = ()  # (language, word): a cue right after one counts as `hedge_event`
    hedge_event: str | None = None
    # (language, phrase): a phrase whose words are background, not news ("bodies of the dead", "liberated
    # territories"): cues inside it do not count
    background: tuple[tuple[str, str], ...] = ()
    # (language, words): a sentence that starts with one ("Напомним", "Qeyd edək ki") recalls the background;
    # its cues do not count when the item says anything else
    background_markers: tuple[tuple[str, str], ...] = ()
    # (language, word): a verb that says an event ended ("shelling stopped", "обстрелы прекратились", "lifted
    # the blockade"): a fighting, territory or posture cue right after it, or before it in its clause, does
    # not count
    endings: tuple[tuple[str, str], ...] = ()
    # (language, words): a cause ("as a result of the shelling", "ագրեսիայի հետևանքով"): the cue it governs is
    # the cause of what the item reports, and counts only when nothing else does
    causes: tuple[tuple[str, str], ...] = ()
    # (language, name): a place's or a person's name that begins with a cue's stem ("Կրակովում", in Krakow, is
    # not «կրակ» fire): a capitalised word that starts with one is the name, unless it opens a sentence as the
    # bare name (the cue's own form there)
    names: tuple[tuple[str, str], ...] = ()

    @property
    def cues(self) -> tuple[tuple[str, str, str], ...]:
        """Every cue as (level, language, cue)."""
        return tuple((event.level, language, cue) for event in self.events for language, cue in event.cues)

    @property
    def levels(self) -> dict[str, str]:
        """Each event type's level."""
        return {event.name: event.level for event in self.events}


def _fail(entity: str, alias: str | None, problem: str) -> GazetteerError:
    where = f"entity {entity!r}" + (f", alias {alias!r}" if alias is not None else "")
    return GazetteerError(f"gazetteer: {where}: {problem}")


def _string_list(value: Any, entity: str, alias: str | None, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(entity, alias, f"{field} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def parse_alias(raw: Any, language: str, entity: str) -> AliasDef:
    """One alias from its YAML form (a string or a mapping); raises GazetteerError naming what is wrong."""
    if isinstance(raw, str):
        raw = {"text": raw}
    if not isinstance(raw, Mapping):
        raise _fail(entity, None, f"an alias in {language!r} must be a string or a mapping, got {raw!r}")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _fail(entity, None, f"an alias in {language!r} has no text")
    text = " ".join(text.split())
    unknown = set(raw) - _ALIAS_KEYS
    if unknown:
        raise _fail(entity, text, f"unknown option(s) {sorted(unknown)}")
    if not any(ch.isalnum() for ch in text):
        raise _fail(entity, text, "has no letters or digits")
    window = raw.get("window", 30)
    if not isinstance(window, int) or isinstance(window, bool) or not 1 <= window <= 500:
        raise _fail(entity, text, "window must be an integer from 1 to 500")
    for flag in ("case_sensitive", "inflect"):
        if flag in raw and not isinstance(raw[flag], bool):
            raise _fail(entity, text, f"{flag} must be true or false")
    group = raw.get("group")
    if group is not None and (not isinstance(group, str) or not group.strip()):
        raise _fail(entity, text, "group must be a non-empty string")
    gap = raw.get("gap", 0)
    if not isinstance(gap, int) or isinstance(gap, bool) or not 0 <= gap <= 3:
        raise _fail(entity, text, "gap must be an integer from 0 to 3")
    if raw.get("own_language") and language != "az":
        raise _fail(entity, text, "own_language is for Azerbaijani aliases")
    for flag in ("unless_quoted", "quoted_name", "own_language", "given_name", "range_name"):
        if flag in raw and not isinstance(raw[flag], bool):
            raise _fail(entity, text, f"{flag} must be true or false")
    raw_all = raw.get("with_all") or []
    if not isinstance(raw_all, list) or not all(isinstance(group_words, list) for group_words in raw_all):
        raise _fail(entity, text, "with_all must be a list of word lists")
    with_all = tuple(_string_list(group_words, entity, text, "with_all") for group_words in raw_all)
    return AliasDef(
        text=text,
        language=language,
        case_sensitive=bool(raw.get("case_sensitive", False)),
        with_entities=_string_list(raw.get("with_entities"), entity, text, "with_entities"),
        with_words=_string_list(raw.get("with_words"), entity, text, "with_words"),
        unless_near=_string_list(raw.get("unless_near"), entity, text, "unless_near"),
        window=window,
        inflect=bool(raw.get("inflect", True)),
        group=group,
        gap=gap,
        unless_quoted=bool(raw.get("unless_quoted", False)),
        with_all=with_all,
        quoted_name=bool(raw.get("quoted_name", False)),
        own_language=bool(raw.get("own_language", False)),
        unless_next=_string_list(raw.get("unless_next"), entity, text, "unless_next"),
        kept_with=_string_list(raw.get("kept_with"), entity, text, "kept_with"),
        unless_near_always=_string_list(raw.get("unless_near_always"), entity, text, "unless_near_always"),
        unless_before=_string_list(raw.get("unless_before"), entity, text, "unless_before"),
        landform=_string_list(raw.get("landform"), entity, text, "landform"),
        landform_before=_string_list(raw.get("landform_before"), entity, text, "landform_before"),
        landform_after=_string_list(raw.get("landform_after"), entity, text, "landform_after"),
        landform_after_adjective=_string_list(
            raw.get("landform_after_adjective"), entity, text, "landform_after_adjective"
        ),
        range_name=bool(raw.get("range_name", False)),
        own_next=_string_list(raw.get("own_next"), entity, text, "own_next"),
        given_name=bool(raw.get("given_name", False)),
    )


# an alias added in chat: (its text, or its mapping form such as {"text": "UN", "case_sensitive": true};
# its language or None)
ExtraAlias = tuple[str | Mapping[str, Any], str | None]


def parse_entity(raw: Any, extra_aliases: Sequence[ExtraAlias] = ()) -> EntityDef:
    """One entity from its mapping form, plus aliases (alias, language) added in chat; validated."""
    if not isinstance(raw, Mapping):
        raise GazetteerError(f"gazetteer: every entity must be a mapping, got {raw!r}")
    entity_id = raw.get("id")
    if not isinstance(entity_id, str) or not ENTITY_ID.match(entity_id):
        raise GazetteerError(
            f"gazetteer: entity id {entity_id!r} must be lowercase letters, digits and underscores"
        )
    unknown = set(raw) - _ENTITY_KEYS
    if unknown:
        raise _fail(entity_id, None, f"unknown field(s) {sorted(unknown)}")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise _fail(entity_id, None, f"kind {kind!r} is not one of {', '.join(KINDS)}")
    coordinates = _coordinates(raw.get("coordinates"), entity_id)
    by_language = raw.get("aliases") or {}
    if not isinstance(by_language, Mapping):
        raise _fail(entity_id, None, "aliases must map a language (en, ru, hy, az, any) to a list")
    aliases: list[AliasDef] = []
    for language, items in by_language.items():
        if language not in LANGUAGES:
            raise _fail(entity_id, None, f"unknown alias language {language!r} (use {', '.join(LANGUAGES)})")
        if not isinstance(items, list):
            raise _fail(entity_id, None, f"aliases.{language} must be a list")
        aliases.extend(parse_alias(item, language, entity_id) for item in items)
    for text, language in extra_aliases:
        aliases.append(parse_alias(text, language if language in LANGUAGES else "any", entity_id))
    if not aliases:
        raise _fail(entity_id, None, "has no aliases")
    groups = _string_list(raw.get("groups"), entity_id, None, "groups")
    _check_groups(entity_id, aliases, groups)
    group_window = raw.get("group_window")
    if group_window is not None and (
        not isinstance(group_window, int) or isinstance(group_window, bool) or not 1 <= group_window <= 1000
    ):
        raise _fail(entity_id, None, "group_window must be an integer from 1 to 1000")
    name = raw.get("name")
    if name is None:
        name = next((a.text for a in aliases if a.language == "en"), aliases[0].text)
    if not isinstance(name, str) or not name.strip():
        raise _fail(entity_id, None, "name must be a non-empty string")
    return EntityDef(entity_id, kind, name.strip(), coordinates, tuple(aliases), groups, group_window)


def _coordinates(value: Any, entity_id: str) -> tuple[float, float] | None:
    if value is None:
        return None
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value)
    ):
        raise _fail(entity_id, None, f"coordinates must be [latitude, longitude], got {value!r}")
    lat, lon = float(value[0]), float(value[1])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _fail(entity_id, None, f"coordinates {value!r} are out of range")
    return lat, lon


def _check_groups(entity_id: str, aliases: Sequence[AliasDef], groups: Sequence[str]) -> None:
    for alias in aliases:
        if alias.group is not None and alias.group not in groups:
            raise _fail(
                entity_id, alias.text, f"group {alias.group!r} is not declared in the entity's groups"
            )
    for group in groups:
        if not any(alias.group == group for alias in aliases):
            raise _fail(entity_id, None, f"group {group!r} has no aliases")


def parse_entities(
    raw: Any, extra_aliases: Mapping[str, Sequence[ExtraAlias]] | None = None
) -> list[EntityDef]:
    """Every entity of a gazetteer document; checks ids are unique and rules name entities that exist."""
    entities_raw = raw.get("entities") if isinstance(raw, Mapping) else raw
    if not isinstance(entities_raw, list):
        raise GazetteerError("gazetteer: the document must have a list `entities`")
    extra = extra_aliases or {}
    entities: list[EntityDef] = []
    seen: set[str] = set()
    for item in entities_raw:
        entity_id = item.get("id") if isinstance(item, Mapping) else None
        entity = parse_entity(item, extra.get(entity_id, ()) if isinstance(entity_id, str) else ())
        if entity.id in seen:
            raise _fail(entity.id, None, "is defined twice")
        seen.add(entity.id)
        entities.append(entity)
    check_references(entities)
    return entities


def check_references(entities: Sequence[EntityDef]) -> None:
    """Raise GazetteerError when an alias rule names an entity that is not in `entities`."""
    known = {entity.id for entity in entities}
    for entity in entities:
        for alias in entity.aliases:
            for other in alias.with_entities:
                if other not in known:
                    raise _fail(entity.id, alias.text, f"with_entities names unknown entity {other!r}")


EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _cue_lists(by_language: Mapping[str, Any], where: str) -> list[tuple[str, str]]:
    cues: list[tuple[str, str]] = []
    for language, words in by_language.items():
        if language not in LANGUAGES:
            raise GazetteerError(f"severity: {where}: unknown language {language!r}")
        if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
            raise GazetteerError(
                f"severity: {where}.{language} must be a list of non-empty strings"
                " (quote YAML words like 'no')"
            )
        cues.extend((language, " ".join(w.split())) for w in words)
    return cues


def _events(raw: Mapping[str, Any]) -> list[EventDef]:
    """Event types from `events: {name: {level: P1, en: [...], ...}}`, or from the older form
    `levels: {P1: {en: [...]}}` (each level one event type named after it, "p1"…)."""
    events: list[EventDef] = []
    if "events" in raw:
        if not isinstance(raw["events"], Mapping):
            raise GazetteerError("severity: `events` must map event names to {level, cues per language}")
        for name, body in raw["events"].items():
            if not isinstance(name, str) or not EVENT_NAME.match(name):
                raise GazetteerError(
                    f"severity: event name {name!r} must be lowercase letters, digits and underscores"
                )
            if not isinstance(body, Mapping):
                raise GazetteerError(f"severity: event {name!r} must be a mapping with a level and cues")
            level = body.get("level")
            if level not in LEVELS:
                raise GazetteerError(
                    f"severity: event {name!r}: level {level!r} is not one of {', '.join(LEVELS)}"
                )
            cancels = body.get("cancels", [])
            if not isinstance(cancels, list) or not all(isinstance(c, str) for c in cancels):
                raise GazetteerError(f"severity: event {name!r}: cancels must be a list of event names")
            cue_lists = {key: value for key, value in body.items() if key not in ("level", "cancels")}
            events.append(
                EventDef(name, level, tuple(_cue_lists(cue_lists, f"event {name!r}")), tuple(cancels))
            )
        known = {event.name for event in events}
        for event in events:
            for other in event.cancels:
                if other not in known:
                    raise GazetteerError(f"severity: event {event.name!r} cancels unknown event {other!r}")
        return events
    if not isinstance(raw.get("levels"), Mapping):
        raise GazetteerError("severity: the document must have a mapping `events` (or `levels`: P1..P4)")
    for level, by_language in raw["levels"].items():
        if level not in LEVELS:
            raise GazetteerError(f"severity: unknown level {level!r} (use {', '.join(LEVELS)})")
        if not isinstance(by_language, Mapping):
            raise GazetteerError(f"severity: {level} must map languages to lists of cues")
        events.append(EventDef(level.lower(), level, tuple(_cue_lists(by_language, level))))
    return events


def parse_severity(raw: Any) -> SeverityLexicon:
    """The severity lexicon from its YAML form: `events: {name: {level: P1, en: [...], ...}, ...}` (or the
    older `levels: {P1: {en: [...]}}`), `kinds`, `default`, `negations`, `hedges`, `background`,
    `background_markers`, `endings`, `causes`, `names`."""
    if not isinstance(raw, Mapping):
        raise GazetteerError("severity: the document must be a mapping with `events`")
    events = _events(raw)
    kinds = raw.get("kinds", ["place", "org", "conflict", "project"])
    if not isinstance(kinds, list) or not set(kinds) <= set(KINDS):
        raise GazetteerError(f"severity: kinds must be a list drawn from {', '.join(KINDS)}")
    default = raw.get("default", "P4")
    if default is not None and default not in LEVELS:
        raise GazetteerError(f"severity: default must be one of {', '.join(LEVELS)} or null")
    raw_negations = raw.get("negations") or {}
    if not isinstance(raw_negations, Mapping):
        raise GazetteerError("severity: negations must map languages to lists of words")
    negations = _cue_lists(raw_negations, "negations")
    raw_hedges = raw.get("hedges") or {}
    if not isinstance(raw_hedges, Mapping):
        raise GazetteerError("severity: hedges must map languages to lists of words")
    hedges = _cue_lists(raw_hedges, "hedges")
    hedge_event = raw.get("hedge_event")
    if hedge_event is not None and hedge_event not in {event.name for event in events}:
        raise GazetteerError(f"severity: hedge_event {hedge_event!r} is not an event type")
    if hedges and hedge_event is None:
        raise GazetteerError("severity: hedges need a hedge_event (the event type a hedged cue counts as)")
    background = {}
    for section in ("background", "background_markers", "endings", "causes", "names"):
        raw_section = raw.get(section) or {}
        if not isinstance(raw_section, Mapping):
            raise GazetteerError(f"severity: {section} must map languages to lists of phrases")
        background[section] = tuple(_cue_lists(raw_section, section))
    return SeverityLexicon(
        tuple(events),
        frozenset(kinds),
        default,
        tuple(negations),
        tuple(hedges),
        hedge_event,
        background["background"],
        background["background_markers"],
        background["endings"],
        background["causes"],
        background["names"],
    )
