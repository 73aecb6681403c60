"""One item of a hostile (or broken) feed whose summary repeats a tracked name to the summary cap: how long
its classification holds the ingest process's event loop, against an ordinary item of the same length.

Classification runs on the event loop (one item at a time, feeds.ingest), so every poll and, in a process of
`--role all`, every command waits behind one item's classification. Each repeated name is written
`MAX_SUMMARY_CHARS` long (about 2,000 to 5,000 hits); the baseline is the development set's headlines joined
to the same length (an ordinary long item, a few dozen hits). Printed: the median of REPEATS runs of each,
and the ratio.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from feeds.gazetteer import load_yaml_gazetteer
from feeds.limits import MAX_SUMMARY_CHARS
from storage.settings import load_settings

REPEATS = 3
DEV = Path(__file__).resolve().parent.parent / "tests" / "data" / "labelled" / "dev.jsonl"
# names whose repetition cost most before (hits compared pairwise, every span of a rule word walked per hit,
# the whole text searched again per hit)
NAMES = [
    ("Mirzoyan", "en"),
    ("Vladimir Putin", "en"),
    ("Istisu", "en"),
    ("Шуши", "ru"),
    ("дорога Ханкенди-Лачин", "ru"),
    ("ՄԱԿ", "hy"),
    ("Laçın yolu", "az"),
    ("Qarabağ", "az"),  # a name that counts only in Azerbaijani text: the text around each hit is looked at
    ("Qarabağ", "en"),
    # cues repeated beside a name (review of rounds 36-39): a cause's genitive, an Azerbaijani future verb,
    # cue words whose patterns' other pieces are missing, a negation before an exclusion word
    ("Լաչինի միջանցք ռազմագերիների վերադարձից հետո", "hy"),
    ("Laçın yolu bağlanacaq", "az"),
    ("RA Armed Forces RA army RA troops", "en"),
    ("Нахичевань не Ростов не Дону не", "ru"),
]


def _median_seconds(classify: object, title: str, summary: str, language: str) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        classify(title, summary, language)  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    classifier = load_yaml_gazetteer(load_settings()).classifier
    with DEV.open(encoding="utf-8") as handle:
        headlines = [json.loads(line)["title"] for line in handle]
    ordinary = ""
    for headline in headlines:
        if len(ordinary) >= MAX_SUMMARY_CHARS:
            break
        ordinary += headline + "\n"
    ordinary = ordinary[:MAX_SUMMARY_CHARS]
    baseline = _median_seconds(classifier.classify, headlines[0], ordinary, "en")
    print(f"ordinary item, {len(ordinary):,} characters (baseline): {baseline * 1000:.1f} ms")
    for name, language in NAMES:
        summary = ((name + " ") * (MAX_SUMMARY_CHARS // (len(name) + 1)))[:MAX_SUMMARY_CHARS]
        took = _median_seconds(classifier.classify, name, summary, language)
        print(f"{name!r} repeated ({language}): {took * 1000:.1f} ms ({took / baseline:.2f}x the baseline)")
