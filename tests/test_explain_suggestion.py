"""/missed's near matches (feeds.explain._suggestion): the word offered as an alias and the near-match lines
are the ones the plain every-alias-by-every-word comparison gave, now that repeated words are compared once
and the quick ratios rule out most words before the full one."""

from __future__ import annotations

import pytest

from feeds.explain import _suggestion
from feeds.gazetteer import Gazetteer, load_yaml_gazetteer
from storage.settings import load_settings


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return load_yaml_gazetteer(load_settings())


# (entity, text, the offered word(s), the near matches as (alias, its language, the text)): what the
# comparison of every alias with every word gave before it was made cheaper
CASES = [
    (
        "sev_lake",
        "Troops seen near Sevlitch lake at dawn; Sevlitch again, sevlitch",
        "Sevlitch",
        [
            ("Sev Lich", "en", "sevlitch"),
            ("Sevlich", "en", "Sevlitch"),
            ("Sevlich", "en", "sevlitch"),
            ("Sevliç", "az", "Sevlitch"),
            ("Sevliç", "az", "sevlitch"),
        ],
    ),
    (
        "lachin_corridor",
        "Convoy stuck on the Latchin corridor road near Latchin",
        "Latchin corridor",
        [
            ("Lachin corridor", "en", "Latchin corridor"),
            ("Lachinsky corridor", "en", "Latchin corridor"),
            ("Lachinskiy corridor", "en", "Latchin corridor"),
        ],
    ),
    (
        "lachin_corridor",
        "Колонна на Лачинскиом каридоре, Lachyn road",
        "Lachyn road",
        [
            ("Lachin road", "en", "Lachyn road"),
            ("Lachinsky road", "en", "Lachyn road"),
            ("Лачинский коридор", "ru", "Лачинскиом каридоре"),
        ],
    ),
    (
        "shusha",
        "Festival of Susa opens in Piedmont",
        "Susa",
        [("Shusha", "en", "Susa"), ("Şuşa", "az", "Susa")],
    ),
    ("sev_lake", "nothing close here at all", None, []),
]


@pytest.mark.parametrize(("entity_id", "text", "offered", "near"), CASES)
def test_the_near_matches_are_the_ones_every_word_against_every_name_gives(
    gazetteer: Gazetteer, entity_id: str, text: str, offered: str | None, near: list[tuple[str, str, str]]
) -> None:
    [entity] = [e for e in gazetteer.definitions if e.id == entity_id]
    suggestion, verdicts = _suggestion(entity, text)
    assert suggestion == offered
    assert [(v.alias, v.language, v.found_text) for v in verdicts] == near
    assert all(v.reason == "not_a_form" for v in verdicts)
