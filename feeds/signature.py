"""An item's event signature: what it reports, in terms that do not depend on the language it is written in.

Two reports of one event in English and Russian share almost no words, but they share what happened (the event
types the classifier found: shelling, wounded, checkpoint, talks…), the figures ("2 soldiers", "два
военнослужащих", "երկու զինծառայող", "iki hərbçi" are all 2), the places and other tracked entities, and the
names of people and places the gazetteer does not track ("Pelosi", "Пелоси", "Փելոսի" are one name). This
module turns an item into those parts and says how two items' parts relate; feeds.stories decides with them.

- Events are compared by family (fighting, territory, access, opening, talks…): two reports of one clash may
  call it shelling and an attack, but a road that closed and a road that opened are two stories, and so are
  talks and shelling. "statement" and "provocation" say nothing about what happened and are left out.
- A few kinds of event tell apart stories of one day and one region (martial law, a phone call, an aid
  convoy): two reports of one event both name it, a report of the fighting around it does not.
- The side a headline names (Armenia, Azerbaijan, Artsakh; not "Armenian" or "Azerbaijanis") tells martial
  law in Armenia from martial law in Artsakh.
- Numbers are the counts and figures of the text: digits and number words in English, Russian, Armenian and
  Azerbaijani (cardinal and ordinal), without years, clock times and day-of-month dates ("13 September", "13
  сентября", "սեպտեմբերի 13-ին", "sentyabrın 13-də" are a date, not a count of 13).
- Names are proper names written with a capital letter in running text, reduced to a phonetic key that is the
  same for Latin, Cyrillic and Armenian spellings. Common names that every item of the theatre mentions (the
  countries, their capitals, month names, office words) are left out. Nothing here knows about storage or
  Telegram."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from feeds.classify import folds_letters
from feeds.model import Classification
from feeds.textnorm import normalize, normalize_with_letters

# ---------------------------------------------------------------------------------------------------- events

# Event types (config/severity.yaml) grouped by what a reader would call "the same kind of event". An event
# type not listed here is a family of its own, so a new type added to the lexicon compares correctly without a
# change.
_FAMILIES: dict[str, str] = {
    **dict.fromkeys(
        (
            "shelling",
            "gunfire",
            "armed_clash",
            "attack",
            "drone_strike",
            "explosion",
            "killed",
            "wounded",
            "ceasefire_violation",
            "war_crime",
        ),
        "fighting",
    ),
    **dict.fromkeys(("advance", "capture", "handover"), "territory"),
    **dict.fromkeys(("blockade", "checkpoint"), "access"),
    "road_open": "opening",
    "detention": "captives",
    "prisoner_return": "captives_return",
    "displacement": "displacement",
    **dict.fromkeys(("buildup", "mobilization", "threat", "military_aid"), "posture"),
    "ceasefire": "ceasefire",
    **dict.fromkeys(("talks", "agreement", "visit", "transit_management"), "diplomacy"),
    "delimitation": "delimitation",
    "protest": "protest",
    "election": "election",
}
# words every side uses about everything: they tell nothing about what happened
_WEAK_EVENTS = frozenset({"statement", "provocation"})
# kinds of event that tell apart stories of one day and one region (martial law declared, a leaders' phone
# call, an aid convoy): two reports of one event both name it, and a report of the fighting around it does not
DISTINCTIVE_FAMILIES = frozenset({"martial_law", "phone_call", "humanitarian_aid"})
# families that report opposite news about one thing: never one story. (Captives taken and captives returned
# were opposites until the fifth round: a report of a release names the captivity too, "prisoners of war
# exchanged" reads as captives only, so they are of one domain instead and ask for more anchors.)
_OPPOSITES = frozenset({frozenset({"access", "opening"})})

# broad domains of events: two families of one domain with none in common (the fighting for a town and its
# capture, a capture and its denial; talks and the delimitation they agree) may be one event told two ways,
# so they do not contradict (RELATED: the signature asks for more anchors); families of no common domain
# (talks and shelling) do. A denial can deny anything
_DOMAINS: tuple[frozenset[str], ...] = (
    frozenset({"fighting", "territory", "withdrawal", "denial"}),
    frozenset(
        {
            "diplomacy",
            "delimitation",
            "ceasefire",
            "election",
            "commemoration",
            "protest",
            "minefield_maps",
            "captives_return",
            "denial",
        }
    ),
    frozenset({"captives", "captives_return", "denial"}),
)

AGREE = "agree"
RELATED = "related"
CONTRADICT = "contradict"
UNKNOWN = "unknown"


def event_types(classification: Classification) -> frozenset[str]:
    """The event types the classifier found in an item (the one place that reads them off a
    Classification)."""
    return classification.events


def event_families(events: Iterable[str]) -> frozenset[str]:
    """The families of the informative event types among `events`."""
    return frozenset(_FAMILIES.get(event, event) for event in events if event not in _WEAK_EVENTS)


def event_relation(a: frozenset[str], b: frozenset[str]) -> str:
    """How two items' event families relate: AGREE (a family in common and no opposites), RELATED (none in
    common but a domain: a town fought for and its capture), CONTRADICT (opposite families, a distinctive kind
    on one side only, or no domain in common), or UNKNOWN (one of them names no event)."""
    if not a or not b:
        return UNKNOWN
    for opposite in _OPPOSITES:
        first, second = tuple(opposite)
        if (first in a and second in b and second not in a) or (
            second in a and first in b and first not in a
        ):
            return CONTRADICT
    if (a & DISTINCTIVE_FAMILIES) != (b & DISTINCTIVE_FAMILIES):
        return CONTRADICT
    if a & b:
        return AGREE
    if any(a & domain and b & domain for domain in _DOMAINS):
        return RELATED
    return CONTRADICT


# ------------------------------------------------------------------------------------------ letter-free text

# An Azerbaijani text may be written without its letters (ə→e, ç→c, ş→s…: public Telegram channels). A text
# whose item may be Azerbaijani (feeds.classify.folds_letters: az, tr or undeclared) is read as written and
# with its letters folded, and a cue or number word spelled with them also counts folded: "Ermenistan silahli
# quvveleri … ates acib" has the side, figures and cues of "Ermənistan silahlı qüvvələri … atəş açıb". As
# in the classifier, a word of fewer than 5 letters counts folded only where its letters are written: "şərh"
# (a comment) is not the start of "serhed" (sərhəd, the border), "bəs" (but) is not "beş" (5).
_SHORTEST_FOLDED = 5


@dataclass(frozen=True, slots=True)
class _Reading:
    """A text normalised with its Azerbaijani letters (`written`) and, where its item may be Azerbaijani,
    with them folded (`folded`, the same offsets; None otherwise)."""

    written: str
    folded: str | None

    @classmethod
    def of(cls, text: str, language: str | None) -> _Reading:
        folded, written = normalize_with_letters(text)
        return cls(written, folded if _folds(language) else None)


def _folds(language: str | None) -> bool:
    return folds_letters(_language(language))


@dataclass(frozen=True, slots=True)
class _Cues:
    """A pattern of cues as written, and its cues of 5 letters or more with their letters folded (None when no
    cue has such letters)."""

    written: re.Pattern[str]
    folded: re.Pattern[str] | None

    @classmethod
    def compile(cls, cues: str, around: str = r"(?<!\w)(?:{})(?!\w)") -> _Cues:
        # an alternative is normalised as the text is (ə → e, ı → i)
        foldable = [
            normalize(cue)
            for cue in _alternatives(cues)
            if normalize(cue) != normalize(cue, fold=False)
            and len(re.sub(r"\\.|\W", "", cue)) >= _SHORTEST_FOLDED
        ]
        folded = re.compile(around.replace("{}", "|".join(foldable))) if foldable else None
        return cls(re.compile(around.replace("{}", cues)), folded)

    def search(self, reading: _Reading, start: int = 0, end: int | None = None) -> bool:
        stop = len(reading.written) if end is None else end
        if self.written.search(reading.written, start, stop):
            return True
        return bool(self.folded and reading.folded and self.folded.search(reading.folded, start, stop))


def _alternatives(cues: str) -> list[str]:
    """The top-level alternatives of a regular expression ("a|b(?:c|d)" → "a", "b(?:c|d)")."""
    parts: list[str] = []
    depth = start = 0
    escaped = False
    for index, char in enumerate(cues):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(cues[start:index])
            start = index + 1
    parts.append(cues[start:])
    return parts


# ------------------------------------------------------------------------------------------------ reactions

# What a third party says about an event is a story of its own (issue 16's labelling: "a reaction by a third
# party is one story however many outlets carry it"), yet it names the event's places, casualties and
# fighting. A headline that reports a reaction (condemns, welcomes, voices support, calls for, is concerned)
# makes the item a reaction; a reaction and a report of the event itself are never one story by signature.
# Only the headline counts: a report of the event often quotes a reaction further down ("…, X condemned").
_REACTION_CUES = {
    "en": r"condemn\w*|welcom\w*|deplor\w*|denounc\w*"
    r"|(?:voices?|voiced|vows?|vowed|expresse[sd]|pledges?|pledged)"
    r" (?:\w+ )?(?:support|solidarity|concern)\w*"
    r"|(?:is|are|was|were|deeply|gravely|seriously) concerned"
    r"|concerned (?:by|about|over)|calls? (?:on|for)|called (?:on|for)|urges?|urged|stands? (?:by|with)"
    r"|criticis\w*|criticiz\w*|comment\w* on|sp(?:oke|eaks) (?:about|on)",
    "ru": r"осуд\w*|осужда\w*|приветств\w*|поддерж\w*|призва\w*|призыва\w*|обеспокоен\w*|озабочен\w*"
    r"|солидарн\w*|критик\w*|раскритик\w*|прокомментирова\w*|высказал\w*",
    "hy": r"դատապարտ\w*|ողջուն\w*|աջակց\w*|զորակց\w*|կոչ \w+|մտահոգ\w*|համերաշխ\w*|քննադատ\w*"
    r"|մեկնաբան\w*|խոսել է",
    "az": r"pislə\w*|qına\w*|alqışla\w*|dəstək\w*|həmrəy\w*|çağır\w*|narahat\w*|təqdir\w*|tənqid\w*"
    r"|şərh\w*",
}
_REACTION = {language: _Cues.compile(cues) for language, cues in _REACTION_CUES.items()}


# An announcement of what is to come (a meeting will be held, a deal is to be signed, a trip is planned) is a
# story of its own, and so is the event when it happens: the headline's future tense tells them apart.
_PROSPECT_CUES = {
    "en": r"will|'ll|(?:is|are) (?:to|expected to|set to|due to|scheduled to|planning to|going to)|plans? to"
    r"|to (?:sign|meet|hold|visit|travel|host|be held|be signed)",
    "ru": r"состоится|состоятся|пройд[её]т|пройдут|буд[еу]т|намерен\w*|планиру\w*|собирается|собираются"
    r"|полетит|посетит|проведут|подпишут|встретятся|ожида[ею]тся|рассмотр[ия]т|обсуд[яи]т",
    "hy": r"կկայանա\w*|կանցկացվ\w*|կհանդիպ\w*|կայցել\w*|կստորագր\w*|կմեկն\w*|կկատար\w*|կլինի"
    r"|(?:է|են) լինելու|նախատեսվ\w*|սպասվ\w*",
    "az": r"\w+(?:acaq|əcək)(?:dır|dir|lar|lər)?|gözlənilir|planlaşdırılır|nəzərdə tutulur",
}
_PROSPECT = {language: _Cues.compile(cues) for language, cues in _PROSPECT_CUES.items()}


def announces(title: str, language: str | None) -> bool:
    """Whether a headline announces what is to come (will, is to, plans to; состоится, будет; կկայանա;
    -acaq/-əcək, -ecek without the letters) rather than reporting what happened."""
    return _announces(_Reading.of(title, language), language)


def _announces(title: _Reading, language: str | None) -> bool:
    cues = _PROSPECT.get(_language(language) or "")
    return bool(cues and cues.search(title))


def reports_reaction(title: str, language: str | None) -> bool:
    """Whether a headline reports what someone said about an event (condemnation, criticism, welcome,
    support, a call, concern) rather than the event itself."""
    return _reports_reaction(_Reading.of(title, language), language)


def _reports_reaction(text: _Reading, language: str | None) -> bool:
    cues = _REACTION.get(_language(language) or "")
    return bool(cues and cues.search(text))


# ---------------------------------------------------------------------------------------------------- sides

# The side a headline is about: Armenia, Azerbaijan or the Karabakh Armenians' authorities (Artsakh). Martial
# law in Armenia and martial law in Artsakh are two stories that share every other part of a signature.
_SIDE_CUES = {
    "armenia": r"armenia(?!n)\w*|армени[яиюей]|հայաստան\w*|ermənistan\w*",
    "azerbaijan": r"azerbaijan(?!i)\w*|азербайджан(?!ск|ц)\w*|ադրբեջան(?!ական|ց)\w*|azərbaycan(?!l[ıi])\w*",
    "artsakh": r"artsakh\w*|арцах\w*|արցախ\w*",
}
_SIDES = {side: _Cues.compile(cues, r"(?<!\w)(?:{})") for side, cues in _SIDE_CUES.items()}


def sides(title: str, language: str | None = None) -> frozenset[str]:
    """The sides a headline names (armenia, azerbaijan, artsakh), in any of the four languages (Azerbaijani
    with or without its letters, in an item that may be Azerbaijani)."""
    return _sides(_Reading.of(title, language))


def _sides(title: _Reading) -> frozenset[str]:
    return frozenset(side for side, cues in _SIDES.items() if cues.search(title))


# ---------------------------------------------------------------------------------------------------- numbers

_MONTH_WORDS = {
    1: r"january|jan|январ\w*|հունվար\w*|yanvar\w*",
    2: r"february|feb|феврал\w*|փետրվար\w*|fevral\w*",
    3: r"march|mar|март\w*|մարտ\w*|mart\w*",
    4: r"april|apr|апрел\w*|ապրիլ\w*|aprel\w*",
    5: r"may|ма[йяе]|մայիս\w*|may\w*",
    6: r"june|jun|июн\w*|հունիս\w*|iyun\w*",
    7: r"july|jul|июл\w*|հուլիս\w*|iyul\w*",
    8: r"august|aug|август\w*|օգոստոս\w*|avqust\w*",
    9: r"september|sept|sep|сентябр\w*|սեպտեմբեր\w*|sentyabr\w*",
    10: r"october|oct|октябр\w*|հոկտեմբեր\w*|oktyabr\w*",
    11: r"november|nov|ноябр\w*|նոյեմբեր\w*|noyabr\w*",
    12: r"december|dec|декабр\w*|դեկտեմբեր\w*|dekabr\w*",
}
_MONTH_PATTERNS = [(re.compile(rf"(?:{words})\.?"), month) for month, words in _MONTH_WORDS.items()]
_MONTHS = "|".join(f"(?:{words})" for words in _MONTH_WORDS.values())
_NUMBER = r"\d{1,2}(?:\s*[-–]\s*\d{1,2})?"
# "13 September", "September 13", "Sept. 13", "13-14 сентября", "սեպտեմբերի 13-ին", "sentyabrın 13-də",
# "12.09.2022"
_DATES = re.compile(
    rf"(?<![\w.])(?P<day>{_NUMBER})(?:-?\w{{0,4}})?\s+(?P<month>{_MONTHS})(?!\w)"
    rf"|(?<!\w)(?P<month2>{_MONTHS})\.?\s+(?P<day2>{_NUMBER})(?!\d)"
    r"|\b(?P<day3>\d{1,2})[./](?P<month3>\d{1,2})[./](?:19|20)?\d{2}\b"
    r"|\b(?:19|20)\d{2}-(?P<month4>\d{2})-(?P<day4>\d{2})\b"
)
_CLOCK = re.compile(r"\b\d{1,2}[:.]\d{2}\b")
_DIGITS = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)?")
_WORD = re.compile(r"\w+")

# number words per language (normalised spelling), cardinal and ordinal forms; "one" and its translations are
# left out (they double as the indefinite article: "one of", "одна из", "bir qrup")
_EN_UNITS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
}  # fmt: skip
_EN_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
    "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60, "seventieth": 70,
    "eightieth": 80, "ninetieth": 90,
}  # fmt: skip
_RU_WORDS = {
    "два": 2, "две": 2, "двух": 2, "двум": 2, "двумя": 2, "двое": 2, "двоих": 2,
    "три": 3, "трех": 3, "трем": 3, "тремя": 3, "трое": 3, "троих": 3,
    "четыре": 4, "четырех": 4, "четырем": 4, "четырьмя": 4, "четверо": 4,
    "пять": 5, "пяти": 5, "пятью": 5, "пятеро": 5, "шесть": 6, "шести": 6, "шестеро": 6,
    "семь": 7, "семи": 7, "восемь": 8, "восьми": 8, "девять": 9, "девяти": 9, "десять": 10, "десяти": 10,
    "одиннадцать": 11, "одиннадцати": 11, "двенадцать": 12, "двенадцати": 12, "тринадцать": 13,
    "тринадцати": 13, "четырнадцать": 14, "четырнадцати": 14, "пятнадцать": 15, "пятнадцати": 15,
    "шестнадцать": 16, "шестнадцати": 16, "семнадцать": 17, "семнадцати": 17, "восемнадцать": 18,
    "восемнадцати": 18, "девятнадцать": 19, "девятнадцати": 19, "двадцать": 20, "двадцати": 20,
    "тридцать": 30, "тридцати": 30, "сорок": 40, "сорока": 40, "пятьдесят": 50, "пятидесяти": 50,
    "шестьдесят": 60, "семьдесят": 70, "восемьдесят": 80, "девяносто": 90, "сто": 100, "ста": 100,
    "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500,
}  # fmt: skip
# Russian ordinals: stem + adjective ending ("второй", "третьего", "сорок третий день")
_RU_ORDINAL_STEMS = {
    "втор": 2, "трет": 3, "четверт": 4, "пят": 5, "шест": 6, "седьм": 7, "восьм": 8, "девят": 9, "десят": 10,
    "двадцат": 20, "тридцат": 30, "сороков": 40, "пятидесят": 50, "сот": 100,
}  # fmt: skip
_RU_ADJECTIVE = re.compile(
    r"(?:ой|ый|ий|ая|ое|ье|ья|ьи|ые|ого|его|ому|ему|ым|им|ом|ем|ых|их|ую|юю|ей|ьего|ьему|ьим|ьем|ьей|ью)"
)
_HY_WORDS = {
    "երկու": 2, "երեք": 3, "չորս": 4, "հինգ": 5, "վեց": 6, "յոթ": 7, "յոթը": 7, "ութ": 8, "ութը": 8, "ինը": 9,
    "տաս": 10, "տասը": 10, "քսան": 20, "երեսուն": 30, "քառասուն": 40, "հիսուն": 50, "վաթսուն": 60,
    "յոթանասուն": 70, "ութսուն": 80, "իննսուն": 90, "հարյուր": 100,
    "երկրորդ": 2, "երրորդ": 3, "չորրորդ": 4, "հինգերորդ": 5, "վեցերորդ": 6, "յոթերորդ": 7, "ութերորդ": 8,
    "իններորդ": 9, "տասներորդ": 10,
}  # fmt: skip
_HY_TENS_PREFIXES = {
    "տասն": 10, "քսան": 20, "երեսուն": 30, "քառասուն": 40, "հիսուն": 50, "վաթսուն": 60, "յոթանասուն": 70,
    "ութսուն": 80, "իննսուն": 90,
}  # fmt: skip
_AZ_WORDS = {
    "iki": 2, "uc": 3, "üç": 3, "dord": 4, "dörd": 4, "beş": 5, "alti": 6, "altı": 6, "yeddi": 7, "səkkiz": 8,
    "doqquz": 9, "on": 10, "iyirmi": 20, "otuz": 30, "qirx": 40, "qırx": 40, "əlli": 50, "altmiş": 60,
    "altmış": 60, "yetmiş": 70, "səksən": 80, "doxsan": 90, "yüz": 100,
    "ikinci": 2, "üçüncü": 3, "dördüncü": 4, "beşinci": 5, "altinci": 6, "altıncı": 6, "yeddinci": 7,
    "səkkizinci": 8, "doqquzuncu": 9, "onuncu": 10, "iyirminci": 20, "otuzuncu": 30, "qirxinci": 40,
    "əllinci": 50, "yüzüncü": 100,
}  # fmt: skip
_AZ_SUFFIX = re.compile(r"(?:-?(?:[iıuü]n[cç][iıuü]|d[iıuü]r|d[əa]|d[əa]n|[iıuü]|n[iıuü]n|y[əa]))")
# the same for a text read with its letters folded ("ucuncu", "sekkiz"; not "bes": "bəs", but, is as short)
_AZ_WORDS_FOLDED = {
    normalize(word): value
    for word, value in _AZ_WORDS.items()
    if normalize(word) != normalize(word, fold=False) and len(word) >= _SHORTEST_FOLDED
}
_AZ_SUFFIX_FOLDED = re.compile(normalize(_AZ_SUFFIX.pattern))
_SMALL_TENS = {20, 30, 40, 50, 60, 70, 80, 90}
# words that make the figure after them approximate ("nearly 50" may be the "49" of another report)
_APPROXIMATE = _Cues.compile(
    r"nearly|almost|about|around|approximately|over|more than|at least|up to|some"
    r"|около|почти|более|свыше|порядка|не менее|примерно|до"
    r"|մոտ|ավելի քան|շուրջ|առնվազն|մոտավորապես"
    r"|təxminən|ən azı|azı|yaxın|çox|artıq"
    r"|щонайменше|не менше|майже|близько|понад|більше",
    r"(?:{})\s+$",
)


def _word_value(word: str, language: str | None, folded: bool = False) -> int | None:
    if language == "en":
        if word in _EN_UNITS:
            return _EN_UNITS[word]
        if word in _EN_TENS:
            return _EN_TENS[word]
        return None
    if language == "ru":
        if word in _RU_WORDS:
            return _RU_WORDS[word]
        for stem, value in _RU_ORDINAL_STEMS.items():
            if word.startswith(stem) and _RU_ADJECTIVE.fullmatch(word[len(stem) :]):
                return value
        return None
    if language == "hy":
        if word in _HY_WORDS:
            return _HY_WORDS[word]
        # tens and a unit written as one word: "քսանհինգ" (25), "տասներկու" (12), "երեսունչորսը" (34)
        for tens, value in _HY_TENS_PREFIXES.items():
            if word.startswith(tens) and len(word) > len(tens):
                unit = _word_value(word[len(tens) :], "hy")
                if unit is not None and unit < 10:
                    return value + unit
        # case endings on cardinals: "երկուսը", "երեքից", "հինգին"
        for base, value in _HY_WORDS.items():
            if len(base) >= 3 and word.startswith(base) and len(word) - len(base) <= 3:
                return value
        return None
    if language == "az":
        words, suffix = (_AZ_WORDS_FOLDED, _AZ_SUFFIX_FOLDED) if folded else (_AZ_WORDS, _AZ_SUFFIX)
        if word in words:
            return words[word]
        for base, value in words.items():
            if len(base) >= 3 and word.startswith(base) and suffix.fullmatch(word[len(base) :]):
                return value
        return None
    return None


def _language(language: str | None) -> str | None:
    if not language:
        return None
    return language.strip().lower().replace("_", "-").split("-")[0] or None


def numbers(text: str, language: str | None) -> frozenset[str]:
    """The figures of `text` as canonical strings ("2", "3.5", "43"): digits and number words of the text's
    language, without years (1900–2099), clock times and day-of-month dates."""
    # the dates and clock times are written alike with and without the letters: the offsets stay the same
    reading = _Reading.of(text, language)
    reading = _Reading(
        _CLOCK.sub(" ", _DATES.sub(" ", reading.written)),
        _CLOCK.sub(" ", _DATES.sub(" ", reading.folded)) if reading.folded is not None else None,
    )
    norm = reading.written
    found: set[str] = set()
    for match in _DIGITS.finditer(norm):
        value = match.group().replace(",", ".")
        if value.isdigit() and 1900 <= int(value) <= 2099:
            continue
        if "." in value:
            value = value.rstrip("0").rstrip(".") or "0"
        value = value.lstrip("0") or "0"
        if _APPROXIMATE.search(reading, max(0, match.start() - 20), match.start()):
            value = "~" + value
        found.add(value)
    lang = _language(language)
    if lang in ("en", "ru", "hy", "az"):
        words = _WORD.findall(norm)
        folded = _WORD.findall(reading.folded) if reading.folded is not None else None
        index = 0
        while index < len(words):
            number = _number_word(words, folded, index, lang)
            if number is None:
                index += 1
                continue
            # "twenty-six", "двадцать шесть", "iyirmi üç", "քսան հինգ": tens followed by a unit (and "on iki",
            # 12: Azerbaijani writes its teens so)
            if (number in _SMALL_TENS or (number == 10 and lang == "az")) and index + 1 < len(words):
                unit = _number_word(words, folded, index + 1, lang)
                if unit is not None and unit < 10:
                    number += unit
                    index += 1
            found.add(str(number))
            index += 1
    return frozenset(found)


def _number_word(words: list[str], folded: list[str] | None, index: int, language: str) -> int | None:
    """The value of the `index`th word as written, or else as it reads with its letters folded."""
    value = _word_value(words[index], language)
    if value is None and folded is not None:
        value = _word_value(folded[index], language, folded=True)
    return value


def _value(number: str) -> float | None:
    try:
        return float(number.lstrip("~"))
    except ValueError:
        return None


def same_figure(a: str, b: str) -> bool:
    """Whether two figures can be the same: equal, or one of them approximate ("~50") and within a tenth
    of the other ("49")."""
    if a.lstrip("~") == b.lstrip("~"):
        return True
    if not (a.startswith("~") or b.startswith("~")):
        return False
    x, y = _value(a), _value(b)
    return x is not None and y is not None and abs(x - y) <= 0.1 * max(x, y)


def moments(text: str) -> frozenset[str]:
    """The dates ("date:9-13") and clock times ("clock:0:05") the text names, in any of the four languages."""
    norm = normalize(text, fold=False)
    found: set[str] = set()
    for match in _DATES.finditer(norm):
        day = match.group("day") or match.group("day2") or match.group("day3") or match.group("day4")
        month_text = match.group("month") or match.group("month2")
        month: int | None = None
        if month_text:
            month = next((m for pattern, m in _MONTH_PATTERNS if pattern.fullmatch(month_text)), None)
        else:
            digits = match.group("month3") or match.group("month4")
            month = int(digits) if digits else None
        first_day = int(re.split(r"\D+", day.strip())[0]) if day else 0
        if month and 1 <= month <= 12 and 1 <= first_day <= 31:
            found.add(f"date:{month}-{first_day}")
    for match in _CLOCK.finditer(_DATES.sub(" ", norm)):
        hours, minutes = re.split(r"[:.]", match.group())
        if int(hours) < 24 and int(minutes) < 60:
            found.add(f"clock:{int(hours)}:{minutes}")
    return frozenset(found)


def significant_numbers(found: Iterable[str]) -> frozenset[str]:
    """The numbers that identify a report on their own: above 31 (not a possible day of the month), or not
    whole."""
    return frozenset(n for n in found if not n.isdigit() or int(n) > 31)


# ---------------------------------------------------------------------------------------------------- names

_HY_LATIN = {
    "ա": "a", "բ": "b", "գ": "g", "դ": "d", "ե": "e", "զ": "z", "է": "e", "ը": "", "թ": "t", "ժ": "zh",
    "ի": "i", "լ": "l", "խ": "kh", "ծ": "ts", "կ": "k", "հ": "h", "ձ": "dz", "ղ": "gh", "ճ": "ch", "մ": "m",
    "յ": "y", "ն": "n", "շ": "sh", "ո": "o", "չ": "ch", "պ": "p", "ջ": "j", "ռ": "r", "ս": "s", "վ": "v",
    "տ": "t", "ր": "r", "ց": "ts", "ւ": "v", "փ": "p", "ք": "k", "օ": "o", "ֆ": "f", "և": "ev",
}  # fmt: skip
_RU_LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya", "і": "i", "ї": "i", "є": "e", "ґ": "g",
}  # fmt: skip
_LATIN = {**_HY_LATIN, **_RU_LATIN}
# Latin letters read as Azerbaijani (and Turkish) write them: c is the j of Jabrayil (Cəbrayıl), ç its ch, x
# the kh of Khankendi (Xankəndi), q a hard g (Qəbələ: Габала, Gabala)
_TURKIC_LATIN = {
    "c": "j", "ç": "ch", "ş": "sh", "ğ": "gh", "x": "kh", "ə": "e", "ö": "o", "ü": "u", "q": "g", "ı": "i",
    "İ": "i",
}  # fmt: skip
# and as English (and the other languages that write names in Latin letters) write them: c is k or s
# (Macron: Макрон; Vincent), x is ks (Maxim: Максим), ph is f, th is t, qu is kv (Quebec: Квебек)
_ENGLISH_LATIN = (
    (re.compile(r"ck"), "k"), (re.compile(r"c(?=[eiy])"), "s"), (re.compile(r"c(?!h)"), "k"),
    (re.compile(r"x"), "ks"), (re.compile(r"ph"), "f"), (re.compile(r"th"), "t"), (re.compile(r"qu?"), "k"),
)  # fmt: skip
AZ, AZ_FREE, EN = "az", "az-free", "en"
# letters only Azerbaijani and Turkish write: a word with one of them is read so whatever the item's language
_TURKIC_WORD = re.compile("[əçşğıİ]")
# consonant classes that the four languages write differently for one sound: kh/x/h/g/gh (Хаджиев, Hajiyev,
# Hacıyev, Գ…), ts/c, sh/ş, j/dzh/c
_SKELETON = (
    ("dzh", "j"), ("dz", "j"), ("kh", "h"), ("gh", "h"), ("zh", "j"), ("ch", "c"), ("ts", "c"), ("sh", "s"),
    ("g", "h"), ("x", "h"), ("q", "k"), ("w", "v"), ("y", ""),
)  # fmt: skip
_VOWELS = set("aeiou")
_CAPITALISED = re.compile(r"(?<![\w'’-])([A-ZÀ-ÖØ-ÞĀ-ſƏА-ЯЁԱ-Ֆ][\w'’-]+)")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n«\"“„(\[—–-])\s*$")

# names every report of the theatre uses (countries, capitals, peoples, months, weekdays, office words),
# written as keys; they would join unrelated reports
_COMMON_NAMES = """
Armenia Armenian Armenians Armenia's Армения Армении армянский Հայաստան Հայաստանի Ermənistan Ermənistanın
Azerbaijan Azerbaijani Azerbaijan's Азербайджан Азербайджана Ադրբեջան Ադրբեջանի Azərbaycan Azərbaycanın
Russia Russian Россия России Ռուսաստան Rusiya Turkey Türkiye Турция Թուրքիա Türkiyə Iran Иран Իրան İran
Georgia Грузия Վրաստան Gürcüstan France Франция Ֆրանսիա Fransa America American США Europe European Европа
Yerevan Ереван Երևան İrəvan Baku Баку Բաքու Bakı Moscow Москва Մոսկվա Moskva Washington Вашингтон
Karabakh Карабах Ղարաբաղ Qarabağ Artsakh Арцах Արցախ Nagorno Нагорный Нагорного Lachin Лачин Лачинский
Ministry Defense Defence Foreign Affairs President Prime Minister Deputy Speaker Parliament Council Security
State Armed Forces Army Service Border Republic National Assembly Government Office Agency Committee
Commission Mission Society News Press Party Union United States Nations Secretary General Spokesperson
Spokesman Administration Presidential Администрация Администрации Administrasiya Administrasiyası
Աշխատակազմ Ադմինիստրացիա
Минобороны Министерство Президент Премьер Совбез МИД Министр Президента
Ilham Nikol Donald Vladimir Jeyhun Ararat Ильхам Никол Дональд Владимир Իլհամ Նիկոլ Դոնալդ Վլադիմիր İlham
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July August
September October November December Sputnik TASS Reuters Trend Report APA Armenpress Azertac
Chamber House Representatives Congress Senate Cabinet Ministers Палата Палаты Представителей Конгресс Сенат
Кабинет Министров Дума Меджлис Palata Palatası Nümayəndələr Konqres Senat Məclis Nazirlər Kabineti
Պալատ Կոնգրես Սենատ Կառավարություն Ազգային Ժողով
"""


def _transliterate(word: str, reading: str) -> str:
    """`word` in Latin letters: Armenian and Cyrillic letters transliterated, Latin ones read as `reading`
    (AZ, AZ_FREE, EN: _readings) writes them."""
    # Armenian writes the vowel u with two letters (ու): "Փառուխ" is Parukh, not Parovkh; a word-initial ո
    # is vo (Ոսկեպար: Voskepar)
    lowered = word.lower().replace("ու", "u")
    if lowered.startswith("ո"):
        lowered = "վ" + lowered
    if reading == EN:
        for pattern, replacement in _ENGLISH_LATIN:
            lowered = pattern.sub(replacement, lowered)
    elif reading == AZ_FREE:
        lowered = lowered.replace("c", "ç")
    out = []
    for char in lowered:
        if char in _TURKIC_LATIN and (reading != EN or not char.isascii()):
            out.append(_TURKIC_LATIN[char])
        elif char in _LATIN:
            out.append(_LATIN[char])
        elif char.isascii() and char.isalpha():
            out.append(char)
        elif char in "ıİ":
            out.append("i")
    return "".join(out)


def _readings(word: str, language: str | None) -> tuple[str, ...]:
    """How the Latin letters of `word` may be read: as Azerbaijani writes them (AZ), as Azerbaijani written
    without its letters (AZ_FREE: its c may stand for ç, Lacin for Laçın) or as English does (EN). A word with
    a letter only Azerbaijani and Turkish write is read as written; a word of an Azerbaijani or Turkish item
    with and without the letters; one of an item in another language as English; one of an item of no known
    language as Azerbaijani writes it (as before languages were detected: a second key for every such word
    cost true pairs, docs/story-figures.md)."""
    language = _language(language)
    if _TURKIC_WORD.search(word) or language is None:
        return (AZ,)
    return (AZ, AZ_FREE) if _folds(language) else (EN,)


# names recur from item to item (the same people and places all day): each word is keyed once
@lru_cache(maxsize=16384)
def name_keys(word: str, language: str | None = None) -> frozenset[str]:
    """The phonetic keys of a name in an item in `language`, one for each way its Latin letters may be read
    (_readings): "Lacin" in an Azerbaijani item is "Lacin" (ljn) or "Laçın" written without its letters
    (lcn, the key of "Лачин" and "Lachin")."""
    return frozenset(_key(_transliterate(word, reading)) for reading in _readings(word, language))


def name_key(word: str, language: str | None = None) -> str:
    """The phonetic key of a name: its Latin transliteration reduced to its consonants, after a first letter
    that stands for any vowel, with the consonant classes that the languages spell differently merged
    ("Pelosi", "Пелоси", "Փելոսի" → "pls"; "Yevlakh", "Евлах", "Yevlax" → "avlh"; "Laçın", "Лачин", "Lachin"
    → "lcn"; "Macron" in English, "Makron", "Макрон" → "mkrn"). Latin letters are read as the item's
    `language` writes them (as Azerbaijani does when it is unknown); name_keys gives every reading."""
    return _key(_transliterate(word, _readings(word, language)[0]))


def _key(latin: str) -> str:
    for source, target in _SKELETON:
        latin = latin.replace(source, target)
    if not latin:
        return ""
    # a first vowel is any vowel: Əliyev, Алиев, Aliyev; Երևան, Yerevan
    head = "a" if latin[0] in _VOWELS else latin[0]
    key = head + "".join(char for char in latin[1:] if char not in _VOWELS)
    return re.sub(r"(.)\1+", r"\1", key)


_COMMON_KEYS = frozenset(
    key for word in _COMMON_NAMES.split() for language in ("az", "en") for key in name_keys(word, language)
)


def names(text: str, language: str | None = None, known: Iterable[str] = ()) -> frozenset[str]:
    """The keys of the proper names in `text` (an item in `language`) that are not common to every report:
    capitalised words of at least four letters in running text (not the first word of a sentence, not in a
    title-cased or upper-cased line) with at least three consonants as Azerbaijani reads its letters. A
    word one of whose keys is common, or compatible with a key of `known` (the tracked entities the item
    mentions), is left out."""
    known = frozenset(known)
    found: set[str] = set()
    for line in text.splitlines():
        words = _WORD.findall(line)
        letters = [w for w in words if w[0].isalpha()]
        capitalised = sum(1 for w in letters if w[0].isupper())
        if len(letters) > 2 and capitalised / len(letters) > 0.75:
            continue  # a title-cased or upper-cased line: capitals carry no meaning there
        for match in _CAPITALISED.finditer(line):
            word = match.group(1).strip("'’-")
            if len(word) < 4 or word.isupper() or _SENTENCE_START.search(line[: match.start()]):
                continue
            if _CAPITALISED.match(line, match.end() + 1) and line[match.end() : match.end() + 1] == " ":
                continue  # a first name ("Antony Blinken", "Нэнси Пелоси"): the surname that follows says who
            stem = word.split("-")[0]
            keys = name_keys(stem, language)
            if keys & _COMMON_KEYS or any(_compatible(key, known) for key in keys):
                continue
            if _long_enough(stem):
                found.update(keys)
    return frozenset(found)


@lru_cache(maxsize=16384)
def _long_enough(word: str) -> bool:
    """Whether a word has the three consonants of a name, counted as Azerbaijani reads its letters whatever
    its keys, so one word is a name or not in every reading ("Sochi" is, as in Armenian "Սոչիում")."""
    key = _key(_transliterate(word, AZ))
    return sum(1 for char in key[1:] if char not in _VOWELS) + (key[:1] not in _VOWELS) >= 3


# ------------------------------------------------------------------------------------------------- signature


@dataclass(frozen=True, slots=True)
class Signature:
    """What an item reports, in parts that do not depend on its language."""

    events: frozenset[str] = frozenset()
    families: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    moments: frozenset[str] = frozenset()
    reaction: bool = False
    # its lead reports a reaction too (a headline without the cue may still report one: "Escalation is
    # unacceptable", then "the ministry expressed serious concern")
    reaction_in_lead: bool = False
    prospect: bool = False
    sides: frozenset[str] = frozenset()


def _compatible(key: str, keys: Iterable[str]) -> bool:
    return any(key.startswith(other) or other.startswith(key) for other in keys)


# a link in a post ("https://t.me/news/50123", "armenpress.am/eng/news/1102233.html", "@channel"): its digits
# are no figure and its words no name, and two posts of one story link to different places
_LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/\S*|(?<![\w@])@\w+", re.IGNORECASE
)


def without_links(text: str) -> str:
    """`text` with its links and @handles left out (each becomes a space)."""
    return _LINK.sub(" ", text)


def signature(
    title: str, lead: str, language: str | None, events: Iterable[str] = (), mentions: Iterable[str] = ()
) -> Signature:
    """The signature of an item from its title, lead, language and event types. `mentions` are the texts
    the classifier matched as tracked entities: a name that is one of them is already an entity, not another
    name. Links in the title and lead are left out."""
    title, lead = without_links(title), without_links(lead)
    chosen = frozenset(events)
    known = {
        key
        for mention in mentions
        for word in _WORD.findall(mention)
        if len(word) >= 4
        for key in name_keys(word, language)
    }
    found = names(f"{title}\n{lead}", language, known)
    headline = _Reading.of(title, language)  # read once for the reaction, announcement and side cues
    return Signature(
        events=chosen,
        families=event_families(chosen),
        numbers=numbers(f"{title}\n{lead}", language),
        names=found,
        moments=moments(f"{title}\n{lead}"),
        reaction=_reports_reaction(headline, language),
        reaction_in_lead=reports_reaction(lead, language),
        prospect=_announces(headline, language),
        sides=_sides(headline),
    )


__all__ = [
    "AGREE",
    "CONTRADICT",
    "DISTINCTIVE_FAMILIES",
    "RELATED",
    "UNKNOWN",
    "Signature",
    "announces",
    "event_families",
    "event_relation",
    "event_types",
    "moments",
    "name_key",
    "name_keys",
    "names",
    "numbers",
    "reports_reaction",
    "same_figure",
    "sides",
    "signature",
    "significant_numbers",
    "without_links",
]
