"""Normalisation: every step, and offsets that point back into the original text."""

from __future__ import annotations

import pytest

from feeds.textnorm import NormalizedText, build_offset_map, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("e\u0301cole", "école"),  # NFC
        ("Նախիջևան", "նախիջեվան"),  # casefold, not lower: և → եւ, then one spelling with ԵՎ
        ("ՆԱԽԻՋԵՎԱՆ Նախիջեւան", "նախիջեվան նախիջեվան"),
        ("STRASSE Straße", "strasse strasse"),
        ("Ёлка", "елка"),  # ё → е
        ("Сев\u00adлич", "севлич"),  # soft hyphen
        ("Զանգեզու՞ր Արցա՛խ", "զանգեզուր արցախ"),  # Armenian in-word marks U+055B–U+055E
        ("Stepanakert–Goris — A‑B", "stepanakert-goris - a-b"),  # dash variants
        ("«Qarabağ» “x” ‘y’", '"qarabağ" "x" \'y\''),  # quote variants
        ("İlham ilham", "ilham ilham"),  # Azerbaijani dotted capital I
        ("Laçın LAÇIN", "laçin laçin"),  # dotless i
        ("Sev\u00a0Lake", "sev lake"),  # no-break space
    ],
)
def test_each_normalisation_step(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_alias_and_text_spellings_meet() -> None:
    assert normalize("İlham Əliyev") == normalize("ILHAM ƏLIYEV") == normalize("ilham əliyev")
    assert normalize("Laçın") == normalize("LAÇIN")
    assert normalize("Նախիջևան") == normalize("Նախիջեւան") == normalize("ՆԱԽԻՋԵՎԱՆ")


@pytest.mark.parametrize(
    "original",
    [
        "Лачинского коридора",
        "Նախիջևանում և Սյունիքում",
        "İlham Əliyev LAÇIN",
        "Сев\u00adлич ё",
        "e\u0301cole Goris",
    ],
)
def test_offsets_point_into_the_original(original: str) -> None:
    norm = NormalizedText(original)
    starts, ends = build_offset_map(original)
    assert len(starts) == len(norm.text) + 1 and len(ends) == len(norm.text)
    # the whole normalised text maps back to a slice that normalises to the same thing
    assert normalize(norm.original_slice(0, len(norm.text))) == norm.text
    for index in range(len(norm.text)):
        piece = norm.original_slice(index, index + 1)
        assert piece and norm.text[index] in normalize(piece)


def test_word_after_an_expanding_letter_keeps_its_offsets() -> None:
    original = "Նախիջևան Գորիս"
    norm = NormalizedText(original)
    start = norm.text.index("գորիս")
    assert norm.original_slice(start, start + 5) == "Գորիս"
    assert not norm.one_to_one
    assert NormalizedText("plain ascii").one_to_one


def test_western_armenian_spellings_that_change_the_length_map_back() -> None:
    original = "Սահմանին լարուածութիւնը կը շարունակուի Սոթքի մօտ"
    norm = NormalizedText(original)
    assert norm.text == "սահմանին լարվածությունը կը շարունակվի սոթքի մոտ"
    assert not norm.one_to_one
    for word, shown in (
        ("լարվածությունը", "լարուածութիւնը"),
        ("շարունակվի", "շարունակուի"),
        ("սոթքի", "Սոթքի"),
    ):
        start = norm.text.index(word)
        assert norm.original_slice(start, start + len(word)) == shown
    # the reformed spelling is left as it is: ու before a vowel is a vowel there
    assert normalize("Ռուանդա") == "ռուանդա"
