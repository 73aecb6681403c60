"""Quality of the classifier on a labelled file: recall, false hits and severity agreement per language.

The file is JSON Lines, one item per line (docs/labelling.md): `title`, optional `summary`, `lang`, `must`
(entity ids a reader sees named), `must_not` (entity ids that must not be tagged: the near-misses), optional
`severity_in` (the acceptable severities, null meaning "no severity"). Other keys (`source`, `url`…) are
ignored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from feeds.classify import Classifier
from feeds.definitions import LEVELS
from storage.errors import BorderwatchError


class LabelledFileError(BorderwatchError):
    """A labelled file cannot be read or a line is not a valid item; the message names the line."""


@dataclass(frozen=True, slots=True)
class LabelledItem:
    """One labelled item as read from the file."""

    line: int
    title: str
    summary: str
    language: str
    must: frozenset[str]
    must_not: frozenset[str]
    severity_in: frozenset[str | None] | None  # None: the item has no severity label


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """What the classifier made of one item, against its labels."""

    item: LabelledItem
    found: frozenset[str]
    severity: str | None
    events: frozenset[str]

    @property
    def missed(self) -> frozenset[str]:
        return self.item.must - self.found

    @property
    def false_hits(self) -> frozenset[str]:
        return self.item.must_not & self.found

    @property
    def severity_ok(self) -> bool | None:
        """True or False when the item has a severity label, None when it has none."""
        if self.item.severity_in is None:
            return None
        return self.severity in self.item.severity_in


@dataclass(slots=True)
class LanguageScore:
    """Counts for one language (or "all")."""

    items: int = 0
    required: int = 0
    found: int = 0
    near_miss_items: int = 0
    false_hits: int = 0
    severity_labelled: int = 0
    severity_agreed: int = 0

    @property
    def recall(self) -> float:
        return self.found / self.required if self.required else 1.0

    @property
    def severity_agreement(self) -> float:
        return self.severity_agreed / self.severity_labelled if self.severity_labelled else 1.0

    def add(self, outcome: ItemOutcome) -> None:
        self.items += 1
        self.required += len(outcome.item.must)
        self.found += len(outcome.item.must & outcome.found)
        if outcome.item.must_not:
            self.near_miss_items += 1
        self.false_hits += len(outcome.false_hits)
        if outcome.severity_ok is not None:
            self.severity_labelled += 1
            self.severity_agreed += outcome.severity_ok

    def as_dict(self) -> dict[str, float | int]:
        return {
            "items": self.items,
            "recall": round(self.recall, 4),
            "required": self.required,
            "found": self.found,
            "near_miss_items": self.near_miss_items,
            "false_hits": self.false_hits,
            "severity_agreement": round(self.severity_agreement, 4),
            "severity_labelled": self.severity_labelled,
            "severity_agreed": self.severity_agreed,
        }


@dataclass(slots=True)
class Evaluation:
    """Scores per language and overall, and every item's outcome."""

    by_language: dict[str, LanguageScore] = field(default_factory=dict)
    overall: LanguageScore = field(default_factory=LanguageScore)
    outcomes: list[ItemOutcome] = field(default_factory=list)

    def failures(self) -> list[ItemOutcome]:
        """Items with a missed entity, a false hit or a severity outside the label."""
        return [o for o in self.outcomes if o.missed or o.false_hits or o.severity_ok is False]


def _strings(value: object, line: int, key: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LabelledFileError(f"line {line}: {key} must be a list of entity ids")
    return frozenset(value)


def parse_item(text: str, line: int) -> LabelledItem:
    """One item from its JSON line; LabelledFileError naming the line and the problem."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LabelledFileError(f"line {line}: not valid JSON ({exc.msg})") from None
    if not isinstance(raw, dict):
        raise LabelledFileError(f"line {line}: expected a JSON object")
    title, summary, language = raw.get("title"), raw.get("summary") or "", raw.get("lang")
    if not isinstance(title, str) or not title.strip():
        raise LabelledFileError(f"line {line}: title must be a non-empty string")
    if not isinstance(summary, str):
        raise LabelledFileError(f"line {line}: summary must be a string")
    if not isinstance(language, str) or not language:
        raise LabelledFileError(f"line {line}: lang must be a language code such as en, ru, hy, az")
    severity_in: frozenset[str | None] | None = None
    if "severity_in" in raw:
        levels = raw["severity_in"]
        if not isinstance(levels, list) or not levels or not all(v is None or v in LEVELS for v in levels):
            raise LabelledFileError(f"line {line}: severity_in must be a list of P1…P4 or null")
        severity_in = frozenset(levels)
    return LabelledItem(
        line=line,
        title=title,
        summary=summary,
        language=language,
        must=_strings(raw.get("must"), line, "must"),
        must_not=_strings(raw.get("must_not"), line, "must_not"),
        severity_in=severity_in,
    )


def read_labelled(path: Path) -> list[LabelledItem]:
    """Every item of a labelled JSONL file (blank lines skipped); LabelledFileError when unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LabelledFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelledFileError(f"{path}: cannot be read ({exc})") from None
    items = [parse_item(line, number) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not items:
        raise LabelledFileError(f"{path}: no items")
    return items


def evaluate(classifier: Classifier, items: Iterable[LabelledItem]) -> Evaluation:
    """Classify every item and count recall, false hits and severity agreement per language and overall."""
    result = Evaluation()
    for item in items:
        classification = classifier.classify(item.title, item.summary, item.language)
        outcome = ItemOutcome(
            item=item,
            found=frozenset(classification.entity_ids),
            severity=classification.severity,
            events=classification.events,
        )
        result.outcomes.append(outcome)
        result.by_language.setdefault(item.language, LanguageScore()).add(outcome)
        result.overall.add(outcome)
    return result


def format_report(evaluation: Evaluation, show_failures: bool = False) -> list[str]:
    """A plain-text table: one line per language and one for all, then the failures when asked."""
    lines = [
        f"{'lang':<5} {'items':>5}  {'recall':>16}  {'false hits':>17}  {'severity':>16}",
    ]
    rows: Sequence[tuple[str, LanguageScore]] = [
        *sorted(evaluation.by_language.items()),
        ("all", evaluation.overall),
    ]
    for language, score in rows:
        lines.append(
            f"{language:<5} {score.items:>5}  {score.recall:6.3f} ({score.found:>4}/{score.required:<4})"
            f"  {score.false_hits:>3} in {score.near_miss_items:>3} near-misses"
            f"  {score.severity_agreement:6.3f} ({score.severity_agreed:>3}/{score.severity_labelled:<3})"
        )
    if show_failures:
        for outcome in evaluation.failures():
            item = outcome.item
            problems = []
            if outcome.missed:
                problems.append(f"missed {sorted(outcome.missed)}")
            if outcome.false_hits:
                problems.append(f"false hit {sorted(outcome.false_hits)}")
            if outcome.severity_ok is False:
                wanted = sorted(item.severity_in or (), key=str)
                problems.append(
                    f"severity {outcome.severity} not in {wanted} (events {sorted(outcome.events)})"
                )
            text = item.title if not item.summary else f"{item.title} | {item.summary}"
            lines.append(f"  line {item.line} [{item.language}] {'; '.join(problems)}: {text[:160]}")
    return lines


def report_json(evaluation: Evaluation) -> dict[str, object]:
    """The figures as one JSON-ready object: {"languages": {lang: {...}}, "all": {...}}."""
    return {
        "languages": {
            language: score.as_dict() for language, score in sorted(evaluation.by_language.items())
        },
        "all": evaluation.overall.as_dict(),
    }
