"""The quick paths of the classifier for an item that repeats a name thousands of times (feeds/classify.py)
answer exactly as the whole-text look they replace; bench/classify_repeats.py measures the speed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.classify import AzerbaijaniEvidence, azerbaijani_outside

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
