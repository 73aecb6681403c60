"""The language-independent event signature (feeds/signature.py) and merging across languages, measured on
real reporting in English, Russian, Armenian and Azerbaijani.

The data is split by episode (so a story never straddles the split), and a test part, once measured, becomes
development data while a fresh one, collected blind on days that occur in none of the others, takes its place:
tests/data/stories_multilang.yaml (tuned on since the third round; its first test part was measured by the
first two rounds), tests/data/stories_multilang_part2.yaml (the second test part, measured once, then the
fourth round's validation set), tests/data/stories_multilang_part3.yaml (the third, measured once after the
fourth round), tests/data/stories_multilang_part4.yaml (the fourth, measured once after the fourth round),
tests/data/stories_multilang_part5.yaml (the fifth, measured once after the fifth round),
tests/data/stories_multilang_part6.yaml (the sixth, measured once after the sixth round),
tests/data/stories_multilang_part7.yaml (the seventh, measured once after the seventh round) and
tests/data/stories_multilang_test.yaml (the eighth, measured once after the eighth round: the test part).
docs/story-figures.md has every figure. The figures are pairwise precision and recall against the hand-made
grouping, same-language and cross-language pairs apart, printed in the terminal summary. The test asserts
floors a little under the recorded figures (a regression guard); issue 16's targets (precision 0.97, recall
0.95 on the test part) are not reached and are kept as a strict xfail, so that reaching them shows up."""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from feeds.gazetteer import load_gazetteer, load_yaml_gazetteer
from feeds.model import FeedEntry, NewItem
from feeds.signature import (
    AGREE,
    CONTRADICT,
    RELATED,
    UNKNOWN,
    announces,
    event_families,
    event_relation,
    event_types,
    moments,
    name_key,
    names,
    numbers,
    reports_reaction,
    same_figure,
    sides,
    signature,
)
from feeds.store import store_new_items
from feeds.stories import (
    DAY_COMPARED,
    RULE_NEW,
    RULE_SIGNATURE,
    RULE_TEXT,
    Fingerprint,
    StoryRules,
    contradiction,
    decide,
    fingerprint,
    text_score,
    time_apart,
)
from storage.db import Database
from storage.models import Feed, Item
from storage.settings import load_settings
from tests.conftest import SUMMARY_LINES

DATA = Path(__file__).parent / "data"
# development: the first file (tuned on since the third round) and the second to seventh test parts (each
# folded in after its figures were recorded); test: the eighth test part, collected blind on days that occur
# in none of them
DEV_DATA = tuple(
    DATA / f"stories_multilang{part}.yaml"
    for part in ("", "_part2", "_part3", "_part4", "_part5", "_part6", "_part7")
)
TEST_DATA = (DATA / "stories_multilang_test.yaml",)
LANGUAGES = ("en", "ru", "hy", "az")
# issue 16's targets on the test part
TARGET_PRECISION, TARGET_RECALL = 0.97, 0.95
# regression floors: the figures on each part (docs/story-figures.md: the six development files with the
# seventh round's rules, and the test part, measured once) less about one pair, so one more wrong merge or
# one lost true pair fails. The development part's cross-language precision fell from 0.879 to 0.866 (292
# true pairs, 45 wrong merges) with the classifier's forty-second round (6961b6c), which no merging change
# went with: its troops "deliberately setting fires" read as an attack join the rebuttal of a denial of the
# 2021 pasture fires to the fires' own reports (seven wrong merges; its "ceded to" cue made none,
# docs/story-figures.md, forty-fifth round); the floor follows the measured figure less one merge
FLOORS = {
    ("dev", "same"): (0.868, 0.438),
    ("dev", "cross"): (0.864, 0.241),
    ("test", "same"): (0.95, 0.28),
    ("test", "cross"): (0.91, 0.14),
}


# ---------------------------------------------------------------------------------------------------- parts


@pytest.mark.parametrize(
    ("text", "language", "figures"),
    [
        ("Two soldiers wounded, 3 killed", "en", {"2", "3"}),
        ("Twenty-six servicemen returned", "en", {"26"}),
        ("Двое военнослужащих ранены, трое погибли", "ru", {"2", "3"}),
        ("двадцать шесть военнослужащих", "ru", {"26"}),
        ("Тринадцать военнослужащих ранены, семнадцати оказана помощь", "ru", {"13", "17"}),
        ("երկու զինծառայող է վիրավորվել, երեքը զոհվել", "hy", {"2", "3"}),
        ("քսանհինգ զինծառայող", "hy", {"25"}),
        ("iki hərbçi yaralanıb, üç nəfər həlak olub", "az", {"2", "3"}),
        ("iyirmi altı hərbçi", "az", {"26"}),
        ("On iki hərbçi yaralanıb, on nəfər xəstəxanadadır", "az", {"12", "10"}),
        # dates, years and clock times are not figures
        ("13 сентября в 00:05 погибли 49 военнослужащих", "ru", {"49"}),
        ("Սեպտեմբերի 13-ին, 2022 թ. ժամը 00:05-ին", "hy", set()),
        ("13 sentyabr 2022-ci il saat 00:05-də", "az", set()),
        ("On 12.09.2022 at 23:55", "en", set()),
        # "one" doubles as an article: never a figure
        ("One of the soldiers", "en", set()),
        # an approximate figure is marked
        ("nearly 50 soldiers", "en", {"~50"}),
        ("около 50 военных", "ru", {"~50"}),
    ],
)
def test_figures_in_digits_and_words_of_four_languages(text: str, language: str, figures: set[str]) -> None:
    assert numbers(text, language) == figures


def test_an_approximate_figure_can_be_an_exact_one_within_a_tenth() -> None:
    assert same_figure("~50", "49") and same_figure("49", "~50") and same_figure("3", "3")
    assert not same_figure("50", "49") and not same_figure("~50", "40")


@pytest.mark.parametrize(
    "text",
    ["13 September, 00:05", "September 13 at 00:05", "13 сентября в 00:05", "Սեպտեմբերի 13-ին, 00:05",
     "13 sentyabr saat 00:05", "13.09.2022 00:05"],
)  # fmt: skip
def test_the_same_moment_in_any_language(text: str) -> None:
    assert moments(text) == {"date:9-13", "clock:0:05"}


def test_a_name_has_one_key_in_four_scripts_and_its_case_forms_extend_it() -> None:
    assert name_key("Pelosi") == name_key("Пелоси") == name_key("Փելոսի")
    assert name_key("Blinken") == name_key("Блинкен") == name_key("Բլինքեն")
    assert name_key("Trump") == name_key("Трамп") == name_key("Թրամփ") == name_key("Tramp")
    assert name_key("Blinkenlə").startswith(name_key("Blinken"))
    # sentence-initial words and common words are not names
    assert names("Nancy Pelosi arrived. Pelosi condemned the attack") == {name_key("Pelosi")}


# one name as each language writes it: Latin letters read as the item's language writes them (c is k in an
# English "Macron", j in an Azerbaijani "Cəbrayıl"; a Telegram channel's "Mingecevir" has lost the ç of
# "Mingəçevir")
SAME_NAME = [
    [
        ("Talks with Macron ended late", "en"),
        ("Переговоры с Макроном завершились поздно", "ru"),
        ("Danışıqlar Makron ilə gec bitdi", "az"),
        ("Բանակցությունները Մակրոնի հետ ավարտվեցին ուշ", "hy"),
    ],
    [
        ("A drone fell near Mingachevir overnight", "en"),
        ("Беспилотник упал у Мингечевира ночью", "ru"),
        ("Dron gecə Mingəçevir yaxınlığında düşüb", "az"),
        ("Dron gece Mingecevir yaxinliginda dusub", "az"),
    ],
]


def _names_meet(a: frozenset[str], b: frozenset[str]) -> bool:
    return any(x.startswith(y) or y.startswith(x) for x in a for y in b)


@pytest.mark.parametrize("variants", SAME_NAME)
def test_one_name_as_each_language_writes_it_meets_and_two_names_do_not(
    variants: list[tuple[str, str]],
) -> None:
    found = [signature(text, "", language).names for text, language in variants]
    assert all(found), found
    for a, b in itertools.combinations(found, 2):
        assert _names_meet(a, b), (variants, found)
    # two names that only an Azerbaijani reading of English letters made one (Cohen read as "Johen")
    assert not _names_meet(
        signature("Talks with Cohen ended late", "", "en").names,
        signature("Talks with John ended late", "", "en").names,
    )


def test_event_families_agree_contradict_or_say_nothing() -> None:
    assert event_relation(event_families({"shelling"}), event_families({"attack", "killed"})) == AGREE
    # a checkpoint set up is not traffic resumed; talks are not shelling
    assert event_relation(event_families({"checkpoint"}), event_families({"road_open"})) == CONTRADICT
    assert event_relation(event_families({"talks"}), event_families({"shelling"})) == CONTRADICT
    assert event_relation(event_families(set()), event_families({"shelling"})) == UNKNOWN
    # a bare statement is compatible with anything
    assert event_relation(event_families({"statement"}), event_families({"talks"})) == UNKNOWN


# ---------------------------------------------------------------------------------------------------- decide

NOW = datetime(2023, 4, 23, 10, tzinfo=UTC)
CLASSIFIER = load_yaml_gazetteer(load_settings()).classifier
KINDS = {entity.id: entity.kind for entity in CLASSIFIER.entities}


def _fp(title: str, language: str, *, hours: float = 0, story: int | None = None, source: int = 0):
    classification = CLASSIFIER.classify(title, "", language)
    ids = classification.entity_ids
    return fingerprint(
        title,
        "",
        language,
        NOW + timedelta(hours=hours),
        ids,
        places=[e for e in ids if KINDS.get(e) == "place"],
        events=event_types(classification),
        mentions=[span[2] for match in classification.entities for span in match.spans],
        story_id=story,
        item_id=story if story is not None else 999,
        source=source,
        # the headline is all the text here: every tracked person it names takes part
        participants=[e for e in ids if KINDS.get(e) == "person"],
    )


SEV_LAKE = {
    "en": "2 soldiers wounded in shelling near Sev Lake",
    "ru": "Двое военнослужащих ранены при обстреле у озера Сев",
    "hy": "Սև լճի մոտ հրետակոծության հետևանքով երկու զինծառայող է վիրավորվել",
    "az": "Qaragöl yaxınlığında Ermənistanla sərhəddə atəş: iki hərbçi yaralanıb",
}


@pytest.mark.parametrize(("first", "second"), list(itertools.permutations(LANGUAGES, 2)))
def test_the_same_event_in_any_two_languages_is_one_story(first: str, second: str) -> None:
    candidate = _fp(SEV_LAKE[first], first, story=1, source=1)
    decision = decide(_fp(SEV_LAKE[second], second, hours=2, source=2), [candidate], StoryRules())
    assert decision.story_id == 1 and decision.rule == RULE_SIGNATURE
    # the explanation: what the two signatures share
    assert {"place:sev_lake", "number:2", "event:fighting"} <= set(decision.evidence)


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        # same corridor, opposite events
        (
            ("Azerbaijan sets up checkpoint on Lachin corridor", "en"),
            ("Traffic resumed on the Lachin corridor", "en"),
        ),
        (
            ("Азербайджан установил КПП в Лачинском коридоре", "ru"),
            ("Traffic resumed on the Lachin corridor", "en"),
        ),
        # same people and place: talks are not shelling
        (
            ("Pashinyan and Aliyev hold talks on Sev Lake border", "en"),
            ("Pashinyan: Azerbaijani forces shelled positions near Sev Lake", "en"),
        ),
        # figures that disagree
        (("49 soldiers killed near Jermuk", "en"), ("Под Джермуком погибли 105 военнослужащих", "ru")),
    ],
)
def test_same_entities_different_events_or_figures_make_a_new_story(
    earlier: tuple[str, str], later: tuple[str, str]
) -> None:
    candidate = _fp(earlier[0], earlier[1], story=1, source=1)
    assert decide(_fp(later[0], later[1], hours=1, source=2), [candidate], StoryRules()).rule == RULE_NEW


def test_an_item_that_matches_two_open_stories_names_the_other_to_merge() -> None:
    english = _fp(SEV_LAKE["en"], "en", story=1, source=1)
    russian = _fp(SEV_LAKE["ru"], "ru", hours=1, story=2, source=2)
    decision = decide(_fp(SEV_LAKE["hy"], "hy", hours=2, source=3), [english, russian], StoryRules())
    assert decision.story_id == 1
    assert [match.story_id for match in decision.merges] == [2]
    assert decision.merges[0].rule == RULE_SIGNATURE and decision.merges[0].evidence


def test_a_region_is_weak_evidence_and_never_contradicts_a_town_in_it() -> None:
    offensive = _fp("Azerbaijan launches offensive in Nagorno-Karabakh", "en", story=1, source=1)
    # the same region and the same kind of event: mobilisation over the fighting is a story of its own
    mobilisation = _fp(
        "В Армении объявлена мобилизация из-за боев в Нагорном Карабахе", "ru", hours=1, source=2
    )
    assert decide(mobilisation, [offensive], StoryRules()).rule == RULE_NEW
    # a town inside the region does not contradict it
    assert (
        contradiction(_fp("Shelling of Stepanakert", "en"), _fp("Обстрел в Нагорном Карабахе", "ru")) is None
    )


@pytest.mark.parametrize(
    ("title", "language"),
    [
        ("Pelosi condemns shelling of Jermuk", "en"),
        ("Turkey vows support for Azerbaijan", "en"),
        ("Россия призвала Ереван и Баку прекратить огонь", "ru"),
        ("ԱԳՆ-ն դատապարտում է Ջերմուկի հրետակոծությունը", "hy"),
        ("Türkiyə Azərbaycana dəstək verib", "az"),
        # a comment on events is a reaction too
        ("Russia's foreign ministry comments on the escalation on the border", "en"),
        ("МИД России прокомментировал обострение на границе", "ru"),
        ("Պուտինը խոսել է Ղարաբաղում տեղի ունեցող իրադարձությունների մասին", "hy"),
        ("XİN sərhəddəki gərginliyi şərh edib", "az"),
    ],
)
def test_a_headline_that_reports_a_reaction_is_a_reaction(title: str, language: str) -> None:
    assert reports_reaction(title, language)


def test_a_reaction_never_joins_the_event_it_reacts_to() -> None:
    shelling = _fp("Обстрел Джермука: ранены двое военнослужащих", "ru", story=1, source=1)
    assert not reports_reaction("Обстрел Джермука: ранены двое военнослужащих", "ru")
    reaction = _fp("Pelosi condemns shelling of Jermuk", "en", hours=1, source=2)
    assert decide(reaction, [shelling], StoryRules()).rule == RULE_NEW


@pytest.mark.parametrize(
    ("title", "language"),
    [
        ("Armenia and Azerbaijan to sign peace deal at White House", "en"),
        ("Pashinyan will visit Washington", "en"),
        ("Встреча Пашиняна и Алиева состоится в Вашингтоне", "ru"),
        ("Փաշինյանը կհանդիպի Ալիևին Վաշինգտոնում", "hy"),
        ("Paşinyan və Əliyev Vaşinqtonda görüşəcək", "az"),
        ("Власти Армении рассмотрят вопрос о военном положении", "ru"),
    ],
)
def test_a_headline_that_announces_what_is_to_come_is_an_announcement(title: str, language: str) -> None:
    assert announces(title, language)


def test_an_announcement_never_joins_what_then_happens() -> None:
    announced = _fp("Встреча Пашиняна и Алиева состоится в Вашингтоне", "ru", story=1, source=1)
    held = _fp("Pashinyan and Aliyev met in Washington", "en", hours=3, source=2)
    assert not announces("Pashinyan and Aliyev met in Washington", "en")
    assert decide(held, [announced], StoryRules()).rule == RULE_NEW


def test_an_item_joins_a_story_only_if_it_agrees_with_most_of_it() -> None:
    declared = [
        _fp("Armenia declares general mobilization, Pashinyan says", "en", story=1, source=1),
        # the shelling told as news beside the mobilisation (told as its cause, "из-за обстрелов", it is
        # background since the thirty-seventh round, and the item would share no event with the casualties)
        _fp(
            "Пашинян: объявлена всеобщая мобилизация, в Карабахе идут обстрелы",
            "ru",
            story=1,
            source=2,
        ),
        _fp(
            "Armenian government declares mobilization, Pashinyan says",
            "en",
            story=1,
            source=3,
        ),
    ]
    casualties = _fp(
        "Пашинян: при обстрелах в Карабахе есть погибшие среди мирных жителей", "ru", hours=1, source=4
    )
    # alike to the one loose member of the story (the shelling it mentions)…
    assert decide(casualties, declared[1:2], StoryRules()).story_id == 1
    # …but the story is the mobilisation, and casualties are news of their own
    assert decide(casualties, declared, StoryRules()).rule == RULE_NEW


def test_two_stories_merge_only_on_a_specific_anchor() -> None:
    english = _fp("Fighting in Nagorno-Karabakh, Pashinyan says", "en", story=1, source=1)
    russian = _fp("Пашинян: в Нагорном Карабахе идут бои", "ru", hours=1, story=2, source=2)
    armenian = _fp("Փաշինյան. Լեռնային Ղարաբաղում մարտեր են ընթանում", "hy", hours=2, source=3)
    decision = decide(armenian, [english, russian], StoryRules())
    # the same region, the same leader and fighting: enough to join a story, not to fold two into one
    assert decision.story_id == 1 and decision.merges == ()


# ------------------------------------------------------------------------------------- third round's rules


@pytest.mark.parametrize(
    ("title", "language", "event"),
    [
        ("Armenia declares martial law over fighting in Nagorno-Karabakh", "en", "martial_law"),
        ("В Армении объявлено военное положение из-за боев в Нагорном Карабахе", "ru", "martial_law"),
        (
            "Լեռնային Ղարաբաղում մարտերի պատճառով Հայաստանում ռազմական դրություն է հայտարարվել",
            "hy",
            "martial_law",
        ),
        ("Dağlıq Qarabağda döyüşlər səbəbindən Ermənistanda hərbi vəziyyət elan edilib", "az", "martial_law"),
        ("Putin and Pashinyan spoke by phone", "en", "phone_call"),
        ("Путин и Пашинян провели телефонный разговор", "ru", "phone_call"),
        ("Պուտինը և Փաշինյանը հեռախոսազրույց են ունեցել", "hy", "phone_call"),
        ("Putin və Paşinyan telefon danışığı aparıblar", "az", "phone_call"),
        ("Humanitarian aid reaches Stepanakert", "en", "humanitarian_aid"),
        ("Гуманитарная помощь доставлена в Степанакерт", "ru", "humanitarian_aid"),
        ("Հումանիտար օգնությունը հասել է Ստեփանակերտ", "hy", "humanitarian_aid"),
        ("Humanitar yardım Xankəndiyə çatdırılıb", "az", "humanitarian_aid"),
    ],
)
def test_distinctive_kinds_of_event_in_four_languages(title: str, language: str, event: str) -> None:
    assert event in event_types(CLASSIFIER.classify(title, "", language))


def test_two_reports_of_martial_law_are_one_story_and_the_fighting_around_it_another() -> None:
    declared = _fp("Armenia declares martial law over fighting in Nagorno-Karabakh", "en", story=1, source=1)
    same = _fp(
        "В Армении объявлено военное положение из-за боев в Нагорном Карабахе", "ru", hours=1, source=2
    )
    decision = decide(same, [declared], StoryRules())
    assert decision.story_id == 1 and "event:martial_law" in decision.evidence
    # the fighting the declaration mentions is news of its own, so is a phone call about it
    fighting = _fp("Fierce fighting in Nagorno-Karabakh, dozens killed", "en", hours=1, source=2)
    assert decide(fighting, [declared], StoryRules()).rule == RULE_NEW
    call = _fp("Putin and Pashinyan discussed Karabakh in a phone call", "en", story=2, source=1)
    meeting = _fp("Путин и Пашинян обсудили ситуацию в Карабахе на встрече в Москве", "ru", hours=1, source=2)
    assert decide(meeting, [call], StoryRules()).rule == RULE_NEW


@pytest.mark.parametrize(
    ("title", "named"),
    [
        ("Armenia's government declares martial law", {"armenia"}),
        ("В Армении ввели военное положение", {"armenia"}),
        ("Ադրբեջանը հայտարարել է", {"azerbaijan"}),
        ("Azərbaycanın Müdafiə Nazirliyi", {"azerbaijan"}),
        ("Президент Арцаха объявил мобилизацию", {"artsakh"}),
        # peoples and adjectives name no side: "Armenian positions", "Karabakh Armenians"
        ("Azerbaijani forces shelled Armenian positions", set()),
        ("Азербайджанские военные", set()),
        ("Ադրբեջանական զորքերը", set()),
        ("Azərbaycanlılar", set()),
    ],
)
def test_the_side_a_headline_names(title: str, named: set[str]) -> None:
    assert sides(title) == named


def test_martial_law_on_one_side_is_not_martial_law_on_the_other() -> None:
    armenia = _fp("Armenia declares martial law over fighting in Nagorno-Karabakh", "en", story=1, source=1)
    artsakh = _fp("Artsakh declares martial law over fighting in Nagorno-Karabakh", "en", hours=1, source=2)
    assert contradiction(armenia, artsakh) == "sides"
    assert decide(artsakh, [armenia], StoryRules()).rule == RULE_NEW


def test_each_party_reporting_one_place_is_one_story_and_a_side_alone_still_tells_where() -> None:
    # each side reports the shooting at one village: the side a headline names is who tells it, not where
    armenia = _fp("Armenia reports Azerbaijani fire on Sotk", "en", story=1, source=1)
    azerbaijan = _fp(
        "Азербайджан заявил об обстреле со стороны армянских военных у Сотка", "ru", hours=1, source=2
    )
    assert contradiction(armenia, azerbaijan) is None
    decision = decide(azerbaijan, [armenia], StoryRules())
    assert decision.story_id == 1 and "place:sotk" in decision.evidence
    # with no place in common the sides still keep two reports apart
    elsewhere = _fp("Azerbaijan reports Armenian fire in Kalbajar", "en", hours=1, source=2)
    assert contradiction(armenia, elsewhere) == "sides"


# Azerbaijani written without its letters (ə→e, ç→c, ş→s, ğ→g, ö→o, ü→u, ı→i), as public Telegram channels
# write it: the same side, figures, reaction and announcement as the text with its letters
LETTERED_AND_LETTER_FREE = [
    (
        "Ermənistan silahlı qüvvələri Kəlbəcər istiqamətində atəş açıb, səkkiz hərbçi yaralanıb",
        "Ermenistan silahli quvveleri Kelbecer istiqametinde ates acib, sekkiz herbci yaralanib",
    ),
    (
        "Türkiyə Azərbaycana qarşı təxribatı pisləyib, təxminən 50 nəfər üçüncü dəfə",
        "Turkiye Azerbaycana qarsi texribati pisleyib, texminen 50 nefer ucuncu defe",
    ),
    (
        "Laçında sərhəd komissiyalarının görüşü keçiriləcək",
        "Lacinda serhed komissiyalarinin gorusu kecirilecek",
    ),
]


@pytest.mark.parametrize(("lettered", "letter_free"), LETTERED_AND_LETTER_FREE)
def test_azerbaijani_written_without_its_letters_reads_as_with_them(lettered: str, letter_free: str) -> None:
    for reading in (lambda text, language: (numbers(text, language), sides(text, language)),
                    reports_reaction, announces):  # fmt: skip
        assert reading(letter_free, "az") == reading(lettered, "az")
    assert sides(letter_free, "az") or numbers(letter_free, "az") or announces(letter_free, "az")
    assert numbers(LETTERED_AND_LETTER_FREE[1][1], "az") == {"~50", "3"}


def test_a_short_word_counts_without_its_letters_only_as_it_is_written() -> None:
    # "sərhəd" (the border) written without its letters is no "şərh" (a comment), "bəs" (but) no "beş" (5)
    assert not reports_reaction("Serhedde ermeni texribati", "az")
    assert numbers("beş hərbçi", "az") == {"5"} and numbers("bes herbci", "az") == frozenset()
    # an item known to be in another language is read as written
    assert sides("Ermenistan FC wins", "en") == frozenset() and sides("Ermenistan ordusu", None) == {
        "armenia"
    }


def test_one_story_with_and_without_the_letters_is_one_story_and_two_stay_apart() -> None:
    agency = _fp("Türkiyə Ermənistanın Laçın istiqamətində təxribatını pisləyib", "az", story=1, source=1)
    channel = _fp("Turkiye Ermenistanin Lacin istiqametinde texribatini pisleyib", "az", hours=1, source=2)
    assert decide(channel, [agency], StoryRules()).story_id == 1
    # two stories written without the letters: the shelling and a reaction to it
    shelling = _fp(
        "Ermenistan silahli quvveleri Kelbecer istiqametinde movqelerimizi atese tutub",
        "az",
        story=2,
        source=1,
    )
    reaction = _fp(
        "Turkiye Ermenistanin Kelbecer istiqametinde movqelerimizi atese tutmasini pisleyib",
        "az",
        hours=1,
        source=2,
    )
    assert decide(reaction, [shelling], StoryRules()).rule == RULE_NEW


def test_a_name_no_entity_tracks_is_as_specific_as_a_place() -> None:
    english = _fp("US Speaker Nancy Pelosi condemns Azerbaijani attacks on Armenia", "en", story=1, source=1)
    russian = _fp("Спикер Нэнси Пелоси осудила нападение Азербайджана на Армению", "ru", hours=2, source=2)
    decision = decide(russian, [english], StoryRules())
    assert decision.story_id == 1 and "name:" + name_key("Pelosi") in decision.evidence


def test_a_small_figure_in_common_is_an_anchor_and_a_different_one_a_contradiction() -> None:
    four = _fp("Azerbaijan takes control of four villages in Tavush", "en", story=1, source=1)
    same = _fp("Азербайджан взял под контроль четыре села в Тавуше", "ru", hours=1, source=2)
    decision = decide(same, [four], StoryRules())
    assert decision.story_id == 1 and "number:4" in decision.evidence
    two = _fp("Азербайджан взял под контроль два села в Тавуше", "ru", hours=1, source=2)
    assert decide(two, [four], StoryRules()).rule == RULE_NEW


def test_near_identical_signatures_are_one_story_on_a_region_alone() -> None:
    english = _fp("Azerbaijan launches military operation in Nagorno-Karabakh", "en", story=1, source=1)
    armenian = _fp("Ադրբեջանը ռազմական գործողություն է սկսել Լեռնային Ղարաբաղում", "hy", hours=1, source=2)
    decision = decide(armenian, [english], StoryRules())
    assert decision.story_id == 1 and decision.rule == RULE_SIGNATURE
    assert set(decision.evidence) == {"event:fighting", "region:nagorno_karabakh"}


def test_reports_a_day_apart_are_one_story_only_on_more_anchors() -> None:
    shelling = _fp("Azerbaijani shelling of Jermuk, Goris and Sotk", "en", story=1, source=1)
    next_day = _fp("Обстрел Джермука, Гориса и Сотка: Минобороны Армении", "ru", hours=24, source=2)
    assert decide(next_day, [shelling], StoryRules()).story_id == 1
    two_towns = _fp("Обстрел Джермука и Гориса: Минобороны Армении", "ru", hours=24, source=2)
    assert decide(two_towns, [shelling], StoryRules()).rule == RULE_NEW
    two_days = _fp("Обстрел Джермука, Гориса и Сотка: Минобороны Армении", "ru", hours=40, source=2)
    assert decide(two_days, [shelling], StoryRules()).rule == RULE_NEW
    # within the cross-language window two towns are plenty
    assert (
        decide(
            replace(two_towns, published=shelling.published + timedelta(hours=2)), [shelling], StoryRules()
        ).story_id
        == 1
    )


# ------------------------------------------------------------------------------------ fourth round's rules


def test_a_new_toll_is_a_story_of_its_own_and_the_same_toll_one_story() -> None:
    first = _fp("Взрыв в Степанакерте: погибли 20 человек, 290 ранены", "ru", story=1, source=1)
    # the same toll in another language: one story
    same = _fp("Stepanakert explosion: 20 dead, 290 injured", "en", hours=1, source=2)
    decision = decide(same, [first], StoryRules())
    assert decision.story_id == 1 and {"number:20", "number:290"} <= set(decision.evidence)
    # a later toll shares the wounded but not the dead: news of its own, not an edit of the first alert
    later = _fp("Stepanakert explosion: 68 dead, 290 injured", "en", hours=3, source=2)
    assert contradiction(later, first) == "numbers"
    assert decide(later, [first], StoryRules()).rule == RULE_NEW
    # a report that adds a figure to the same toll still agrees
    more = _fp("Stepanakert explosion: 20 dead, 290 injured, 13 missing", "en", hours=1, source=2)
    assert contradiction(more, first) is None


def test_a_village_no_gazetteer_tracks_is_one_name_in_armenian_script_too() -> None:
    # Armenian writes u with two letters (ու): Փառուխ is Parukh
    assert name_key("Փառուխ") == name_key("Parukh") == name_key("Парух")
    english = _fp(
        "Azerbaijani troops capture the village of Parukh in Nagorno-Karabakh", "en", story=1, source=1
    )
    armenian = _fp("Ադրբեջանցիները գրավել են Արցախի Փառուխ գյուղը", "hy", hours=1, source=2)
    decision = decide(armenian, [english], StoryRules())
    assert decision.story_id == 1 and "name:" + name_key("Parukh") in decision.evidence
    # another village of the same region taken the same day is another story
    other = _fp("Ադրբեջանցիները գրավել են Արցախի Խրամորթ գյուղը", "hy", hours=1, source=2)
    assert decide(other, [english], StoryRules()).rule == RULE_NEW


def test_two_places_in_common_are_one_event_even_when_one_report_says_much_more() -> None:
    short = _fp("Azerbaijani forces shelled Goris and Vardenis", "en", story=1, source=1)
    long = _fp(
        "ВС Азербайджана обстреляли Горис, Варденис, Сотк, Капан и Джермук, ранены 3 военнослужащих, "
        "повреждены 12 домов",
        "ru",
        hours=1,
        source=2,
    )
    decision = decide(long, [short], StoryRules())
    # the long report's other towns and figures keep the score under the ordinary threshold…
    assert decision.score is not None and decision.score < StoryRules().entity_threshold
    # …but two places and the same kind of event are one story, and /story says so
    assert decision.story_id == 1 and decision.rule == RULE_SIGNATURE
    assert {"place:goris", "place:vardenis", "event:fighting"} <= set(decision.evidence)
    # the same towns in talks are another story
    talks = _fp(
        "Пашинян и Алиев обсудили Горис, Варденис, Сотк, Капан и Джермук на переговорах",
        "ru",
        hours=1,
        source=2,
    )
    assert decide(talks, [short], StoryRules()).rule == RULE_NEW


def test_a_reaction_worded_like_the_event_joins_it_only_through_the_same_actor() -> None:
    killed = _fp(
        "A serviceman of the Azerbaijani army was killed by Armenian fire in the Kalbajar direction",
        "en",
        story=1,
        source=1,
    )
    condemns = _fp(
        "Azerbaijan's Foreign Ministry condemns Armenian fire in the Kalbajar direction "
        "that killed a serviceman",
        "en",
        hours=1,
        source=2,
    )
    # the condemnation repeats the event's words, yet it is news of its own
    assert StoryRules().text_threshold <= text_score(condemns, killed) < 85
    assert decide(condemns, [killed], StoryRules()).rule == RULE_NEW
    # one actor's statement and the call it makes, worded as alike, stay one story: the actor is shared
    says = _fp(
        "US Secretary Blinken says the fighting on the border with Azerbaijan must stop",
        "en",
        story=2,
        source=1,
    )
    urges = _fp("Secretary Blinken calls for an end to the fighting on the border", "en", hours=1, source=2)
    assert urges.reaction and not says.reaction
    decision = decide(urges, [says], StoryRules())
    assert (
        decision.story_id == 2
        and decision.rule == RULE_TEXT
        and "name:" + name_key("Blinken") in decision.evidence
    )


def test_a_reaction_joins_a_headline_without_the_cue_whose_lead_reports_the_same_reaction() -> None:
    commented = fingerprint(
        "МИД России прокомментировал обострение ситуации на армяно-азербайджанской границе",
        "МИД России выразил серьезную озабоченность обострением ситуации на границе",
        "ru",
        NOW,
        ["armaz_border"],
        story_id=1,
        item_id=1,
        source=1,
    )
    statement = fingerprint(
        "МИД России: эскалация на армяно-азербайджанской границе недопустима",
        "Министерство иностранных дел России выражает серьезную озабоченность резким обострением ситуации",
        "ru",
        NOW + timedelta(hours=1),
        ["armaz_border"],
        item_id=2,
        source=2,
    )
    assert commented.reaction and not statement.reaction and statement.reaction_in_lead
    assert StoryRules().text_threshold <= text_score(statement, commented) < 85
    assert decide(statement, [commented], StoryRules()).story_id == 1


def test_two_reactions_to_one_event_are_one_story_only_by_one_actor() -> None:
    moscow = _fp("Russian Foreign Ministry concerned by the fighting in Tavush", "en", story=1, source=1)
    yerevan = _fp("ԱԳՆ խոսնակը մեկնաբանել է Տավուշում մարտերը", "hy", hours=1, source=2)
    assert moscow.reaction and yerevan.reaction
    # the same event reacted to, by someone else: a story of its own
    assert decide(yerevan, [moscow], StoryRules()).rule == RULE_NEW
    # the same actor's reaction in another language: one story
    english = _fp("US Speaker Nancy Pelosi condemns the shelling of Jermuk", "en", story=2, source=1)
    russian = _fp("Спикер Нэнси Пелоси осудила обстрел Джермука", "ru", hours=1, source=2)
    decision = decide(russian, [english], StoryRules())
    assert decision.story_id == 2 and "name:" + name_key("Pelosi") in decision.evidence


def test_an_office_word_is_not_a_name_that_ties_two_reports() -> None:
    assert names("A statement of the Presidential Administration, the Administration said") == set()
    assert names("сообщили в Администрации Президента Азербайджана") == set()


def _day(fp: Any, day: date) -> Any:
    """The fingerprint of a report its source dated by the day only: that day's noon, standing for the day."""
    return replace(fp, published=datetime(day.year, day.month, day.day, 12, tzinfo=UTC), day_only=True)


def test_a_bare_date_is_its_whole_day_and_otherwise_counts_from_its_noon() -> None:
    rules = StoryRules()
    day = _day(_fp(SEV_LAKE["en"], "en"), date(2023, 4, 23))
    late = _fp(SEV_LAKE["ru"], "ru", hours=13.9)  # 23:54 that day
    assert time_apart(day, late, rules) == time_apart(late, day, rules) == timedelta(0)
    after_midnight = _fp(SEV_LAKE["ru"], "ru", hours=14.5)  # 00:30 the next day: 12.5 h from the noon
    assert time_apart(day, after_midnight, rules) == timedelta(hours=12, minutes=30)
    next_day = _day(_fp(SEV_LAKE["hy"], "hy"), date(2023, 4, 24))
    assert time_apart(day, next_day, rules) == timedelta(hours=24)
    assert time_apart(day, next_day, replace(rules, days_as_intervals=True)) == timedelta(0)
    # the same day in Yerevan (noon there is 08:00 UTC) and in UTC
    yerevan = replace(next_day, published=datetime(2023, 4, 23, 8, tzinfo=UTC))
    assert time_apart(day, yerevan, rules) == timedelta(0)


def test_a_report_dated_by_the_day_and_an_exact_one_that_day_are_one_story_across_languages() -> None:
    exact = _fp(SEV_LAKE["ru"], "ru", hours=13.9, story=1, source=1)  # 23:54 UTC
    dated = _day(_fp(SEV_LAKE["en"], "en", source=2), date(2023, 4, 23))
    decision = decide(dated, [exact], StoryRules())
    assert decision.story_id == 1 and decision.rule == RULE_SIGNATURE
    # /story says the time was compared as a day
    assert DAY_COMPARED in decision.evidence and "place:sev_lake" in decision.evidence


def test_reports_of_consecutive_days_dated_by_the_day_stay_apart_unless_the_signature_agrees() -> None:
    first = _day(_fp(SEV_LAKE["en"], "en", story=1, source=1), date(2023, 4, 23))
    thin = "Обстрел у озера Сев"  # the place and the kind of event only: no figure, no name
    same_day = _day(_fp(thin, "ru", source=2), date(2023, 4, 23))
    next_day = _day(_fp(thin, "ru", source=2), date(2023, 4, 24))
    assert decide(same_day, [first], StoryRules()).story_id == 1
    assert decide(next_day, [first], StoryRules()).story_id is None


def test_a_short_report_joins_a_long_one_that_says_all_it_says_and_shares_an_anchor() -> None:
    short = _fp("Azerbaijan returns 10 Armenian prisoners of war", "en", story=1, source=1)
    # the long one names the 10 returned and much more (who mediated, who met, who thanked): the Jaccard
    # score is low, but nothing the short one says is missing from it
    long_report = (
        "Азербайджан передал Армении 10 военнопленных при посредничестве Шарля Мишеля: Пашинян и Алиев "
        "договорились в Брюсселе, Мирзоян поблагодарил ЕС"
    )
    decision = decide(_fp(long_report, "ru", hours=2, source=2), [short], StoryRules())
    assert decision.story_id == 1 and decision.rule == RULE_SIGNATURE
    assert {"number:10", "event:captives_return"} <= set(decision.evidence)
    # all it says, but no anchor (a kind of event alone): a story of its own
    bare = _fp("Armenian prisoners of war returned", "en", story=1, source=1)
    assert decide(_fp(long_report, "ru", hours=2, source=2), [bare], StoryRules()).story_id is None


def test_a_day_the_text_names_dates_its_event_when_that_rule_is_on() -> None:
    first = _day(_fp(SEV_LAKE["en"], "en", story=1, source=1), date(2023, 4, 23))
    # told the next day, naming the day it happened ("23 April"), dated by the day only
    told = "23 апреля двое военнослужащих ранены при обстреле у озера Сев"
    next_day = _day(_fp(told, "ru", hours=24, source=2), date(2023, 4, 24))
    assert next_day.named_days == {date(2023, 4, 23)}
    # in force: the publication days alone, a day apart, and too little evidence for reports a day apart
    assert time_apart(first, next_day, StoryRules()) == timedelta(hours=24)
    assert decide(next_day, [first], StoryRules()).story_id is None
    # on (StoryRules.named_days, measured in docs/story-figures.md, seventh round): the day it names is the
    # day of the first report
    named = replace(StoryRules(), named_days=True)
    assert time_apart(first, next_day, named) == time_apart(next_day, first, named) == timedelta(0)
    assert decide(next_day, [first], named).story_id == 1
    # a day named further back, or after the publication, dates other news
    assert _fp("20 апреля обстрел у озера Сев", "ru", hours=24).named_days == frozenset()
    assert _fp("25 апреля обстрел у озера Сев", "ru", hours=24).named_days == frozenset()


# ------------------------------------------------------------------------------------- fifth round's rules


def test_kinds_of_event_of_one_domain_are_related_and_ask_for_more_anchors() -> None:
    # the fighting for a town and its capture, captives taken and returned: one event may be told either way
    assert event_relation(event_families({"capture"}), event_families({"armed_clash"})) == RELATED
    assert event_relation(event_families({"detention"}), event_families({"prisoner_return"})) == RELATED
    # talks and shelling, a mobilisation and the fighting it answers, have no domain in common
    assert event_relation(event_families({"talks"}), event_families({"shelling"})) == CONTRADICT
    assert event_relation(event_families({"mobilization"}), event_families({"shelling"})) == CONTRADICT
    captured = _fp(
        "Azerbaijan says it has captured the town of Shusha in Nagorno-Karabakh", "en", story=1, source=1
    )
    fighting = _fp("Бои за Шушу в Нагорном Карабахе продолжаются", "ru", hours=1, source=2)
    decision = decide(fighting, [captured], StoryRules())
    assert decision.story_id == 1 and "place:shusha" in decision.evidence
    # one place alone is not enough for kinds that differ (it would be for the same kind)
    elsewhere = _fp("Бои за Шушу продолжаются", "ru", hours=1, source=2)
    assert decide(elsewhere, [captured], StoryRules()).rule == RULE_NEW


def test_a_bilateral_meeting_is_not_the_trilateral_one_beside_it() -> None:
    summit = _fp("Putin, Aliyev and Pashinyan hold trilateral talks in Sochi", "en", story=1, source=1)
    bilateral = _fp("Путин и Алиев провели двустороннюю встречу в Сочи", "ru", hours=1, source=2)
    assert summit.participants == {"putin", "aliyev", "pashinyan"} and bilateral.participants == {
        "putin",
        "aliyev",
    }
    assert contradiction(bilateral, summit) == "participants"
    assert decide(bilateral, [summit], StoryRules()).rule == RULE_NEW
    # the same three leaders in another language: one story
    same = _fp("Путин, Алиев и Пашинян провели переговоры в Сочи", "ru", hours=1, source=2)
    assert decide(same, [summit], StoryRules()).story_id == 1


def test_an_announcement_joins_what_happened_by_wording_only_when_nearly_the_same() -> None:
    held = _fp("Putin holds trilateral talks with Pashinyan and Aliyev in Sochi", "en", story=1, source=1)
    announced = _fp(
        "According to the Kremlin, a trilateral meeting of Putin, Pashinyan and Aliyev "
        "will take place in Sochi",
        "en",
        hours=-24,
        source=2,
    )
    assert announced.prospect and not held.prospect
    assert StoryRules().text_threshold <= text_score(announced, held) < StoryRules().other_kind_text_threshold
    assert decide(announced, [held], StoryRules()).rule == RULE_NEW


def test_a_small_figure_does_not_tie_reports_of_different_places() -> None:
    lake = _fp("Two soldiers wounded near Sev Lake after Azerbaijani shelling", "en", story=1, source=1)
    kalbajar = _fp(
        "Ermənistan ordusu Kəlbəcər istiqamətində mövqelərimizi atəşə tutub, iki hərbçi yaralanıb",
        "az",
        hours=1,
        source=2,
    )
    assert "number:2" in decide(kalbajar, [replace(lake, places=frozenset())], StoryRules()).evidence
    assert decide(kalbajar, [lake], StoryRules()).rule == RULE_NEW


async def _store_one(db: Database, feed: int, title: str, language: str | None, published: datetime) -> Any:
    key = hashlib.sha256(f"{feed}{title}".encode()).hexdigest()
    entry = FeedEntry(
        f"https://a.test/{key[:8]}", f"https://a.test/{key[:8]}", title, "", language, published
    )
    (stored,) = await store_new_items(
        db,
        feed,
        [NewItem(entry, key, key, published, CLASSIFIER.classify(title, "", language))],
        alert=False,
        now=published + timedelta(minutes=3),
    )
    return stored


async def test_a_report_tagged_only_with_the_border_meets_the_story_of_a_town_it_does_not_name(
    db: Database,
) -> None:
    await load_gazetteer(db, load_settings())
    async with db.transaction() as session:
        session.add_all(
            [Feed(url="https://feeds.test/en", title="en"), Feed(url="https://feeds.test/az", title="az")]
        )
    sotk = await _store_one(db, 1, "Azerbaijani forces shelled Sotk, three soldiers wounded", "en", NOW)
    border = await _store_one(
        db, 2, "Ermənistan-Azərbaycan sərhədində atışma: üç hərbçi yaralanıb", "az", NOW + timedelta(hours=1)
    )
    # no tracked entity in common (the Azerbaijani report is tagged with the border only), yet one story
    assert sotk.entity_ids == ("sotk",) and border.entity_ids == ("armaz_border",)
    assert border.story_id == sotk.story_id and border.story_rule == RULE_SIGNATURE


async def test_an_item_of_no_known_language_is_compared_by_wording_with_one_written_alike(
    db: Database,
) -> None:
    await load_gazetteer(db, load_settings())
    async with db.transaction() as session:
        session.add_all([Feed(url=f"https://feeds.test/{n}", title=str(n)) for n in range(3)])
    # an agency's announcement stored before languages were detected (no language), and a channel's copy
    # without the letters, detected as Azerbaijani: one text, one story
    agency = await _store_one(
        db, 1, "Kəlbəcər istiqamətində sərhəd komissiyalarının görüşü keçiriləcək", None, NOW
    )
    channel = await _store_one(
        db,
        2,
        "Kelbecer istiqametinde serhed komissiyalarinin gorusu kecirilecek",
        "az",
        NOW + timedelta(hours=1),
    )
    assert channel.story_id == agency.story_id and channel.story_rule == RULE_TEXT


# ---------------------------------------------------------------------------------------------------- data


def _load(part: str) -> list[dict[str, Any]]:
    """The items of the development part ("dev") or the test part ("test")."""
    items: list[dict[str, Any]] = []
    for path in TEST_DATA if part == "test" else DEV_DATA:
        items += yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    return items


def _published(value: Any) -> datetime:
    """The item's time in UTC; a date without a time (the source gave none) is read as its noon UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, 12, tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def _day_only(value: Any) -> bool:
    """Whether the source gave the date alone (a bare date in the YAML): the item stands for that day."""
    return isinstance(value, date) and not isinstance(value, datetime)


def test_the_data_set_is_real_reporting_in_four_languages_split_by_episode() -> None:
    test = _load("test")
    # a stand-in test part (a development file, until the lead puts the next fresh part in its place) is
    # checked as a test part, not against itself
    dev = [
        item
        for path in DEV_DATA
        if path not in TEST_DATA
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]
    ]
    items = dev + test
    assert len(items) >= 250 and len(test) >= 100
    per_language = Counter(item["lang"] for item in items)
    assert all(per_language[language] >= 60 for language in LANGUAGES), per_language
    assert all(sum(item["lang"] == language for item in test) >= 20 for language in LANGUAGES)
    assert len({item["source"] for item in items}) >= 25
    assert len({_published(item["published"]).date() for item in test}) >= 8
    assert len({item["id"] for item in items}) == len(items)
    for item in items:
        assert item["url"].startswith(("https://", "http://")), item["id"]
        assert item["title"].strip() and item["source"].strip() and item["provenance"], item["id"]
    # a story never straddles the split: it belongs to one episode, and no test day is a development day
    episode_of: dict[str, set[str]] = {}
    for item in items:
        episode_of.setdefault(item["story"], set()).add(item["episode"])
    assert all(len(episodes) == 1 for episodes in episode_of.values())
    assert not {item["episode"] for item in dev} & {item["episode"] for item in test}
    days = {
        part: {_published(item["published"]).date() for item in part_items}
        for part, part_items in (("dev", dev), ("test", test))
    }
    assert not days["dev"] & days["test"]


@dataclass(frozen=True)
class Figures:
    precision: float
    recall: float
    true_pairs: int
    wrong: int
    missed: int

    def line(self) -> str:
        return (
            f"precision {self.precision:.3f}, recall {self.recall:.3f} "
            f"(true pairs {self.true_pairs}, wrong merges {self.wrong}, missed {self.missed})"
        )


def pairwise(
    labels: dict[str, str], found: dict[str, int], languages: dict[str, str], cross: bool
) -> Figures:
    tp = fp = fn = 0
    for a, b in itertools.combinations(sorted(labels), 2):
        if (languages[a] != languages[b]) != cross:
            continue
        same, merged = labels[a] == labels[b], found[a] == found[b]
        tp += same and merged
        fp += merged and not same
        fn += same and not merged
    return Figures(tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp, fp, fn)


async def _merge_through_storage(
    db: Database, items: list[dict[str, Any]]
) -> tuple[dict[str, int], set[str]]:
    """Store the items one by one, in order of publication, as the pipeline would (alerts off); the story
    each ended in, by item id, and the ids of the items that would alert (those tagged with an entity)."""
    settings = load_settings()
    await load_gazetteer(db, settings)
    rules = StoryRules.from_settings(settings)
    feeds: dict[tuple[str, str], int] = {}
    ids: dict[int, str] = {}
    alerting: set[str] = set()
    ordered = sorted(items, key=lambda item: (_published(item["published"]), item["id"]))
    for item in ordered:
        published = _published(item["published"])
        source = (item["source"], item["lang"])
        if source not in feeds:
            async with db.transaction() as session:
                feed = Feed(url=f"https://feeds.test/{len(feeds)}", title=item["source"])
                session.add(feed)
                await session.flush()
                feeds[source] = feed.id
        day_only = _day_only(item["published"])
        entry = FeedEntry(
            item["url"], item["url"], item["title"], item["summary"], item["lang"], published, day_only
        )
        key = hashlib.sha256(item["id"].encode()).hexdigest()
        classification = CLASSIFIER.classify(item["title"], item["summary"], item["lang"])
        if classification.entities:
            alerting.add(item["id"])
        (stored,) = await store_new_items(
            db,
            feeds[source],
            [NewItem(entry, key, key, published, classification, day_only)],
            alert=False,
            now=published + timedelta(minutes=3),
            stories=rules,
        )
        ids[stored.id] = item["id"]
    async with db.transaction() as session:
        rows = (await session.execute(select(Item.id, Item.story_id))).all()
    return {ids[item_id]: int(story_id) for item_id, story_id in rows}, alerting


async def merge_in_database(url: str, items: list[dict[str, Any]]) -> tuple[dict[str, int], set[str]]:
    """_merge_through_storage in the migrated database at `url`, then disposed of (for the figure scripts)."""
    db = Database(url)
    try:
        return await _merge_through_storage(db, items)
    finally:
        await db.dispose()


def labels_and_languages(items: list[dict[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """Each item's story label and language, by item id: what pairwise() compares."""
    return {item["id"]: item["story"] for item in items}, {item["id"]: item["lang"] for item in items}


_MEASURED: dict[tuple[str, str], dict[str, Figures]] = {}


async def _measure(db: Database, part: str) -> dict[str, Figures]:
    """Same- and cross-language figures of one part, merged in a database of its own (once per backend)."""
    if (db.dialect, part) not in _MEASURED:
        items = _load(part)
        found, alerting = await _merge_through_storage(db, items)
        labels, languages = labels_and_languages(items)
        measured = {}
        for kind, cross in (("same", False), ("cross", True)):
            measured[kind] = pairwise(labels, found, languages, cross)
            SUMMARY_LINES.append(
                f"story merging, multilingual {part} part ({len(items)} items, {db.dialect}), "
                f"{kind}-language pairs: {measured[kind].line()}"
            )
        # what a subscriber sees: only tagged items alert, so pairs with an untagged item cost no extra alert
        alerting_labels = {item_id: labels[item_id] for item_id in alerting}
        for kind, cross in (("same", False), ("cross", True)):
            figures = pairwise(alerting_labels, found, languages, cross)
            SUMMARY_LINES.append(
                f"story merging, multilingual {part} part, the {len(alerting)} items that alert "
                f"({db.dialect}), {kind}-language pairs: {figures.line()}"
            )
        _MEASURED[(db.dialect, part)] = measured
    return _MEASURED[(db.dialect, part)]


@pytest.mark.parametrize("part", ["dev", "test"])
async def test_merging_across_languages_holds_its_recorded_figures(db: Database, part: str) -> None:
    measured = await _measure(db, part)
    for kind in ("same", "cross"):
        precision, recall = FLOORS[(part, kind)]
        figures = measured[kind]
        assert figures.precision >= precision and figures.recall >= recall, (part, kind, figures.line())


@pytest.mark.xfail(strict=True, reason="issue 16's targets are not reached on the test part (see FLOORS)")
async def test_merging_reaches_the_issue_targets_on_the_test_part(db: Database) -> None:
    measured = await _measure(db, "test")
    for kind in ("same", "cross"):
        figures = measured[kind]
        assert figures.precision >= TARGET_PRECISION and figures.recall >= TARGET_RECALL, figures.line()


def test_whether_two_reports_contradict_depends_only_on_what_the_candidate_index_keys_them_by() -> None:
    """decide checks a contradiction once per distinct conflict_key among the candidates (a crisis burst is
    thousands of reports of a few events): a candidate that differs in anything else must contradict a new
    item exactly when the one checked does, or a report would join, or miss, its story."""
    titles = [
        ("2 soldiers wounded in shelling near Sev Lake", "en"),
        ("3 soldiers wounded in shelling near Sev Lake", "en"),
        ("Azerbaijani forces shell Armenian positions near Jermuk, 4 soldiers wounded", "en"),
        ("Armenia says its troops came under fire", "en"),
        ("Azerbaijan says its troops came under fire", "en"),
        ("Lachin corridor closed: 40 trucks with humanitarian aid stopped", "en"),
        ("Traffic resumed on the Lachin corridor", "en"),
        ("Putin and Aliyev met in Sochi", "en"),
        ("Putin, Aliyev and Pashinyan met in Sochi", "en"),
        ("Обстрел у озера Сев: ранены двое военнослужащих", "ru"),
        ("Pashinyan condemns the shelling near Jermuk", "en"),
    ]
    reports = [_fp(title, language, story=n + 1, source=n) for n, (title, language) in enumerate(titles)]
    reasons = set()
    for a in reports:
        for b in reports:
            # b as the index sees it: only its conflict_key, nothing else of it
            keyed = Fingerprint(
                language=None,
                published=a.published - timedelta(days=3),
                text="",
                entities=frozenset(),
                places=b.places,
                numbers=b.numbers,
                families=b.families,
                sides=b.sides,
                participants=b.participants,
            )
            assert keyed.conflict_key == b.conflict_key
            reason = contradiction(a, b)
            assert contradiction(a, keyed) == reason, (a.text, b.text)
            reasons.add(reason)
    assert {"places", "events", "numbers", "sides", "participants", None} <= reasons
