"""The labelled set of real headlines (tests/data/labelled, docs/labelling.md) and `borderwatch eval` on it.

The set was split once into a development part (tuned on) and a test part (figures only). Once a test
part's figures are recorded it is folded into development (marked `folded_test_part`) and a fresh test part,
collected by someone who never ran the classifier on it, takes its place (docs/labelling.md). The
thresholds of issue 15 are asserted on the current test part.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from feeds.classify import Classifier
from feeds.evaluate import Evaluation, LabelledFileError, evaluate, format_report, read_labelled
from feeds.gazetteer import load_yaml_gazetteer
from storage.settings import load_settings
from tests.test_entity_commands import run_cli

LABELLED = Path(__file__).parent / "data" / "labelled"
DEV, TEST = LABELLED / "dev.jsonl", LABELLED / "test.jsonl"
LANGUAGES = ("en", "ru", "hy", "az")


def _raw(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return load_yaml_gazetteer(load_settings()).classifier


def _report(evaluation: Evaluation, capsys: pytest.CaptureFixture[str], name: str) -> str:
    report = "\n".join([f"{name} part:", *format_report(evaluation)])
    with capsys.disabled():
        print("\n" + report)
    return report


def test_set_is_large_real_balanced_and_covers_2020_to_2025() -> None:
    items = _raw(DEV) + _raw(TEST)
    languages = Counter(item["lang"] for item in items)
    assert len(items) >= 600
    assert all(languages[language] >= 150 for language in LANGUAGES), languages
    assert sum(1 for item in items if item["must_not"]) >= 150
    assert sum(1 for item in items if "severity_in" in item) >= 300
    for item in items:
        assert item["source"] and item["date"] and str(item["url"]).startswith("http"), item
    years = Counter(str(item["date"])[:4] for item in items)
    assert all(years[str(year)] > 0 for year in range(2020, 2026)), years
    titles = [item["title"] for item in items]
    assert len(titles) == len(set(titles)), "an item is in the set twice"


def test_split_is_70_30_and_keeps_near_identical_items_on_one_side() -> None:
    dev, test = _raw(DEV), _raw(TEST)
    # the one-time split was 70/30 (items added to the development part later are marked and left out here);
    # its test part is now folded into development, marked with its number
    split_dev = [
        item for item in dev if not item.get("added_after_split") and not item.get("folded_test_part")
    ]
    first_test = [item for item in dev if item.get("folded_test_part") == 1]
    assert 0.25 <= len(first_test) / (len(split_dev) + len(first_test)) <= 0.35
    for key in (
        lambda item: item["url"],
        lambda item: f"{item['source']}|{item['date']}",
        lambda item: item["date"] if len(str(item["date"])) == 10 else None,
        lambda item: item["title"],
    ):
        dev_keys = {key(item) for item in dev} - {None}
        test_keys = {key(item) for item in test} - {None}
        assert not dev_keys & test_keys


def test_each_language_of_the_test_part_carries_40_items() -> None:
    """Enough items in each language of a fresh test part for its own figures."""
    test_languages = Counter(item["lang"] for item in _raw(TEST))
    assert all(test_languages[language] >= 40 for language in LANGUAGES), test_languages


def test_a_second_reader_accepts_the_same_severity_on_nearly_every_item() -> None:
    """240 items graded again, blind, from the guide alone (docs/labelling.md, "How far two readers agree on
    severity"): the labels the classifier is measured against are ones a second careful reader shares."""
    labelled = {item["title"]: item for item in _raw(DEV) + _raw(TEST)}
    graded = [item for item in _raw(LABELLED / "second_reader.jsonl") if not item.get("unsure")]
    labels = [labelled[item["title"]] for item in graded]
    assert all("severity_in" in label for label in labels)
    agree = sum(
        bool(set(item["severity_in"]) & set(label["severity_in"]))
        for item, label in zip(graded, labels, strict=True)
    )
    assert len(graded) >= 230 and agree / len(graded) >= 0.95, (agree, len(graded))


# The fiftieth test part as measured once with the fifty-first round's rules (frozen at 4b9e3b9; figures in
# docs/classifier-figures.md, with and without the learned severity grade, which is off by default, and with
# the one label corrected after the measurement, marked "relabelled"): thresholds reached are asserted, those
# not reached are strict expected failures with the figure on the corrected labels (the mark must go once the
# threshold is met).
_TEST_FIGURES = "test part 50 measured once with the fifty-first round's rules (docs/classifier-figures.md)"
_RECALL_BELOW_095 = {"hy": "0.947 (36/38)"}


@pytest.fixture(scope="module")
def test_evaluation(classifier: Classifier) -> Evaluation:
    return evaluate(classifier, read_labelled(TEST))


@pytest.mark.parametrize(
    "language",
    [
        pytest.param(
            language,
            marks=pytest.mark.xfail(
                strict=True, reason=f"recall {_RECALL_BELOW_095[language]} < 0.95, {_TEST_FIGURES}"
            ),
        )
        if language in _RECALL_BELOW_095
        else language
        for language in LANGUAGES
    ],
)
def test_test_part_recall_per_language_reaches_095(
    test_evaluation: Evaluation, language: str, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _report(test_evaluation, capsys, "test")
    assert test_evaluation.by_language[language].recall >= 0.95, report


@pytest.mark.xfail(
    strict=True,
    reason="2 false hits in 38 near-misses (the Karabakh range in Azerbaijani twice: «Qarabağ silsiləsində», "
    f"«Murovdağ, Qarabağ, Mıxtökən silsilələri»), {_TEST_FIGURES}",
)
def test_test_part_has_no_false_hits_on_near_misses(test_evaluation: Evaluation) -> None:
    assert test_evaluation.overall.false_hits == 0


@pytest.mark.xfail(
    strict=True,
    reason="severity agreement 0.827 (62/75) by the rules alone, the default (the same with the learned "
    f"grade) < 0.90, {_TEST_FIGURES}",
)
def test_test_part_severity_agreement_reaches_090(test_evaluation: Evaluation) -> None:
    assert test_evaluation.overall.severity_agreement >= 0.90


def test_development_part_keeps_its_figures(
    classifier: Classifier, capsys: pytest.CaptureFixture[str]
) -> None:
    """A guard against regressions on the part the classifier was tuned on (forty-nine test parts
    folded): the floors are the figures of the ninth round (docs/classifier-figures.md), rounded down.
    Since the lead's CSTO convention (docs/labelling.md, Near-misses; every item relabelled in the
    twenty-first round) the CSTO acting elsewhere is a near-miss and none of those items is a false hit.
    Twenty-eight false hits are left (docs/classifier-figures.md, "Sixteenth round" to "Thirty-third round";
    the twenty-fifth part's fourteen were closed but three in the twenty-seventh round, the twenty-sixth
    part's nine but one in the twenty-eighth, the twenty-eighth part's fifteen but one in the thirtieth: 13
    before that part was folded, 28 with it, 14 after the round; the twenty-ninth part's one, a monastery
    of the Don Armenians read as Nakhchivan, was closed in the thirty-first: 14 before that part was
    folded, 15 with it, 14 after the round; the thirtieth part's one, the Syunik metropolitanate, was
    relabelled in the thirty-second (its text names Greater Armenia's province of Syunik), which also
    closed the two "Year of Shusha" items of the twenty-third and twenty-sixth parts: 14 before that part
    was folded, 15 with it, 12 after the round; the thirty-first part's eleven, four of them closed in the
    thirty-third: 12 before that part was folded, 23 with it, 19 after the round; the thirty-second part's
    two, left open in the thirty-fourth: 19 before that part was folded, 21 with it, 21 after the round;
    the thirty-third part's one, the Ishkhanasar village community read as the mountain, closed in the
    thirty-fifth: 21 before that part was folded, 22 with it, 21 after the round; the thirty-fourth part
    brought none: 21 before it was folded, 21 with it, 21 after the thirty-sixth round; the thirty-fifth
    part's four, the Stepanakert State Drama Theatre closed in the thirty-seventh: 21 before that part was
    folded, 25 with it, 24 after the round; the thirty-sixth part's eight, six of them closed in the
    thirty-eighth: 24 before that part was folded, 32 with it, 26 after the round; the thirty-seventh
    part's five, four of them closed in the thirty-ninth, which also read the Zangezur range as the
    landform and so closed two hits of the thirty-first part's Zangezur range: 26 before that part was
    folded, 31 with it, 25 after the round; the thirty-eighth part's two, COP29's UN named again past the
    climate words' reach and the "Naxçıvan Open" chess tournament, both closed in the fortieth: 25 before
    that part was folded, 27 with it, 25 after the round; the thirty-ninth part's twelve, ten of them
    closed in the forty-first: 25 before that part was folded, 37 with it, 27 after the round; the
    fortieth part brought none: 27 before it was folded, 27 with it, 27 after the forty-second round; the
    forty-first part's five, four of them closed in the forty-third: 27 before that part was folded, 32 with
    it, 28 after the round; the forty-second part's two, the UN's pandemic resolution closed in the
    forty-fourth: 28 before that part was folded, 30 with it, 29 after the round; the forty-third part's three
    landforms, the Zangezur mountains after the place's Russian adjective and the Sotk pass closed in the
    forty-fifth: 29 before that part was folded, 32 with it, 30 after the round; the forty-fourth part's two
    Zangezur ranges, abbreviated («Зангезурский хр.») and after a second name («Zəngəzur və Dərələyəz
    dağları»), both closed in the forty-sixth: 30 before that part was folded, 32 with it, 30 after the
    round; the forty-fifth part's three, the Stepanakert brandy factory, a village's page title «Սյունիք
    (գյուղ)» and the Zangezur range's watersheds («Zəngəzur və Dərələyəz silsilələrinin»), all closed in
    the forty-seventh, which also closed the thirty-second part's «Տաւուշ (գիւղ)»: 30 before that part
    was folded, 33 with it, 29 after the round; the forty-sixth part's three, Kyiv's 1997 treaty with
    Russia, the UN's declaration on children signed at UNICEF («YUNİSEF») and Heydar Aliyev's name with his
    patronymic («HEYDƏR ƏLİRZA OĞLU ƏLİYEV»), all closed in the forty-eighth: 29 before that part was
    folded, 32 with it, 29 after the round; the forty-seventh part's seven, the singer Shusha Guppy twice,
    the Vardenis river as a dictionary headword («ՎԱՐԴԵՆԻՍ, գետ»), Kalbajar's İstisu read as Jermuk, the
    architect Əcəmi Naxçıvani, an exhibition at the UN's Yerevan office and Georgian Armenians detained by
    Azerbaijan's border guards, all closed in the forty-ninth, which also closed the thirty-first part's two
    Shusha Guppy items: 29 before that part was folded, 36 with it, 27 after the round; the forty-eighth
    part's four, Nurali Aliyev of Kazakhstan (a surname in apposition after a given name that opens the
    sentence), the encyclopedia headword "Aliev, Mukhu Gimbatovich" and the Syunid dynasty «Sünik
    (sülalə)», three of them closed in the fiftieth: 27 before that part was folded, 31 with it, 28 after
    the round; the forty-ninth part's fifteen, the Muslim shroud «кафан» four times, an İlham Əliyev sports
    complex twice, Kəlbəcər honey, the “Naxçıvan kuboku”, a Syunik yearbook, FK Qarabağ's central arena, the
    CSTO's anti-drug operation, the CIS forces in Tajikistan, the 1997 Russia–Chechnya treaty, the Samur
    border with Russia and the Vardenis range, all but the range closed in the fifty-first: 28 before that
    part was folded, 43 with it, 29 after the round): of the fourteenth part, a honey and berry
    festival in the town of Berd, labelled a near-miss for Tavush (a festival is not news of its province);
    of the fifteenth, Putin's "military alliance" (his name in a possessive before the CSTO's nickname,
    labelled a near-miss for Putin); of the sixteenth, Heydar Aliyev named by his surname alone in two
    headlines of 2001 ("Says Aliyev", "Aliyev Kocharian"), which the text cannot tell from the current
    president (the date could); of the eighteenth, "the Armenian village of Syunik", which the text cannot
    tell from a village of the province; of the twentieth, an underground radio station called «ԱԶԱՏ ԱՐՑԱԽ»
    (a quoted name with no club or brand word near it); of the twenty-first, the CSTO's members clashing
    with each other with no place named («союзнички по ОДКБ опять сцепились»); of the twenty-second, the
    Azerbaijani community of Nagorno-Karabakh, an organisation named after the region (the eighth part
    labels the same organisation's name as naming the region: the labels disagree); of the twenty-fifth,
    the prime minister's father "Vova Pashinyan" (another given name before the surname in a Title Case
    headline), the "Traditions of Syunik" festival in Goris (a festival named after the province; the
    labels read "a Goris festival" as naming Goris) and the Qarabağlar mausoleum in Nakhchivan (a village
    whose name reads as Karabakh with a plural ending); of the twenty-eighth, a building called “Şuşa”
    (“Şuşa”nın yerində bu universitet olacaq: the hotel's site, no hotel word; Azerbaijani quotes with a
    case ending also mark the place's own name, "Naqorno-Karabax"da, so no rule tells them apart); of the
    thirty-first, the Karabakh highland beside the Zangezur range (the highland
    keeps its place by `range_name`, which the label contradicts; since the thirty-ninth round the Zangezur
    range itself is the landform, as the guide reads it), the dictionary word laçın (falcon) under an
    all-capital headword, and Putin on Ukraine with only a "Bakı" dateline as the region; of the
    thirty-second, Putin named only as the CSTO's patron ("a group
    widely considered to be President Vladimir Putin's …"); of the thirty-fifth, Rakhat Aliev of Kazakhstan
    (the surname spelt "Aliev" after another given name, in a Title Case headline, where a capital says
    nothing of a name), a culture project and a carpet group named after Shusha (a quoted project title
    naming Shusha, which the fourth part's labels read, for Karabakh, as naming the place), and a street in
    Goris named after Syunik ("Սյունիքի անվան փողոցում": "named after" right after a place cannot end its
    name, since a school named after a person in Stepanakert names Stepanakert); of the thirty-sixth, a
    Soviet actor named Aliyev in an Armenian encyclopedia entry ("ԱԼԻԵՎ Միրզա Աղա Ալի օղլի": another given
    name and a patronymic after the surname, beyond the reach of the Heydar words) and the UN General
    Assembly's president visiting Baku (labelled a near-miss for `un`); of the thirty-seventh, streets
    closed "in the Nakhichevan district" for sewer works (the Nakhichevan of Rostov-on-Don, with no Rostov
    or Don word in the item to tell it from the exclave); of the thirty-ninth, the 1938 film "Zangezur"
    (an encyclopedia page whose summary names the film by the region's name, the word "film" at the end of
    its sentence) and a businessman named İlham Əliyev («iş adamı İlham Əliyev»: an occupation before the
    president's full name, which no rule reads); of the forty-first, Nakhchivan's education ministry
    organising an event ("Naxçıvan Muxtar Respublikası Təhsil Nazirliyinin təşkilatçılığı ilə": development
    labels the same republic's agriculture ministry supplying its farmers as naming Nakhchivan, and the
    Karabakh defence ministry's reports name Karabakh, so a ministry word cannot end the place's name); of
    the forty-second, a literary magazine called «ԳՐԱԿԱՆ ԱՐՑԱԽ» (a quoted name before its magazine word,
    as the twentieth part's radio station: bare Artsakh counts wherever it is written); of the forty-third,
    Tavush as one of three valleys in a list ("three valleys: the Khndzorut, Tavush and Hakhum": the valley
    word is not next to the name); of the forty-eighth, the Russian peacekeepers' base under fire with no
    place named («Под обстрел попала и база российских миротворцев»: the peacekeepers in Karabakh came
    under fire too, and their items often name no place either, so no word tells another conflict's base
    from theirs); of the forty-ninth, the Vardenis range beside the Syunik mountains around Jermuk
    («Վարդենիսի և Սյունյաց … լեռներով»: the name's genitive before "and", with the mountain word far
    after it, and Vardenis's mountains are also where the border's news happens);
    no other may appear."""
    evaluation = evaluate(classifier, read_labelled(DEV))
    report = _report(evaluation, capsys, "development")
    for language in LANGUAGES:
        assert evaluation.by_language[language].recall >= 0.98, report
        assert evaluation.by_language[language].severity_agreement >= 0.95, report
    assert evaluation.overall.false_hits <= 30, report


def test_eval_command_prints_figures_per_language(tmp_path: Path) -> None:
    labelled = tmp_path / "mine.jsonl"
    items = [
        {"title": "Azerbaijani forces shelled Goris in Armenia", "lang": "en",
         "must": ["goris", "armaz_border"], "must_not": [], "severity_in": ["P1"]},
        {"title": "Во втором тайме «Карабах» забил гол", "lang": "ru", "must": [],
         "must_not": ["nagorno_karabakh"], "severity_in": [None]},
        {"title": "Ermənistan silahlı qüvvələri Laçın istiqamətində mövqelərimizi atəşə tutub", "lang": "az",
         "summary": "", "must": ["lachin", "sev_lake"], "must_not": []},
    ]  # fmt: skip
    labelled.write_text(
        "\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n\n", encoding="utf-8"
    )

    result = run_cli(["eval", str(labelled), "--json"], "")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["languages"]["en"]["recall"] == 1.0
    assert figures["languages"]["en"]["severity_agreement"] == 1.0
    assert figures["languages"]["ru"]["false_hits"] == 0
    assert figures["languages"]["ru"]["near_miss_items"] == 1
    assert figures["languages"]["az"]["recall"] == 0.5  # Sev Lake is not named: a miss
    assert figures["all"]["items"] == 3

    table = run_cli(["eval", str(labelled), "--failures"], "")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["lang", "items", "recall"]
    assert any(line.startswith("az ") and "0.500" in line for line in lines)
    assert any("missed ['sev_lake']" in line and "line 3" in line for line in lines)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"title": "x", "lang": "en", "must": "goris"}\n', "line 1: must must be a list"),
        ('{"title": "x", "lang": "en"}\nnot json\n', "line 2: not valid JSON"),
        ('{"title": "", "lang": "en"}\n', "line 1: title must be a non-empty string"),
        ('{"title": "x", "lang": "en", "severity_in": ["P9"]}\n', "severity_in must be a list of P1"),
        ("\n\n", "no items"),
    ],
)
def test_a_bad_labelled_file_is_a_clear_error(tmp_path: Path, content: str, problem: str) -> None:
    labelled = tmp_path / "bad.jsonl"
    labelled.write_text(content, encoding="utf-8")
    with pytest.raises(LabelledFileError, match=problem):
        read_labelled(labelled)
    result = run_cli(["eval", str(labelled)], "")
    assert result.returncode == 1
    assert problem.split(":")[0] in result.stderr


def test_eval_of_a_missing_file_says_so(tmp_path: Path) -> None:
    result = run_cli(["eval", str(tmp_path / "none.jsonl")], "")
    assert result.returncode == 1
    assert "no such file" in result.stderr
