"""The labelled figures three ways: each item in its labelled language, in the language feeds.language detects
with the label hidden (an item of a feed that declares none, today), and with no language (before detection).

    .venv/bin/python tests/data/labelled/detected.py [tests/data/labelled/dev.jsonl]

Prints detection accuracy per labelled language (and on a copy of the Azerbaijani items written without the
letters, as Telegram channels write), then recall, false hits (in items with near-misses) and severity agreement
per labelled language for each of the three ways; the letter-free copy is classified the same three ways.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from feeds.evaluate import ItemOutcome, LabelledItem, LanguageScore, read_labelled
from feeds.gazetteer import load_yaml_gazetteer
from feeds.language import detect_language
from storage.settings import load_settings

# the Azerbaijani letters as a text written without them has them (feeds.textnorm folds them so)
_WITHOUT_LETTERS = str.maketrans("əƏçÇşŞğĞöÖüÜıİ", "eEcCsSgGoOuUiI")
LETTER_FREE = "az*"  # the row of the letter-free copy of the Azerbaijani items

Reading = Callable[[LabelledItem], str | None]
READINGS: dict[str, Reading] = {
    "labelled": lambda item: item.language if item.language != LETTER_FREE else "az",
    "detected": lambda item: detect_language(item.title, item.summary),
    "none": lambda item: None,
}


def letter_free(item: LabelledItem) -> LabelledItem:
    title, summary = item.title.translate(_WITHOUT_LETTERS), item.summary.translate(_WITHOUT_LETTERS)
    return replace(item, title=title, summary=summary, language=LETTER_FREE)


def main(path: Path) -> None:
    items = read_labelled(path)
    items += [letter_free(item) for item in items if item.language == "az"]
    detected: dict[str, Counter[str | None]] = defaultdict(Counter)
    for item in items:
        detected[item.language][detect_language(item.title, item.summary)] += 1
    print("detection (labelled language: detected as)")
    for language, counts in sorted(detected.items()):
        right = counts["az" if language == LETTER_FREE else language]
        total = sum(counts.values())
        shown = ", ".join(f"{k}: {v}" for k, v in counts.most_common())
        print(f"  {language:<4} {right:>4}/{total:<4} {right / total:.3f}  ({shown})")
    classifier = load_yaml_gazetteer(load_settings()).classifier
    for name, reading in READINGS.items():
        scores: dict[str, LanguageScore] = defaultdict(LanguageScore)
        for item in items:
            result = classifier.classify(item.title, item.summary, reading(item))
            outcome = ItemOutcome(item, frozenset(result.entity_ids), result.severity, result.events)
            scores[item.language].add(outcome)
            if item.language != LETTER_FREE:
                scores["all"].add(outcome)
        print(f"language {name}")
        for language in [*sorted(k for k in scores if k != "all"), "all"]:
            score = scores[language]
            print(
                f"  {language:<4} recall {score.recall:.3f} ({score.found}/{score.required})"
                f"  false hits {score.false_hits} in {score.near_miss_items}"
                f"  severity {score.severity_agreement:.3f} ({score.severity_agreed}/{score.severity_labelled})"
            )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/labelled/dev.jsonl"))
