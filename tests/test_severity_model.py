"""The learned severity grade (feeds/severity_model.py): where the rules find no cue, the text is graded."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from feeds import severity_model
from feeds.gazetteer import load_yaml_gazetteer
from feeds.severity_model import MODEL_FILE, SeverityModelError, bundled_grader, read_grader
from storage.settings import load_settings
from tests.test_entity_commands import run_cli

ROOT = Path(__file__).resolve().parent.parent


def test_classify_grades_an_advance_told_without_a_cue_word_when_the_learned_grade_is_on() -> None:
    # "crept up on", "moved closer to": no cue of config/severity.yaml, so the rules alone give P4
    lines = [
        "Azerbaijani troops crept up on Armenian trenches near Sotk",
        "Azerbaijani troops moved closer to the villages of Syunik",
        "The Armenian government discussed the Lachin corridor with the EU",
    ]
    learned = run_cli(
        ["classify", "--json"], "\n".join(lines) + "\n", {"BORDERWATCH_LEARNED_SEVERITY": "true"}
    )
    assert learned.returncode == 0, learned.stderr
    out = [json.loads(line) for line in learned.stdout.splitlines()]
    assert [(line["severity"], line["events"]) for line in out] == [("P3", []), ("P3", []), ("P4", [])]
    # severity only: the entities are the rules' own
    assert [line["entities"] for line in out] == [
        ["armaz_border", "sotk"],
        ["syunik"],
        ["lachin_corridor"],
    ]
    by_default = run_cli(["classify", "--json"], "\n".join(lines) + "\n")
    assert by_default.returncode == 0, by_default.stderr
    assert [json.loads(line)["severity"] for line in by_default.stdout.splitlines()] == ["P4", "P4", "P4"]


@pytest.mark.parametrize(
    "text",
    [
        # the grade that was argmax at 0.3 read these P1 (a P1 breaks through quiet hours, starts crisis mode)
        "Farmers in the border villages of Tavush harvest apricots",
        "Frontline village of Sotk gets a new school",
        "Soldiers of the Armenian army played football in Gegharkunik",
        # ... and these P2
        "Tourists hiked to the waterfalls near Jermuk this weekend",
        "Border villages of Syunik celebrate the grape harvest",
        "Туристы посетили Лачинский район",
        "Лачинский коридор: история дороги",
        # ... and so did the backtest's choice, false P1 and P2 costing 10 (P2 at 0.98)
        "Лачинский район",
    ],
)
def test_an_item_that_reports_nothing_stays_p4(text: str) -> None:
    settings = load_settings().model_copy(update={"learned_severity": True})
    classifier = load_yaml_gazetteer(settings).classifier
    assert classifier.grader is not None
    result = classifier.classify(text)
    assert (result.severity, result.events) == ("P4", frozenset())


def test_the_learned_grade_never_gives_p1_or_p2() -> None:
    """A P1 breaks through quiet hours and starts crisis mode: the learned grade gives only P3 or P4, on every
    third development item (some 2,200) and on the feature story the backtest's choice read P1 at 0.92."""
    grader = bundled_grader()
    assert grader is not None
    dev = ROOT / "tests" / "data" / "labelled" / "dev.jsonl"
    items = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines()[::3]]
    items.append(
        {
            "title": "Growing Up in Armenia’s Border Villages",
            "summary": "His village, Chinari, is barely a kilometer away from Armenia’s border with "
            "Azerbaijan, directly in the line of fire of the Azerbaijani armed forces.",
        }
    )
    graded = {"P1": 0, "P2": 0, "P3": 0, "P4": 0}
    for item in items:
        graded[grader.grade(f"{item['title']}\n{item.get('summary') or ''}")] += 1
    assert graded["P1"] == graded["P2"] == 0 and graded["P3"] and graded["P4"], graded


def test_a_cue_or_no_tracked_place_keeps_the_rules_grade() -> None:
    settings = load_settings().model_copy(update={"learned_severity": True})
    classifier = load_yaml_gazetteer(settings).classifier
    assert classifier.grader is not None
    # a cue: the rules' level, whatever the model thinks
    assert classifier.classify("Pashinyan met Aliyev in Prague to discuss the border").severity is None
    shelled = classifier.classify("Azerbaijani artillery shelled Jermuk and Goris in Armenia")
    assert (shelled.severity, shelled.events) == ("P1", frozenset({"shelling"}))
    # a cue the rules discount (negated, ended): the rules' floor, not the model's reading of the cue word
    assert classifier.classify("No casualties reported in Syunik").severity == "P4"
    assert classifier.classify("Shelling of the villages of Syunik stopped overnight").severity == "P4"
    # nothing tracked: no severity at all
    assert classifier.classify("Troops stormed positions overnight").severity is None


def test_a_broken_weights_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "severity_model.json"
    with pytest.raises(SeverityModelError, match="no such file"):
        read_grader(missing)
    costs = {"P1": 10, "P2": 10}
    one_weight = {
        "levels": ["P1", "P2"],
        "false_alarm_costs": costs,
        "intercepts": [0, 1],
        "features": {"ab": [1]},
    }
    missing.write_text(json.dumps(one_weight))
    with pytest.raises(SeverityModelError, match="one weight per level"):
        read_grader(missing)
    cheap_p1 = {**one_weight, "false_alarm_costs": {"P1": 0.5, "P2": None}, "features": {"ab": [1, 1, 1]}}
    missing.write_text(json.dumps(cheap_p1))
    with pytest.raises(SeverityModelError, match="false-alarm cost of P1 must be a number of at least 1"):
        read_grader(missing)
    old_threshold = {**one_weight, "threshold": 0.3, "features": {"ab": [1, 1, 1]}}
    del old_threshold["false_alarm_costs"]
    missing.write_text(json.dumps(old_threshold))
    with pytest.raises(SeverityModelError, match="no false_alarm_costs: a file of an older model"):
        read_grader(missing)
    missing.write_text("[]")
    with pytest.raises(SeverityModelError, match="expected a JSON object"):
        read_grader(missing)


@pytest.mark.parametrize(
    ("costs", "problem"),
    [
        # NaN compares false with everything: the expected cost of P1 was NaN, its minimum, on every item
        ({"P1": math.nan, "P2": None}, "the false-alarm cost of P1 must be a number of at least 1 or null"),
        ({"P1": None, "P2": "ten"}, "the false-alarm cost of P2 must be a number of at least 1 or null"),
        ({"P1": True, "P2": None}, "the false-alarm cost of P1 must be a number of at least 1 or null"),
        # a level left out would cost 1, as any wrong level: P2 given wherever the model finds it likelier
        ({"P1": None}, "false_alarm_costs must give P1 and P2, and may give P3"),
        # P4 is the floor: grading it is never a false alarm
        ({"P1": None, "P2": None, "P4": 2}, "false_alarm_costs must give P1 and P2, and may give P3"),
        # a false P3 cheaper than a missed level would grade P3 where P4 is likelier
        (
            {"P1": None, "P2": None, "P3": 0.5},
            "the false-alarm cost of P3 must be a number of at least 1 or null",
        ),
        (
            {"P1": None, "P2": None, "P3": "2"},
            "the false-alarm cost of P3 must be a number of at least 1 or null",
        ),
        (
            {"P1": None, "P2": None, "P3": math.nan},
            "the false-alarm cost of P3 must be a number of at least 1 or null",
        ),
    ],
)
def test_a_false_alarm_cost_that_is_not_a_cost_is_a_clear_error(
    tmp_path: Path, costs: dict[str, object], problem: str
) -> None:
    path = tmp_path / "severity_model.json"
    document = {
        "levels": ["P1", "P2", "P3", "P4"],
        "false_alarm_costs": costs,
        "intercepts": [0, 0, 0, 1],
        "features": {"ab": [1, 1, 1, 1, 1]},
    }
    path.write_text(json.dumps(document))
    with pytest.raises(SeverityModelError) as raised:
        read_grader(path)
    assert str(raised.value) == f"{path}: {problem}"


def test_a_false_p3_cost_keeps_a_near_tie_at_p4(tmp_path: Path) -> None:
    """P3 on a P4 item is a posture alert on a harmless item: with its cost in the file, an item the model
    finds barely likelier P3 than P4 stays P4, one it finds clearly P3 is still P3; a file that gives no P3
    cost (the older files) costs it 1, as any wrong level."""
    path = tmp_path / "severity_model.json"
    document = {
        "levels": ["P1", "P2", "P3", "P4"],
        "false_alarm_costs": {"P1": None, "P2": None, "P3": 1.5},
        "intercepts": [0, 0, 0, 0],
        # "ab": P3 1.105 times as likely as P4; "cd": 2.7 times
        "features": {"ab": [1, 0, 0, 0.1, 0], "cd": [1, 0, 0, 1, 0]},
    }
    path.write_text(json.dumps(document))
    grader = read_grader(path)
    assert grader.probabilities("ab")["P3"] > grader.probabilities("ab")["P4"]
    assert (grader.grade("ab"), grader.grade("cd")) == ("P4", "P3")
    path.write_text(json.dumps({**document, "false_alarm_costs": {"P1": None, "P2": None}}))
    assert (read_grader(path).grade("ab"), read_grader(path).grade("cd")) == ("P3", "P3")


def test_levels_in_another_order_still_never_give_p1_or_p2(tmp_path: Path) -> None:
    """The file lists its levels least severe first; its one feature makes P1 near certain. A false alarm of
    P1 or P2 is null, so the grade is still P3 or P4."""
    path = tmp_path / "severity_model.json"
    document = {
        "levels": ["P4", "P3", "P2", "P1"],
        "false_alarm_costs": {"P1": None, "P2": None},
        "intercepts": [0, 0, 0, 0],
        "features": {"ab": [1, 0, 0, 0, 10]},
    }
    path.write_text(json.dumps(document))
    grader = read_grader(path)
    assert grader.probabilities("ab")["P1"] > 0.99
    assert grader.grade("ab") in ("P3", "P4")
    unknown = {**document, "levels": ["P3", "P4"], "intercepts": [0, 0], "features": {"ab": [1, 0, 1]}}
    path.write_text(json.dumps(unknown))
    with pytest.raises(SeverityModelError) as raised:
        read_grader(path)
    assert str(raised.value) == f"{path}: false_alarm_costs names P1, which is not one of the levels P3, P4"


def test_the_committed_weights_are_what_training_on_the_development_part_writes() -> None:
    """`make severity-model` regenerates config/severity_model.json; the committed file must be its output."""
    pytest.importorskip("sklearn")
    result = subprocess.run(
        [sys.executable, "tests/data/labelled/severity_weights.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    grader = bundled_grader()
    assert grader is not None and grader.levels == ("P1", "P2", "P3", "P4") and MODEL_FILE.is_file()


def test_without_the_weights_file_severity_comes_from_the_rules_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)  # no config/severity_model.json here, and none in the source tree
    monkeypatch.setenv("BORDERWATCH_LEARNED_SEVERITY", "true")
    monkeypatch.setattr(severity_model, "MODEL_FILE", tmp_path / "missing.json")
    bundled_grader.cache_clear()
    try:
        classifier = load_yaml_gazetteer(load_settings()).classifier
        assert (
            classifier.classify("Azerbaijani troops crept up on Armenian trenches near Sotk").severity == "P4"
        )
        assert "severity from the rules alone" in caplog.text and "missing.json: no such file" in caplog.text
    finally:
        bundled_grader.cache_clear()
