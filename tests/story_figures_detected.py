"""Story-merging figures with the labelled languages hidden: each item in its labelled language, in the
language feeds.language detects (an item of a feed that declares none, now), and with no language (before);
and the same for about half the sources only (those whose name's character codes add up to an odd number),
the others keeping their labels: a mix of feeds that declare their language and feeds that declare none, as
after /addfeed.

    nice .venv/bin/python -m tests.story_figures_detected [dev|test]

Prints true pairs / wrong merges / missed pairs, same- and cross-language (by the labels), over all items, for
the development files (each merged alone, in a SQLite database of its own, rows added up) or the test part.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from feeds.language import detect_language
from storage.migrate import upgrade_sync
from tests.test_story_signature import (
    DEV_DATA,
    TEST_DATA,
    labels_and_languages,
    merge_in_database,
    pairwise,
)

Reading = Callable[[dict[str, Any]], str | None]


def _detected(item: dict[str, Any]) -> str | None:
    return detect_language(item["title"], item["summary"] or "")


def _undeclared(item: dict[str, Any]) -> bool:
    """Whether the item's source is one of those taken to declare no language (about half of them)."""
    return sum(map(ord, item["source"])) % 2 == 1


READINGS: dict[str, Reading] = {
    "labelled": lambda item: item["lang"],
    "detected": _detected,
    "none": lambda item: None,
    "half detected": lambda item: _detected(item) if _undeclared(item) else item["lang"],
    "half none": lambda item: None if _undeclared(item) else item["lang"],
}


async def _figures(items: list[dict[str, Any]], reading: Reading, url: str) -> list[list[int]]:
    read = [{**item, "lang": reading(item)} for item in items]
    found, _ = await merge_in_database(url, read)
    labels, languages = labels_and_languages(items)
    cells = []
    for cross in (False, True):
        figures = pairwise(labels, found, languages, cross)
        cells.append([figures.true_pairs, figures.wrong, figures.missed])
    return cells


def main(part: str) -> None:
    paths = TEST_DATA if part == "test" else DEV_DATA
    with tempfile.TemporaryDirectory(prefix="story_detected_") as tmp:
        template = Path(tmp) / "template.db"
        upgrade_sync(f"sqlite+aiosqlite:///{template}")
        print(f"{part}: true pairs / wrong merges / missed pairs")
        for name, reading in READINGS.items():
            total = [[0, 0, 0], [0, 0, 0]]
            for path in paths:
                copy = Path(tmp) / f"{path.stem}-{name}.db"
                shutil.copyfile(template, copy)
                items = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
                cells = asyncio.run(_figures(items, reading, f"sqlite+aiosqlite:///{copy}"))
                for row, cell in zip(total, cells, strict=True):
                    for index, value in enumerate(cell):
                        row[index] += value
            same, cross = ("/".join(map(str, row)) for row in total)
            print(f"  language {name:13} same {same:14} cross {cross}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "dev")
