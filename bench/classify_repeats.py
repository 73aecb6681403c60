"""Items of a hostile (or broken) feed whose summary repeats a short text to the summary cap: a tracked name,
cue words beside it, cause words, quotes or sentence breaks around it. How long each item's classification
holds the ingest process's event loop, against an ordinary item of the same length.

Classification runs on the event loop (one item at a time, feeds.ingest), so every poll and, in a process of
`--role all`, every command waits behind one item's classification. Each repeated text is written
`MAX_SUMMARY_CHARS` long (about 1,000 to 5,000 hits); the baseline is the development set's headlines joined
to the same length (an ordinary long item, a few dozen hits). Printed: the median CPU time of REPEATS runs of
each (the machine may be shared) and the ratio.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from feeds.gazetteer import load_yaml_gazetteer
from feeds.limits import MAX_SUMMARY_CHARS
from storage.settings import load_settings

REPEATS = 5
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
    # review 17: a cue after a cause word ("as a result of the shelling") beside a name, every cause word
    # walked for every cue; a name opening a quote, the quotes before it counted again for every name; a
    # name after a sentence break, the text before it copied for every name
    ("в результате обстрела Лачин", "ru"),
    ("as a result of the shelling Lachin", "en"),
    ("təxribatı nəticəsində Laçın", "az"),
    ('"Шуши', "ru"),
    ('"Շուշի', "hy"),
    ("- Mirzoyan", "en"),
    ("«Шуши» (Шуши)", "ru"),
]


def _median_seconds(classify: object, title: str, summary: str, language: str) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.process_time()
        classify(title, summary, language)  # type: ignore[operator]
        times.append(time.process_time() - started)
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
