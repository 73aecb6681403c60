"""Entity and severity tagging: one Aho-Corasick automaton finds candidates, cheap checks validate them.

Every alias of every entity, every severity cue and every context word of a rule is one key of a single
pyahocorasick automaton over normalised text (feeds.textnorm). A candidate counts when
- the character before it is not a letter or digit (strict left boundary), and
- what follows the key up to the end of the word is an inflectional ending allowed for the alias's language (a
  closed, bounded set: Russian noun and adjective case endings, Armenian case and article endings, Azerbaijani
  suffix chains, English plural), so "Путину", "Сюнике", "Լաչինի միջանցքում", "Laçındakı" match and
  "Ереванский" does not match "Ереван". Russian multi-word aliases inflect every word ("Лачинского коридора").
Then the rules of the gazetteer apply: `unless_near` words cancel an alias nearby,
`with_entities`/`with_words` make an alias count only alongside them, an entity with `groups` needs an alias
from each group, and a match inside a longer match of another entity ("Lachin" in "Lachin corridor") is
dropped.

Severity comes from event types (config/severity.yaml): each cue belongs to one event type (shelling,
blockade, talks…) with a level. A cue next to a negation ("no casualties", "жертв нет") does not count, nor
does a cue inside a longer cue of another event type ("hostilities" in "end of hostilities", "ceasefire" in
"ceasefire violation"). The item's events are the event types left; its severity is the most severe of their
levels.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import ahocorasick

from feeds.definitions import LEVELS, AliasDef, EntityDef, SeverityLexicon
from feeds.model import Classification, EntityMatch
from feeds.textnorm import NormalizedText, case_form, normalize

# Russian: noun and adjective case endings (after ё→е), longest first in the regex.
_RU_ENDINGS = [
    "а",
    "я",
    "о",
    "е",
    "у",
    "ю",
    "ы",
    "и",
    "ь",
    "й",
    "ой",
    "ей",
    "ою",
    "ею",
    "ом",
    "ем",
    "ам",
    "ям",
    "ами",
    "ями",
    "ах",
    "ях",
    "ов",
    "ев",
    "ию",
    "ия",
    "ие",
    "ий",
    "ии",
    "ье",
    "ья",
    "ьи",
    "ью",
    "ьем",
    "ьей",
    "иями",
    "иях",
    "иям",
    "ием",
    "ый",
    "ая",
    "яя",
    "ое",
    "ее",
    "ые",
    "ого",
    "его",
    "ому",
    "ему",
    "ым",
    "им",
    "ую",
    "юю",
    "ых",
    "их",
    "ыми",
    "ими",
]
# what a Russian lemma may end in; stripped so that the stem takes every case ending
_RU_LEMMA_ENDINGS = [
    "ий",
    "ый",
    "ой",
    "ая",
    "яя",
    "ое",
    "ее",
    "ие",
    "ые",
    "а",
    "я",
    "о",
    "е",
    "ь",
    "й",
    "ы",
    "и",
]
# Armenian (after casefold, և → եւ): case endings, definite article, possessives, plural + case
_HY_ENDINGS = [
    "ի",
    "ից",
    "ով",
    "ում",
    "ը",
    "ն",
    "ին",
    "ու",
    "ս",
    "դ",
    "իս",
    "իդ",
    "ում",
    "ումը",
    "եր",
    "ներ",
    "երի",
    "ների",
    "երը",
    "ները",
    "երն",
    "ներն",
    "երին",
    "ներին",
    "երից",
    "ներից",
    "երով",
    "ներով",
    "երում",
    "ներում",
    "ով",
    "ովը",
    "իցը",
]
# nouns in -ություն change stem: առաքելություն → առաքելության, առաքելությամբ
_HY_UTYUN_ENDINGS = [
    "ուն",
    "ունը",
    "ունն",
    "ան",
    "անը",
    "ունից",
    "ունում",
    "ամբ",
    "ունով",
    "ուններ",
    "ունների",
]
# verbal nouns in -ում: սահմանազատում → սահմանազատման, սահմանազատմամբ
_HY_UM_ENDINGS = [
    "ում",
    "ումը",
    "ումն",
    "ումի",
    "ումից",
    "ումով",
    "ման",
    "մանը",
    "մանն",
    "մանից",
    "մամբ",
    "ումներ",
    "ումների",
]
_EN_ENDINGS = ["s", "es"]
# Azerbaijani suffix chain after ı→i folding: plural, possessive, case, -ki, copula; every part optional
_V4 = "[iuü]"
_V2 = "[aə]"
_AZ_CHAIN = (
    f"(?:l{_V2}r)?"
    f"(?:{_V4}m{_V4}z|{_V4}n{_V4}z|m{_V4}z|n{_V4}z|s{_V4}|{_V4}m|{_V4}n|{_V4}|m|n)?"
    f"(?:n?{_V4}n|n?d{_V2}n|n?t{_V2}n|n?d{_V2}|n?t{_V2}|[ny]?{_V2}|[nys]?{_V4}|y?l{_V2})?"
    f"(?:k{_V4}(?:l{_V2}r)?(?:n?{_V4}n|n?d{_V2}|n?{_V2}|n?{_V4})?)?"
    f"(?:l{_V4}|s{_V4}z)?"
    f"(?:d{_V4}r|t{_V4}r)?"
)
_WORD_SPLIT = re.compile(r"(\w+)|(\W+)")

_ALIAS, _CUE, _WORD, _NEGATION = 0, 1, 2, 3
# a negation cancels a cue that starts within this many characters after it ("no casualties", "без жертв")
# or that it follows within _NEGATION_AFTER ("жертв нет")
_NEGATION_BEFORE = 16
_NEGATION_AFTER = 8
_LEVEL_INDEX = {level: index for index, level in enumerate(LEVELS)}
_NOTHING = Classification()  # immutable, so one instance serves every untagged item


def _alternation(endings: Iterable[str]) -> str:
    unique = sorted(set(endings), key=lambda e: (-len(e), e))
    return "(?:" + "|".join(re.escape(e) for e in unique) + ")?" if unique else ""


_SUFFIX_BY_LANGUAGE = {
    "ru": _alternation(_RU_ENDINGS),
    "hy": _alternation(_HY_ENDINGS),
    "en": _alternation(_EN_ENDINGS),
    "az": _AZ_CHAIN,
}
_SUFFIX_BY_LANGUAGE["any"] = (
    "(?:" + _alternation(_RU_ENDINGS + _HY_ENDINGS + _EN_ENDINGS)[:-1] + "|" + _AZ_CHAIN + ")"
)
_END = r"(?!\w)"


@dataclass(frozen=True, slots=True)
class _Term:
    """One way a key can count: an alias, a cue or a rule word, with the checks it needs."""

    kind: int
    ref: int  # alias index, event index or word id
    suffix: Any  # compiled pattern matched right after the key, or None when any continuation is fine
    full: Any  # compiled pattern matched from the key's start (Russian multi-word aliases), or None
    case_key: str | None  # the key's exact original form, for case-sensitive aliases


@dataclass(frozen=True, slots=True)
class _AliasInfo:
    entity: int
    alias: AliasDef
    unless: tuple[int, ...]  # word ids
    with_words: tuple[int, ...]
    with_entities: tuple[int, ...]


def _stem_ru(word: str) -> str:
    if len(word) < 4:
        return word
    for ending in _RU_LEMMA_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def compile_pattern(text: str, language: str, inflect: bool = True) -> tuple[str, str | None, str | None]:
    """(automaton key, suffix regex, full regex) for an alias or cue in its language; both regexes end at a
    word boundary. A trailing `*` means any continuation of the stem."""
    star = text.endswith("*")
    norm = normalize(text.rstrip("*")).strip()
    if star:
        return norm, None, None
    if not inflect:
        return norm, _END, None
    parts = [(m.group(1), m.group(2)) for m in _WORD_SPLIT.finditer(norm)]
    words = [w for w, _ in parts if w]
    if language == "ru" and len(words) > 1:
        pattern = []
        key = ""
        for word, separator in parts:
            if word:
                stem = _stem_ru(word) if len(word) >= 3 else word
                if not key:
                    key = stem
                ending = _SUFFIX_BY_LANGUAGE["ru"] if len(word) >= 3 else ""
                pattern.append(re.escape(stem) + ending)
            elif separator:
                pattern.append(
                    r"\s+" if separator.isspace() else r"\s*".join(map(re.escape, separator.split()))
                )
        return key, None, "".join(pattern) + _END
    if language == "ru":
        return _stem_ru(norm), _SUFFIX_BY_LANGUAGE["ru"] + _END, None
    if language == "hy" and norm.endswith("ություն"):
        return norm[:-3], _alternation(_HY_UTYUN_ENDINGS) + _END, None
    if language == "hy" and norm.endswith("ում") and len(norm) > 6:
        return norm[:-3], _alternation(_HY_UM_ENDINGS) + _END, None
    return norm, _SUFFIX_BY_LANGUAGE.get(language, _SUFFIX_BY_LANGUAGE["any"]) + _END, None


def _found_events(cues: list[tuple[int, int, int]], negations: list[tuple[int, int]]) -> frozenset[int]:
    """The event indices of the cues that count: not next to a negation, not inside a longer cue of another
    event type."""
    found = set()
    for start, stop, event in cues:
        if event in found:
            continue
        if any(
            (n_stop <= start and start - n_stop <= _NEGATION_BEFORE)
            or (n_start >= stop and n_start - stop <= _NEGATION_AFTER)
            for n_start, n_stop in negations
        ):
            continue
        if any(
            o_start <= start and stop <= o_stop and o_stop - o_start > stop - start and o_event != event
            for o_start, o_stop, o_event in cues
        ):
            continue
        found.add(event)
    return frozenset(found)


class Classifier:
    """Tags items with the entities of a gazetteer and a severity from a cue lexicon. Immutable once built."""

    def __init__(self, entities: Sequence[EntityDef], severity: SeverityLexicon | None = None) -> None:
        started = time.perf_counter()
        self.entities = tuple(entities)
        self._severity = severity or SeverityLexicon()
        self._event_names = tuple(event.name for event in self._severity.events)
        self._event_levels = tuple(_LEVEL_INDEX[event.level] for event in self._severity.events)
        index_of = {event.name: index for index, event in enumerate(self._severity.events)}
        self._cancels = tuple(
            frozenset(index_of[name] for name in event.cancels) for event in self._severity.events
        )
        self._entity_index = {entity.id: index for index, entity in enumerate(self.entities)}
        self._severity_entities = frozenset(
            index for index, entity in enumerate(self.entities) if entity.kind in self._severity.kinds
        )
        self._patterns: dict[str, Any] = {}
        self._word_ids: dict[str, int] = {}
        keys: dict[str, list[_Term]] = {}
        self._aliases: list[_AliasInfo] = []
        for entity_index, entity in enumerate(self.entities):
            for alias in entity.aliases:
                info = _AliasInfo(
                    entity=entity_index,
                    alias=alias,
                    unless=tuple(self._word(w, keys) for w in alias.unless_near),
                    with_words=tuple(self._word(w, keys) for w in alias.with_words),
                    with_entities=tuple(self._entity_index[e] for e in alias.with_entities),
                )
                alias_index = len(self._aliases)
                self._aliases.append(info)
                key, suffix, full = compile_pattern(alias.text, alias.language, alias.inflect)
                case_key = case_form(alias.text)[: len(key)] if alias.case_sensitive else None
                self._add(keys, key, _Term(_ALIAS, alias_index, self._re(suffix), self._re(full), case_key))
        for event_index, event in enumerate(self._severity.events):
            for language, cue in event.cues:
                key, suffix, full = compile_pattern(cue, language)
                self._add(keys, key, _Term(_CUE, event_index, self._re(suffix), self._re(full), None))
        for language, word in self._severity.negations:
            key, suffix, full = compile_pattern(word, language)
            self._add(keys, key, _Term(_NEGATION, 0, self._re(suffix), self._re(full), None))
        automaton = ahocorasick.Automaton()
        for key, terms in keys.items():
            automaton.add_word(key, (len(key), tuple(terms)))
        if keys:
            automaton.make_automaton()
        self._automaton = automaton
        self._empty = not keys
        self.build_seconds = time.perf_counter() - started

    def _re(self, pattern: str | None) -> Any:
        if pattern is None:
            return None
        compiled = self._patterns.get(pattern)
        if compiled is None:
            compiled = self._patterns[pattern] = re.compile(pattern)
        return compiled

    def _word(self, word: str, keys: dict[str, list[_Term]]) -> int:
        """The id of a rule's context word, adding it to the automaton the first time."""
        if word in self._word_ids:
            return self._word_ids[word]
        word_id = self._word_ids[word] = len(self._word_ids)
        key, suffix, full = compile_pattern(word, "any")
        self._add(keys, key, _Term(_WORD, word_id, self._re(suffix), self._re(full), None))
        return word_id

    @staticmethod
    def _add(keys: dict[str, list[_Term]], key: str, term: _Term) -> None:
        if key:
            keys.setdefault(key, []).append(term)

    def classify(self, title: str, summary: str = "", language: str | None = None) -> Classification:
        """The entities (sorted by id, with spans over `title + "\\n" + summary` in original offsets), the
        event types named (only for an item that names an entity) and the severity P1–P4: the most severe
        event's level, the floor level without events, None unless a place, organisation, conflict or project
        matched. Never raises on any text."""
        if self._empty:
            return _NOTHING
        original = f"{title}\n{summary}"
        text = normalize(original)
        length = len(text)
        alias_hits: list[tuple[int, int, int]] = []
        words: dict[int, list[tuple[int, int]]] = {}
        cues: list[tuple[int, int, int]] = []
        negations: list[tuple[int, int]] = []
        norm: NormalizedText | None = None
        for end, (key_length, terms) in self._automaton.iter(text):
            start = end - key_length + 1
            if start and text[start - 1].isalnum():
                continue
            after = end + 1
            bare = after == length or not text[after].isalnum()
            for term in terms:
                if term.full is not None:
                    match = term.full.match(text, start)
                    if match is None:
                        continue
                    stop = match.end()
                elif bare or term.suffix is None:
                    stop = after
                else:
                    match = term.suffix.match(text, after)
                    if match is None:
                        continue
                    stop = match.end()
                if term.case_key is not None:
                    if norm is None:
                        norm = NormalizedText(original, text)
                    if case_form(norm.original_slice(start, after)) != term.case_key:
                        continue
                if term.kind == _ALIAS:
                    alias_hits.append((start, stop, term.ref))
                elif term.kind == _CUE:
                    cues.append((start, stop, term.ref))
                elif term.kind == _WORD:
                    words.setdefault(term.ref, []).append((start, stop))
                else:
                    negations.append((start, stop))
        if not alias_hits:
            return _NOTHING
        matched = self._resolve(alias_hits, words)
        if not matched:
            return _NOTHING
        if norm is None:
            norm = NormalizedText(original, text)
        events = _found_events(cues, negations) if cues else frozenset()
        for event in events:
            if self._cancels[event]:
                events = events - self._cancels[event]
        return self._result(norm, matched, events, language)

    def _resolve(
        self, alias_hits: list[tuple[int, int, int]], words: dict[int, list[tuple[int, int]]]
    ) -> dict[int, list[tuple[int, int, int]]]:
        """Apply the rules; the accepted hits per entity index."""
        aliases = self._aliases
        kept: list[tuple[int, int, int]] = []
        for hit in alias_hits:
            info = aliases[hit[2]]
            if info.unless and self._near(hit, info, words):
                continue
            kept.append(hit)
        # a hit strictly inside a longer hit of another entity is part of that name, not a mention
        kept = [
            hit
            for hit in kept
            if not any(
                other[0] <= hit[0]
                and hit[1] <= other[1]
                and other[1] - other[0] > hit[1] - hit[0]
                and aliases[other[2]].entity != aliases[hit[2]].entity
                for other in kept
            )
        ]
        pending = [hit for hit in kept if aliases[hit[2]].alias.conditional]
        accepted = [hit for hit in kept if not aliases[hit[2]].alias.conditional]
        matched = self._entities_of(accepted)
        changed = True
        while pending and changed:
            changed = False
            for hit in list(pending):
                info = aliases[hit[2]]
                if any(w in words for w in info.with_words) or any(e in matched for e in info.with_entities):
                    pending.remove(hit)
                    accepted.append(hit)
                    changed = True
            if changed:
                matched = self._entities_of(accepted)
        return matched

    def _near(
        self, hit: tuple[int, int, int], info: _AliasInfo, words: dict[int, list[tuple[int, int]]]
    ) -> bool:
        window = info.alias.window
        low, high = hit[0] - window, hit[1] + window
        for word_id in info.unless:
            for start, stop in words.get(word_id, ()):
                if stop >= low and start <= high and not (hit[0] <= start and stop <= hit[1]):
                    return True
        return False

    def _entities_of(self, hits: list[tuple[int, int, int]]) -> dict[int, list[tuple[int, int, int]]]:
        by_entity: dict[int, list[tuple[int, int, int]]] = {}
        for hit in hits:
            by_entity.setdefault(self._aliases[hit[2]].entity, []).append(hit)
        for entity_index in list(by_entity):
            groups = self.entities[entity_index].groups
            if groups:
                found = {self._aliases[hit[2]].alias.group for hit in by_entity[entity_index]}
                if not all(group in found for group in groups):
                    del by_entity[entity_index]
        return by_entity

    def _result(
        self,
        norm: NormalizedText,
        matched: dict[int, list[tuple[int, int, int]]],
        events: frozenset[int],
        language: str | None,
    ) -> Classification:
        results = []
        for entity_index, hits in matched.items():
            spans = []
            for start, stop, _ in sorted(hits):
                ostart, ostop = norm.to_original(start, stop)
                span = (ostart, ostop, norm.original[ostart:ostop])
                if span not in spans:
                    spans.append(span)
            first = min(hits)
            alias_language = self._aliases[first[2]].alias.language
            results.append(
                EntityMatch(
                    entity_id=self.entities[entity_index].id,
                    spans=tuple(spans),
                    language=alias_language if alias_language != "any" else language,
                )
            )
        results.sort(key=lambda match: match.entity_id)
        severity = None
        if any(index in self._severity_entities for index in matched):
            levels = [self._event_levels[event] for event in events]
            severity = LEVELS[min(levels)] if levels else self._severity.default
        return Classification(
            entities=tuple(results),
            severity=severity,
            events=frozenset(self._event_names[event] for event in events),
        )
