"""The learned severity grader of the backtest: character n-grams and a logistic regression (scikit-learn).

Trained on labelled items with a severity label naming at least one level P1-P4; an item accepting
several levels gives one training row per level, weighted so that the item counts once. `null` in a label
is not a class: whether an item gets a severity at all is the rules' entity tags' business."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

LEVELS = ("P1", "P2", "P3", "P4")
C = 10.0


def text_of(item: dict[str, object]) -> str:
    summary = item.get("summary") or ""
    return f"{item['title']}\n{summary}"


@dataclass
class Grader:
    vectorizer: TfidfVectorizer
    model: LogisticRegression

    def probabilities(self, items: Sequence[dict[str, object]]) -> list[dict[str, float]]:
        matrix = self.model.predict_proba(self.vectorizer.transform([text_of(item) for item in items]))
        return [dict(zip(self.model.classes_, (float(p) for p in row), strict=True)) for row in matrix]


def training_rows(items: Sequence[dict[str, object]]) -> tuple[list[str], list[str], list[float]]:
    texts: list[str] = []
    targets: list[str] = []
    weights: list[float] = []
    for item in items:
        levels = [level for level in item.get("severity_in") or () if level is not None]  # type: ignore[attr-defined]
        for level in levels:
            texts.append(text_of(item))
            targets.append(level)
            weights.append(1 / len(levels))
    return texts, targets, weights


def train_grader(items: Sequence[dict[str, object]], c: float = C) -> Grader:
    texts, targets, weights = training_rows(items)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    matrix = vectorizer.fit_transform(texts)
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(matrix, targets, sample_weight=weights)
    return Grader(vectorizer, model)
