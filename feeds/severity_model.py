"""A learned severity grade for items whose severity the rules give without any cue
(config/severity_model.json).

The rules (config/severity.yaml) grade an item that names a tracked place, organisation, conflict or
project by the most severe event cue it contains, and give the floor level (P4) when it contains none. On
fresh text most severity disagreements are events told in words the cue list lacks ("forces target
positions", "troops moved towards"), so where the rules find no cue this grader reads the text instead:
TF-IDF over character n-grams of 2 to 5 letters within words, and a multinomial logistic regression over
P1-P4, trained with scikit-learn on the labelled development part
(tests/data/labelled/severity_weights.py writes the weights; `make severity-model`).

At run time the weights are read from the plain JSON file and applied without scikit-learn: one Aho-
Corasick pass finds the n-grams of the vocabulary (words are padded with a space each side and kept two
spaces apart, so the substrings found are exactly scikit-learn's `char_wb` n-grams), then sublinear term
frequency times idf, l2 norm, the linear scores and a softmax. The grade is the level of least expected cost
under those probabilities: a wrong level costs 1, except a false P1 (P1 on an item that is not P1: it breaks
through quiet hours and starts crisis mode), a false P2 (P2 on an item of P3 or P4) and, when the file gives
it, a false P3 (P3 on a P4 item: a posture alert on a harmless item), which cost the file's
`false_alarm_costs` (null: never given; a file without P3 costs a false P3 1). The bundled file has null for
P1 and P2: the learned grade never gives P1 or P2 (docs/classifier-figures.md, "A safe learned grade:
backtest on the folded parts"), so it never breaks through quiet hours nor starts crisis mode; it gives P3
only where the model finds P3 more than the P3 cost times as likely as P4. It never changes which entities
are tagged, nor an item the rules give a cue or no severity."""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import ahocorasick
import numpy as np

MODEL_FILE = Path(__file__).resolve().parent.parent / "config" / "severity_model.json"
DEFAULT_MODEL = Path("config/severity_model.json")  # beside config/entities.yaml, as in the container's /app

log = logging.getLogger(__name__)


class SeverityModelError(ValueError):
    """The weights file is missing or malformed; the message names the file and the problem."""


class SeverityGrader:
    """Grades a text P1-P4 from character n-grams, at the least expected cost of a wrong level."""

    def __init__(self, document: dict[str, Any], source: str = "severity model") -> None:
        if "false_alarm_costs" not in document:
            raise SeverityModelError(
                f"{source}: no false_alarm_costs: a file of an older model (make severity-model writes one)"
            )
        try:
            self.levels = tuple(str(level) for level in document["levels"])
            self.costs = _cost_matrix(self.levels, document["false_alarm_costs"])
            features: dict[str, list[float]] = document["features"]
            self._intercepts = np.array(document["intercepts"], dtype=np.float64)
            table = np.array(list(features.values()), dtype=np.float64).reshape(len(features), -1)
        except _BadCosts as exc:
            raise SeverityModelError(f"{source}: {exc}") from None
        except (KeyError, TypeError, ValueError) as exc:
            raise SeverityModelError(f"{source}: not a severity model ({exc!r})") from None
        if table.shape[1] != len(self.levels) + 1 or self._intercepts.shape != (len(self.levels),):
            raise SeverityModelError(f"{source}: every feature needs its idf and one weight per level")
        self._idf = table[:, 0]
        self._coefficients = table[:, 1:]
        # levels never given (a null false-alarm cost) and the costs of the others, once per file
        self._never_given = np.isinf(self.costs).any(axis=1)
        self._finite_costs = np.where(np.isinf(self.costs), 0.0, self.costs)
        self._automaton = ahocorasick.Automaton()
        for index, ngram in enumerate(features):
            self._automaton.add_word(ngram, index)
        self._automaton.make_automaton()

    def probabilities(self, text: str) -> dict[str, float]:
        """The probability of each level for `text` (title, a newline, summary)."""
        padded = " " + "  ".join(text.lower().split()) + " "
        counts = Counter(index for _, index in self._automaton.iter(padded))
        if not counts:
            logits = self._intercepts
        else:
            indices = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
            values = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))
            values *= self._idf[indices]
            logits = values @ self._coefficients[indices] / math.sqrt(values @ values) + self._intercepts
        exps = np.exp(logits - logits.max())
        return dict(zip(self.levels, (float(p) for p in exps / exps.sum()), strict=True))

    def grade(self, text: str) -> str:
        """The level of least expected cost for `text`; a level of null false-alarm cost is never given."""
        probabilities = np.array(list(self.probabilities(text).values()), dtype=np.float64)
        expected = np.where(self._never_given, math.inf, self._finite_costs @ probabilities)
        return self.levels[int(np.argmin(expected))]


# the levels a false-alarm cost may be given for: P4 is the floor, never a false alarm
FALSE_ALARMS = frozenset({"P1", "P2", "P3"})


class _BadCosts(ValueError):
    """The file's false_alarm_costs cannot be used; the message says why."""


def _cost_matrix(levels: tuple[str, ...], false_alarm_costs: object) -> np.ndarray:
    """cost[graded, true]: 0 when right, the false-alarm cost for P1 on a non-P1 item, for P2 on a P3 or
    P4 item and (when given) for P3 on a P4 item (infinite when null), 1 for every other wrong level."""
    if not isinstance(false_alarm_costs, dict) or not {"P1", "P2"} <= set(false_alarm_costs) <= FALSE_ALARMS:
        raise _BadCosts("false_alarm_costs must give P1 and P2, and may give P3")
    position = {level: index for index, level in enumerate(levels)}
    costs = np.ones((len(levels), len(levels))) - np.eye(len(levels))
    for level, cost in false_alarm_costs.items():
        if level not in position:
            raise _BadCosts(
                f"false_alarm_costs names {level}, which is not one of the levels {', '.join(levels)}"
            )
        value = math.inf if cost is None else _false_alarm_cost(level, cost)
        for truth in levels:
            if truth > level:  # less severe (P1 < P2 < P3 < P4), whatever the file's order of levels
                costs[position[level], position[truth]] = value
    return costs


def _false_alarm_cost(level: str, cost: object) -> float:
    """`cost` as a number of at least 1, the cost of any other wrong level: a cheaper false alarm would be
    given more readily than the likeliest level, and NaN (which Python reads as JSON) would be the least
    expected cost on every item, P1 everywhere."""
    if isinstance(cost, bool) or not isinstance(cost, int | float) or not cost >= 1:
        raise _BadCosts(f"the false-alarm cost of {level} must be a number of at least 1 or null")
    return float(cost)


def read_grader(path: Path) -> SeverityGrader:
    """The grader of a weights file; SeverityModelError naming the file when it cannot be used."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SeverityModelError(f"{path}: no such file (make severity-model writes it)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SeverityModelError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(document, dict):
        raise SeverityModelError(f"{path}: expected a JSON object")
    return SeverityGrader(document, str(path))


def model_path() -> Path:
    """config/severity_model.json in the working directory, else the one in the source tree."""
    return DEFAULT_MODEL if DEFAULT_MODEL.is_file() else MODEL_FILE


@cache
def bundled_grader() -> SeverityGrader | None:
    """The grader of the bundled weights, read once per process; None (severity from the rules alone, with a
    warning) when the file is missing or broken."""
    try:
        return read_grader(model_path())
    except SeverityModelError as exc:
        log.warning("severity from the rules alone: %s", exc)
        return None
