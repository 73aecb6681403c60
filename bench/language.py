"""Benchmark of language detection (feeds.language) for items whose feed declares no language.

Items: the labelled development file's titles and summaries (English, Russian, Armenian, Azerbaijani) and a
copy of the Azerbaijani ones written without the letters. Baseline, measured in the same run on the same
items: the shipped classifier, which ingestion runs on every item anyway. Goal: detection costs <= 0.5x the
classification of the same item (ingest classifies thousands of items a minute).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from feeds.gazetteer import load_yaml_gazetteer
from feeds.language import detect_language
from storage.settings import load_settings

_LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "labelled" / "dev.jsonl"
_WITHOUT_LETTERS = str.maketrans("əƏçÇşŞğĞöÖüÜıİ", "eEcCsSgGoOuUiI")
_ROUNDS = 5


def items() -> list[tuple[str, str]]:
    """(title, summary) of every labelled item, and of its Azerbaijani items written without the letters."""
    result = []
    for line in _LABELLED.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            title, summary = raw["title"], raw.get("summary") or ""
            result.append((title, summary))
            if raw.get("lang") == "az":
                result.append((title.translate(_WITHOUT_LETTERS), summary.translate(_WITHOUT_LETTERS)))
    return result


def main() -> None:
    """Print the detection and classification cost per item (CPU time, one core) and their ratio."""
    classify = load_yaml_gazetteer(load_settings()).classifier.classify
    corpus = items()
    detected = 0
    detect_time = classify_time = 0.0
    # interleaved rounds, so that load from other processes on the machine affects both sides alike
    for _ in range(_ROUNDS):
        started = time.process_time()
        detected += sum(1 for title, summary in corpus if detect_language(title, summary) is not None)
        detect_time += time.process_time() - started
        started = time.process_time()
        for title, summary in corpus:
            classify(title, summary, None)
        classify_time += time.process_time() - started
    count = len(corpus) * _ROUNDS
    detect_us, classify_us = detect_time / count * 1e6, classify_time / count * 1e6
    print(f"language: {len(corpus)} labelled items x {_ROUNDS}; {detected // _ROUNDS} given a language")
    print(f"language: detection {detect_us:.1f} us/item ({count / detect_time:,.0f} items/s)")
    print(f"baseline (the shipped classifier on the same items): {classify_us:.1f} us/item")
    print(f"ratio: {detect_us / classify_us:.3f}x of classification (goal <= 0.5x; CPU time, one core)")


if __name__ == "__main__":
    main()
