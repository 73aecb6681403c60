"""A /subscribe, /unsubscribe or /status argument of many names: how long reading it holds the event loop.

Name lookup runs on the event loop. A user can send up to MAX_NAMES_TEXT characters of names, and each
unknown phrase used to be looked up and fuzzily compared with every alias ("did you mean") even where the
answer could not change. Printed for each hostile list: the median of REPEATS parses with the shipped code,
against the same-run baseline, the same code asking a suggestion for every unknown part and looking each
phrase up anew (as before), and the ratio. Both give the same entities and unknown phrases.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from bot.commands.naming import (
    _SEPARATORS,
    ALL_WORDS,
    MAX_NAMES_TEXT,
    MAX_WORDS,
    EntityRef,
    NamedEntities,
    Names,
)
from feeds.gazetteer import load_yaml_gazetteer
from storage.settings import load_settings

REPEATS = 5
LISTS = {
    "200 unknown names": ", ".join(f"w{i}x" for i in range(200)),
    "one name typed 160 times": "Sevv, " * 160,
    "Goris, Kapan and Lachin corridor 60 times": "Goris, Kapan, Lachin corridor, " * 60,
    "40 unknown words without commas": " ".join(f"w{i}x" for i in range(40)),
    "a name repeated as 40 words": "Qarabağ " * 40,
}


class _EveryPartLookedUp(Names):
    """The baseline, the parse as it was: every span looked up anew, a suggestion asked for every part with an
    unknown word."""

    def _resolve_once(self, text: str, resolved: dict[str, EntityRef | None]) -> EntityRef | None:
        return self.resolve(text)

    def parse(self, text: str) -> NamedEntities:
        found: dict[str, EntityRef] = {}
        unknown: list[str] = []
        everything = False
        for part in _SEPARATORS.split(text[:MAX_NAMES_TEXT]):
            words = part.split()[:MAX_WORDS]
            if not words:
                continue
            if len(words) == 1 and words[0].lower() in ALL_WORDS:
                everything = True
                continue
            whole = self.resolve(" ".join(words))
            if whole is not None:
                found.setdefault(whole.id, whole)
                continue
            part_found, part_unknown, part_everything = self._split(words, {})
            if part_unknown and self.suggest(" ".join(words)):
                unknown.append(" ".join(words))
                continue
            for entity in part_found:
                found.setdefault(entity.id, entity)
            unknown.extend(part_unknown)
            everything = everything or part_everything
        return NamedEntities(found=tuple(found.values()), unknown=tuple(unknown), everything=everything)


def _median_ms(parse: Callable[[str], NamedEntities], text: str) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        parse(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    gazetteer = load_yaml_gazetteer(load_settings())
    shipped, baseline = Names(gazetteer), _EveryPartLookedUp(gazetteer)
    for label, text in LISTS.items():
        now, before = _median_ms(shipped.parse, text), _median_ms(baseline.parse, text)
        assert shipped.parse(text) == baseline.parse(text), label
        print(f"{label:45} {now:8.1f} ms   baseline {before:8.1f} ms   ratio {now / before:.3f}x")


if __name__ == "__main__":
    main()
