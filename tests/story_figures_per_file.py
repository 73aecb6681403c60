"""Story-merging figures of each development file merged alone, in a SQLite database of its own (leave one
file out: a rule change is kept only if it helps on most files, docs/story-figures.md, sixth round).

    nice .venv/bin/python -m tests.story_figures_per_file

Prints, per file, true pairs / wrong merges / missed pairs, same- and cross-language, over all items and over
the items that alert (tagged with an entity). The files share no day, so the rows add up to the suite's
development figures. Settings come from the environment (BORDERWATCH_STORY_*), as in the service.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

from storage.migrate import upgrade_sync
from tests.test_story_signature import DEV_DATA, labels_and_languages, merge_in_database, pairwise


async def _figures(name: str, items: list[dict[str, Any]], url: str) -> str:
    found, alerting = await merge_in_database(url, items)
    labels, languages = labels_and_languages(items)
    cells = []
    for subset in (labels, {item_id: labels[item_id] for item_id in alerting}):
        for cross in (False, True):
            figures = pairwise(subset, found, languages, cross)
            cells.append(f"{figures.true_pairs}/{figures.wrong}/{figures.missed}")
    return f"{name:34} {len(items):4} items  all: same {cells[0]:12} cross {cells[1]:12}  " + (
        f"alerting ({len(alerting)}): same {cells[2]:12} cross {cells[3]}"
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="story_figures_") as tmp:
        template = Path(tmp) / "template.db"
        upgrade_sync(f"sqlite+aiosqlite:///{template}")
        print("true pairs / wrong merges / missed pairs")
        for path in DEV_DATA:
            copy = Path(tmp) / f"{path.stem}.db"
            shutil.copyfile(template, copy)
            items = yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
            print(asyncio.run(_figures(path.name, items, f"sqlite+aiosqlite:///{copy}")))


if __name__ == "__main__":
    main()
