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
        # a stress mark NFC leaves on its own is dropped; the letters that carry an accent stay
        ("Сю\u0301ник, о\u0300бласть", "сюник, область"),
        ("c\u0327 s\u0327 g\u0306 и\u0306 Ç", "c s g й c"),
        ("Сев\u00adлич", "севлич"),  # soft hyphen
        ("Զանգեզու՞ր Արցա՛խ", "զանգեզուր արցախ"),  # Armenian in-word marks U+055B–U+055E
        ("Stepanakert–Goris — A‑B", "stepanakert-goris - a-b"),  # dash variants
        ("«Qarabağ» “x” ‘y’", '"qarabag" "x" \'y\''),  # quote variants
        ("İlham ilham", "ilham ilham"),  # Azerbaijani dotted capital I
        ("Laçın LAÇIN", "lacin lacin"),  # dotless i
        ("Sev\u00a0Lake", "sev lake"),  # no-break space
        # Azerbaijani letters folded as ASCII-folded Telegram text writes them (redaktor.az, xezerxeber.az)
        ("Ermənistan Laçındakı mövqelərimizə", "ermenistan lacindaki movqelerimize"),
        ("ŞUŞA Ağdam GÖYÇƏ Gəncə", "susa agdam goyce gence"),
        # camel-case hashtags read as their words (#NagornoKarabakh, #StopArmenianAgression in the field)
        ("#SevLake #NagornoKarabakh", "#sev lake #nagorno karabakh"),
        ("#ЛачинскийКоридор #CSTOSummit #Sev_Lake", "#лачинский коридор #csto summit #sev lake"),
        ("SevLake iPhone #Лачин #NKR", "sevlake iphone #лачин #nkr"),  # outside a hashtag, or one word
        # a year or a number glued on; an acronym's number stays on it
        ("#Karabakh2023 #Qarabağ2020 #Лачин2023", "#karabakh 2023 #qarabag 2020 #лачин 2023"),
        ("#SevLake2021 #2020Karabakh #COP29 #G7", "#sev lake 2021 #2020 karabakh #cop29 #g7"),
        # a word mixing Latin and Cyrillic look-alikes read in its dominant script
        ("Н\u0061хичевани", "нахичевани"),  # Latin a in a Cyrillic word
        ("L\u0430çın", "lacin"),  # Cyrillic а in a Latin word
        ("Москва Moscow D\u0436", "москва moscow d\u0436"),  # one script per word, or a tie: left alone
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
        "Гегаркуни\u0301кская о\u0301бласть",
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


def test_folding_keeps_the_letters_on_request_with_the_same_offsets() -> None:
    original = "Ermənistan ŞUŞA Нaхичевани"
    assert normalize(original, fold=False) == "ermənistan şuşa нахичевани"
    assert len(normalize(original, fold=False)) == len(normalize(original)) == len(original)
    assert NormalizedText(original).one_to_one


@pytest.mark.parametrize(
    ("original", "normalized_word", "shown"),
    [
        ("Tension at #SevLake today", "lake", "Lake"),
        ("Tension at #SevLake today", "sev lake", "SevLake"),
        ("Tension at #SevLake today", "today", "today"),
        ("#ЛачинскийКоридор закрыт, Нaхичевань", "коридор", "Коридор"),
        ("#ЛачинскийКоридор закрыт, Нaхичевань", "нахичевань", "Нaхичевань"),
        ("#Laçınİstiqaməti Ş\u0327uşa", "istiqameti", "İstiqaməti"),
        ("Road closed #Лачин2023 again", "лачин", "Лачин"),
        ("Road closed #Лачин2023 again", "2023", "2023"),
        ("#Qarabağ2020 Zəfər", "qarabag 2020", "Qarabağ2020"),
    ],
)
def test_hashtag_words_and_folded_letters_map_back(original: str, normalized_word: str, shown: str) -> None:
    norm = NormalizedText(original)
    start = norm.text.index(normalized_word)
    assert norm.original_slice(start, start + len(normalized_word)) == shown
    starts, ends = build_offset_map(original)
    assert len(starts) == len(norm.text) + 1 and len(ends) == len(norm.text)


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


def test_yiwn_after_a_consonant_is_read_as_vev_and_maps_back() -> None:
    """The classical spelling as written in Iran writes ւ alone after a consonant where the reformed spelling
    has վ (սպանւել, լարւած, առնւազն): read as վ, one letter for one; ու, աւ, իւ and եւ keep their readings."""
    original = "Սահմանին սպանւել են առնւազն երկու զինւորներ, ԵՐԵՒԱՆ"
    norm = NormalizedText(original)
    assert norm.text == "սահմանին սպանվել են առնվազն երկու զինվորներ, երեվան"
    start = norm.text.index("սպանվել")
    assert norm.original_slice(start, start + len("սպանվել")) == "սպանւել"
    assert normalize("Տաւուշ Սիւնիք հայու") == "տավուշ սյունիք հայու"
