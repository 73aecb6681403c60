"""Which story a new item belongs to: the merging decision, explainable by a rule name and a score.

Each new item is compared with the items of other sources (feeds) in stories of the last `window` (48 h): a
feed's second item is its own news (a correction or a new toll), never "also reported by" itself. The best
match wins:

- "text": same language, near-duplicate wording. The normalised title and lead are compared with rapidfuzz's
  token-set ratio (0–100), which forgives re-ordered and added words ("Russia says negotiated ceasefire…" vs
  "Russia says brokered ceasefire…"); at `text_threshold` or more the wording alone decides.
- "text+entities": same language, wording only fairly alike (`text_evidence_threshold` or more) but backed by
  the evidence of the cross-language rule below, within `cross_language_window`.
- "entities": across languages, where wording cannot be compared. Within `cross_language_window`, the items
  must name the same non-generic entities (Jaccard ≥ `entity_threshold`; "generic" entities such as the
  Armenia–Azerbaijan border itself are named by nearly every item and prove nothing) and share evidence
  beyond one name: a place, a significant number (not a year or a clock time; a number up to 31, maybe a day
  of the month, counts only with another), or two or more entities. The score is the Jaccard similarity.

Never merged, whatever the score: items that name places none of which match ("shelling near Jermuk" vs "near
Sotk"), and, across languages, items that both give numbers none of which match ("49 killed" vs "50 killed").
The thresholds were tuned on tests/data/stories_labelled.yaml (see tests/test_stories.py): precision and
recall stay on a plateau for text_threshold 73–74, text_evidence_threshold 50–62, cross-language 12–16 h.
Nothing here knows about storage or Telegram: callers pass fingerprints and get a decision back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from rapidfuzz import fuzz

from feeds.textnorm import normalize

LEAD_CHARACTERS = 300
RULE_NEW = "new"
RULE_TEXT = "text"
RULE_TEXT_ENTITIES = "text+entities"
RULE_ENTITIES = "entities"

_WORDS = re.compile(r"[^\w]+")
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# A number this small alone proves little (days of the month, "two sides"); two of them together do.
_SMALL = 31


class StorySettings(Protocol):
    """The Settings fields the story rules read (storage.settings.Settings has them)."""

    @property
    def story_window_hours(self) -> float: ...
    @property
    def story_text_threshold(self) -> float: ...
    @property
    def story_text_evidence_threshold(self) -> float: ...
    @property
    def story_cross_language_hours(self) -> float: ...
    @property
    def story_entity_threshold(self) -> float: ...
    @property
    def story_generic_entities(self) -> str: ...


@dataclass(frozen=True, slots=True)
class StoryRules:
    """Thresholds of the merging decision (tuned on tests/data/stories_labelled.yaml; see Settings)."""

    window: timedelta = timedelta(hours=48)
    text_threshold: float = 74.0
    text_evidence_threshold: float = 58.0
    cross_language_window: timedelta = timedelta(hours=12)
    entity_threshold: float = 0.5
    generic_entities: frozenset[str] = frozenset({"armaz_border"})

    @classmethod
    def from_settings(cls, settings: StorySettings) -> StoryRules:
        """The rules configured by BORDERWATCH_STORY_* settings."""
        return cls(
            window=timedelta(hours=settings.story_window_hours),
            text_threshold=settings.story_text_threshold,
            text_evidence_threshold=settings.story_text_evidence_threshold,
            cross_language_window=timedelta(hours=settings.story_cross_language_hours),
            entity_threshold=settings.story_entity_threshold,
            generic_entities=frozenset(
                part.strip() for part in settings.story_generic_entities.split(",") if part.strip()
            ),
        )


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What the decision compares of one item: language, time, normalised text, entities, places, numbers."""

    language: str | None
    published: datetime
    text: str
    entities: frozenset[str]
    places: frozenset[str]
    numbers: frozenset[str]
    story_id: int | None = None
    item_id: int | None = field(default=None, compare=False)
    # the feed it came from: a source never merges with itself (a second item of one feed is its own news)
    source: int | None = None


@dataclass(frozen=True, slots=True)
class StoryDecision:
    """The story an item joins (None: a new one), the rule that decided, its score and the matched item."""

    story_id: int | None
    rule: str
    score: float | None
    matched_item_id: int | None = None


def _language(language: str | None) -> str | None:
    if not language:
        return None
    return language.strip().lower().replace("_", "-").split("-")[0] or None


def _numbers(text: str) -> frozenset[str]:
    """The significant numbers of `text`: no clock times (00:05), no years (1900–2099)."""
    text = _CLOCK.sub(" ", text)
    found: set[str] = set()
    for raw in _NUMBER.findall(text):
        value = raw.replace(",", ".")
        if value.isdigit() and 1900 <= int(value) <= 2099:
            continue
        found.add(value.lstrip("0") or "0")
    return frozenset(found)


def fingerprint(
    title: str,
    summary: str,
    language: str | None,
    published: datetime,
    entity_ids: Iterable[str],
    *,
    places: Iterable[str] = (),
    rules: StoryRules = StoryRules(),
    story_id: int | None = None,
    item_id: int | None = None,
    source: int | None = None,
) -> Fingerprint:
    """The fingerprint of one item. `places` are those of its entity ids that are places (from the gazetteer);
    generic entities (rules.generic_entities) are left out of the entity set."""
    lead = summary[:LEAD_CHARACTERS]
    text = " ".join(_WORDS.sub(" ", normalize(f"{title} {lead}")).split())
    entities = frozenset(entity_ids) - rules.generic_entities
    return Fingerprint(
        language=_language(language),
        published=published,
        text=text,
        entities=entities,
        places=frozenset(places) & entities,
        numbers=_numbers(f"{title} {lead}"),
        story_id=story_id,
        item_id=item_id,
        source=source,
    )


def text_score(a: Fingerprint, b: Fingerprint) -> float:
    """How alike the wording of two items is, 0–100 (rapidfuzz token-set ratio over title and lead)."""
    if not a.text or not b.text:
        return 0.0
    return float(fuzz.token_set_ratio(a.text, b.text))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 1.0


def _contradict(a: Fingerprint, b: Fingerprint) -> bool:
    """The items cannot be one event: they name places, none shared."""
    return bool(a.places and b.places and not a.places & b.places)


def _evidence(a: Fingerprint, b: Fingerprint) -> bool:
    """Whether the items share more than a name: a place, a significant number, or two entities."""
    shared_numbers = a.numbers & b.numbers
    big = [n for n in shared_numbers if not n.isdigit() or int(n) > _SMALL]
    return (
        bool(a.places & b.places)
        or bool(big)
        or len(shared_numbers) >= 2
        or len(a.entities & b.entities) >= 2
    )


def entity_score(a: Fingerprint, b: Fingerprint, rules: StoryRules) -> float | None:
    """Jaccard of the items' non-generic entities when the cross-language rule holds, or None."""
    if abs(a.published - b.published) > rules.cross_language_window or _contradict(a, b):
        return None
    score = _jaccard(a.entities, b.entities)
    if score < rules.entity_threshold:
        return None
    if a.numbers and b.numbers and not a.numbers & b.numbers:
        return None
    return score if _evidence(a, b) else None


def _match(
    item: Fingerprint, candidate: Fingerprint, rules: StoryRules
) -> tuple[float, StoryDecision] | None:
    """(rank 0–1, decision) when `item` may join the candidate's story, else None."""
    assert candidate.story_id is not None
    if item.language != candidate.language:
        jaccard = entity_score(item, candidate, rules)
        if jaccard is None:
            return None
        return jaccard, StoryDecision(candidate.story_id, RULE_ENTITIES, round(jaccard, 3), candidate.item_id)
    if _contradict(item, candidate):
        return None
    score = text_score(item, candidate)
    if score >= rules.text_threshold:
        rule = RULE_TEXT
    elif (
        score >= rules.text_evidence_threshold
        and abs(item.published - candidate.published) <= rules.cross_language_window
        and _evidence(item, candidate)
    ):
        rule = RULE_TEXT_ENTITIES
    else:
        return None
    return score / 100, StoryDecision(candidate.story_id, rule, round(score, 1), candidate.item_id)


def decide(item: Fingerprint, candidates: Sequence[Fingerprint], rules: StoryRules) -> StoryDecision:
    """The story `item` joins among the candidates' stories, or a new story (rule "new"). The best-ranked
    match wins; on a tie, the older story."""
    best: tuple[float, StoryDecision] | None = None
    for candidate in candidates:
        if candidate.story_id is None or abs(item.published - candidate.published) > rules.window:
            continue
        if item.source is not None and item.source == candidate.source:
            continue
        found = _match(item, candidate, rules)
        if found is None:
            continue
        if (
            best is None
            or found[0] > best[0]
            or (found[0] == best[0] and (found[1].story_id or 0) < (best[1].story_id or 0))
        ):
            best = found
    return best[1] if best is not None else StoryDecision(None, RULE_NEW, None)


__all__ = [
    "RULE_ENTITIES",
    "RULE_NEW",
    "RULE_TEXT",
    "RULE_TEXT_ENTITIES",
    "Fingerprint",
    "StoryDecision",
    "StoryRules",
    "decide",
    "entity_score",
    "fingerprint",
    "text_score",
]
