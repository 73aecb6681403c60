"""Aliases whose regular expression could take hours on the wrong text: a run of one- and two-letter
Russian words the text may leave out, or dashes typed with spaces between ("Sev-Lake - - - zone", as /alias
stores it). One such regex on a hostile item or a user's /status argument held the event loop for hours: no
feed polled, no command answered, for every chat. Each case runs in a child process with a generous limit,
so a runaway regex fails the test instead of hanging the suite."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest

from feeds.definitions import ExtraAlias, parse_entities, parse_severity
from feeds.gazetteer import BUNDLED_CONFIG, Gazetteer, read_yaml

# hours for the code before the fix; milliseconds after
LIMIT_SECONDS = 60
RUSSIAN_ALIAS = "Сюник " + "в " * 44 + "Горис"  # 99 characters, from a gazetteer file
DASHED_ALIAS = "Sev-Lake " + "- " * 44 + "zone"  # 97 characters, as /alias sev_lake stores it (any language)


def _gazetteer(extra: dict[str, list[ExtraAlias]], ru_alias: str | None = None) -> Gazetteer:
    document = read_yaml(BUNDLED_CONFIG / "entities.yaml", "entities")
    if ru_alias is not None:
        for entity in document["entities"]:
            if entity["id"] == "syunik":
                entity["aliases"].setdefault("ru", []).append(ru_alias)
    severity = parse_severity(read_yaml(BUNDLED_CONFIG / "severity.yaml", "severity"))
    return Gazetteer(parse_entities(document, extra), severity)


def _probe(case: str, queue: Any) -> None:
    """In the child: the entity each text resolves to and the entities classify finds in it."""
    if case == "russian":
        gazetteer = _gazetteer({}, RUSSIAN_ALIAS)
        texts = [
            "Сюник " + "в " * 30 + "Ереван Горис",  # every short word present, then not the last word
            "Сюник " + "в " * 44 + "Горис",
            "Сюник Горис",
        ]
    else:
        gazetteer = _gazetteer({"sev_lake": [(DASHED_ALIAS, None)]})
        texts = [
            "Sev-Lake " + "-" * 60 + " x",  # a run of dashes that is not followed by the last word
            "Sev-Lake " + "- " * 44 + "zone",
            "Sev-Lake -- zone",
        ]
    results = []
    for text in texts:
        resolved = gazetteer.resolve(text)
        classified = gazetteer.classifier.classify(text, text, "ru" if case == "russian" else "en")
        results.append((resolved.id if resolved else None, classified.entity_ids))
    queue.put(results)


def _run(case: str) -> list[tuple[str | None, list[str]]]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_probe, args=(case, queue), daemon=True)
    process.start()
    process.join(LIMIT_SECONDS)
    if process.is_alive():
        process.kill()
        process.join()
        pytest.fail(f"the {case} alias took longer than {LIMIT_SECONDS} s on one text (a runaway regex)")
    assert process.exitcode == 0
    result: list[tuple[str | None, list[str]]] = queue.get(timeout=5)
    return result


def test_a_run_of_short_russian_words_in_an_alias_is_matched_in_one_pass() -> None:
    hostile, whole, short = _run("russian")
    assert hostile[0] is None  # the whole text is no name of anything
    assert whole[0] == "syunik" and "syunik" in whole[1]
    assert short[0] == "syunik"  # the short words may be left out, as before


def test_dashes_typed_with_spaces_in_a_chat_alias_are_matched_in_one_pass() -> None:
    hostile, spaced, doubled = _run("dashed")
    assert hostile[0] is None
    assert spaced[0] == "sev_lake" and "sev_lake" in spaced[1]
    assert doubled[0] == "sev_lake"  # dashes however they are spaced or doubled
