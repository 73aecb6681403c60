"""/missed on a long stored article that does not name the entity: the near-match search (feeds.explain's
_suggestion compares every name of the entity with every word) against classifying the same text.

It runs in a worker thread (bot.commands.review), so it no longer stalls the event loop; this is how long the
admin waits. The text is the development set's headlines joined to MAX_SUMMARY_CHARS and to 5,000 characters;
the entity is the Lachin corridor (185 names, the most of any). Before the quick ratios and the per-word cache
(process time, niced, on a shared machine): 9.1 s at 20,000 characters, 2.3 s at 5,000; after: 1.06 s and
0.26 s, with the same suggestions.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from feeds.explain import _suggestion
from feeds.gazetteer import load_yaml_gazetteer
from feeds.limits import MAX_SUMMARY_CHARS
from storage.settings import load_settings

DEV = Path(__file__).resolve().parent.parent / "tests" / "data" / "labelled" / "dev.jsonl"
ENTITY = "lachin_corridor"


def main() -> None:
    gazetteer = load_yaml_gazetteer(load_settings())
    [entity] = [e for e in gazetteer.definitions if e.id == ENTITY]
    with DEV.open(encoding="utf-8") as handle:
        headlines = [json.loads(line)["title"] for line in handle]
    joined = "\n".join(headlines)
    for size in (5_000, MAX_SUMMARY_CHARS):
        text = joined[:size]
        started = time.process_time()
        gazetteer.classifier.classify("", text, "en")
        classified = time.process_time() - started
        started = time.process_time()
        _suggestion(entity, text)
        searched = time.process_time() - started
        print(
            f"{ENTITY} ({len(entity.aliases)} names), {len(text):,} characters: "
            f"near matches {searched:.2f} s, "
            f"classification of the same text (baseline) {classified:.2f} s, "
            f"ratio {searched / classified:.1f}x"
        )
