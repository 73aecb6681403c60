"""Grades of one commit's rules for labelled items: run with that commit's code first on the path.

    PYTHONPATH=/tmp/b_<sha> BORDERWATCH_ENTITIES=/tmp/b_<sha>/config/entities.yaml \
        .venv/bin/python tests/data/labelled/old_grades.py IN.jsonl OUT.jsonl

Writes one JSON line per input item: the entity ids tagged, the severity and the events. Uses only the
classifier API every round since the tenth has had (load_settings, load_yaml_gazetteer,
Classifier.classify), so that the backtest (severity_backtest.py) reads what each round's rules really
gave."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import feeds
from feeds.gazetteer import load_yaml_gazetteer
from storage.settings import load_settings


DISCOUNTS = ("negations", "endings", "hedges", "background", "background_markers", "causes")


def main(source: Path, target: Path) -> None:
    print(f"code from {Path(feeds.__file__).parent.parent}", file=sys.stderr)
    gazetteer = load_yaml_gazetteer(load_settings())
    classifier = gazetteer.classifier
    # the same rules with every way of discounting a cue switched off: an event here means a cue was present
    switched_off = {
        field.name: () for field in dataclasses.fields(gazetteer.severity) if field.name in DISCOUNTS
    }
    raw = type(classifier)(gazetteer.definitions, dataclasses.replace(gazetteer.severity, **switched_off))
    rows = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        result = classifier.classify(item["title"], item.get("summary") or "", item["lang"])
        rows.append(
            json.dumps(
                {
                    "entities": sorted(result.entity_ids),
                    "severity": result.severity,
                    "events": sorted(result.events),
                    "raw_events": sorted(
                        raw.classify(item["title"], item.get("summary") or "", item["lang"]).events
                    ),
                },
                ensure_ascii=False,
            )
        )
    target.write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
