"""A headline for text that has none (a Telegram post, a JSON Feed item without a title): its first line or
sentence, trimmed at a word when long; the rest of the text is the summary."""

from __future__ import annotations

import re

from feeds.normalize import normalize_text

__all__ = ["MAX_HEADLINE", "split_headline"]

MAX_HEADLINE = 200
_MIN_SENTENCE = 20  # a shorter "sentence" ("Breaking." "1.") is joined to the next one

# sentence ends: . ! ? … (with closing quotes or brackets) and then a space
_SENTENCE_END = re.compile(r"[.!?…]+[\"'»”)\]]*\s+")
# a word before a full stop that does not end a sentence: initials and common abbreviations
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "gen",
        "col",
        "lt",
        "maj",
        "capt",
        "sgt",
        "st",
        "no",
        "vs",
        "etc",
        "jan",
        "feb",
        "mar",
        "apr",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "inc",
        "ltd",
        "co",
        "corp",
        "dept",
        "gov",
        "sen",
        "rep",
        "prof",
        "г",
        "гг",
        "ул",
        "им",
        "т",
        "тыс",
        "млн",
        "млрд",
        "руб",
        "ген",
        "полк",
        "см",
        "др",
        "пр",
        "проф",
        "обл",
        "респ",
        "թ",
        "թթ",
        "պ",
        "փ",
    ]
)


def split_headline(text: str, limit: int = MAX_HEADLINE) -> tuple[str, str]:
    """(headline, rest) of `text` (newlines kept apart from other whitespace).

    The headline is the first non-empty line (lines of emoji or symbols only join the next) when it is at
    most `limit` characters, else that line's first
    sentence when short enough, else the line cut at the last word boundary before `limit` with "…". `rest`
    is the text after the headline (the whole text when the headline was cut inside a sentence), with
    whitespace folded.
    """
    lines = [normalize_text(line) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return "", ""
    while len(lines) > 1 and not any(ch.isalnum() for ch in lines[0]):  # "🔴🔴" or "⚡️ СРОЧНО ⚡️"-style
        lines[:2] = [f"{lines[0]} {lines[1]}"]
    first, others = lines[0], lines[1:]
    if len(first) <= limit:
        return first, " ".join(others)
    sentence = _first_sentence(first)
    if sentence is not None and len(sentence) <= limit:
        return sentence, " ".join([first[len(sentence) :].strip(), *others]).strip()
    cut = first[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:–—-") + "…", " ".join(lines)


def _first_sentence(line: str) -> str | None:
    for end in _SENTENCE_END.finditer(line):
        candidate = line[: end.end()].rstrip()
        if len(candidate) < _MIN_SENTENCE:
            continue
        if candidate.endswith(".") and _before_stop(candidate).lower() in _ABBREVIATIONS:
            continue
        if candidate.endswith(".") and len(_before_stop(candidate)) == 1:  # an initial: "В. Путин"
            continue
        return candidate
    return None


def _before_stop(candidate: str) -> str:
    word = candidate.rstrip(".").rsplit(None, 1)[-1]
    return word.strip("\"'«»“”()[]")
