"""Why an entity was or was not found in a text: for /missed (a miss an admin reports) and /review (a false
hit to fix). Plain facts per alias: where its name stands in the text and which check kept it out.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from feeds.classify import azerbaijani_outside, compile_pattern, folds_letters, in_own_quotes
from feeds.definitions import AliasDef, EntityDef
from feeds.gazetteer import Gazetteer
from feeds.textnorm import NormalizedText, case_form, normalize

_WORD = re.compile(r"\w[\w'-]*")
_NEXT_WORD = re.compile(r"\w*[\s\-\"'«»“”]{1,2}(?=\w)")  # the rest of the word, then the gap to the next one
_NEAR = 0.78  # how alike a word and an alias must be to be called a near match


# Why a name in the text did not count (AliasVerdict.reason); the bot words each one in the reader's language.
QUOTED = "quoted"  # in quotes, which for this name means something else (a club, a brand)
EXCLUDED = "excluded"  # detail: the exclusion word that stands near it
NEEDS_ALL = "needs_all"  # detail: the words of which one must also stand in the text
NEEDS_CONTEXT = "needs_context"  # detail: the words or entities it counts only beside
CAPITALS = "capitals"  # the name must be written with its capitals
LONGER_NAME = "longer_name"  # it is part of a longer name of another entity
NOT_A_FORM = "not_a_form"  # a near match, not a form of the name


@dataclass(frozen=True, slots=True)
class AliasVerdict:
    """One alias of the entity against the text: the text that nearly or fully matched, and why it did not
    count (one of the reason codes above; None when it counted), with the words the reason names."""

    alias: str
    language: str
    found_text: str
    reason: str | None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Explanation:
    """What the classifier sees for one entity in one text."""

    entity_id: str
    found: bool
    matched: tuple[str, ...]  # the texts that counted
    verdicts: tuple[AliasVerdict, ...]  # near matches and the reasons they failed
    suggestion: str | None  # the word(s) of the text to add as an alias, when the entity was missed


def _alias_regex(alias: AliasDef) -> re.Pattern[str]:
    key, suffix, full = compile_pattern(
        alias.text, alias.language, alias.inflect, gap=alias.gap, derived=alias.language == "ru"
    )
    pattern = full if full is not None else re.escape(key) + (suffix if suffix is not None else r"\w*")
    return re.compile(r"(?<!\w)" + pattern)


def _rule_reason(
    alias: AliasDef, text: str, start: int, stop: int, found: set[str], letters: str
) -> tuple[str, str] | None:
    """Why a name found in the text does not count, by the alias's own rules, as (reason code, detail);
    None when it counts. `letters` is the text normalised with its Azerbaijani letters kept."""
    if (
        alias.unless_quoted
        and start
        and stop < len(text)
        and text[start - 1] in "\"'"
        and text[stop] in "\"'"
    ):
        return QUOTED, ""
    if alias.own_language and not azerbaijani_outside(letters, start, stop, len(normalize(alias.text))):
        return NEEDS_CONTEXT, "an Azerbaijani letter (ə, ğ, ş, ç, ö, ü) or word elsewhere in the text"
    kept = any(_alias_regex(AliasDef(word, "any")).search(normalize(text)) for word in alias.kept_with)
    for word in (*alias.unless_near_always, *(() if kept else alias.unless_near)):
        window = text[max(0, start - alias.window) : stop + alias.window]
        if _alias_regex(AliasDef(word, "any")).search(normalize(window)):
            return EXCLUDED, word
    if alias.unless_next:
        rest = _NEXT_WORD.match(text, stop)
        following = normalize(text[rest.end() :]) if rest is not None else ""
        for word in alias.unless_next:
            if following and _alias_regex(AliasDef(word, "any")).match(following):
                return EXCLUDED, word
    if alias.with_all:
        for group in alias.with_all:
            if not any(_alias_regex(AliasDef(word, "any")).search(text) for word in group):
                return NEEDS_ALL, ", ".join(group[:8])
    if alias.quoted_name and in_own_quotes(text, start, stop):
        return None  # in quotes it names the thing without context words
    if alias.with_words or alias.with_entities:
        has_word = any(_alias_regex(AliasDef(word, "any")).search(text) for word in alias.with_words)
        has_entity = any(entity in found for entity in alias.with_entities)
        if not (has_word or has_entity):
            needs = [*alias.with_words[:6], *alias.with_entities[:6]]
            return NEEDS_CONTEXT, ", ".join(needs)
    return None


def _suggestion(entity: EntityDef, original: str) -> tuple[str | None, list[AliasVerdict]]:
    """The text's words most like one of the entity's names, with a near-match verdict for each."""
    words = _WORD.findall(original)
    normalized: dict[str, str] = {}  # a candidate as typed -> normalised (a long text repeats its words)
    verdicts: list[AliasVerdict] = []
    best: tuple[float, str] | None = None
    matcher = difflib.SequenceMatcher(None)
    for alias in entity.aliases:
        name = normalize(alias.text.rstrip("*"))
        size = max(1, len(name.split()))
        matcher.set_seq2(name)  # what SequenceMatcher analyses once per alias
        scores: dict[str, float] = {}  # per normalised candidate: its score against this name
        for index in range(len(words)):
            candidate = " ".join(words[index : index + size])
            key = normalized.get(candidate)
            if key is None:
                key = normalized[candidate] = normalize(candidate)
            score = scores.get(key)
            if score is None:
                matcher.set_seq1(key)
                # the quick ratios bound ratio() from above: below _NEAR they settle it far more cheaply
                near = matcher.real_quick_ratio() >= _NEAR and matcher.quick_ratio() >= _NEAR
                score = scores[key] = matcher.ratio() if near else 0.0
            if score >= _NEAR and (best is None or score > best[0]):
                best = (score, candidate)
            if score >= _NEAR:
                verdicts.append(
                    AliasVerdict(
                        alias.text,
                        alias.language,
                        candidate,
                        NOT_A_FORM,
                    )
                )
    unique = {(v.alias, v.found_text): v for v in verdicts}
    return (best[1] if best else None), list(unique.values())[:8]


def _without_letters(alias: AliasDef, letters: str, start: int) -> bool:
    """Whether the name at `start` (in the text normalised with its Azerbaijani letters kept) is `alias`
    only with those letters folded ("Susa" for "Şuşa"): no form of it in an item known to be in another
    language than Azerbaijani or Turkish."""
    spelled = normalize(alias.text.rstrip("*"), fold=False)
    return spelled != normalize(alias.text.rstrip("*")) and not letters.startswith(spelled, start)


def explain(
    gazetteer: Gazetteer, entity_id: str, title: str, summary: str = "", language: str | None = None
) -> Explanation:
    """Classify the text as an item in `language` (None: not declared) is classified, then go through every
    alias of `entity_id`: where its name stands in the text and which check kept it out; when nothing
    counted, the word(s) most like one of its names."""
    entity = next((e for e in gazetteer.definitions if e.id == entity_id), None)
    if entity is None:
        raise KeyError(entity_id)
    result = gazetteer.classifier.classify(title, summary, language)
    found_ids = set(result.entity_ids)
    matched = tuple(
        span[2] for match in result.entities if match.entity_id == entity_id for span in match.spans
    )
    original = f"{title}\n{summary}"
    text = normalize(original)
    letters = normalize(original, fold=False)
    norm = NormalizedText(original, text)
    verdicts: list[AliasVerdict] = []
    for alias in entity.aliases:
        for hit in _alias_regex(alias).finditer(text):
            shown = norm.original_slice(hit.start(), hit.end())
            if alias.case_sensitive and case_form(shown)[: len(case_form(alias.text))] != case_form(
                alias.text
            ):
                reason: tuple[str, str] | None = (CAPITALS, "")
            elif not folds_letters(language) and _without_letters(alias, letters, hit.start()):
                reason = (NOT_A_FORM, "")
            else:
                reason = _rule_reason(alias, text, hit.start(), hit.end(), found_ids, letters)
            if reason is None and entity_id not in found_ids:
                reason = (LONGER_NAME, "")
            if reason is not None:
                verdicts.append(AliasVerdict(alias.text, alias.language, shown, *reason))
            elif entity_id in found_ids:
                verdicts.append(AliasVerdict(alias.text, alias.language, shown, None))
    suggestion = None
    if entity_id not in found_ids and not verdicts:
        suggestion, near = _suggestion(entity, original)
        verdicts.extend(near)
    return Explanation(entity_id, entity_id in found_ids, matched, tuple(verdicts), suggestion)


def exclusion_candidates(text: str, start: int, stop: int, limit: int = 3) -> list[str]:
    """Words close to the span [start, stop) of `text` (original offsets) that could mark it as not about the
    entity: the nearest longer words first, the span's own words left out."""
    before = _WORD.findall(text[max(0, start - 60) : start])[::-1]
    after = _WORD.findall(text[stop : stop + 60])
    ordered: list[str] = []
    for pair in zip(after, before, strict=False):
        ordered.extend(pair)
    ordered.extend(after[len(before) :] if len(after) > len(before) else before[len(after) :])
    inside = {normalize(word) for word in _WORD.findall(text[start:stop])}
    candidates: list[str] = []
    for word in ordered:
        key = normalize(word)
        if len(key) < 4 or key in inside or key.isdigit() or any(normalize(c) == key for c in candidates):
            continue
        candidates.append(word)
        if len(candidates) == limit:
            break
    return candidates


def alias_for_span(entity: EntityDef, span_text: str) -> AliasDef | None:
    """The alias of `entity` whose name the matched text is a form of."""
    text = normalize(span_text)
    for alias in entity.aliases:
        match = _alias_regex(alias).match(text)
        if match is not None and match.end() == len(text):
            return alias
    return None
