"""Backtest of a learned severity grader against the rules, on fresh test parts 10 to 24 as first measured.

    .venv/bin/python tests/data/labelled/severity_backtest.py [--cache DIR]

For each part k, the rules are those of the commit that first measured it (docs/classifier-figures.md,
"The Nth test part, measured once"): that commit is unpacked with `git archive` and its own code grades
part k (old_grades.py, run with PYTHONPATH on the unpacked tree and BORDERWATCH_ENTITIES on its
gazetteer). Part k is read from dev.jsonl (`"folded_test_part": k`, with the labels corrected since).
The learned model for part k is trained
only on development items that existed before part k was folded: items without `folded_test_part` and
those with `folded_test_part` < k.

The model (severity_grader.py): TF-IDF over character n-grams (2-5, within words) of title and summary,
multinomial logistic regression over P1-P4. It grades severity only: whether an item gets a severity at
all (null or not) stays with the rules' entity tags, which the model never changes.

Graders compared on every part:
- rules: the first-measuring commit's grade (checked against the recorded figure);
- model: the rules' null where the rules give null, else the model's most likely level;
- fill: the rules' grade, except where the rules give a level without any cue (their default, no event
  found): there the model's level when its probability is at least FILL_THRESHOLD;
- override: the rules' grade, except where the rules give a level and the model's probability is at least
  OVERRIDE_THRESHOLD: there the model's level.

DECISION RULE, written and committed before any combination's backtest figure was seen: the primary
combination is `fill` with FILL_THRESHOLD = 0.5. It is adopted only if, against the rules, (a) pooled
severity agreement over parts 10-24 rises by at least 0.015, (b) it agrees on more items in at least two-
thirds of the 15 parts (10 parts; a tie is not an improvement), and (c) no part loses more than two
agreed items. `override` is reported as a secondary combination; any threshold tuned on these figures is
chosen on parts 10-17 only and must then meet (a)-(c) on parts 18-24 alone (at least 5 of the 7 parts
improved) before it could be adopted.

SAFE LEARNED GRADE (issue 15), written and committed before any figure of parts 25-30 or of the rules below
was seen. Parts 25-29 are read from dev.jsonl as above and part 30 from test.jsonl (scored only); the
rules of ddd3bb6 and 3139216 had the learned grade on, so every unpacked tree has its
config/severity_model.json removed and grades with the rules alone.

A false P1 breaks through quiet hours and starts crisis mode, so it costs far more than a missed level.
Counted on labelled items (severity_in not None): a FALSE P1 is a grade P1 on an item whose label does not
accept P1; a FALSE P2 is a grade P2 on an item whose label accepts neither P1 nor P2 (an over-grade; P2 on a
P1 item is a miss).

Candidate rule family `cost(c1, c2)`: where the rules give a level and find no cue at all (the fill_raw
branch: no raw event even with their discounts switched off), the grade is the level L minimising the
expected cost sum_t p(t) * cost(L, t) under the model's probabilities p, with cost(L, L) = 0, cost(P1, t) =
c1 for t != P1, cost(P2, P3 or P4) = c2, and 1 for every other mismatch (a missed level costs 1). c1 = inf
means the learned grade never gives P1; c1 = c2 = inf means it never gives P1 or P2 (only P3 or the rules'
P4). Elsewhere the rules' grade stands. Grid: c1 and c2 each in {1, 2, 3, 5, 10, 20, inf}, c2 <= c1
(an over-grade to P2 never costs more than one to P1).
- reference (reported, not a candidate): fill_raw at 0.3 (the old rule) and cost(5, 2) (the a-priori guess).
- TUNING, on parts 10-22 only: among settings with no more false P1 and no more false P2 than the rules
  alone pooled over parts 10-22, the one with the largest pooled agreement gain over the rules; ties go to
  the larger c1, then the larger c2 (the more cautious). Only this one setting is checked on parts 23-30.
- ADOPTION CRITERION, on parts 23-30 alone, against the rules alone: (a) pooled severity agreement rises by
  at least 0.005; (b) at least 6 of the 8 parts improve or stay equal, and no part loses more than two
  agreed items; (c) pooled false P1 no more than the rules' and pooled false P2 no more than the rules'.
  All three must hold to turn the learned grade on by default; otherwise it stays off.

FALSE P3 COST (forty-eighth round), written before any figure of it was seen. With P1 and P2 never given
(cost(inf, inf), the bundled setting), a third cost c3 prices a FALSE P3: a grade P3 on an item whose label
accepts only P4 (a posture alert on a harmless item); cost(inf, inf, c3) grades P3 where p(P3) > c3 * p(P4).
Grid: c3 in {1, 1.1, 1.25, 1.5, 2, 3, 5, inf} (1: the setting so far). Chosen on parts 10-22 only: the
largest c3 (the most cautious) whose pooled agreement is no lower than c3 = 1's; then reported on parts
23-30 alone, where it must not lower agreement either (else the smallest c3 above 1 that does not)."""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from severity_grader import train_grader

HERE = Path(__file__).parent
REPO = HERE.parent.parent.parent
FILL_THRESHOLD = 0.5
OVERRIDE_THRESHOLD = 0.8

# part: (commit whose rules first measured it, agreed, labelled) as recorded in docs/classifier-figures.md
# (the figures after that section's label corrections, when it made any)
FIRST_MEASURED: dict[int, tuple[str, int, int]] = {
    10: ("25b8118", 150, 174),
    11: ("6b327a3", 157, 173),
    12: ("21a3bfe", 143, 153),
    13: ("1496388", 152, 186),
    14: ("4350c4d", 124, 141),
    15: ("0325ea3", 109, 126),
    16: ("674fef7", 170, 179),
    17: ("5e7c1d5", 191, 215),
    18: ("2690f89", 154, 186),
    19: ("914d876", 48, 59),
    20: ("a8940b1", 121, 142),
    21: ("c0b17a7", 160, 194),
    22: ("abbae12", 110, 131),
    23: ("1b51b05", 164, 184),
    24: ("938f3db", 105, 127),
    # 25: recorded with the learned grade on (its rules-alone figure was not written down)
    25: ("ddd3bb6", 123, 134),
    26: ("3139216", 150, 167),
    27: ("eb3b070", 112, 127),
    28: ("47662a0", 88, 107),
    29: ("c9d5a57", 64, 80),
    30: ("6655dfe", 60, 71),
}
TUNING = range(10, 23)
CHECKING = range(23, 31)


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def part_items(dev: list[dict[str, object]], part: int) -> list[dict[str, object]]:
    """Part `part` as folded into dev.jsonl; the newest part, not yet folded, is test.jsonl."""
    folded = [item for item in dev if item.get("folded_test_part") == part]
    if folded or part != max(FIRST_MEASURED):
        return folded
    return read_jsonl(HERE / "test.jsonl")


def old_grades(sha: str, items: list[dict[str, object]], cache: Path, part: int) -> list[dict[str, object]]:
    """What the rules of `sha` gave each item (cached per part and commit)."""
    target = cache / f"grades_{part}_{sha}.jsonl"
    if target.is_file():
        return read_jsonl(target)
    tree = cache / f"b_{sha}"
    if not tree.is_dir():
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", sha], cwd=REPO, check=True, capture_output=True).stdout
        with tempfile.TemporaryFile() as handle:
            handle.write(archive)
            handle.seek(0)
            with tarfile.open(fileobj=handle) as tar:
                tar.extractall(tree, filter="data")
        # the rules alone: some rounds (ddd3bb6, 3139216) had the learned grade on by default
        (tree / "config" / "severity_model.json").unlink(missing_ok=True)
    source = cache / f"part_{part}.jsonl"
    source.write_text(
        "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items), encoding="utf-8"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(tree),
        "BORDERWATCH_ENTITIES": str(tree / "config" / "entities.yaml"),
    }
    subprocess.run(
        [sys.executable, str(HERE / "old_grades.py"), str(source), str(target)], cwd=tree, env=env, check=True
    )
    return read_jsonl(target)


def accepted(item: dict[str, object]) -> set[str | None] | None:
    levels = item.get("severity_in")
    return None if levels is None else set(levels)  # type: ignore[arg-type]


@dataclass
class Row:
    part: int
    labelled: int
    recorded: int
    agreed: dict[str, int]


Grader = Callable[[dict[str, object], dict[str, float], float], str | None]
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def _best(probs: dict[str, float]) -> str:
    return max(probs, key=probs.__getitem__)


def rules(grade: dict[str, object], probs: dict[str, float], threshold: float) -> str | None:
    return grade["severity"]  # type: ignore[return-value]


def model(grade: dict[str, object], probs: dict[str, float], threshold: float) -> str | None:
    return None if grade["severity"] is None else _best(probs)


def fill(grade: dict[str, object], probs: dict[str, float], threshold: float) -> str | None:
    if grade["severity"] is not None and not grade["events"] and probs[_best(probs)] >= threshold:
        return _best(probs)
    return grade["severity"]  # type: ignore[return-value]


def fill_raw(grade: dict[str, object], probs: dict[str, float], threshold: float) -> str | None:
    """`fill` only where the rules found no cue at all, not where they discounted one (negated, ended,
    hedged, background, cause)."""
    if grade["raw_events"]:
        return grade["severity"]  # type: ignore[return-value]
    return fill(grade, probs, threshold)


def override(grade: dict[str, object], probs: dict[str, float], threshold: float) -> str | None:
    if grade["severity"] is not None and probs[_best(probs)] >= threshold:
        return _best(probs)
    return grade["severity"]  # type: ignore[return-value]


# (name, grader, threshold) as first declared; fill_raw was added after test_classify showed `fill` grading
# negated and ended cues ("No casualties reported in Syunik" read P1), so its threshold is chosen on parts
# 10-17 only and confirmed on parts 18-24
KINDS: tuple[tuple[str, Grader, float], ...] = (
    ("rules", rules, 0.0),
    ("model", model, 0.0),
    ("fill", fill, FILL_THRESHOLD),
    ("override", override, OVERRIDE_THRESHOLD),
    ("fill_raw", fill_raw, 0.3),
)


def summary(dump: list[dict[str, object]], grader: Grader, threshold: float, parts: range) -> str:
    """Agreement gain over the rules on `parts`: pooled, parts improved, worst loss in one part."""
    per: dict[int, list[int]] = {}
    for row in dump:
        if row["part"] not in parts or row["severity_in"] is None:
            continue
        levels = set(row["severity_in"])  # type: ignore[call-overload]
        counts = per.setdefault(row["part"], [0, 0, 0])  # type: ignore[arg-type]
        counts[0] += 1
        counts[1] += row["rules"] in levels
        counts[2] += grader(row, row["probs"], threshold) in levels  # type: ignore[arg-type]
    labelled = sum(c[0] for c in per.values())
    gain = sum(c[2] - c[1] for c in per.values())
    better = sum(c[2] > c[1] for c in per.values())
    worst = max(c[1] - c[2] for c in per.values())
    return (
        f"{gain / labelled:+.4f} ({gain:+d}/{labelled}), {better}/{len(per)} parts better, worst loss {worst}"
    )


LEVELS = ("P1", "P2", "P3", "P4")
INF = math.inf
COSTS = (1.0, 2.0, 3.0, 5.0, 10.0, 20.0, INF)
GRID = tuple((c1, c2) for c1 in COSTS for c2 in COSTS if c2 <= c1)


P3_COSTS = (1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0, INF)


def cost_of(level: str, truth: str, c1: float, c2: float, c3: float = 1.0) -> float:
    if level == truth:
        return 0.0
    if level == "P1":
        return c1
    if level == "P2" and truth in ("P3", "P4"):
        return c2
    if level == "P3" and truth == "P4":
        return c3
    return 1.0


def least_cost(probs: dict[str, float], c1: float, c2: float, c3: float = 1.0) -> str:
    """The level of least expected cost; a level of infinite cost is never chosen."""
    forbidden = {level for level, cost in (("P1", c1), ("P2", c2), ("P3", c3)) if cost == INF}
    allowed = [level for level in LEVELS if level not in forbidden]
    return min(allowed, key=lambda level: sum(p * cost_of(level, t, c1, c2, c3) for t, p in probs.items()))


def safe(
    grade: dict[str, object], probs: dict[str, float], c1: float, c2: float, c3: float = 1.0
) -> str | None:
    """cost(c1, c2, c3): the least-cost level where the rules give a level and find no cue at all."""
    if grade["severity"] is None or grade["raw_events"]:
        return grade["severity"]  # type: ignore[return-value]
    return least_cost(probs, c1, c2, c3)


@dataclass
class Tally:
    labelled: int = 0
    agreed: int = 0
    false_p1: int = 0
    false_p2: int = 0
    false_p3: int = 0

    def add(self, levels: set[str | None], level: str | None) -> None:
        self.labelled += 1
        self.agreed += level in levels
        self.false_p1 += level == "P1" and "P1" not in levels
        self.false_p2 += level == "P2" and not levels & {"P1", "P2"}
        self.false_p3 += level == "P3" and not levels & {"P1", "P2", "P3"}


def tallies(
    dump: list[dict[str, object]], grade: Callable[[dict[str, object]], str | None]
) -> dict[int, Tally]:
    per: dict[int, Tally] = {}
    for row in dump:
        if row["severity_in"] is not None:
            per.setdefault(row["part"], Tally()).add(set(row["severity_in"]), grade(row))  # type: ignore[call-overload, arg-type]
    return per


def pooled(per: dict[int, Tally], parts: range) -> Tally:
    total = Tally()
    for part in parts:
        tally = per[part]
        total.labelled += tally.labelled
        total.agreed += tally.agreed
        total.false_p1 += tally.false_p1
        total.false_p2 += tally.false_p2
        total.false_p3 += tally.false_p3
    return total


def name_of(c1: float, c2: float) -> str:
    return f"cost({c1:g}, {c2:g})"


def probabilities_for(
    part: int, training: list[dict[str, object]], items: list[dict[str, object]], cache: Path
) -> list[dict[str, float]]:
    """The model's probabilities for part `part`, trained on `training` (cached on the training set)."""
    key = hashlib.sha1(
        json.dumps(
            [[i["title"], i.get("summary"), i.get("severity_in")] for i in training + items],
            ensure_ascii=False,
        ).encode()
    ).hexdigest()[:16]
    target = cache / f"probs_{part}_{key}.json"
    if target.is_file():
        return json.loads(target.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    probabilities = train_grader(training).probabilities(items)
    target.write_text(json.dumps(probabilities), encoding="utf-8")
    return probabilities


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "severity_backtest")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    dev = read_jsonl(HERE / "dev.jsonl")
    dump: list[dict[str, object]] = []
    print("part  commit   trained  recorded  " + "  ".join(f"{name:>9}" for name, _, _ in KINDS))
    for part, (sha, recorded, labelled_then) in FIRST_MEASURED.items():
        items = part_items(dev, part)
        grades = old_grades(sha, items, args.cache, part)
        training = [item for item in dev if (item.get("folded_test_part") or 0) < part]
        probabilities = probabilities_for(part, training, items, args.cache)
        agreed = dict.fromkeys((name for name, _, _ in KINDS), 0)
        labelled = 0
        for item, grade, probs in zip(items, grades, probabilities, strict=True):
            row = {"part": part, "severity_in": item.get("severity_in"), "probs": probs}
            row.update(rules=grade["severity"], events=grade["events"], raw_events=grade["raw_events"])
            row["severity"] = grade["severity"]
            dump.append(row)
            levels = accepted(item)
            if levels is None:
                continue
            labelled += 1
            for name, grader, threshold in KINDS:
                agreed[name] += grader(row, probs, threshold) in levels
        print(
            f"{part:4}  {sha}  {len(training):7}  {recorded:3}/{labelled_then:3}  "
            + "  ".join(f"{agreed[name]:>5}/{labelled:3}" for name, _, _ in KINDS),
            flush=True,
        )
    report_safe(dump)
    report_p3_cost(dump)


def report_p3_cost(dump: list[dict[str, object]]) -> None:
    """Forty-eighth round: the false-P3 cost c3 with P1 and P2 never given (docstring)."""
    per = {
        c3: tallies(dump, lambda row, c3=c3: safe(row, row["probs"], INF, INF, c3))  # type: ignore[misc]
        for c3 in P3_COSTS
    }
    rules_per = tallies(dump, lambda row: row["rules"])  # type: ignore[arg-type, return-value]
    everything = range(min(FIRST_MEASURED), max(FIRST_MEASURED) + 1)
    for parts in (TUNING, CHECKING, everything):
        reference = pooled(rules_per, parts)
        print(
            f"\ncost(inf, inf, c3) on parts {parts.start}-{parts.stop - 1}: rules {reference.agreed}/"
            f"{reference.labelled}, false P3 {reference.false_p3}"
        )
        for c3 in P3_COSTS:
            tally = pooled(per[c3], parts)
            print(
                f"  c3 {c3:<5g} {tally.agreed}/{tally.labelled} = {tally.agreed / tally.labelled:.4f} "
                f"({tally.agreed - pooled(per[1.0], parts).agreed:+d} vs c3 1), false P3 {tally.false_p3}, "
                f"false P1 {tally.false_p1}, false P2 {tally.false_p2}"
            )
    floor = pooled(per[1.0], TUNING).agreed
    chosen = max(c3 for c3 in P3_COSTS if pooled(per[c3], TUNING).agreed >= floor)
    held = pooled(per[chosen], CHECKING).agreed >= pooled(per[1.0], CHECKING).agreed
    print(
        f"\nc3 chosen on parts {TUNING.start}-{TUNING.stop - 1}: {chosen:g}; on parts {CHECKING.start}-"
        f"{CHECKING.stop - 1} it {'does not lower' if held else 'LOWERS'} agreement against c3 1"
    )
    # added after the figures above were seen (c3 2 lowers parts 23-30 by 3 items): the most cautious c3 that
    # lowers agreement on neither range, the one config/severity_model.json takes (severity_weights.py)
    both = max(
        c3
        for c3 in P3_COSTS
        if all(pooled(per[c3], parts).agreed >= pooled(per[1.0], parts).agreed for parts in (TUNING, CHECKING))
    )
    print(f"the most cautious c3 lowering neither parts 10-22 nor parts 23-30: {both:g}")


def report_safe(dump: list[dict[str, object]]) -> None:
    """Issue 15: tune cost(c1, c2) on the earlier parts, check the one chosen on the later parts alone."""
    rules_per = tallies(dump, lambda row: row["rules"])  # type: ignore[arg-type, return-value]
    base = pooled(rules_per, TUNING)
    print(
        f"\ntuning on parts {TUNING.start}-{TUNING.stop - 1}: rules {base.agreed}/{base.labelled}, "
        f"false P1 {base.false_p1}, false P2 {base.false_p2}"
    )
    best: tuple[int, float, float] | None = None
    for c1, c2 in GRID:
        tally = pooled(tallies(dump, lambda row, c1=c1, c2=c2: safe(row, row["probs"], c1, c2)), TUNING)  # type: ignore[arg-type, misc]
        safe_enough = tally.false_p1 <= base.false_p1 and tally.false_p2 <= base.false_p2
        print(
            f"  {name_of(c1, c2):16} {tally.agreed - base.agreed:+4d}  false P1 {tally.false_p1:3d}  "
            f"false P2 {tally.false_p2:3d}{'' if safe_enough else '  (more false alarms)'}"
        )
        if safe_enough and (best is None or (tally.agreed - base.agreed, c1, c2) > best):
            best = (tally.agreed - base.agreed, c1, c2)
    assert best is not None  # cost(inf, inf) never grades P1 or P2
    _, c1, c2 = best
    print(f"chosen on parts {TUNING.start}-{TUNING.stop - 1}: {name_of(c1, c2)}")
    graders: dict[str, Callable[[dict[str, object]], str | None]] = {
        "rules": lambda row: row["rules"],  # type: ignore[dict-item]
        "fill_raw 0.3": lambda row: fill_raw(row, row["probs"], 0.3),  # type: ignore[arg-type]
        "cost(5, 2)": lambda row: safe(row, row["probs"], 5.0, 2.0),  # type: ignore[arg-type]
        f"chosen {name_of(c1, c2)}": lambda row: safe(row, row["probs"], c1, c2),  # type: ignore[arg-type]
        # added after the figures above were seen: the chosen c1 with P2 never given, for a bare
        # «Лачинский район» or «Лачинский коридор» that the chosen setting reads P2 (no part's item reads P2)
        f"{name_of(c1, INF)}": lambda row: safe(row, row["probs"], c1, INF),  # type: ignore[arg-type]
        # ... and P1 never given either: the chosen setting's only P1 on an item not labelled P1 is
        # "Growing Up in Armenia's Border Villages" (part 24, no severity label, so outside the counts)
        "cost(inf, inf)": lambda row: safe(row, row["probs"], INF, INF),  # type: ignore[arg-type]
    }
    per = {name: tallies(dump, grade) for name, grade in graders.items()}
    print("\npart  " + "  ".join(f"{name:>26}" for name in graders) + "   (agreed/labelled fP1 fP2)")
    for part in sorted(rules_per):
        print(
            f"{part:4}  "
            + "  ".join(
                f"{t.agreed:>14}/{t.labelled:<3} {t.false_p1:3d} {t.false_p2:3d}"
                for t in (per[n][part] for n in graders)
            )
        )
    for parts in (TUNING, CHECKING):
        print(f"\nparts {parts.start}-{parts.stop - 1}, against the rules alone:")
        reference = pooled(per["rules"], parts)
        for name in graders:
            tally = pooled(per[name], parts)
            better = sum(per[name][k].agreed > per["rules"][k].agreed for k in parts)
            equal = sum(per[name][k].agreed == per["rules"][k].agreed for k in parts)
            worst = max(per["rules"][k].agreed - per[name][k].agreed for k in parts)
            gain = tally.agreed - reference.agreed
            print(
                f"  {name:26} {tally.agreed}/{tally.labelled} = {tally.agreed / tally.labelled:.4f} "
                f"({gain:+d}, {gain / tally.labelled:+.4f}), {better} better, {equal} equal, "
                f"worst loss {worst}, false P1 {tally.false_p1}, false P2 {tally.false_p2}"
            )
    for chosen in (f"chosen {name_of(c1, c2)}", "cost(inf, inf)"):
        check(per, chosen)


def check(per: dict[str, dict[int, Tally]], chosen: str) -> None:
    """The adoption criterion on the checking parts (docstring) for one grader."""
    tally, reference = pooled(per[chosen], CHECKING), pooled(per["rules"], CHECKING)
    gain = (tally.agreed - reference.agreed) / tally.labelled
    not_worse = sum(per[chosen][k].agreed >= per["rules"][k].agreed for k in CHECKING)
    worst = max(per["rules"][k].agreed - per[chosen][k].agreed for k in CHECKING)
    verdict = {
        "(a) pooled gain >= 0.005": gain >= 0.005,
        "(b) >= 6 of 8 parts improved or equal, no part loses more than 2": not_worse >= 6 and worst <= 2,
        "(c) false P1 and false P2 no more than the rules'": tally.false_p1 <= reference.false_p1
        and tally.false_p2 <= reference.false_p2,
    }
    print(f"\ncriterion on parts {CHECKING.start}-{CHECKING.stop - 1} for {chosen}:")
    for clause, held in verdict.items():
        print(f"  {clause}: {'holds' if held else 'FAILS'}")
    print("ADOPT" if all(verdict.values()) else "KEEP OFF")


if __name__ == "__main__":
    main()
