"""Story-merging figures with the Azerbaijani items as written and written without their letters, as public
Telegram channels write them (ə→e, ç→c, ş→s, ğ→g, ö→o, ü→u, ı→i: the fold map of feeds.textnorm).

    nice .venv/bin/python -m tests.story_figures_letters

Prints, for the development files together and for the test part, same- and cross-language pairwise figures
of three copies, each merged alone in a SQLite database of its own: as written; every Azerbaijani item
without its letters; and mixed, where the Azerbaijani items of every other source (by a hash of its name) lose
their letters, as when agencies write with the letters and Telegram channels without (the pairs between a
lettered and a letter-free item are printed apart).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from feeds.textnorm import _FOLDED
from storage.migrate import upgrade_sync
from tests.test_story_signature import (
    DEV_DATA,
    TEST_DATA,
    labels_and_languages,
    merge_in_database,
    pairwise,
)

_STRIP = str.maketrans({**_FOLDED, **{c.upper(): f.upper() for c, f in _FOLDED.items()}, "ı": "i", "İ": "I"})


def without_letters(item: dict[str, Any]) -> dict[str, Any]:
    """The item with its Azerbaijani letters written as a text without them has them."""
    return {**item, "title": item["title"].translate(_STRIP), "summary": item["summary"].translate(_STRIP)}


def _letter_free_source(source: str) -> bool:
    return hashlib.sha256(source.encode()).digest()[0] % 2 == 1


def copies(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {
        "as written": items,
        "letter-free": [without_letters(i) if i["lang"] == "az" else i for i in items],
        "mixed": [
            without_letters(i) if i["lang"] == "az" and _letter_free_source(i["source"]) else i for i in items
        ],
    }


def _mixed_pairs(items: list[dict[str, Any]], found: dict[str, int]) -> str:
    """True pairs / wrong merges / missed among pairs of one lettered and one letter-free Azerbaijani item."""
    az = [i for i in items if i["lang"] == "az"]
    tp = fp = fn = 0
    for a, b in itertools.combinations(az, 2):
        if _letter_free_source(a["source"]) == _letter_free_source(b["source"]):
            continue
        same, merged = a["story"] == b["story"], found[a["id"]] == found[b["id"]]
        tp += same and merged
        fp += merged and not same
        fn += same and not merged
    return f"{tp}/{fp}/{fn}"


async def _figures(name: str, items: list[dict[str, Any]], url: str) -> str:
    found, _alerting = await merge_in_database(url, items)
    labels, languages = labels_and_languages(items)
    cells = []
    for cross in (False, True):
        figures = pairwise(labels, found, languages, cross)
        counts = f"{figures.true_pairs}/{figures.wrong}/{figures.missed}"
        cells.append(f"P {figures.precision:.3f} R {figures.recall:.3f} ({counts})")
    line = f"{name:24} same {cells[0]:32} cross {cells[1]}"
    if name.endswith("mixed"):
        line += f"  lettered-with-letter-free az pairs {_mixed_pairs(items, found)}"
    return line


def main() -> None:
    parts = {"dev": DEV_DATA, "test": TEST_DATA}
    with tempfile.TemporaryDirectory(prefix="story_letters_") as tmp:
        template = Path(tmp) / "template.db"
        upgrade_sync(f"sqlite+aiosqlite:///{template}")
        print("precision, recall (true pairs / wrong merges / missed pairs)")
        for part, paths in parts.items():
            items = [i for path in paths for i in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]]
            for kind, copy_items in copies(items).items():
                copy = Path(tmp) / f"{part}-{kind.replace(' ', '-')}.db"
                shutil.copyfile(template, copy)
                name = f"{part} {kind}"
                print(asyncio.run(_figures(name, copy_items, f"sqlite+aiosqlite:///{copy}")), flush=True)


if __name__ == "__main__":
    main()
