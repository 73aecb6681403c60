"""Text normalisation shared by aliases, cues and item text, with a map back to the original offsets.

The same function normalises both sides, so an alias matches whatever spelling variant the text uses:
NFC; `İ`/`ı` folded to `i` (Azerbaijani and Turkish: `İlham` = `ilham`, `Laçın` = `LAÇIN`); `ё` → `е`; soft
hyphens, zero-width characters and the Armenian in-word marks U+055B–U+055E removed; dash, quote and space
variants unified; a combining accent NFC leaves on its own (a stress mark: `о́бласть` → `область`)
removed; then `casefold()` (not `lower()`: Armenian `և` folds to `եւ`, German `ß` to `ss`), and
Armenian `եւ` is written `եվ` so that `Նախիջևան`, `Նախիջեւան` and `ՆԱԽԻՋԵՎԱՆ` are one spelling. Inside an
Armenian word the classical (and Western Armenian) spellings are read as the reformed ones, one letter for one
letter: `է` → `ե`, `օ` → `ո`, `եա` → `յա` (`Ատրպէյճան`, `զօրախումբ`, `ղարաբաղեան`), after `յ` `յեա` → `յա`
(the surname ending `-եան` after a vowel: `Միրզոյեան` → `Միրզոյան`), and `աւ` → `ավ`
(`Տաւուշ`), and the capitals «ՈԻ» are «ՈՒ» as some classical prints write them (`ԶԱՆԳԵԶՈԻՐ`, `ՍՅՈԻՆԻՔ`);
two change the length: `իւ` → `յու` (`լարուածութիւն` → `լարվածություն`) and `ու` before a vowel
→ `վ` (`լարուած`, `կը շարունակուի`). NormalizedText maps the changed letters back to the original.

Spellings of Telegram channels and social posts:
- Azerbaijani (and Turkish) letters are folded last, one letter for one, as a text written without them has
  them: `ə` → `e` (such text writes `Ermenistan`, `Azerbaycan`, `Gence`; `a` is rarer), `ç` → `c`, `ş` → `s`,
  `ğ` → `g`, `ö` → `o`, `ü` → `u`, so `Lacin rayonu` meets the alias `Laçın`. normalize_with_letters also
  gives the text before folding (the same length and offsets) for the checks that look for those letters
  (an Azerbaijani text, a conditional verb), and the classifier asks a text written with them to spell a key
  as its alias or cue does (`görüş`, a meeting, is not `Gorus`; `olub`, was, is not `ölüb`, died):
  spelled_key, spelled_words and words_agree give and compare those spellings. A cue of fewer than 5 letters
  counts folded only where its letters are written, and an item known to be in English, Russian or Armenian
  takes no folded key at all (feeds.classify: `Susa` in Piedmont is not `Şuşa`). In a text written without
  the letters, a name whose key is also a cue's folded key counts only written as a name (`Gorus-Qafan`, not
  `gorus kecirilib`), and an Azerbaijani function word or a case ending on the name shows an Azerbaijani
  text where a rule asks for one (`Qarabagda`). A word written without the letters in a text that has them
  elsewhere matches a folded name's key as such a text does (`İşğal … Kelbecer rayonu`).
- A camel-case hashtag is read as the words it joins: `#SevLake` → `#sev lake`, `#ЛачинскийКоридор` →
  `#лачинский коридор`, `#CSTOSummit` → `#csto summit`, `#Sev_Lake` → `#sev lake` (a capital after a small
  letter or a figure, or the last capital of a run before a small letter, starts a word), and so is one
  with a year or a number glued on: `#Karabakh2023` → `#karabakh 2023`, `#Лачин2023` → `#лачин 2023` (a
  figure after a word with a small letter; an acronym's `#COP29` stays one word). The space written between
  maps to the empty span where the next word starts. Outside a hashtag a word is split only where words are
  glued without a space (three small letters, then a capital and a small letter: `АрменииНикол` →
  `армении никол`); a name's own camel case stays one word (`iPhone`, `McDonald`, `YouTube`).
- A word that mixes Latin and Cyrillic letters is read in the script most of its letters are written in, its
  look-alike letters (а/a, в/b, е/e, к/k, м/m, н/h, о/o, р/p, с/c, т/t, х/x, у/y, і/i, ј/j, ѕ/s) written in
  that script: `Нaхичевани` with a Latin a is `нахичевани`; a word in one script, or with as many letters of
  each, is left alone. One letter for one, so offsets do not move.
An ASCII text costs one `#` test more; folding costs six `in` tests, and the mixed-script test two scans.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u058a\ufe58\ufe63\uff0d"
_DOUBLE_QUOTES = "«»„“”‟″〝〞＂"
_SINGLE_QUOTES = "‘’‚‛′‹›ʼ＇`´"
_SPACES = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\r\f\v"
# soft hyphen, zero-width space/joiners, word joiner, BOM, Armenian emphasis/exclamation/comma/question marks
_REMOVED = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u055b\u055c\u055d\u055e"

_TABLE: dict[int, str | None] = {ord(c): "-" for c in _DASHES}
_TABLE.update({ord(c): '"' for c in _DOUBLE_QUOTES})
_TABLE.update({ord(c): "'" for c in _SINGLE_QUOTES})
_TABLE.update({ord(c): " " for c in _SPACES})
_TABLE.update({ord(c): None for c in _REMOVED})
# the same without case folding, for case-sensitive aliases ("UN" but not "un")
_CASE_TABLE = dict(_TABLE)
_CASE_TABLE.update({ord("ё"): "е", ord("Ё"): "Е"})
_TABLE.update({ord("ё"): "е", ord("Ё"): "е", ord("İ"): "i", ord("ı"): "i"})
# Azerbaijani and Turkish letters as written without them (Telegram, diaspora channels): one letter for one
_FOLDED = {"ə": "e", "ç": "c", "ş": "s", "ğ": "g", "ö": "o", "ü": "u"}
_CASE_TABLE.update({ord(c): f for c, f in _FOLDED.items()})
_CASE_TABLE.update({ord(c.upper()): f.upper() for c, f in _FOLDED.items()})
_REPLACEMENTS = {chr(code): value or "" for code, value in _TABLE.items()}
_TRANSLATED = re.compile("[" + re.escape("".join(_REPLACEMENTS)) + "]")
_ASCII_TRANSLATED = re.compile("[" + re.escape("".join(c for c in _REPLACEMENTS if c.isascii())) + "]")

# a text containing none of these maps one character to one character, so offsets need no table
_EXPANDING = "".join(c for c in map(chr, range(0x10000)) if ord(c) not in _TABLE and len(c.casefold()) != 1)
# a combining accent left over after NFC belongs to no letter of the script: the stress marks dictionaries
# and encyclopedias print on Russian (`о́бласть`); the letters that carry one (Azerbaijani ç ş ğ ö ü,
# Cyrillic й ё) are single characters after NFC, and Armenian uses none of these marks
_LOOSE_ACCENT_RANGE = "\u0300-\u036f"
_LOOSE_ACCENTS = re.compile("[" + _LOOSE_ACCENT_RANGE + "]")
_LENGTH_CHANGING = re.compile("[" + re.escape(_REMOVED + _EXPANDING) + _LOOSE_ACCENT_RANGE + "]")


def normalize(text: str, classical: bool = True, fold: bool = True) -> str:
    """The normalised form of `text` (aliases, cues and items all go through this one function); with
    `classical` false, without rewriting the classical Armenian spellings (the offset map's first step); with
    `fold` false, keeping the Azerbaijani letters ə ç ş ğ ö ü (the same length and offsets: for the checks
    that look for those letters)."""
    folded, letters = normalize_with_letters(text, classical)
    return folded if fold else letters


def normalize_with_letters(text: str, classical: bool = True) -> tuple[str, str]:
    """normalize(text) and normalize(text, fold=False) at the cost of one; the second is the same object as
    the first when the text has none of the letters folded."""
    if "#" in text or (_GLUED.search(text) and _glued_breaks(text)):
        text = _split_words(text)
    if text.isascii():
        # the ASCII characters of the table are few (tabs, returns, the backquote); casefold is lower
        if _ASCII_TRANSLATED.search(text):
            for char in set(_ASCII_TRANSLATED.findall(text)):
                text = text.replace(char, _REPLACEMENTS[char])
        text = text.lower()
        return text, text
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _LOOSE_ACCENTS.search(text):
        text = _LOOSE_ACCENTS.sub("", text)
    # str.translate with a table is slow; a few str.replace calls on the characters present are not
    for char in set(_TRANSLATED.findall(text)):
        text = text.replace(char, _REPLACEMENTS[char])
    if "ՈԻ" in text:
        text = text.replace("ՈԻ", "ՈՒ")  # the classical capital «Ու» as some print it: «ԶԱՆԳԵԶՈԻՐ»
    text = text.casefold()
    # Armenian "ev": the ligature և folds to եւ, and its capital form is ԵՎ (→ եվ); make both one spelling
    if "եւ" in text:
        text = text.replace("եւ", "եվ")
    # two scans for one letter are much cheaper than one for a pair of letters
    if _CYRILLIC.search(text) and _LATIN.search(text) and _MIXED_SCRIPT.search(text):
        text = _one_script(text)
    if classical and _classical(text):
        text = _CLASSICAL_ARMENIAN.sub(_reformed, text)
    # folded last: no step before it reads the letters it folds
    return _fold(text), text


# a hashtag's words: "#SevLake", "#ЛачинскийКоридор", "#CSTOSummit", "#Sev_Lake"
_HASHTAG = re.compile(r"#(\w+)")


# words glued without a space as scraped pages print them ("АрменииНикол Пашинян", "ArmeniaNikol"): three
# small letters, then a capital and a small letter, inside one token; two small letters or fewer before the
# capital are a name's own camel case ("McDonald", "YouTube", "ArmInfo") and stay one word
_SMALL = "a-zа-яёա-ֆəçşğöüı"
_CAPITAL = "A-ZА-ЯЁԱ-ՖƏÇŞĞÖÜİ"
# a small letter right before a capital: rare in text, so the cheap first test of the glued words
_GLUED = re.compile(rf"[{_CAPITAL}](?<=[{_SMALL}][{_CAPITAL}])")  # the capital first: a fast scan for it
_GLUED_WORD = re.compile(rf"[{_SMALL}]{{3}}[{_CAPITAL}][{_SMALL}]")


def _glued_breaks(text: str) -> list[int]:
    """The offsets in `text` where a glued word starts."""
    return [
        match.start()
        for match in _GLUED.finditer(text)
        if match.start() >= 3 and _GLUED_WORD.match(text, match.start() - 3)
    ]


def _word_breaks(text: str) -> list[int]:
    """The offsets in `text` where the normalised text has a space the original lacks: a camel-case hashtag's
    next word, or a word glued to the one before it."""
    breaks = _hashtag_breaks(text) if "#" in text else []
    glued = _glued_breaks(text)
    if glued:
        return sorted(set(breaks).union(glued))
    return breaks


def _hashtag_breaks(text: str) -> list[int]:
    """The offsets in `text` where a hashtag's next word starts (a capital after a small letter or a figure,
    the last capital of a run before a small letter, or a figure after a word with a small letter:
    "#Karabakh2023", not "#COP29"): the normalised text has a space there."""
    breaks: list[int] = []
    for match in _HASHTAG.finditer(text):
        word = match.group(1)
        base = match.start(1)
        lower = word[0].islower()  # a small letter so far
        for index in range(1, len(word)):
            char = word[index]
            if char.isdigit():
                if lower and word[index - 1].isalpha():
                    breaks.append(base + index)
            elif char.islower():
                lower = True
            elif char.isupper():
                before = word[index - 1]
                if (
                    before.islower()
                    or before.isdigit()
                    or (before.isupper() and index + 1 < len(word) and word[index + 1].islower())
                ):
                    breaks.append(base + index)
    return breaks


def _split_words(text: str) -> str:
    """`text` with each camel-case hashtag written as its words ("#SevLake" → "#Sev Lake", "#Sev_Lake" →
    "#Sev Lake") and each glued word after a space ("АрменииНикол" → "Армении Никол")."""
    if "_" in text:
        text = _HASHTAG.sub(_underscores_as_spaces, text)
    breaks = _word_breaks(text)
    if not breaks:
        return text
    pieces = []
    position = 0
    for index in breaks:
        pieces.append(text[position:index])
        position = index
    pieces.append(text[position:])
    return " ".join(pieces)


def _underscores_as_spaces(match: re.Match[str]) -> str:
    return match.group(0).replace("_", " ")


# Latin and Cyrillic letters (after casefold) that look alike; a word mixing the two scripts is read in the
# script most of its letters are written in ("нaхичевани" with a Latin a, "lаçin" with a Cyrillic а)
_LOOK_ALIKES = {
    "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "i": "і", "j": "ј", "k": "к", "m": "м", "o": "о",
    "p": "р", "s": "ѕ", "t": "т", "x": "х", "y": "у",
}  # fmt: skip
_TO_CYRILLIC = str.maketrans(_LOOK_ALIKES)
_TO_LATIN = str.maketrans(
    {cyrillic: latin for latin, cyrillic in _LOOK_ALIKES.items()} | {"һ": "h", "ԁ": "d"}
)
_LATIN_LETTERS = "a-zß-öø-ɏə"
_CYRILLIC_LETTERS = "\u0430-\u045f\u0460-\u052f"
_MIXED_SCRIPT = re.compile(f"[{_LATIN_LETTERS}][{_CYRILLIC_LETTERS}]|[{_CYRILLIC_LETTERS}][{_LATIN_LETTERS}]")
_LATIN = re.compile(f"[{_LATIN_LETTERS}]")
_CYRILLIC = re.compile(f"[{_CYRILLIC_LETTERS}]")


def _one_script(text: str) -> str:
    """`text` (casefolded) with every word that mixes Latin and Cyrillic letters written in its dominant
    script (a tie is left as it is); one letter for one letter."""
    pieces: list[str] = []
    position = 0
    length = len(text)
    for match in _MIXED_SCRIPT.finditer(text):
        start = match.start()
        if start < position:
            continue  # inside the word just rewritten
        while start and text[start - 1].isalpha():
            start -= 1
        end = match.end()
        while end < length and text[end].isalpha():
            end += 1
        word = text[start:end]
        latin = len(_LATIN.findall(word))
        cyrillic = len(_CYRILLIC.findall(word))
        if latin != cyrillic:
            pieces.append(text[position:start])
            pieces.append(word.translate(_TO_LATIN if latin > cyrillic else _TO_CYRILLIC))
            position = end
    if not pieces:
        return text
    pieces.append(text[position:])
    return "".join(pieces)


def spelled_key(text: str, key: str) -> str | None:
    """`key` (a part of normalize(text)) as `text` spells it with its Azerbaijani letters, or None."""
    index = normalize(text).find(key)
    return None if index == -1 else normalize(text, fold=False)[index : index + len(key)]


# the letters folding writes (a text's plain letter may stand for a key's folded one, never the other way)
_FOLD_TARGETS = re.compile("[" + "".join(set(_FOLDED.values())) + "]")
_WORD = re.compile(r"\w+")


def spelled_words(text: str) -> tuple[tuple[str, str], ...]:
    """The words of normalize(text) that have a letter folding writes, each with its spelling with the
    Azerbaijani letters kept: ("bas", "bas") for "mina bas*", ("eleyhine", "əleyhinə") for "tank əleyhinə"."""
    folded = normalize(text)
    letters = normalize(text, fold=False)
    return tuple(
        (word.group(0), letters[word.start() : word.end()])
        for word in _WORD.finditer(folded)
        if _FOLD_TARGETS.search(word.group(0))
    )


def words_agree(span: str, written: str, words: tuple[tuple[str, str], ...]) -> bool:
    """Whether a matched span (`span` normalised, `written` the same with its letters kept) shows each of a
    pattern's `words` spelled as the pattern spells it somewhere ("mina partlayışı baş" is not "mina bas*":
    its only "bas" is "baş")."""
    for folded, spelled in words:
        index = span.find(folded)
        agrees = index == -1  # a word the pattern inflects away: nothing to compare
        while index != -1 and not agrees:
            agrees = written.startswith(spelled, index)
            index = span.find(folded, index + 1)
        if not agrees:
            return False
    return True


def _classical(text: str) -> bool:
    """Whether a text (normalised but for the classical spellings) is written in the classical or Western
    Armenian spelling."""
    marked = "է" in text or "օ" in text or "եա" in text or "աւ" in text or "իւ" in text
    if marked and _classical_inside_word(text):
        return True
    # a ւ outside ու, աւ and իւ (counted: much cheaper than the regex search most texts would need)
    return (
        "ւ" in text
        and text.count("ւ") > text.count("ու") + text.count("աւ") + text.count("իւ")
        and _LONE_YIWN.search(text) is not None
    )


def _classical_inside_word(text: str) -> bool:
    """Whether a classical spelling stands after an Armenian letter (str.find is much faster than a regex
    search, and most Armenian texts only have the word-initial or stand-alone է of the reformed spelling);
    աւ never occurs in the reformed spelling, so it counts anywhere."""
    if "աւ" in text or "իւ" in text:
        return True
    for mark in ("է", "օ", "եա"):
        index = text.find(mark)
        while index != -1:
            if index and "\u0561" <= text[index - 1] <= "\u0587":
                return True
            index = text.find(mark, index + 1)
    return False


# classical spellings inside a word (after another Armenian letter), each replaced by as many letters; the
# classical աւ (Տաւուշ, աւերածութիւն) is the reformed ավ wherever it stands
# իւ never occurs in the reformed spelling (ութիւն → ություն); ու before a vowel is the consonant վ (լարուած →
# լարված, Ուաշինգտոն → Վաշինգտոն)
# A ւ after a consonant is the consonant վ (the classical spelling as written in Iran and by some Western
# outlets: սպանւել → սպանվել, լարւած → լարված, Խրւաթիա → Խրվաթիա); in the reformed spelling ւ stands only
# in ու, and in the classical in ու, աւ, իւ and եւ (written եվ before this step)
_LONE_YIWN_PATTERN = "(?<=[\u0561-\u0586])(?<![աեիո])ւ"
_LONE_YIWN = re.compile(_LONE_YIWN_PATTERN)
_CLASSICAL_ARMENIAN = re.compile(
    "(?<=[\u0561-\u0587])(?:յեա|եա|է|օ)|աւ|իւ|ու(?=[աեէիո])|" + _LONE_YIWN_PATTERN
)
_REFORMED = {"յեա": "յա", "եա": "յա", "է": "ե", "օ": "ո", "աւ": "ավ", "իւ": "յու", "ու": "վ", "ւ": "վ"}
# the rewritings that change the length; a text with one of them is never one-to-one with its original
_LENGTH_CHANGING_CLASSICAL = re.compile("[իԻ][ւՒ]|[ոՈ][ւՒ][աեէիոԱԵԷԻՈ]|ՈԻ[աեէիոԱԵԷԻՈ]|[յՅ][եԵ][աԱ]")


def _reformed(match: re.Match[str]) -> str:
    return _REFORMED[match.group(0)]


def case_form(text: str) -> str:
    """`text` normalised like normalize() but keeping letter case (for case-sensitive aliases)."""
    return _LOOSE_ACCENTS.sub("", unicodedata.normalize("NFC", text)).translate(_CASE_TABLE)


def _fold(text: str) -> str:
    """A casefolded text with its Azerbaijani letters folded (`in` is much cheaper than a replace)."""
    for letter, folded in _FOLDED.items():
        if letter in text:
            text = text.replace(letter, folded)
    return text


@lru_cache(maxsize=4096)
def _char_form(char: str) -> str:
    return _fold(char.translate(_TABLE).casefold())


class NormalizedText:
    """A normalised text that remembers where each of its characters came from in the original."""

    __slots__ = ("_identity", "_offsets", "original", "text")

    def __init__(self, original: str, normalized: str | None = None) -> None:
        self.original = original
        self.text = normalize(original) if normalized is None else normalized
        # None while unknown; an identity map is never built (one-to-one texts are the common case)
        self._offsets: tuple[list[int], list[int]] | None = None
        self._identity: bool | None = None

    @property
    def one_to_one(self) -> bool:
        """True when every normalised character sits at the same offset as its original."""
        if self._identity is None:
            original = self.original
            self._identity = (
                len(self.text) == len(original)
                and ("#" not in original or not _hashtag_breaks(original))
                # a glued word's break adds a space: as many spaces as the original has means none (cheap)
                and (self.text.count(" ") == original.count(" ") or not _glued_breaks(original))
            ) and (
                original.isascii()
                or (unicodedata.is_normalized("NFC", original) and _LENGTH_CHANGING.search(original) is None)
            )
            if (
                self._identity
                and (
                    "ւ" in original
                    or "Ւ" in original
                    or "յ" in original
                    or "Յ" in original
                    or "ՈԻ" in original
                )
                and _LENGTH_CHANGING_CLASSICAL.search(original)
            ):
                self._identity = False  # "իւ" → "յու", "ուա" → "վա" and "յեա" → "յա" may even out the length
        return self._identity

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The original span that produced the normalised span [start, end)."""
        if self.one_to_one:
            return start, end
        if self._offsets is None:
            self._offsets = build_offset_map(self.original)
        starts, ends = self._offsets
        if end <= start:
            return starts[start], starts[start]
        return starts[start], ends[end - 1]

    def original_slice(self, start: int, end: int) -> str:
        """The original text behind the normalised span [start, end)."""
        ostart, oend = self.to_original(start, end)
        return self.original[ostart:oend]


def build_offset_map(original: str) -> tuple[list[int], list[int]]:
    """For each character of normalize(original): the start and end offsets in `original` of what produced it;
    `starts` has one extra entry for the end of the text.

    A character that expands (`և` → `եւ`) maps every piece to itself; a removed character maps nowhere; a base
    character and the combining marks NFC composes with it form one cluster.
    """
    starts: list[int] = []
    ends: list[int] = []
    index = 0
    length = len(original)
    # a space written between a camel-case hashtag's words or glued words comes from nowhere: it maps to the
    # empty span there
    breaks = set(_word_breaks(original))
    while index < length:
        cluster_start = index
        if cluster_start in breaks:
            starts.append(cluster_start)
            ends.append(cluster_start)
        index += 1
        while index < length and unicodedata.combining(original[index]):
            index += 1
        cluster = original[cluster_start:index]
        produced = len(_char_form(cluster)) if len(cluster) == 1 else len(normalize(cluster))
        starts.extend([cluster_start] * produced)
        ends.extend([index] * produced)
    starts.append(length)
    base = normalize(original, classical=False)
    expected = len(base)
    if len(ends) != expected:  # composition across our clusters (rare): fall back to a proportional map
        starts = [min(length, i * length // max(expected, 1)) for i in range(expected + 1)]
        ends = [min(length, starts[i] + 1) for i in range(expected)]
    if _classical(base):
        starts, ends = _rewritten_offsets(base, starts, ends)
    return starts, ends


def _rewritten_offsets(base: str, starts: list[int], ends: list[int]) -> tuple[list[int], list[int]]:
    """The offset map of a base-normalised text after its classical Armenian spellings are rewritten: each
    letter written for a classical spelling points to the whole spelling it replaces."""
    new_starts: list[int] = []
    new_ends: list[int] = []
    position = 0
    for match in _CLASSICAL_ARMENIAN.finditer(base):
        new_starts.extend(starts[position : match.start()])
        new_ends.extend(ends[position : match.start()])
        produced = len(_REFORMED[match.group(0)])
        new_starts.extend([starts[match.start()]] * produced)
        new_ends.extend([ends[match.end() - 1]] * produced)
        position = match.end()
    new_starts.extend(starts[position:])  # with the extra entry for the end of the text
    new_ends.extend(ends[position:])
    return new_starts, new_ends
