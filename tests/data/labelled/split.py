"""The one-time 70/30 split of the labelled set into dev.jsonl and test.jsonl (kept for the record).

Items that could be near-identical never straddle the split: items are grouped when they share a URL, the same
source on the same date, or the same exact day (one event reported by several outlets). Groups are taken in the
order of a hash of their first URL and go to the test part while its share of that language is under 30%.
Run once, before the classifier was ever run on these items; rerunning on the same collected file gives the same
split. Usage: python tests/data/labelled/split.py collected.jsonl
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).parent


def _groups(items: list[dict]) -> list[list[int]]:
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    first: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items):
        keys = [("url", item["url"]), ("source-date", f"{item['source']}|{item['date']}")]
        if len(item["date"]) == 10:  # a day: one event, many outlets
            keys.append(("day", item["date"]))
        for key in keys:
            if key in first:
                union(index, first[key])
            else:
                first[key] = index
    by_root: dict[int, list[int]] = defaultdict(list)
    for index in range(len(items)):
        by_root[find(index)].append(index)
    return list(by_root.values())


def main(source: Path) -> None:
    items = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    groups = _groups(items)
    groups.sort(key=lambda g: hashlib.sha256(items[g[0]]["url"].encode()).hexdigest())
    per_language = Counter(item["lang"] for item in items)
    in_test: Counter[str] = Counter()
    test: set[int] = set()
    for group in groups:
        language = Counter(items[i]["lang"] for i in group).most_common(1)[0][0]
        if in_test[language] + len(group) <= 0.3 * per_language[language] + 2:
            test.update(group)
            for i in group:
                in_test[items[i]["lang"]] += 1
    for name, chosen in (("dev", [i for i in range(len(items)) if i not in test]), ("test", sorted(test))):
        with (HERE / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
            for i in chosen:
                handle.write(json.dumps(items[i], ensure_ascii=False) + "\n")
        print(name, len(chosen), dict(Counter(items[i]["lang"] for i in chosen)))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
