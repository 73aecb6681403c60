"""Figures of each folded part of the development file alone, for the leave-one-part-out check of a round.

    .venv/bin/python tests/data/labelled/per_part.py [tests/data/labelled/dev.jsonl]

Part 0 is the development part proper (items without `folded_test_part`). Prints recall, false hits (entities of
`must_not` found, in items with near-misses) and severity agreement per part, with the gazetteer in force
(BORDERWATCH_ENTITIES picks another one, for a base commit's config unpacked elsewhere).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from feeds.evaluate import evaluate, read_labelled
from feeds.gazetteer import load_yaml_gazetteer
from storage.settings import load_settings


def main(path: Path) -> None:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    parts = [json.loads(line).get("folded_test_part") or 0 for line in lines]
    classifier = load_yaml_gazetteer(load_settings()).classifier
    evaluation = evaluate(classifier, read_labelled(path))
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
    for outcome, part in zip(evaluation.outcomes, parts, strict=True):
        for key in (str(part), "all"):
            row = counts[key]
            row[0] += len(outcome.item.must)
            row[1] += len(outcome.item.must & outcome.found)
            row[2] += 1 if outcome.item.must_not else 0
            row[3] += len(outcome.false_hits)
            if outcome.severity_ok is not None:
                row[4] += 1
                row[5] += int(outcome.severity_ok)
    print("part  recall              false hits     severity")
    for key in sorted((k for k in counts if k != "all"), key=int) + ["all"]:
        req, found, near, hits, labelled, agreed = counts[key]
        print(
            f"{key:4}  {found / req:.3f} ({found}/{req})  {hits:3} in {near:3}  "
            f"{agreed / labelled:.3f} ({agreed}/{labelled})"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/labelled/dev.jsonl"))
