"""Benchmark of the classifier: the default gazetteer + 2,000 generated aliases over 50,000 mixed-script
items.

Baseline, measured in the same run: one `re` alternation of every alias over casefolded text (no inflection,
no rules), the obvious way to do it. Goal: >= 50,000 items/s on one core and >= 20x the baseline.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import replace

from feeds.classify import Classifier, clear_pattern_cache
from feeds.definitions import AliasDef, EntityDef
from feeds.gazetteer import load_yaml_gazetteer
from storage.settings import load_settings

_ALPHABETS = {
    "en": "abcdefghijklmnopqrstuvwxyz",
    "ru": "абвгдежзийклмнопрстуфхцчшщыэюя",
    "hy": "աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆ",
    "az": "abcçdeəfgğhxıijkqlmnoöprsştuüvyz",
}
_FILLER = {
    "en": "the government said on monday that talks on the border would continue after officials met",
    "ru": "правительство заявило в понедельник что переговоры о границе продолжатся после встречи",
    "hy": "կառավարությունը երկուշաբթի հայտարարել է որ սահմանի շուրջ բանակցությունները կշարունակվեն",
    "az": "hökumət bazar ertəsi bildirib ki sərhəd üzrə danışıqlar rəsmilərin görüşündən sonra davam edəcək",
}
_MENTIONS = [
    "Лачинского коридора",
    "озером Севлич",
    "Путину",
    "Сюнике",
    "Laçındakı",
    "Qaragöldə",
    "Լաչինի միջանցքում",
    "Armenian-Azerbaijani border",
    "shelling near Sev Lake",
    "обстрел",
    "FK Qarabağ",
]


def _word(rng: random.Random, language: str) -> str:
    letters = _ALPHABETS[language]
    return "".join(rng.choice(letters) for _ in range(rng.randint(6, 11))).capitalize()


def extra_entities(rng: random.Random, count: int) -> list[EntityDef]:
    """`count` generated aliases on synthetic entities (10 aliases each), in the four languages."""
    languages = list(_ALPHABETS)
    entities = []
    for index in range(count // 10):
        aliases = tuple(
            AliasDef(text=_word(rng, languages[(index + k) % 4]), language=languages[(index + k) % 4])
            for k in range(10)
        )
        entities.append(EntityDef(f"gen_{index:04d}", "place", aliases[0].text, None, aliases))
    return entities


def items(rng: random.Random, count: int, extra: list[EntityDef]) -> list[str]:
    """`count` items of about 200 characters in mixed scripts; about one in five mentions something
    tracked."""
    languages = list(_FILLER)
    result = []
    for _ in range(count):
        words = _FILLER[rng.choice(languages)].split() + _FILLER[rng.choice(languages)].split()
        rng.shuffle(words)
        text = " ".join(words)[:190]
        if rng.random() < 0.2:
            mention = rng.choice(_MENTIONS) if rng.random() < 0.6 else rng.choice(extra).aliases[0].text
            cut = rng.randint(0, len(text))
            text = f"{text[:cut]} {mention} {text[cut:]}"
        result.append(text)
    return result


def main() -> None:
    """Print items/s of the classifier and of the `re` baseline, their ratio and the automaton build time."""
    rng = random.Random(20250808)
    gazetteer = load_yaml_gazetteer(load_settings())
    extra = extra_entities(rng, 2000)
    definitions = list(gazetteer.definitions) + extra
    clear_pattern_cache()  # a cold build: loading the gazetteer above compiled the default patterns
    started = time.perf_counter()
    classifier = Classifier(definitions, gazetteer.severity, gazetteer.classifier.grader)
    build = time.perf_counter() - started
    alias_count = sum(len(entity.aliases) for entity in definitions)
    corpus = items(rng, 50_000, extra)

    alternatives = sorted(
        {alias.text.casefold() for entity in definitions for alias in entity.aliases}, key=len
    )
    baseline_re = re.compile(r"\b(?:" + "|".join(re.escape(a) for a in reversed(alternatives)) + r")\b")

    # CPU time of this process (one core), interleaved in rounds so that load from other processes on the
    # machine affects both sides alike; the baseline runs on every tenth item (it is slow)
    tagged = baseline_hits = baseline_items = 0
    elapsed = baseline_elapsed = 0.0
    for round_start in range(0, len(corpus), 5_000):
        chunk = corpus[round_start : round_start + 5_000]
        started = time.process_time()
        tagged += sum(1 for text in chunk if classifier.classify(text).entities)
        elapsed += time.process_time() - started
        sample = chunk[::10]
        started = time.process_time()
        baseline_hits += sum(1 for text in sample if baseline_re.search(text.casefold()))
        baseline_elapsed += time.process_time() - started
        baseline_items += len(sample)
    rate = len(corpus) / elapsed
    baseline_rate = baseline_items / baseline_elapsed

    rebuild_started = time.perf_counter()
    Classifier(
        [
            *definitions[:-1],
            replace(definitions[-1], aliases=(*definitions[-1].aliases, AliasDef("Newalias", "en"))),
        ],
        gazetteer.severity,
    )
    rebuild = time.perf_counter() - rebuild_started

    print(
        f"classify: {len(definitions)} entities, {alias_count} aliases + {len(gazetteer.severity.cues)} cues"
    )
    print(
        f"classify: automaton build {build * 1000:.1f} ms; "
        f"rebuild after adding one alias {rebuild * 1000:.1f} ms"
    )
    print(f"classify: {rate:,.0f} items/s ({tagged} of {len(corpus)} items tagged, all rules on)")
    print(
        f"baseline (one re alternation, casefold, no rules): {baseline_rate:,.0f} items/s "
        f"({baseline_hits} of {baseline_items} sample items hit)"
    )
    print(f"ratio: {rate / baseline_rate:.1f}x (goal >= 20x; goal >= 50,000 items/s; CPU time, one core)")


if __name__ == "__main__":
    main()
