"""A day's digest when one source flooded it with P1 stories: how many of the other sources' stories it lists.

FLOOD P1 stories from one feed about one entity, and OTHERS other feeds with STORIES_EACH stories each (P2 to
P4, under three entities), formatted by `bot.format.format_digest` into one Telegram message. Printed: the
other sources' stories listed, the stories the last line says were left out against the true number, and
the median time to format the digest, next to the same-run baseline: every line in the grouped order, cut at
Telegram's 4096 characters with "… and N more lines" (the digest before).
"""

from __future__ import annotations

import os
import random
import re
import statistics
import time
from datetime import UTC, datetime, timedelta

from bot.format import _digest_lines, format_digest
from bot.replies import fit
from bot.telegram_text import plain_text
from storage.digests import DigestStory

FLOOD = int(os.environ.get("BENCH_DIGEST_FLOOD", "150"))
OTHERS = int(os.environ.get("BENCH_DIGEST_OTHERS", "10"))
STORIES_EACH = 2
REPEATS = 50
UNTIL = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
SINCE = UNTIL - timedelta(days=1)
WORDS = ("road", "patrol", "convoy", "village", "farmers", "water", "school", "bridge", "post", "hill")
NAMES = {"sev_lake": "Sev Lake", "lachin_corridor": "Lachin corridor", "goris": "Goris"}


def _stories() -> list[DigestStory]:
    rng = random.Random(1)
    stories = [
        DigestStory("sev_lake", n, f"Shelling near Sev Lake: {' '.join(rng.sample(WORDS, 6))} {n}",
                    f"https://flood.example/{n}", "P1", 1, 1, source=1)
        for n in range(FLOOD)
    ]  # fmt: skip
    entities = list(NAMES)
    for source in range(2, OTHERS + 2):
        for k in range(STORIES_EACH):
            n = len(stories)
            title = f"Report {n} from source {source}: {' '.join(rng.sample(WORDS, 4))}"
            link, severity = f"https://s{source}.example/{k}", f"P{2 + n % 3}"
            stories.append(DigestStory(entities[n % 3], n, title, link, severity, 1, 1, source=source))
    return stories


def _old_digest(stories: list[DigestStory]) -> str:
    total = len({story.story_id for story in stories})
    return fit(_digest_lines(stories, stories, total, NAMES.__getitem__, SINCE, UNTIL).split("\n"))


def _figures(text: str, stories: list[DigestStory]) -> tuple[int, int | None]:
    """Other sources' stories listed, and the number the last line says was left out (None: none said)."""
    shown = plain_text(text)
    others = sum(story.title in shown for story in stories if story.source != 1)
    said = re.search(r"… and (\d+) more", shown.splitlines()[-1])
    return others, int(said.group(1)) if said else None


def _timed(make: object, stories: list[DigestStory]) -> tuple[str, float]:
    assert callable(make)
    times, text = [], ""
    for _ in range(REPEATS):
        started = time.perf_counter()
        text = make(stories)
        times.append(time.perf_counter() - started)
    return text, statistics.median(times) * 1000


def main() -> None:
    stories = _stories()
    new_text, new_ms = _timed(lambda s: format_digest(s, NAMES.__getitem__, SINCE, UNTIL), stories)
    old_text, old_ms = _timed(_old_digest, stories)
    others = OTHERS * STORIES_EACH
    new_others, new_said = _figures(new_text, stories)
    old_others, old_said = _figures(old_text, stories)
    listed = sum(story.title in plain_text(new_text) for story in stories)
    old_listed = sum(story.title in plain_text(old_text) for story in stories)
    print(f"{FLOOD} P1 stories from one source and {others} from {OTHERS} others in one day's digest:")
    ratio = f" ({new_others / old_others:.2f}x)" if old_others else ""
    print(f"  the other sources' stories listed: {new_others} of {others} vs {old_others} before{ratio}")
    print(
        f"  the last line says {new_said} more stories, {len(stories) - listed} were left out; before it "
        f"said {old_said} more lines, {len(stories) - old_listed} stories were left out"
    )
    print(f"  formatting the digest took {new_ms:.1f} ms median vs {old_ms:.1f} ms ({new_ms / old_ms:.2f}x)")


if __name__ == "__main__":
    main()
