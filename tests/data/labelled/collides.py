"""Whether candidate items for dev.jsonl collide with the test part, showing nothing of the test part.

A new development item must not share with any test item the keys that split.py groups on (the URL, the
source on the same date, the same exact day) nor its title; otherwise near-identical text would straddle the
split. For each candidate line this prints only `ok` or the names of the keys that collide; the test items
themselves are read but never printed. Usage: python tests/data/labelled/collides.py candidates.jsonl
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent


def keys(item: dict) -> dict[str, str]:
    """The split keys of an item (as in split.py) and its title."""
    found = {"url": item["url"], "source-date": f"{item['source']}|{item['date']}", "title": item["title"]}
    if len(item["date"]) == 10:
        found["day"] = item["date"]
    return found


def collisions(candidate: dict, test_keys: set[tuple[str, str]]) -> list[str]:
    return [name for name, value in keys(candidate).items() if (name, value) in test_keys]


def main(path: Path) -> int:
    test_items = [json.loads(line) for line in (HERE / "test.jsonl").read_text(encoding="utf-8").splitlines()]
    test_keys = {(name, value) for item in test_items if item for name, value in keys(item).items()}
    bad = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        found = collisions(json.loads(line), test_keys)
        bad += bool(found)
        print(f"line {number}: {'collides on ' + ', '.join(found) if found else 'ok'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
