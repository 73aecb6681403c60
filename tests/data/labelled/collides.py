"""Whether candidate items collide with the test part (or with every part), showing nothing of those parts.

A new development item must not share with any test item the keys that split.py groups on (the URL, the
source on the same date, the same exact day) nor its title; otherwise near-identical text would straddle the
split. For each candidate line this prints only `ok` or the names of the keys that collide; the test items
themselves are read but never printed. Usage: python tests/data/labelled/collides.py candidates.jsonl
With --all-parts the candidates (a new test part) are checked against dev.jsonl, test.jsonl and a fresh part
waiting to be measured (fresh.jsonl, when it exists and is not the candidates file itself).
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


def main(path: Path, parts: tuple[str, ...] = ("test.jsonl",)) -> int:
    lines = [line for part in parts for line in (HERE / part).read_text(encoding="utf-8").splitlines()]
    test_keys = {(name, value) for line in lines if line.strip() for name, value in keys(json.loads(line)).items()}
    bad = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        found = collisions(json.loads(line), test_keys)
        bad += bool(found)
        print(f"line {number}: {'collides on ' + ', '.join(found) if found else 'ok'}")
    return 1 if bad else 0


if __name__ == "__main__":
    arguments = sys.argv[1:]
    all_parts = "--all-parts" in arguments
    candidates = Path(next(argument for argument in arguments if argument != "--all-parts"))
    waiting = HERE / "fresh.jsonl"
    fresh = ("fresh.jsonl",) if waiting.exists() and waiting.resolve() != candidates.resolve() else ()
    sys.exit(main(candidates, ("dev.jsonl", "test.jsonl", *fresh) if all_parts else ("test.jsonl",)))
