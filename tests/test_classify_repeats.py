"""The quick paths of the classifier for an item that repeats a name thousands of times (feeds/classify.py)
answer exactly as the whole-text look they replace; bench/classify_repeats.py measures the speed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.classify import (
    _CONSEQUENCE_FOLLOWS,
    _NAME_AFTER_STEMS,
    _NEGATION_AFTER,
    _NEGATION_BEFORE,
    _TITLE_AFTER,
    _TITLE_BEFORE,
    _TITLE_REACH,
    AzerbaijaniEvidence,
    _caused,
    _CauseIndex,
    _sentence_start,
    azerbaijani_outside,
    in_titled_quote,
)

# names, Azerbaijani letters and words, separators and pieces that make names overlap or touch
PIECES = [
    "qarabağ",
    "qarabag",
    "qarabağda",
    "ve",
    "ile",
    "bolgede",
    "ucun",
    "ə",
    "ğ",
    " ",
    ",",
    "-",
    "_",
    "1",
]
PIECES += ["x", "ab", "aba", "qara", "bağ", "laçın yolu"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=30), st.data())
def test_azerbaijani_evidence_per_item_answers_as_the_whole_text_look(
    pieces: list[str], data: st.DataObject
) -> None:
    text = "".join(pieces)
    evidence = AzerbaijaniEvidence(text)
    for _ in range(8):
        names = [i for i in range(len(text)) if text.startswith("qarabağ", i)]
        if names and data.draw(st.booleans()):  # a hit of the name, with or without an ending
            start = data.draw(st.sampled_from(names))
            stop = data.draw(st.integers(start + len("qarabağ"), min(len(text), start + 10)))
        else:
            start = data.draw(st.integers(0, len(text) - 1))
            stop = data.draw(st.integers(start + 1, len(text)))
        name_length = data.draw(st.sampled_from([0, stop - start, max(0, stop - start - 2)]))
        assert evidence.outside(start, stop, name_length) == azerbaijani_outside(
            text, start, stop, name_length
        )


# the whole-text looks that the quick paths of review 17 replaced, as they were
def _sentence_start_by_slice(text: str, position: int) -> bool:
    before = text[:position].rstrip(" \"'(-")
    return not before or before[-1] in ".!?:\n։"


def _titled_quote_by_count(text: str, start: int, stop: int) -> bool:
    if text.count('"', 0, start) % 2 == 0:
        return False
    opening = text.rfind('"', 0, start)
    closing = text.find('"', stop)
    if start - opening > _TITLE_REACH or closing == -1 or closing - stop > _TITLE_REACH:
        return False
    if "\n" in text[opening:closing]:
        return False
    after = text[closing + 1 : closing + 30].split()
    if after and (after[0].strip(",.;:") in _TITLE_AFTER or after[0].startswith(_NAME_AFTER_STEMS)):
        return True
    return text[max(0, opening - 30) : opening].rstrip().endswith(_TITLE_BEFORE)


def _caused_by_walk(text: str, start: int, stop: int, causes: list[tuple[int, int, int]]) -> bool:
    for c_start, c_stop, postposition in causes:
        if postposition:
            if c_start >= stop and c_start - stop <= _NEGATION_AFTER:
                return True
        elif (
            c_stop <= start
            and start - c_stop <= _NEGATION_BEFORE
            and not text.startswith(_CONSEQUENCE_FOLLOWS, c_stop)
        ):
            return True
    return False


QUOTED = ['"', "Шуши", "Shusha", " ", "\n", ". ", "(", "-", "'", "adlı", "titled", "şou", "x", "։", "?"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(QUOTED), min_size=1, max_size=40), st.data())
def test_quote_and_sentence_looks_answer_as_the_whole_text_look(
    pieces: list[str], data: st.DataObject
) -> None:
    text = "".join(pieces)
    for _ in range(8):
        start = data.draw(st.integers(0, len(text)))
        stop = data.draw(st.integers(start, len(text)))
        assert _sentence_start(text, start) == _sentence_start_by_slice(text, start)
        assert in_titled_quote(text, start, stop) == _titled_quote_by_count(text, start, stop)


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=" wchi", min_size=1, max_size=60),
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 6), st.booleans()), max_size=12),
    st.data(),
)
def test_cause_index_answers_as_the_walk_over_every_cause(
    text: str, spans: list[tuple[int, int, bool]], data: st.DataObject
) -> None:
    causes = [(start, start + length, int(post)) for start, length, post in spans]
    index = _CauseIndex(causes)
    for _ in range(8):
        start = data.draw(st.integers(0, 70))
        stop = data.draw(st.integers(start, 80))
        assert _caused(text, start, stop, index) == _caused_by_walk(text, start, stop, causes)
