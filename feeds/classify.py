"""Entity and severity tagging: Aho-Corasick automatons find candidates, cheap checks validate them.

Every alias of every entity, every severity cue and every context word of a rule is one key of a single
pyahocorasick automaton over normalised text (feeds.textnorm). A candidate counts when
- the character before it is not a letter or digit (strict left boundary), and
- what follows the key up to the end of the word is an inflectional ending allowed for the alias's language (a
  closed, bounded set: Russian noun and adjective case endings, Armenian case and article endings, Azerbaijani
  suffix chains, English plural), so "Путину", "Сюнике", "Լաչինի միջանցքում", "Laçındakı" match and
  "Ереванский" does not match "Ереван". Russian multi-word aliases inflect every word ("Лачинского коридора").
Then the rules of the gazetteer apply: `unless_near` words cancel an alias nearby, `unless_next` words when
they follow it, `with_entities`/`with_words` make an alias count only alongside them, an entity with `groups`
needs an alias from each group, and a match inside a longer match of another entity ("Lachin" in "Lachin
corridor") is dropped.

Severity comes from event types (config/severity.yaml): each cue belongs to one event type (shelling,
blockade, talks…) with a level. A cue next to a negation ("no casualties", "жертв нет") does not count, nor
does a cue inside a longer cue of another event type ("hostilities" in "end of hostilities", "ceasefire" in
"ceasefire violation"). The item's events are the event types left; its severity is the most severe of their
levels.
"""

from __future__ import annotations

import itertools
import re
import time
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import ahocorasick

from feeds.definitions import AliasDef, EntityDef, SeverityLexicon
from feeds.model import Classification, EntityMatch
from feeds.severity_model import SeverityGrader
from feeds.textnorm import (
    NormalizedText,
    case_form,
    normalize,
    normalize_with_letters,
    spelled_key,
    spelled_words,
    words_agree,
)
from storage.severity import LEVELS

# Russian: noun and adjective case endings (after ё→е), longest first in the regex.
_RU_ENDINGS = [
    "а",
    "я",
    "о",
    "е",
    "у",
    "ю",
    "ы",
    "и",
    "ь",
    "й",
    "ой",
    "ей",
    "ою",
    "ею",
    "ом",
    "ем",
    "ам",
    "ям",
    "ами",
    "ями",
    "ах",
    "ях",
    "ов",
    "ев",
    "ию",
    "ия",
    "ие",
    "ий",
    "ии",
    "ье",
    "ья",
    "ьи",
    "ью",
    "ьем",
    "ьей",
    "иями",
    "иях",
    "иям",
    "ием",
    "ый",
    "ая",
    "яя",
    "ое",
    "ее",
    "ые",
    "ого",
    "его",
    "ому",
    "ему",
    "ым",
    "им",
    "ую",
    "юю",
    "ых",
    "их",
    "ыми",
    "ими",
]
# what a Russian lemma may end in; stripped so that the stem takes every case ending
_RU_LEMMA_ENDINGS = [
    "ий",
    "ый",
    "ой",
    "ая",
    "яя",
    "ое",
    "ее",
    "ие",
    "ые",
    "а",
    "я",
    "о",
    "е",
    "ь",
    "й",
    "ы",
    "и",
]
# Armenian (after casefold, և → եւ): case endings, definite article, possessives, plural + case
_HY_ENDINGS = [
    "ի",
    "ից",
    "ով",
    "ում",
    "ը",
    "ն",
    "ին",
    "ու",
    "ս",
    "դ",
    "իս",
    "իդ",
    "ում",
    "ումը",
    "եր",
    "ներ",
    "երի",
    "ների",
    "երը",
    "ները",
    "երն",
    "ներն",
    "երին",
    "ներին",
    "երից",
    "ներից",
    "երով",
    "ներով",
    "երում",
    "ներում",
    "ով",
    "ովը",
    "իցը",
    # adjectives and demonyms: Ղարաբաղյան, արցախյան, Ղարաբաղեան (Western, read as -յան), տավուշցի
    "յան",
    "յանը",
    "յանի",
    "յանն",
    "յաններ",
    "ական",
    "ականը",
    "ականի",
    "ային",
    "ցի",
    "ցին",
    "ցիք",
    "ցիներ",
    "ցիները",
    "ցիների",
    "ցիներին",
    # the twenty-seventh round: the demonym's plural with the article before a vowel and in the other cases
    # («Ստեփանակերտցիներն այսօրվա առավոտը …»)
    "ցիներն",
    "ցիներից",
    "ցիներով",
    # Western Armenian plural genitive and dative: ատրպէյճանցիներուն, սահմանապահներու
    "երու",
    "ներու",
    "երուն",
    "ներուն",
    "ցիներու",
    "ցիներուն",
]
# nouns in -ություն change stem: առաքելություն → առաքելության, առաքելությամբ
_HY_UTYUN_ENDINGS = [
    "ուն",
    "ունը",
    "ունն",
    "ան",
    "անը",
    "ունից",
    "ունում",
    "ամբ",
    "ունով",
    "ուններ",
    "ունների",
]
# verbal nouns in -ում: սահմանազատում → սահմանազատման, սահմանազատմամբ
_HY_UM_ENDINGS = [
    "ում",
    "ումը",
    "ումն",
    "ումի",
    "ումից",
    "ումով",
    "ման",
    "մանը",
    "մանն",
    "մանից",
    "մամբ",
    "ումներ",
    "ումների",
]
_EN_ENDINGS = ["s", "es", "i"]  # Karabakhi, Nakhchivani
# Azerbaijani suffix chain after folding (ı→i, ə→e, ü→u, ğ→g: feeds.textnorm): plural, possessive, case,
# -ki, copula; every part optional; the demonym -lı before its plural ("kəlbəcərlilər", "laçınlıların": the
# twenty-eighth round; the singular "kəlbəcərli" reads by the -lı near the end)
_V4 = "[iu]"
_V2 = "[ae]"
_AZ_CHAIN = (
    f"(?:(?:l{_V4})?l{_V2}r)?"
    f"(?:{_V4}m{_V4}z|{_V4}n{_V4}z|m{_V4}z|n{_V4}z|s{_V4}|{_V4}m|{_V4}n|{_V4}|m|n)?"
    f"(?:n?{_V4}n|n?d{_V2}n|n?t{_V2}n|n?d{_V2}|n?t{_V2}|[ny]?{_V2}|[nys]?{_V4}|y?l{_V2})?"
    f"(?:k{_V4}(?:l{_V2}r)?(?:n?{_V4}n|n?d{_V2}|n?{_V2}|n?{_V4})?)?"
    # the privative -sız and its noun -sızlıq ("Laçınsızlığın", the years without Lachin: the 42nd round)
    f"(?:l{_V4}|s{_V4}z(?:l{_V4}[gkq](?:{_V4}n{_V4}n|{_V4}n{_V2}|{_V4}n|{_V4}m|{_V4}|{_V2})?)?)?"
    f"(?:d{_V4}r|t{_V4}r)?"
)
_PATTERN_TOKEN = re.compile(r"(\w+)(\*?)|([^\w*]+)")
_WORDS = re.compile(r"\w+")

_ALIAS, _CUE, _WORD, _NEGATION, _HEDGE, _BACKGROUND, _MARKER, _CAUSE = 0, 1, 2, 3, 4, 5, 6, 7
_KINDS = 8
_CUE_GAP = (
    2  # words allowed inside a multi-word cue: "end all hostilities", "atəşkəs rejimini kobud şəkildə pozub"
)
_QUOTES = "\"'"
_SPACE = r"[\s\"']+"  # between the words of a pattern: spaces and quotes ('Договора "о дружбе…')
_WIDE_GAP = 5  # words allowed where a cue writes "...": its subject's name and place between subject and verb
# a negation cancels a cue that starts within this many characters after it ("no casualties", "без жертв")
# or that it follows within _NEGATION_AFTER ("жертв нет")
_NEGATION_BEFORE = 16
# how far a pattern may reach before and after its key when the key is not its first word
_BEFORE_KEY = 60
_AFTER_KEY = 120
_NEGATION_AFTER = 8
# negations that are prepositions ("without"): they negate only the words after them, never a cue before them
# ("volunteers enlisted without the ministry" is enlistment; "без жертв" is still no casualties)
_PREPOSITIONS = frozenset({"без", "առանց"})
# an ending ("прекратились", "stopped") cancels a cue up to this many characters before it in the same clause
_ENDING_AFTER = 60
# an Azerbaijani hedge after its cue: the rest of the verb between ("hücum edə bilər", "yaxınlaşmağa cəhd")
_HEDGE_AFTER = 16
_NEXT_WORD_GAP = 2  # a space, or a space and a quote or hyphen, between an alias and the next word
_PAIR_DASHES = frozenset("-‐‑–—")  # "Kəlbəcər–Laçın", "Iğdır-Naxçıvan": two names joined as one
# "former" between a place and the institution named after it leaves the name an institution's: "Կապանի նախկին
# լեռնահարստացման կոմբինատ", "Kapan's former mining plant"
_FORMER = re.compile(r"\s(?:former|бывш\w*|նախկին|ke[cç]mi[sş]\w*|sabiq)(?=\s)", re.IGNORECASE)
# a proper name of up to this many capitalised words may stand between a place and the institution named with
# it: "Naxçıvan Duzdağ Fizioterapiya Mərkəzi", "Naxçıvan Duz Muzeyi",
# "Ստեփանակերտի Վահրամ Փափազյանի անվան թատրոնը"
_NAME_WORDS = 3
_NAME_WORD = re.compile(r" (\w+)")
# "named after" between the place and the institution, written small ("… Փափազյանի անվան թատրոն"); the
# thirty-seventh round: and the status and the genre an institution's name gives, written small in Armenian,
# Russian and Azerbaijani ("Ստեփանակերտի պետական դրամատիկական թատրոնը", "государственный драматический театр")
_NAMED_AFTER = frozenset(
    normalize(word)
    for word in (
        *("անվան", "имени", "adına", "adina"),
        *("պետական", "դրամատիկական", "երաժշտական", "տիկնիկային", "երկրագիտական", "պատմաերկրագիտական"),
        *("государственный", "государственного", "государственном", "государственному", "государственным"),
        *("драматический", "драматического", "драматическом", "драматическому", "драматическим"),
        *("dövlət", "dovlet", "dram", "musiqili", "kukla", "tarix-diyarşünaslıq"),
        # the forty-seventh round: the product a factory is named for, written small ("the Stepanakert
        # brandy factory", «Степанакертский коньячный завод», «Ստեփանակերտի կոնյակի գործարան», "Xankəndi
        # şərab zavodu")
        *("brandy", "cognac", "wine", "коньячный", "коньячного", "коньячном", "коньячному", "коньячным"),
        *("винный", "винного", "винном", "винному", "винным", "винодельческий", "винодельческого"),
        *("կոնյակի", "գինու", "գինեգործական", "konyak", "şərab", "serab", "şərabçılıq"),
    )
)
# after such a name a centre is an institution too ("Duzdağ Fizioterapiya Mərkəzi"); right after the place
# it is the place's own centre ("Xankəndinin mərkəzi", "Ստեփանակերտի կենտրոնում"): not among `unless_next`
# (English names its centres with "Information Center", "Medical Center" and is left out: "Artsakh Information
# Center reports" is read as Artsakh)
_NAMED_CENTRES = ("центр*", "կենտրոն*", "mərkəz*")
# the forty-seventh round: the adjective of the centre is a part of the named land, not an institution
# ("քաղաք Արցախի Հանրապետության կենտրոնական մասում", «Нагорно-Карабахской Республики центральной части»)
_CENTRAL = tuple(normalize(word) for word in ("կենտրոնական", "центральн", "central"))
# languages that write headlines In Title Case: there a capital says nothing of a name
_TITLE_CASE_LANGUAGES = (None, "en")
_ENDS_CLAUSE = 2
_CLAUSE_MARKS = (".", ";", "!", "?", "\n", ":")
_NEGATION_STOPS = (". ", "! ", "? ", "\n", " | ")
# "or" before a cue's closing negation makes an alternative, not a denial: "wants it or not", "хочет того или
# нет", "ուզի, թե ոչ" (the thirty-sixth round)
_ALTERNATIVE_BEFORE = (" or", " или", " либо", " թե", " yoxsa", " ya")
_LEVEL_INDEX = {level: index for index, level in enumerate(LEVELS)}
_TERRITORY = _LEVEL_INDEX["P2"]
_POLITICS = _LEVEL_INDEX["P4"]  # fighting and territory: the levels a future or conditional verb hedges
# the shortest key of a cue or rule word with Azerbaijani letters (ə, ş…) that counts in text written without
# them
_FOLDED_KEY_LETTERS = 5
# the languages (besides an unknown one) whose items may write Azerbaijani names and cues without their
# letters
_FOLDING_LANGUAGES = frozenset(("az", "tr"))


def folds_letters(language: str | None) -> bool:
    """Whether an item in `language` (None: not declared) may be Azerbaijani written without its letters, so
    a word with them counts written without them (not in an item known to be in English, Russian…)."""
    return language is None or language in _FOLDING_LANGUAGES


_NOTHING = Classification()  # immutable, so one instance serves every untagged item


def _alternation(endings: Iterable[str]) -> str:
    unique = sorted(set(endings), key=lambda e: (-len(e), e))
    return "(?:" + "|".join(re.escape(e) for e in unique) + ")?" if unique else ""


# an Armenian name joined to the next word by the linking vowel and a hyphen is a compound that names it:
# "Ղարաբաղա-ադրբեջանական հակամարտ" (the Karabakh–Azerbaijani conflict), as "հայ-ադրբեջանական" names Armenia
# (the fiftieth round: or without the hyphen, before the other side's adjective: "ղարաբաղաադրբեջանական շփման
# գծում", the Karabakh–Azerbaijani line of contact)
_HY_LINKED = "ա(?=[-‐‑–])|աադրբեջանակ\\w*"
# and a name joined by the linking vowel to "-dwelling" or "-native" is the compound adjective of the people
# living there (the twenty-seventh round: "արցախաբնակ հայերին", "սյունիքաբնակներին")
_HY_DWELLING = "աբն[աի]կ" + _alternation(
    ["ներ", "ների", "ներին", "ները", "ներն", "ներից", "ի", "ին", "ը", "ն"]
)
_SUFFIX_BY_LANGUAGE = {
    "ru": _alternation(_RU_ENDINGS),
    "hy": _alternation(_HY_ENDINGS)[:-1].replace("(?:", f"(?:{_HY_LINKED}|{_HY_DWELLING}|", 1) + "?",
    "en": _alternation(_EN_ENDINGS),
    "az": _AZ_CHAIN,
}
_SUFFIX_BY_LANGUAGE["any"] = (
    "(?:" + _alternation(_RU_ENDINGS + _HY_ENDINGS + _EN_ENDINGS)[:-1] + "|" + _AZ_CHAIN + ")"
)
_END = r"(?!\w)"
# forms derived from a Russian proper name: adjectives (Сюник → Сюникском, Карабах → карабахский, Шуша →
# шушинский) and demonyms (Тавуш → тавушцы)
_RU_ADJECTIVE_ENDINGS = [
    "ий",
    "ый",
    "ая",
    "ое",
    "ого",
    "ому",
    "ом",
    "ой",
    "ую",
    "ие",
    "ые",
    "их",
    "ым",
    "им",
    "ими",
    "ыми",
]
_RU_DERIVED = (
    "(?:"
    + _alternation(_RU_ENDINGS)[:-1]
    + "|(?:ин)?ск"
    + _alternation(_RU_ADJECTIVE_ENDINGS)[:-1]
    + "|ц(?:ы|ев|ам|ами|ах|а|у|ем|е)|ец)?"
)


# the letters an ending of each suffix pattern can start with: a word that goes on with another letter is
# rejected without running the pattern ("հայտարարել" after the key "հայ")
_AZ_FIRST = "liumnsdtaeyk"
_FIRST_LETTERS = {
    _SUFFIX_BY_LANGUAGE["ru"] + _END: frozenset(e[0] for e in _RU_ENDINGS),
    _RU_DERIVED + _END: frozenset([*(e[0] for e in _RU_ENDINGS), "и", "с", "ц", "е"]),
    _SUFFIX_BY_LANGUAGE["hy"] + _END: frozenset([*(e[0] for e in _HY_ENDINGS), "ա"]),
    _SUFFIX_BY_LANGUAGE["en"] + _END: frozenset(e[0] for e in _EN_ENDINGS),
    _SUFFIX_BY_LANGUAGE["az"] + _END: frozenset(_AZ_FIRST),
    _SUFFIX_BY_LANGUAGE["any"] + _END: frozenset(
        [*(e[0] for e in _RU_ENDINGS + _HY_ENDINGS + _EN_ENDINGS), *_AZ_FIRST]
    ),
    _alternation(_HY_UTYUN_ENDINGS) + _END: frozenset(e[0] for e in _HY_UTYUN_ENDINGS),
    _alternation(_HY_UM_ENDINGS) + _END: frozenset(e[0] for e in _HY_UM_ENDINGS),
}


@dataclass(frozen=True, slots=True)
class _Term:
    """One way a key can count: an alias, a cue or a rule word, with the checks it needs."""

    kind: int
    ref: int  # alias index, event index, word id, or 1 for a negation that may follow its cue
    suffix: Any  # compiled pattern matched right after the key, or None when any continuation is fine
    full: Any  # compiled pattern matched from the key's start (Russian multi-word aliases), or None
    case_key: str | None  # the key's exact original form, for case-sensitive aliases
    # the starts of the other words of a multi-word pattern: all must stand in the text before `full` runs
    needs: tuple[str, ...] = ()
    # False when the key is a later word of the pattern ("память" of "в память"): `full` is found around it
    starts: bool = True
    first: frozenset[str] | None = None  # the letters `suffix` can start with, when known
    # a case-sensitive alias that counts only beside other words or entities ("Qazax" with the border): its
    # context, not its capital, tells it from the common word, so it counts inflected at a sentence's start
    in_context: bool = False
    # an Armenian cue that may end a compound after its joining vowel ա: ռազմագերի (ռազմ-ա-գերի, war captive),
    # or stand after the future prefix կ-: կհանդիպեն (will meet)
    compound: bool = False
    # the key as its alias or cue spells it with the Azerbaijani letters (ə, ş…) that the key has folded: a
    # text written with those letters must spell the key so ("görüş" is not Gorus, "olub" is not "ölüb"); a
    # text written without them matches the folded key ("Lacin" is Laçın)
    letters: str | None = None
    words: tuple[tuple[str, str], ...] = ()  # the same for each word of a pattern (`full`)
    # a cue's or a rule word's short key with folded letters counts only in text written with them: "ölüb"
    # (died) is not "olub" (was), "ölüm" (death) is not "olum"; a name's key is not a common word ("Susa")
    letters_only: bool = False
    folded: bool = False  # `letters` differs from the key: the key has letters that normalisation folds
    # a name whose key is also a cue's with its letters folded ("Gorus", Goris, and "görüş",
    # a meeting): in text written without the letters it counts only as a name is written, capitalised
    # inside a sentence or joined to the next name ("Xankendi-Gorus yolu", "Gorus-Qafan yolu"; not
    # "ucterefli gorus kecirilib" nor "Gorus kecirilib")
    capital_only: bool = False


@dataclass(frozen=True, slots=True)
class _AliasInfo:
    entity: int
    alias: AliasDef
    unless: frozenset[int]  # word ids
    unless_next: frozenset[int]  # word ids that cancel the alias as the word right after it
    unless_before: frozenset[int]  # word ids that cancel the alias as the word right before it
    landform: frozenset[int]  # word ids of a mountain or a range, right before or after
    landform_before: frozenset[int]  # word ids of a mountain or a range, right before only
    landform_after: frozenset[int]  # word ids of a river, right after only
    landform_after_adjective: frozenset[
        int
    ]  # word ids of a landform right after the name as a Russian adjective
    own_next: frozenset[int]  # word ids that cancel this alias alone as the word right after it
    kept_with: frozenset[int]  # word ids that keep the alias although an `unless` word is near it
    always: frozenset[int]  # word ids that cancel the alias nearby whatever `kept_with` words are found
    with_words: tuple[int, ...]
    with_entities: tuple[int, ...]
    with_all: tuple[tuple[int, ...], ...]
    # a person's bare surname ("Aliyev"): it does not count right after another given name ("Zamin Əliyev",
    # "Leyla Alieva") nor before one with a patronymic ("Əliyev Babək Əsgər oğlu")
    surname: bool = False
    conditional: bool = False  # alias.conditional
    # alias.quoted_name: the index of the same alias without its context rule, used when it stands in quotes
    quoted_twin: int | None = None
    name_length: int = 0  # the alias's length normalised (a case ending follows it)


# the twenty-eighth round: a name right before a weight class is an athlete's in a team list ("Haji Aliyev
# (65 kg)", "Lachin Valiyev (87kg)", "Алиев (65 кг)", "Ալիև (65 կգ)", "Əliyev (65 kq)"): not the person, not
# the place
_WEIGHT_CLASS = re.compile(r"\w*(?: [^\W\d]+)? ?\(\d+ ?(?:kg|кг|կգ|kq)\)")
# and a bare surname within a sentence of a goal scored or a bout is a player's or a boxer's ("Алиев отличился
# голом", "British boxer … Aliyev disqualified"; not "goal", which is also an aim)
_PLAYING = re.compile(
    r"(?<!\w)(?:scor(?:es|ed|ing)|brace|referee|boxer|midfielder|striker|knock-?out"
    r"|забил\w*|забива\w*|голом|гол|голы|дубл(?:ем|ь|я)|рефери|боксер\w*|полузащитник\w*|нападающ\w*|нокаут\w*"
    r"|գոլ\w*|մրցավար\w*|բռնցքամարտիկ\w*|կիսապաշտպան\w*|հարձակվող\w*|նոկաուտ\w*"
    r"|qol vur\w*|qol|qolu|het-trik\w*|boksc\w*|boksçu\w*|yarimmudafiec\w*|nokaut\w*)(?!\w)"
)
_PLAYING_WINDOW = 60
# the twenty-eighth round: a recall dated today is the news itself ("Հիշեցնենք, որ այսօր՝ 06.00-ից … կրակ են
# բացել", "Напомним, что сегодня утром …", "Xatırladaq ki, bu gün …"): its cues count
_TODAY_AFTER_MARKER = re.compile(
    r"[\s,]*(?:that|что|որ|ki)?[\s,]*(?:today|this morning|tonight|last night|сегодня|этой ночью|этим утром"
    r"|այսօր|այսոր|այս առավոտ|այս գիշեր|bu gun|bugun|bu gün|bugün|bu sehər|bu seher|bu gecə|bu gece)(?!\w)"
)
# the twenty-ninth round: a recall dated by day and month with no year is this year's news too
# ("Xatırladaq ki, sentyabrın 21-də saat 09:20 radələrində … şəhid olub", "Напомним, что 21 сентября …");
# with a year it is a recall of an earlier one ("Xatırladaq ki, 2020-ci il sentyabrın 27-də")
_MONTHS = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
    r"|հունվարի|փետրվարի|մարտի|ապրիլի|մայիսի|հունիսի|հուլիսի|օգոստոսի|սեպտեմբերի|հոկտեմբերի|նոյեմբերի|դեկտեմբերի"
    r"|yanvar[ıi]n|fevral[ıi]n|mart[ıi]n|aprel[ıi]n|may[ıi]n|[iı]yun[ua]n|[iı]yul[ua]n|avqust[ua]n|sentyabr[ıi]n"
    r"|oktyabr[ıi]n|noyabr[ıi]n|dekabr[ıi]n)"
)
_DAY_MONTH_AFTER_MARKER = re.compile(
    r"[\s,]*(?:that|что|որ|ki)?[\s,]*(?:on\s+)?(?:\d{1,2}[\s-]*" + _MONTHS + r"|" + _MONTHS + r"\s+\d{1,2})"
    r"(?![\w-]*[\s,]+(?:\d{4}|թ\.))"
)


def _athlete(text: str, start: int, stop: int) -> bool:
    """True when a weight class follows the name, or a word of a goal or a bout stands in its sentence."""
    if _WEIGHT_CLASS.match(text, stop):
        return True
    left = max(0, start - _PLAYING_WINDOW)
    right = min(len(text), stop + _PLAYING_WINDOW)
    for found in _PLAYING.finditer(text, left, right):
        between = text[found.end() : start] if found.start() < start else text[stop : found.start()]
        if not any(mark in between for mark in (*_CLAUSE_MARKS[:3], "\n")):
            return True
    return False


# words that may stand right before a person's bare surname without making it another person's name: titles
_TITLES = frozenset(
    normalize(word)
    for word in [
        *["President", "Prezident", "Prezidenti", "Президент", "Президента", "Президенту", "Президентом"],
        *["Mr", "Mrs", "Ms", "Dr", "Leader", "Lider", "Лидер", "Премьер", "Prime", "Minister", "Министр"],
        *["Nazir", "Naziri", "General", "Генерал", "Chairman", "Sədr", "Sədri", "Head", "Глава", "Premier"],
        *["Baş", "Başçısı", "Secretary", "Госсекретарь", "Counterpart", "PM", "FM", "MP", "Speaker", "Gen"],
    ]
)
# a patronymic after a given name: "Babək Əsgər oğlu", "Заур Ильхам оглы"
_PATRONYMICS = frozenset(normalize(word) for word in ("oğlu", "qızı", "оглы", "кызы"))
# a Russian patronymic, in its cases and transliterated ("Алиев Муху Гимбатович", "Aliyev Mukhu Gimbatovich"):
# the surname written first, before another person's given name
_PATRONYMIC_END = re.compile(r"(?:ович|евич|ьич|овн|евн|ичн|ovich|evich|ovna|evna)(?:а|у|ем|е|ы|ой)?$")


# the fiftieth round: a surname in apposition ("Nurali Aliyev, the millionaire eldest son of …"): the word
# that starts the sentence before it is a given name even when the item names others
_APPOSITION = re.compile(r", (?:the|a|an) ")


def _misspelt_given(word: str, given_names: tuple[str, ...]) -> bool:
    """The fiftieth round: a person's own given name with one letter inside it mistyped («Ջեյրուն Բայրամովը»
    for Ջեյհուն); its first and last letters kept, so that another name one letter off at its end ("Ilhan",
    not "Ilham") stays another person's."""
    for given in given_names:
        if len(given) < 5 or len(word) < len(given):
            continue
        head = word[: len(given)]
        if head[0] != given[0] or head[-1] != given[-1]:
            continue
        if sum(a != b for a, b in zip(head, given, strict=True)) == 1:
            return True
    return False


def _stem_ru(word: str) -> str:
    if len(word) < 4:
        return word
    for ending in _RU_LEMMA_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _ru_word(word: str, starred: bool) -> tuple[str, str]:
    """(stem, ending regex) of one word of a Russian pattern."""
    if starred:
        return word, r"\w*"
    if len(word) < 3:
        return word, ""
    return _stem_ru(word), _SUFFIX_BY_LANGUAGE["ru"]


def _separator(text: str, gap: int) -> str:
    if text.strip() == "...":
        # a cue's subject and its verb a clause apart: "перемирие ... нарушено" ("Перемирие в Нагорном
        # Карабахе нарушено", "the ceasefire on the Armenia-Azerbaijan border was violated")
        return _gap_pattern(_WIDE_GAP)
    if text.isspace():
        return _gap_pattern(gap) if gap else _SPACE
    # a dash joins two names however it is spaced or doubled: "Xankəndi--Laçın", "Горис - Степанакерт"
    pieces: list[str] = []
    for is_dash, run in itertools.groupby(text.split(), key=lambda part: not part.strip("-")):
        parts = list(run)
        if not is_dash:
            pieces.extend(re.escape(part) for part in parts)
        elif parts == ["-"]:
            pieces.append("-+")
        else:
            # dashes and spaces in any mix, each space taken before a dash: one `-+` per dash typed ("a - - -
            # - b", an alias an admin typed) could split a long run of dashes in a text in exponentially many
            # ways before failing (hours of one regex on the event loop)
            pieces.append(r"-(?:\s*-)*")
    return r"\s*" + r"\s*".join(pieces) + r"\s*"


@lru_cache(maxsize=8)
def _gap_pattern(gap: int) -> str:
    """Whitespace with up to `gap` other words in between ("end all hostilities", "Зангезурским или
    Мегринским коридором"); a word in brackets is one of them ("Карабахом (Арцахом) продолжается")."""
    return r"(?:" + _SPACE + r"\(?[\w'-]+\)?,?){0," + str(gap) + r"}?" + _SPACE


# English words a cue's verb-forms rule leaves as written: prepositions and determiners of a phrase
_EN_NOT_INFLECTED = frozenset(
    ["the", "and", "for", "out", "off", "over", "under", "after", "into", "onto", "from", "with", "their"]
)
_EN_VOWELS = "aeiou"


def _en_forms(word: str) -> tuple[str, str]:
    """(stem, endings regex) of an English cue word with its verb and plural forms, so that a cue names the
    event in any tense: attack → attacks, attacked, attacking; invade → invades, invading; occupy → occupied;
    stop → stopped; flee → fleeing. Inflected words ("killed", "shelling", "talks") stay as they are."""
    if len(word) < 3 or word in _EN_NOT_INFLECTED or not word.isalpha() or word.endswith(("s", "ed", "ing")):
        return word, _SUFFIX_BY_LANGUAGE["en"]
    if word.endswith("ee"):
        return word, "(?:s|d|ing)?"
    if word.endswith("e"):
        return word[:-1], "(?:es|ed|ing|e)"
    if word.endswith("y") and word[-2] not in _EN_VOWELS:
        return word[:-1], "(?:ies|ied|ying|y)"
    endings = ["s", "es", "ed", "ing"]
    if word[-1] not in _EN_VOWELS + "wxy" and word[-2] in _EN_VOWELS and word[-3] not in _EN_VOWELS:
        endings += [word[-1] + "ed", word[-1] + "ing"]  # stop → stopped, hit → hitting
    return word, _alternation(endings)


# Armenian verbs: a cue written with the infinitive or perfect participle in -ել ("փակել են",
# "հարվածել է") names the event in the tenses and voices that report it: փակեցին, փակում, փակված,
# փակվել, հարվածեց… (not the forms of purpose and wish: "Մինսկի խումբը փակելու որոշում")
_HY_VERB_ENDINGS = _alternation(
    [
        *["ել", "ում", "եց", "եցի", "եցին", "եցինք", "ած", "ող"],
        *["վել", "վում", "վեց", "վեցին", "ված", "վող", "եցրել", "եցրեց", "եցրին"],
    ]
)
# the auxiliary after a participle ("փակել են"): the other tenses have none, so it may be left out
_HY_AUXILIARIES = frozenset(["է", "են", "էր", "էին", "եմ", "ենք"])


def _hy_verb(word: str) -> bool:
    return len(word) > 4 and word.endswith("ել")


# Azerbaijani verbs (after ı → i folding): a cue written in the past ("yaxınlaşdılar", "yaxınlaşıblar") names
# the event in the other tenses, participles and verbal nouns too ("yaxınlaşır", "yaxınlaşan", "yaxınlaşmağa")
_AZ_PAST = re.compile(f"(?:d{_V4}|t{_V4}|y?{_V4}b)(?:l{_V2}r)?$")
_AZ_VERB_ENDINGS = (
    f"(?:d{_V4}|t{_V4}|y?{_V4}b|m{_V4}ş|y?{_V4}r|{_V2}r|y?{_V2}n|m{_V2}g{_V2}|m{_V2}y{_V2}|m{_V2}q|m{_V2}k"
    f"|y?{_V2}c{_V2}[qkgy]|d{_V4}g|d{_V4}y)(?:l{_V2}r)?(?:{_V4}n|d{_V4}r|d{_V4}|{_V4}|{_V2})?"
)


def _az_verb_stem(word: str) -> str | None:
    """The stem of an Azerbaijani cue word written as a past verb, or None."""
    match = _AZ_PAST.search(word)
    if match is None or match.start() < 3:
        return None
    return word[: match.start()]


def _literal(norm: str, language: str) -> tuple[str, str | None, str | None]:
    """The pattern of a text matched as written, with the inflections of its last word."""
    if language == "hy" and norm.endswith("ություն"):
        return norm[:-3], _alternation(_HY_UTYUN_ENDINGS) + _END, None
    if language == "hy" and norm.endswith("ում") and len(norm) > 6:
        return norm[:-3], _alternation(_HY_UM_ENDINGS) + _END, None
    return norm, _SUFFIX_BY_LANGUAGE.get(language, _SUFFIX_BY_LANGUAGE["any"]) + _END, None


def compile_pattern(
    text: str, language: str, inflect: bool = True, *, gap: int = 0, derived: bool = False, verb: bool = False
) -> tuple[str, str | None, str | None]:
    """(automaton key, suffix regex, full regex) for an alias or cue in its language; both regexes end at a
    word boundary. A word ending in `*` takes any continuation of its stem. Words of a multi-word pattern may
    be `gap` words apart; in Russian each word inflects and words of one or two letters ("о", "в") may be left
    out. `derived` adds the forms derived from a Russian proper name (adjectives "Сюникском", "карабахский";
    demonyms "тавушцы"). `verb` gives an English cue's first and last words their verb forms (_en_forms)."""
    key, suffix, full, _ = _compile(text, language, inflect, gap, derived, verb)
    return key, suffix, full


def _compile(
    text: str, language: str, inflect: bool, gap: int, derived: bool, verb: bool = False
) -> tuple[str, str | None, str | None, bool]:
    """compile_pattern's result, and whether the key starts the full pattern: a multi-word pattern that
    starts with a short word ("в память", "in memory of", "Aİ missiya*") is looked up by its longest word,
    which is rarer than the short one (found inside every other word), and matched around it."""
    norm = normalize(text).strip()
    tokens = [(m.group(1), m.group(2) == "*", m.group(3)) for m in _PATTERN_TOKEN.finditer(norm)]
    words = [(word, starred) for word, starred, _ in tokens if word]
    if not words:
        return norm, _END, None, True
    if len(words) == 1:
        word, starred = words[0]
        if starred:
            return word, None, None, True
        if not inflect:
            return word, _END, None, True
        if language == "ru":
            suffix = _RU_DERIVED if derived else _SUFFIX_BY_LANGUAGE["ru"]
            return _stem_ru(word), suffix + _END, None, True
        if verb and language == "en":
            stem, ending = _en_forms(word)
            return stem, ending + _END, None, True
        if verb and language == "hy" and _hy_verb(word):
            return word[:-2], _HY_VERB_ENDINGS[:-1] + _END, None, True
        az_stem = _az_verb_stem(word) if verb and language == "az" else None
        if az_stem is not None:
            return az_stem, _AZ_VERB_ENDINGS + _END, None, True
        return (*_literal(word, language), True)
    if not inflect:
        return norm, _END, None, True
    joined = any(separator and separator.strip() == "-" for _, _, separator in tokens)
    adjective = language == "hy" and any(_hy_genitive(word) for word, _ in words[:-1])
    verb_forms = verb and language == "en"
    hy_verbs = verb and language == "hy" and any(_hy_verb(word) for word, starred in words if not starred)
    az_verbs = verb and language == "az" and any(_az_verb_stem(word) for word, star in words if not star)
    if (
        language != "ru"
        and not gap
        and not joined
        and not adjective
        and not verb_forms
        and not hy_verbs
        and not az_verbs
        and not any(s for _, s in words)
    ):
        return (*_literal(norm, language), True)
    # word by word: each word its own pattern, separators flexible
    pattern: list[str] = []
    key = ""
    stems: list[str] = []  # the words every match contains, as they stand in it
    last = len(tokens) - 1 - next(i for i, token in enumerate(reversed(tokens)) if token[0])
    first = next(i for i, token in enumerate(tokens) if token[0])
    pending_separator = ""
    after_verb = False
    for index, (word, starred, separator) in enumerate(tokens):
        if separator:
            pending_separator = separator
            continue
        if language == "ru":
            stem, ending = _ru_word(word, starred)
        elif starred:
            stem, ending = word, r"\w*"
        elif verb_forms and index in (first, last):
            stem, ending = _en_forms(word)
        elif hy_verbs and _hy_verb(word):
            stem, ending = word[:-2], _HY_VERB_ENDINGS[:-1]
        elif az_verbs and (az_stem := _az_verb_stem(word)) is not None:
            stem, ending = az_stem, _AZ_VERB_ENDINGS
        elif index != last and language == "hy" and _hy_genitive(word):
            stem, ending = word[:-1], _HY_GENITIVE_OR_ADJECTIVE
        elif index == last and language == "hy" and word.endswith("ություն"):
            # the stem changes in a long name too: "… պայմանագրի կազմակերպության"
            stem, ending = word[:-3], _alternation(_HY_UTYUN_ENDINGS)
        elif index == last:
            stem, ending = word, _SUFFIX_BY_LANGUAGE.get(language, _SUFFIX_BY_LANGUAGE["any"])
        else:
            stem, ending = word, ""
        piece = re.escape(stem) + ending
        auxiliary = after_verb and word in _HY_AUXILIARIES
        after_verb = hy_verbs and not starred and _hy_verb(word)
        if not key:
            key = stem
            pattern.append(piece)
        elif language == "ru" and len(word) <= 2 and not starred and index != last:
            # a preposition or conjunction the text may leave out: "Организации Договора коллективной…"
            pattern.append(_optional_word(pending_separator, piece))
            continue
        elif auxiliary:
            pattern.append(_optional_word(pending_separator, piece))
            pending_separator = ""
            continue
        else:
            pattern.append(_separator(pending_separator or " ", gap) + piece)
        stems.append(stem)
        pending_separator = ""
    full = "".join(pattern) + _END
    if len(key) < 4:
        longest = max(stems[1:], key=len, default=key)
        if len(longest) > len(key):
            return longest, None, full, False
    return key, None, full, True


def _optional_word(separator: str, piece: str) -> str:
    """A whole word the text may leave out, taken whenever it stands there: atomic, so that a run of such
    words ("Сюник в в в … Горис", an alias an admin typed) is matched in one pass instead of trying every
    subset of the words, which is exponential in their number (seconds for 6 words, hours for 20)."""
    return f"(?>(?:{_separator(separator or ' ', 0)}{piece}(?!\\w))?)"


# an Armenian name's genitive before its noun may be written as the adjective: "Լաչինի միջանցք" → "Լաչինյան
# միջանցք", "Զանգեզուրի միջանցք" → "«զանգեզուրյան միջանցք»"
_HY_GENITIVE_OR_ADJECTIVE = "(?:ի|յան|ական)"


# a Latin place name's last vowel written o or u (Zangezur, Zangezor, Zəngəzur): both spellings name it;
# e/ə and i/ı are one letter already after normalisation (feeds/textnorm.py)
_LAST_O_OR_U = re.compile(r"[ou](?=[^aeiouəıöüy]*$)", re.IGNORECASE)
_LATIN_WORD = re.compile(r"[A-Za-zÀ-ɏə]{6,}")


def _vowel_variants(text: str) -> tuple[str, ...]:
    """The other spelling of a one-word Latin place name whose last vowel is o or u."""
    if not _LATIN_WORD.fullmatch(text):
        return ()
    match = _LAST_O_OR_U.search(text)
    if match is None:
        return ()
    other = {"o": "u", "u": "o", "O": "U", "U": "O"}[match.group()]
    return (text[: match.start()] + other + text[match.end() :],)


# Armenian ղ is written gh in English, but g or kh where the English press copies the Russian
# (Гехаркуник, Мегри): "Gekharkunik", "Gegarkunik", "Kashatakh" (the twenty-ninth round)
_GH = re.compile("gh", re.IGNORECASE)  # (aliases are written gh or Gh)


def _gh_variants(text: str) -> tuple[str, ...]:
    """The kh and g spellings of a one-word Latin place name written with gh."""
    if not _LATIN_WORD.fullmatch(text) or _GH.search(text) is None:
        return ()
    return tuple(text.replace("gh", to).replace("Gh", to.capitalize()) for to in ("kh", "g"))


# the thirtieth round: Armenian and Azerbaijani ջ/c (j) is written dzh or dj where the press copies
# the Russian (Кельбаджар): "Kelbadzhar", "Dzhermuk"; j, dj and dzh read as each other in a
# one-word Latin place name
_J = re.compile("dzh|dj|j", re.IGNORECASE)


def _j_variants(text: str) -> tuple[str, ...]:
    """The other spellings (j, dj, dzh) of a one-word Latin place name written with one of them."""
    if not _LATIN_WORD.fullmatch(text) or _J.search(text) is None:
        return ()
    variants: list[str] = []
    for to in ("j", "dj", "dzh"):

        def spelled(match: re.Match[str], to: str = to) -> str:
            return to.capitalize() if match.group()[0].isupper() else to

        variant = _J.sub(spelled, text)
        if variant != text:
            variants.append(variant)
    return tuple(variants)


# the thirty-seventh round: the transliterations of a long one-word Latin name that the press writes besides
# its alias ("Nakchivan", "Nahchivan", "Zangezore", "Pashinian", "Sissian" for "Sisian" written "Sisyan"):
# kh written k, h or ch; -yan and -ian; a doubled letter written once; a French or Italian e after the last
# consonant; since the forty-fifth round a French ou for u ("Gegharkounik", "Shousha", "Zangezour").
# Such a spelling counts only written as a name (a capital, not at a sentence's start), so it is
# never a common word.
_KH = re.compile("kh", re.IGNORECASE)
_YAN_OR_IAN = re.compile("([yi])an$")
_DOUBLED = re.compile(r"([a-z])\1")
_CONSONANT_END = re.compile("[bcdfgklmnprstvz]$")
_FRENCH_U = re.compile("(?<![oO])u")
# the forty-sixth round: a long Azerbaijani word with an ə between two consonants left out, a slip of the
# keyboard ("Rusiya Sülhmramlılarının" for "Sülhməramlılarının"), in words of nine letters or more where no
# other word can be the slip
_SCHWA_BETWEEN_CONSONANTS = re.compile("(?<=[bcçdfgğhjklmnpqrsştvxz])ə(?=[bcçdfgğhjklmnpqrsştvxz])")
_SCHWA_WORD_LETTERS = 9


# the fifty-first round: the Azerbaijani ə after a consonant is written я or а in Russian transcription
# («Кельбаджарского», «Кельбяджарского»); a one-word Russian place name with а after a consonant is also read
# with я there, one position at a time
_RU_A_AFTER_CONSONANT = re.compile("(?<=[бвгдзклмнпрстфхцчшщ])а")
_RU_WORD = re.compile("[А-Яа-яЁё]{5,}")


def _ya_variants(text: str) -> tuple[str, ...]:
    """The spellings of a one-word Russian place name with я for one а after a consonant."""
    if not _RU_WORD.fullmatch(text):
        return ()
    return tuple(
        text[: match.start()] + "я" + text[match.end() :] for match in _RU_A_AFTER_CONSONANT.finditer(text)
    )


def _dropped_schwas(text: str) -> tuple[str, ...]:
    """The spellings of an Azerbaijani alias with one ə between consonants of a long word left out."""
    variants = []
    for word in re.finditer(r"\w+", text):
        if len(word.group()) < _SCHWA_WORD_LETTERS:
            continue
        for schwa in _SCHWA_BETWEEN_CONSONANTS.finditer(word.group()):
            at = word.start() + schwa.start()
            variants.append(text[:at] + text[at + 1 :])
    return tuple(variants)


# a Russian adjective made of a place's name («Зангезурских», «Зодский»): a landform word after it is the
# landform's name (docs: `landform_after_adjective`)
_RU_ADJECTIVE = re.compile(r"\w+ск(?:ий|ая|ое|ие|ого|ой|ую|ому|им|ом|их|ими|ых|ей)$")


def _transliterations(text: str, person: bool) -> tuple[str, ...]:
    """The other transliterations of a one-word Latin name (a person's: only -yan and -ian)."""
    if not _LATIN_WORD.fullmatch(text) or not text[0].isupper():
        return ()
    variants: set[str] = set()
    match = _YAN_OR_IAN.search(text)
    if match is not None:
        variants.add(text[: match.start()] + ("i" if match.group(1) == "y" else "y") + "an")
    if not person:
        for to in ("k", "h", "ch"):

            def spelled(kh: re.Match[str], to: str = to) -> str:
                return to.capitalize() if kh.group()[0].isupper() else to

            variants.add(_KH.sub(spelled, text))
        variants.add(_DOUBLED.sub(r"\1", text))
        variants.add(_FRENCH_U.sub("ou", text))
        for spelling in (text, *_vowel_variants(text)):
            if _CONSONANT_END.search(spelling):
                variants.add(spelling + "e")
    variants.discard(text)
    return tuple(sorted(variants))


# the forty-second round: a place's English name in the scholarly transliteration, č, š, ž for ch, sh, zh
# ("the Lačin corridor", "Šuša"); the letters are written only in names, so the spelling is never a common
# word
_CARONS = re.compile("[csz]h", re.IGNORECASE)
_CARON_OF = {"c": "č", "s": "š", "z": "ž", "C": "Č", "S": "Š", "Z": "Ž"}


def _caron_variants(text: str) -> tuple[str, ...]:
    """The spelling of an English name with ch, sh, zh written č, š, ž (none when it has none of them)."""
    variant = _CARONS.sub(lambda match: _CARON_OF[match.group()[0]], text)
    return () if variant == text else (variant,)


# the forty-fifth round: a side's long English name with two neighbouring vowels swapped ("Azerbiajan"): a
# slip of the keyboard that no other word can be, in a name of nine letters or more (the shorter "Armenia"
# and "Baku" are left as written)
_TWO_VOWELS = re.compile("(?=([aeiou])([aeiou]))", re.IGNORECASE)
_SWAPPABLE_LENGTH = 9


def _swapped_vowels(text: str) -> tuple[str, ...]:
    """The spellings of a long one-word Latin name with one pair of neighbouring different vowels swapped."""
    if not _LATIN_WORD.fullmatch(text) or len(text) < _SWAPPABLE_LENGTH:
        return ()
    return tuple(
        text[: match.start()] + match.group(2) + match.group(1) + text[match.start() + 2 :]
        for match in _TWO_VOWELS.finditer(text)
        if match.group(1).lower() != match.group(2).lower()
    )


def _hy_genitive(word: str) -> bool:
    return len(word) > 4 and word.endswith("ի")


@lru_cache(maxsize=16384)
def _compiled(pattern: str) -> Any:
    """A compiled pattern, shared by every classifier built in the process: a rebuild after one alias is added
    compiles only the new patterns (re's own cache holds 512, fewer than a gazetteer has)."""
    return re.compile(pattern)


def clear_pattern_cache() -> None:
    """Forget the compiled patterns (for a benchmark of a cold build)."""
    _compiled.cache_clear()


def _pieces(text: str) -> tuple[str, ...]:
    """The starts of the words after the first of a multi-word pattern, which every match contains (words
    only inflect at the end; one- and two-letter words may be left out): a cheap test before the regex."""
    words = [word for word, _star, _sep in _PATTERN_TOKEN.findall(normalize(text)) if word][1:]
    return tuple(sorted({word[: max(2, min(4, len(word) - 1))] for word in words if len(word) >= 3}))


def _automaton(keys: dict[str, list[_Term]]) -> Any:
    automaton = ahocorasick.Automaton()
    for key, terms in keys.items():
        if terms:
            automaton.add_word(key, (len(key), tuple(terms)))
    if len(automaton):
        automaton.make_automaton()
    return automaton


class _Scan:
    """One item's normalised text, walked with an automaton: the terms whose checks pass."""

    __slots__ = ("_norm", "folds", "letters", "original", "text")

    def __init__(self, original: str, text: str, letters: str, folds: bool) -> None:
        self.original = original
        self.text = text
        # whether a key with Azerbaijani letters counts written without them: not in an item known to be in
        # English, Russian or Armenian ("Susa" in Piedmont is not Şuşa)
        self.folds = folds
        # the normalised text with its Azerbaijani letters kept (ə, ş…; the same offsets as `text`); `text`
        # itself when it has none
        self.letters = letters
        self._norm: NormalizedText | None = None

    def norm(self) -> NormalizedText:
        if self._norm is None:
            self._norm = NormalizedText(self.original, self.text)
        return self._norm

    def original_is_capital(self, position: int) -> bool:
        """Whether the original character behind `position` is a capital letter."""
        return self.norm().original_slice(position, position + 1)[:1].isupper()

    def capitalised_name(self, position: int) -> bool:
        """Whether the word at `position` is written as a name: a capital, then a small letter, not at a
        sentence's start unless a dash joins it to the next name ("Gorus-Qafan yolu")."""
        written = self.norm().original_slice(position, position + 2)
        if len(written) == 2 and written.islower() and position > 1 and self.text[position - 1] == "-":
            # the second part of a name joined by a dash, written small: "Nagorno-karabach" (the forty-sixth
            # round) is a name as its first part is; only the word right before is looked at, so a long chain
            # of dashed words costs one look, not one per word
            previous = position - 1
            while previous > 0 and self.text[previous - 1].isalpha():
                previous -= 1
            return previous < position - 1 and self._written_as_name(previous)
        return self._written_as_name(position, written)

    def _written_as_name(self, position: int, written: str | None = None) -> bool:
        """Whether the word at `position` starts with a capital and a small letter, and is not a sentence's
        first word unless a dash joins it to the next one."""
        if written is None:
            written = self.norm().original_slice(position, position + 2)
        if len(written) != 2 or not written[0].isupper() or not written[1].islower():
            return False
        if not _sentence_start(self.text, position):
            return True
        return self.text.startswith("-", _word_end_at(self.text, position))

    def in_title(self, position: int) -> bool:
        """Whether `position` of the normalised text lies in the title (before the summary)."""
        return "\n" not in self.text[:position]

    def title_case(self) -> bool:
        """Whether the title is written In Title Case (most of its longer words capitalised)."""
        title = self.original.split("\n", 1)[0]
        long_words = [word for word in _WORDS.findall(title) if len(word) > 3]
        capitals = sum(1 for word in long_words if word[0].isupper())
        return len(long_words) >= 3 and capitals >= 0.75 * len(long_words)

    def by_kind(self, automaton: Any) -> list[list[tuple[int, int, int]]]:
        """(start, stop, ref) of every term found, in one list per term kind (_CUE, _WORD…)."""
        lists: list[list[tuple[int, int, int]]] = [[] for _ in range(_KINDS)]
        for start, stop, term in self.terms(automaton):
            lists[term.kind].append((start, stop, term.ref))
        return lists

    def terms(self, automaton: Any) -> list[tuple[int, int, _Term]]:
        """(start, stop, term) for every term found at a word start whose ending, case and full pattern
        check out (a list: cheaper than a generator for the few hits of an item)."""
        found: list[tuple[int, int, _Term]] = []
        if automaton.kind != ahocorasick.AHOCORASICK:
            return found  # no keys at all
        text = self.text
        length = len(text)
        letters = self.letters
        marked = letters is not text
        pieces: dict[str, bool] = {}
        for end, (key_length, terms) in automaton.iter(text):
            start = end - key_length + 1
            joined = False
            if start and text[start - 1].isalnum():
                # only an Armenian compound's second part may start here, or an Armenian verb after the
                # future prefix կ- ("կհանդիպեն", will meet; "կհրետակոծի", will shell)
                if not (
                    (start >= 3 and text[start - 1] == "ա" and text[start - 3 : start - 1].isalpha())
                    or (text[start - 1] == "կ" and (start == 1 or not text[start - 2].isalnum()))
                ):
                    continue
                joined = True
            after = end + 1
            bare = after == length or not text[after].isalnum()
            written: str | None = None  # the span with its letters, once a term needs it
            for term in terms:
                if joined and not term.compound:
                    continue
                if marked:
                    if term.letters is not None:
                        if written is None:
                            written = letters[start:after]
                        if written != term.letters and not (
                            # a word written without the letters in a text that has them elsewhere
                            # ("İşğal … Kelbecer rayonu"): read as such a text reads it
                            term.folded
                            and not term.letters_only
                            and self.folds
                            and written == text[start:after]
                        ):
                            continue  # in text written with its letters, "görüş" (a meeting) is not Gorus
                elif (term.folded and (term.letters_only or not self.folds)) or (
                    term.capital_only and not self.capitalised_name(start)
                ):
                    continue
                if term.full is not None:
                    missing = False
                    for piece in term.needs:
                        present = pieces.get(piece)
                        if present is None:
                            # looked up once per item: a cue word repeated thousands of times read the
                            # whole text for each repeat
                            present = pieces[piece] = piece in text
                        if not present:
                            missing = True
                            break
                    if missing:
                        continue
                    if term.starts:
                        match = term.full.match(text, start)
                    else:
                        match = _around(term.full, text, start, after)
                    if match is None:
                        continue
                    stop = match.end()
                    if (
                        marked
                        and term.words
                        and not words_agree(
                            text[match.start() : stop], letters[match.start() : stop], term.words
                        )
                    ):
                        continue
                    if not term.starts:
                        found.append((match.start(), stop, term))
                        continue
                elif bare or term.suffix is None:
                    stop = after
                else:
                    if term.first is not None and text[after] not in term.first:
                        continue
                    match = term.suffix.match(text, after)
                    if match is None:
                        continue
                    stop = match.end()
                if term.case_key is not None:
                    if case_form(self.norm().original_slice(start, after)) != term.case_key:
                        continue
                    if (
                        stop > after
                        and not term.in_context
                        and term.case_key[1:].islower()
                        and _sentence_start(text, start)
                    ):
                        continue  # "Сотка за литр": a capital at a sentence's start says nothing
                found.append((start, stop, term))
        return found


def _around(full: Any, text: str, start: int, after: int) -> Any:
    """The match of a pattern that contains the key found at [start, after) (a key that is not the pattern's
    first word), or None."""
    for match in full.finditer(text, max(0, start - _BEFORE_KEY), min(len(text), after + _AFTER_KEY)):
        if match.start() <= start and after <= match.end():
            return match
        if match.start() > start:
            break
    return None


def _script(letter: str) -> str:
    """The script a letter is written in, as the first word of its Unicode name ("LATIN", "CYRILLIC")."""
    return unicodedata.name(letter, "").split(" ", 1)[0]


def _sentence_start(text: str, position: int) -> bool:
    """True when `position` starts the text, a line, or a sentence."""
    # walked back, not sliced: a copy of the text before every name made an item of many names quadratic
    while position and text[position - 1] in " \"'(-":
        position -= 1
    return not position or text[position - 1] in ".!?:\n։"


def _one_word(text: str) -> bool:
    """Whether an original span is one word and the space after it (no punctuation between two names)."""
    return all(char.isalpha() or char in "'’" for char in text.rstrip())


def _entity_id(match: EntityMatch) -> str:
    return match.entity_id


def _sentence_end(text: str, position: int) -> int:
    """Where the sentence that runs at `position` ends (after its full stop, or at a line's end)."""
    end = len(text)
    for mark in (". ", "! ", "? ", "։ ", "\n"):
        found = text.find(mark, position)
        if found != -1 and found < end:
            end = found + 1
    return end


def _football_quote(text: str, start: int, stop: int) -> bool:
    """True when a name opens a quote of its own ("Qarabağ”ın, «Карабах» забил): an opening quote right before
    it and a closing quote right after it, or none at all before the sentence ends ("Qarabağ isə…, a quote
    left open). A quote that goes on past the name ("Qarabağ Azərbaycandır!") is a quoted sentence."""
    if not start or text[start - 1] not in _QUOTES:
        return False
    if stop < len(text) and text[stop] in _QUOTES:
        return True
    end = _sentence_end(text, stop)
    return not any(quote in text[stop:end] for quote in _QUOTES)


# letters of the Azerbaijani alphabet that English and Russian texts do not use (ı is folded to i)
_AZERBAIJANI_LETTERS = re.compile("[əğşçöü]")


# what shows an Azerbaijani text written without its letters (Telegram): its commonest function words, as
# such a text writes them ("ve", "ile", "ucun"), none of them an English, Russian or Turkish word
_AZERBAIJANI_WORDS = re.compile(
    r"(?<!\w)(?:ve|ile|ucun|uzre|kimi|olub|edib|edir|olan|olunub|arasinda|terefinden|haqqinda|bagli|gore"
    r"|sonra|artiq|hec|yoxdur|deyil|lakin|qeyd|barede|zaman|bolge\w*|rayonu\w*|istiqamet\w*)(?!\w)"
)


def azerbaijani_outside(text: str, start: int, stop: int, name_length: int = 0) -> bool:
    """Whether the text (normalised with its Azerbaijani letters kept) shows an Azerbaijani letter outside
    the span [start, stop), or, written without the letters, an Azerbaijani function word there or a case
    ending on the name itself (`name_length` letters of the span: "Qarabagda", "Qarabagin"). The name
    written again elsewhere is no evidence: "Qarabağ v Arsenal | Qarabağ are aiming …" is English."""
    name = text[start : start + name_length] if name_length else text[start:stop]
    if name and text.count(name) > 1:
        blank = " " * len(name)
        text = text[:start].replace(name, blank) + text[start:stop] + text[stop:].replace(name, blank)
    letters = _AZERBAIJANI_LETTERS
    if letters.search(text, 0, start) is not None or letters.search(text, stop) is not None:
        return True
    if name_length and start + name_length < stop and text[start + name_length].isalpha():
        return True
    words = _AZERBAIJANI_WORDS
    return words.search(text, 0, start) is not None or words.search(text, stop) is not None


class AzerbaijaniEvidence:
    """azerbaijani_outside for many hits of one item, each in constant time plus the few characters around
    it: the text with every occurrence of a name blanked, and where Azerbaijani letters and words stand in
    it, are found once per name. (Searching the whole text again for every hit took seconds for an item
    that repeats a name thousands of times, on the event loop.) A name that can overlap itself ("ana" in
    "anana") is answered by azerbaijani_outside as written."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._names: dict[str, tuple[str, list[int], list[int], list[tuple[int, int]]] | None] = {}

    def outside(self, start: int, stop: int, name_length: int = 0) -> bool:
        text = self._text
        name = text[start : start + name_length] if name_length else text[start:stop]
        facts = self._facts(name) if name else None
        if facts is None:
            return azerbaijani_outside(text, start, stop, name_length)
        blanked, occurrences, letters, words = facts
        size = len(name)
        # P = text[:start] and S = text[stop:] with their own occurrences blanked are `blanked` except an
        # occurrence cut by `start` or by `stop`, whose cut part stays as written
        cut = bisect_left(occurrences, start) - 1
        x = occurrences[cut] if cut >= 0 and occurrences[cut] + size > start else start
        cut = bisect_left(occurrences, stop) - 1
        z = occurrences[cut] + size if cut >= 0 and occurrences[cut] + size > stop else stop
        if (letters and letters[0] < x) or _AZERBAIJANI_LETTERS.search(text, x, start) is not None:
            return True
        if (letters and letters[-1] >= z) or _AZERBAIJANI_LETTERS.search(text, stop, z) is not None:
            return True
        if name_length and start + name_length < stop and text[start + name_length].isalpha():
            return True
        # a word that ends before x reads the same in P; the word running into x is read here
        if words and words[0][1] < x:
            return True
        y = x
        while y > 0 and _is_word(blanked[y - 1]):
            y -= 1
        if _AZERBAIJANI_WORDS.search(blanked[y:x] + text[x:start]) is not None:
            return True
        # a word that starts after z reads the same in S; the one running out of z is read here
        if words and words[-1][0] > z:
            return True
        w = z
        while w < len(blanked) and _is_word(blanked[w]):
            w += 1
        # from the hit's last character, which the word after it sees
        return _AZERBAIJANI_WORDS.search(text[stop - 1 : z] + blanked[z:w], 1) is not None

    def _facts(self, name: str) -> tuple[str, list[int], list[int], list[tuple[int, int]]] | None:
        if name in self._names:
            return self._names[name]
        text = self._text
        facts: tuple[str, list[int], list[int], list[tuple[int, int]]] | None = None
        if not any(name[:k] == name[-k:] for k in range(1, len(name))):
            occurrences: list[int] = []
            found = text.find(name)
            while found != -1:
                occurrences.append(found)
                found = text.find(name, found + len(name))
            if len(occurrences) <= 1:
                occurrences = []  # azerbaijani_outside blanks nothing then
            blanked = text.replace(name, " " * len(name)) if occurrences else text
            letters = [match.start() for match in _AZERBAIJANI_LETTERS.finditer(blanked)]
            words = [match.span() for match in _AZERBAIJANI_WORDS.finditer(blanked)]
            facts = (blanked, occurrences, letters, words)
        self._names[name] = facts
        return facts


def _is_word(character: str) -> bool:
    return character.isalnum() or character == "_"


# a club's name is short: the place and at most this many other words inside its quotes ("Turan Tovuz")
_CLUB_NAME_SPACES = 2
_CLUB_QUOTE_REACH = 25
# sports words count for a quoted club name within this many characters of it
_CLUB_WORD_WINDOW = 120


def in_short_quote(text: str, start: int, stop: int) -> bool:
    """Whether a name stands inside a short quoted name of its own: "Araz-Naxçıvan"la, «Туран Товуз»,
    "Gandzasar Kapan". A quoted sentence ("Мы вернёмся в Нахчыван") has more words."""
    opening = max(
        text.rfind('"', max(0, start - _CLUB_QUOTE_REACH), start),
        text.rfind("'", max(0, start - _CLUB_QUOTE_REACH), start),
    )
    if opening == -1 or "\n" in text[opening:start]:
        return False
    closing = -1
    for index in range(stop, min(len(text), stop + _CLUB_QUOTE_REACH)):
        if text[index] in _QUOTES:
            closing = index
            break
        if text[index] == "\n":
            return False
    if closing == -1:
        return False
    return text.count(" ", opening, closing) <= _CLUB_NAME_SPACES


# words that introduce a quoted title: “Şuşanın dağları…” adlı muğam axşamı, под названием «Карабах», a song
# titled "Karabakh", «…» խորագրով ցուցահանդես (text folded: ı is i); a movement's or a party's quoted name
# («Տավուշը հանուն հայրենիքի» շարժումը) is its title too
_TITLE_AFTER = tuple(
    normalize(word)
    for word in (
        *("adli", "başliqli", "խորագրով", "վերնագրով"),
        *(
            "movement",
            "party",
            "движение",
            "движения",
            "движению",
            "движением",
            "движении",
            "партия",
            "партии",
        ),
        *("շարժում", "շարժումը", "շարժման", "շարժմանը", "շարժումն", "կուսակցություն", "կուսակցությունը"),
        *("կուսակցության", "hərəkati", "hərəkatinin", "hərəkatina", "partiyasi", "partiyasinin"),
    )
)
# the thirtieth round: a quoted name before the word of a programme, a hotel or a restaurant is that thing's
# name (“Qarabağ gündəliyi” verilişinin qonağı, «Шуша» отель), in the four languages; stems, the word inflects
_NAME_AFTER_STEMS = tuple(
    normalize(word)
    for word in (
        *("programme", "program", "show", "hotel", "restaurant"),
        *("передач", "программ", "шоу", "отел", "гостиниц", "ресторан"),
        *("հաղորդ", "ծրագ", "հյուրանոց", "ռեստորան"),
        *("veriliş", "proqram", "otel", "mehmanxana", "restoran"),
    )
)
_TITLE_BEFORE = ("под названием", "под заглавием", "titled", "entitled", "խորագրով", "վերնագրով")
# a title's quotes lie within this many characters of the name inside them
_TITLE_REACH = 60


@lru_cache(maxsize=1)
def _quote_marks(text: str) -> tuple[int, ...]:
    """Where the text's straight double quotes stand: counted once per text, not once per name before each
    name (an item of thousands of names and quotes was quadratic). A tuple: the cache hands the same one to
    every caller."""
    marks: list[int] = []
    index = text.find('"')
    while index != -1:
        marks.append(index)
        index = text.find('"', index + 1)
    return tuple(marks)


def in_titled_quote(text: str, start: int, stop: int) -> bool:
    """Whether a name stands inside a quoted title that a naming word introduces (“Şuşanın dağları başı
    dumanlı…” adlı muğam axşamı): the title of a work, not the place."""
    marks = _quote_marks(text)
    opened = bisect_left(marks, start)  # the quotes before the name: an odd count leaves one open
    if opened % 2 == 0:
        return False
    opening = marks[opened - 1]
    closes = bisect_left(marks, stop)
    closing = marks[closes] if closes < len(marks) else -1
    if start - opening > _TITLE_REACH or closing == -1 or closing - stop > _TITLE_REACH:
        return False
    if "\n" in text[opening:closing]:
        return False
    after = text[closing + 1 : closing + 30].split()
    if after and (after[0].strip(",.;:") in _TITLE_AFTER or after[0].startswith(_NAME_AFTER_STEMS)):
        return True
    before = text[max(0, opening - 30) : opening].rstrip()
    return before.endswith(_TITLE_BEFORE)


def in_own_quotes(text: str, start: int, stop: int) -> bool:
    """Whether a name stands in quotes of its own: «Թրամփի ուղին», "Дорога Трампа"."""
    return bool(start) and stop < len(text) and text[start - 1] in _QUOTES and text[stop] in _QUOTES


# a match score ("2:2", "3:0", "2-1"): one digit on each side, not part of a time, date or longer number
_SCORE = re.compile(r"(?<![\d:.,/-])\d ?[:–-] ?\d(?![\d:.,/])")


# a range of days before or after its month is a date, not a score: "8-9 դեկտեմբերի", "December 8-9"
_MONTH_AFTER = re.compile(
    r"\s*(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|январ|феврал|март|апрел|ма[йя]|июн|июл|август|сентябр"
    r"|октябр|ноябр|декабр|հունվար|փետրվար|մարտ|ապրիլ|մայիս|հունիս|հուլիս|օգոստոս|սեպտեմբեր|հոկտեմբեր|նոյեմբեր"
    r"|դեկտեմբեր|yanvar|fevral|aprel|iyun|iyul|avqust|sentyabr|oktyabr|noyabr|dekabr)",
    re.IGNORECASE,
)
_MONTH_BEFORE = re.compile(
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)\s*$",
    re.IGNORECASE,
)


def _score_near(text: str, start: int, stop: int, window: int) -> bool:
    """True when a match score stands within `window` characters of a name that is also a club's."""
    for score in _SCORE.finditer(text, max(0, start - window), min(len(text), stop + window)):
        after_month = _MONTH_AFTER.match(text, score.end()) is not None
        before_month = _MONTH_BEFORE.search(text, max(0, score.start() - 12), score.start()) is not None
        if not (after_month or before_month):
            return True
    return False


def _inside(start: int, stop: int, spans: list[tuple[int, int]]) -> bool:
    return any(span_start <= start and stop <= span_stop for span_start, span_stop in spans)


def _recalled(text: str, markers: list[int]) -> list[tuple[int, int]]:
    """The spans of the sentences that recall background ("Напомним, …", "Qeyd edək ki, …"), when the item
    says something outside them; none otherwise (an item that is only a recall is graded as it reads)."""
    spans = [(start, _sentence_end(text, start)) for start in markers]
    position = 0
    for start, stop in sorted(spans):
        if any(char.isalpha() for char in text[position:start]):
            return spans
        position = max(position, stop)
    return spans if any(char.isalpha() for char in text[position:]) else []


def _found_events(
    text: str,
    cues: list[tuple[int, int, int]],
    negations: list[tuple[int, int, int]],
    hedges: list[tuple[int, int, int]],
    hedge_event: int | None,
    background: list[tuple[int, int]],
    hypothetical: list[int],
    levels: tuple[int, ...],
    causes: list[tuple[int, int, int]],
) -> frozenset[int]:
    """The event indices of the cues that count: not next to a negation, not inside a longer cue of another
    event type or inside background; a fighting or territory cue right after a hedge ("may attack") or one
    whose verb is future or conditional (`hypothetical`: the starts of such cues, "yol bağlanacaq") counts as
    the hedge event (a threat); a hedged posture or political cue ("may hold talks") stays what it is. A cue
    named as a cause ("captured as a result of the hostilities") or as the background of the main clause's
    event ("left following the offensive") counts only when nothing else does."""
    found = set()
    caused = set()
    several = len(cues) > 1
    postpositions = [cause for cause in causes if cause[2]]
    cue_spans = sorted((start, stop) for start, stop, _ in cues) if postpositions else []
    longest: dict[tuple[int, int], int] = {}  # the furthest stop of an event's cues at each start
    if negations and several:
        for start, stop, event in cues:
            if stop > longest.get((start, event), 0):
                longest[(start, event)] = stop
    every_cause = _CauseIndex(causes) if causes else _NO_CAUSES
    postposition_causes = _CauseIndex(postpositions) if postpositions else _NO_CAUSES

    def is_cause(start: int, stop: int) -> bool:
        return _caused(text, start, stop, every_cause) or _before_caused(
            text, stop, cue_spans, postposition_causes
        )

    for start, stop, event in cues:
        if event in found:
            continue
        # a cause of an event already counted as one adds nothing: the checks below are skipped (each scans
        # the other cues: a summary repeating such a cue to the cap went quadratic)
        if event in caused and is_cause(start, stop):
            continue
        if background and _inside(start, stop, background):
            continue
        # an ending cancels fighting, territory and posture; the end of talks or of a withdrawal is their news
        if negations and _negated(text, start, stop, negations, levels[event] < _POLITICS):
            continue
        # a negation after the whole noun phrase denies its shorter cues too: "нарушений режима прекращения
        # огня не зафиксировано" ("нарушений режима" is also a cue, its negation further than a word away)
        if (
            negations
            and several
            and (longer := longest.get((start, event), stop)) > stop
            and _negated(text, start, longer, negations, levels[event] < _POLITICS)
        ):
            continue
        if (
            hedge_event is not None
            and levels[event] <= _TERRITORY
            and ((hedges and _hedged(start, stop, hedges)) or (hypothetical and start in hypothetical))
        ):
            found.add(hedge_event)
            continue
        if several and _in_longer(start, stop, event, cues):
            continue
        # a cause is checked last: a cue that would not count is no cause either
        if causes and is_cause(start, stop):
            caused.add(event)
            continue
        found.add(event)
    return frozenset(found or caused)


# "в результате чего", "as a result of which": the consequence follows, the cause came before
_CONSEQUENCE_FOLLOWS = (" чего", " которого", " которых", " which")


class _CauseIndex:
    """An item's cause words, sorted so that the few next to a cue are found by bisection (an item repeating
    a cue and a cause word to the cap walked every cause word for every cue)."""

    __slots__ = ("_post_starts", "_pre_stops")

    def __init__(self, causes: list[tuple[int, int, int]]) -> None:
        self._post_starts = sorted(c_start for c_start, _, postposition in causes if postposition)
        self._pre_stops = sorted(c_stop for _, c_stop, postposition in causes if not postposition)

    def __bool__(self) -> bool:
        return bool(self._post_starts or self._pre_stops)

    def postposition_after(self, stop: int) -> bool:
        """Whether a postposition starts at `stop` to `_NEGATION_AFTER` characters after it."""
        index = bisect_left(self._post_starts, stop)
        return index < len(self._post_starts) and self._post_starts[index] <= stop + _NEGATION_AFTER

    def preposition_before(self, text: str, start: int) -> bool:
        """Whether a preposition ends `_NEGATION_BEFORE` characters before `start` to `start`, not followed
        by a word that makes the consequence follow it."""
        first = bisect_left(self._pre_stops, start - _NEGATION_BEFORE)
        last = bisect_right(self._pre_stops, start)
        return any(
            not text.startswith(_CONSEQUENCE_FOLLOWS, c_stop) for c_stop in self._pre_stops[first:last]
        )


_NO_CAUSES = _CauseIndex([])


def _caused(text: str, start: int, stop: int, causes: _CauseIndex) -> bool:
    """A cue named as a cause: right after a preposition ("as a result of the shelling", "в результате
    обстрела") or right before a postposition ("ագրեսիայի հետևանքով", "təxribatı nəticəsində")."""
    return causes.postposition_after(stop) or causes.preposition_before(text, start)


# a genitive and its noun before a postposition ("ռազմագերիների վերադարձից հետո")
_GENITIVE_GAP = 2
# the genitive endings of Armenian (-ի, -ների) and Azerbaijani (-ın, -nın, -in… after folding: -in, -un)
_GENITIVE_ENDS = ("ի", "in", "ın", "un", "ün")
# the most letters a word runs on past a cue's stem (a case ending); a longer run is no genitive of the cue
_STEM_REST = 32


def _before_caused(
    text: str, stop: int, cue_spans: list[tuple[int, int]], postpositions: _CauseIndex
) -> bool:
    """A cue right before another that a postposition names as a cause, as its genitive ("the prisoners'
    return, after which"): the pair is one cause. `cue_spans`: every cue's span, sorted."""
    if not postpositions:
        return False
    limit = min(len(text), stop + _STEM_REST)
    while stop < limit and text[stop].isalnum():  # the cue is a stem: "գերի" of "ռազմագերիների"
        stop += 1
    if stop < len(text) and text[stop].isalnum():
        return False
    if not text.endswith(_GENITIVE_ENDS, 0, stop):
        return False
    first = bisect_right(cue_spans, (stop + 1, -1))
    last = bisect_right(cue_spans, (stop + _GENITIVE_GAP, len(text)))
    return any(_caused(text, c_start, c_stop, postpositions) for c_start, c_stop in cue_spans[first:last])


# "not only … but also" adds rather than denies: "жертвы не только среди военнослужащих", "ոչ միայն"
_NOT_ONLY = ("только", "лишь", "only", "միայն")


def _not_only(text: str, negation_stop: int) -> bool:
    """Whether the negation ending at `negation_stop` opens "not only"."""
    return text.startswith(_NOT_ONLY, negation_stop + 1)


class _ExclusionDenials:
    """The negations of an item that may deny an alias's exclusion word: one between the alias and the word,
    right before the word in the same clause ("Нахичевань (которая не на Дону, а …)", "Nakhchivan, not the one
    on the Don"), so the word does not cancel the alias."""

    __slots__ = ("_last_start", "_spans", "_stops", "_text")

    def __init__(self, text: str, negations: list[tuple[int, int, int]]) -> None:
        self._text = text
        # by stop, so that the few negations that end right before a word are found by bisection (an item
        # repeating a name and a negation thousands of times made each exclusion word walk every negation)
        self._spans = sorted(
            (n_stop, n_start) for n_start, n_stop, follows in negations if follows != _ENDS_CLAUSE
        )
        self._stops = [n_stop for n_stop, _ in self._spans]
        self._last_start = max((n_start for _, n_start in self._spans), default=-1)

    def any_after(self, position: int) -> bool:
        return self._last_start >= position

    def denies(self, alias_stop: int, word_start: int) -> bool:
        text = self._text
        first = bisect_left(self._stops, word_start - _NEGATION_BEFORE)
        last = bisect_right(self._stops, word_start)
        return any(
            n_start >= alias_stop and not any(mark in text[n_stop:word_start] for mark in _CLAUSE_MARKS)
            for n_stop, n_start in self._spans[first:last]
        )


# the fiftieth round: Armenian ոչ right before an adjective negates the adjective («ոչ կանոնադրական»,
# non-statutory; «ոչ ռազմական», non-military), not a cue before or after it
_HY_ADJECTIVE_AFTER = re.compile(r" \w+(?:ական|ային|յին)(?:ը|ի|ին|ն|ներ\w*)?(?!\w)")


def _negated(text: str, start: int, stop: int, negations: list[tuple[int, int, int]], ends: bool) -> bool:
    """A negation right before the cue ("no casualties"), or right after it where it may follow ("жертв
    нет"); with `ends`, an ending right before it or anywhere after it in its clause ("shelling of the border
    villages stopped")."""
    for n_start, n_stop, follows in negations:
        if follows == _ENDS_CLAUSE and not ends:
            continue
        if text[n_start:n_stop] == "ոչ" and _HY_ADJECTIVE_AFTER.match(text, n_stop):
            continue  # «ոչ կանոնադրական հարաբերություններ»: the adjective's own negation, not the cue's
        if n_stop <= start:
            # not across a sentence's end: "Дом, которого нет. Как живут беженцы" still names the refugees
            if start - n_stop <= _NEGATION_BEFORE and not any(
                mark in text[n_stop:start] for mark in _NEGATION_STOPS
            ):
                return True
        elif follows != _ENDS_CLAUSE and start < n_start and n_stop == stop:
            # the cue's last word is itself the negated verb: "mövqelərini atəşə tutmayıb"; a political cue
            # may end in its own negation ("həqiqətə uyğun deyil", "heç bir əsası yoxdur": a denial)
            if ends and not text[max(0, n_start - 12) : n_start].rstrip(" ,").casefold().endswith(
                _ALTERNATIVE_BEFORE
            ):
                return True
        elif follows and n_start >= stop:
            if n_start - stop <= _NEGATION_AFTER:
                return True
            if (
                follows == _ENDS_CLAUSE
                and n_start - stop <= _ENDING_AFTER
                and not any(mark in text[stop:n_start] for mark in _CLAUSE_MARKS)
            ):
                return True
    return False


# the endings of Armenian, Russian and Azerbaijani surnames ("Մնացականեան", "Мнацаканян", "Əliyev"; not the
# English "-ian", which also ends "Armenian"), with their case endings ("Մնացականյանը", "Мнацаканяна")
_SURNAME_END = re.compile(
    r"(?:(?:յան|եան|յանց)(?:ը|ն|ի|ին|ից|ով)?|(?:ян|янц|ов|ев)(?:а|у|ом|е|ым)?|ова|ева|yan|ov|ev|ova|eva)$"
)
_WORD_AT = re.compile(r"\w+")


def _given_name(scan: _Scan, start: int, stop: int) -> bool:
    """Whether a cue is a capitalised word right before a capitalised surname: a given name that contains a
    cue word (Western Armenian "Զոհրաց Մնացականեան", Zohrab, is not զոհ "killed")."""
    text = scan.text
    if not scan.original_is_capital(start) or (start > 0 and text[start - 1].isalnum()):
        return False
    word = _WORD_AT.match(text, start)
    if word is None or word.end() < stop:
        return False  # a cue of several words
    gap = word.end()
    while gap < len(text) and text[gap] == " ":
        gap += 1
    if gap == word.end() or gap - word.end() > 1:
        return False
    surname = _WORD_AT.match(text, gap)
    return (
        surname is not None
        and len(surname.group()) >= 5
        and scan.original_is_capital(gap)
        and _SURNAME_END.search(surname.group()) is not None
    )


def _named(scan: _Scan, start: int, names: tuple[str, ...]) -> bool:
    """Whether a cue begins a capitalised word that is a name beginning with the cue's stem (`names` of the
    severity lexicon: "Կրակովում", in Krakow, is not «կրակ» fire); the bare name opening a sentence may be the
    cue's own form ("Կրակով" is also "with fire") and stays a cue."""
    if not names:
        return False
    text = scan.text
    if (start > 0 and text[start - 1].isalnum()) or not scan.original_is_capital(start):
        return False
    word = _WORD_AT.match(text, start)
    if word is None:
        return False
    found = word.group()
    opens = _sentence_start(text, start)
    return any(found.startswith(name) and (len(found) > len(name) or not opens) for name in names)


# "12 May", "May 12": the month, not the hedge
def _month_name(text: str, start: int, stop: int) -> bool:
    before = text[max(0, start - 3) : start].strip()
    after = text[stop : stop + 3].strip()
    return (before[-1:].isdigit()) or (after[:1].isdigit())


# Azerbaijani conditional verbs (-sa/-sə: "təslim olarsa", "bağlansa") and future ones (-acaq/-əcək, -acağı)
# in an item that states a condition ("əgər", "təqdirdə", a conditional verb): what would happen if
# ("kəndləri qaytarmayacaqları təqdirdə", "olarsa, … yolu bağlanacaq"). Such a fighting or territory cue is
# a threat; a future without a condition is a plan ("nəzarətə götürəcəklər": a handover scheduled).
# Written without the letters (Telegram), ə is e: "hücum edərsə" is "hucum ederse", "əgər" is "eger".
_AZ_CONDITIONAL_WORD = re.compile(r"(?:[aəe]rs[aəe]|ls[aəe]|m[aəe]s[aəe]|ns[aəe]|t[sş][əe])$")
_AZ_FUTURE_WORD = re.compile(r"(?:acaq|[əe]c[əe]k|aca[ğg]|[əe]c[əe]y)\w*$")
_AZ_CONDITION = re.compile(
    r"(?<!\w)(?:[əe]g[əe]r|t[əe]qdird[əe])(?!\w)|\w(?:[aəe]rs[aəe]|ls[aəe]|m[aəe]s[aəe]|t[sş][əe])(?!\w)"
)


def _hy_future(text: str, start: int) -> bool:
    """Whether a cue stands after the Armenian future prefix կ-: fighting to come ("կհրետակոծի", will
    shell) is a threat, not fighting; territory and politics to come keep their level, as a plan ("կփակվի",
    will close)."""
    return start > 0 and text[start - 1] == "կ" and (start == 1 or not text[start - 2].isalnum())


# the most letters a verb runs on either side of a cue's end: a longer run of letters is no verb (a summary
# of one letter or one word repeated without spaces made each cue scan the whole text)
_VERB_REACH = 48


def _irrealis(text: str, stop: int) -> bool:
    """Whether the word in which a cue ends is an Azerbaijani conditional verb, or a future one in an item
    that states a condition."""
    length = len(text)
    end = stop
    limit = min(length, stop + _VERB_REACH)
    while end < limit and text[end].isalpha():
        end += 1
    word_start = stop - 1
    floor = max(0, stop - _VERB_REACH)
    while word_start > floor and text[word_start - 1].isalpha():
        word_start -= 1
    if (end < length and text[end].isalpha()) or (word_start > 0 and text[word_start - 1].isalpha()):
        return False
    if _AZ_CONDITIONAL_WORD.search(text, word_start, end) is not None:
        return True
    future = _AZ_FUTURE_WORD.search(text, word_start, end) is not None
    return future and _states_condition(text)


@lru_cache(maxsize=8)
def _states_condition(text: str) -> bool:
    """Whether an item states a condition ("əgər"): once per item, not once per future cue."""
    return _AZ_CONDITION.search(text) is not None


# a question about fighting to come (the eighteenth round): "Will there be a military operation?", "Будет ли
# война?", "hərbi əməliyyat olacaq?" and the Armenian future verb carrying the question mark ("կհարձակվի՞")
_FUTURE_IN_QUESTION = re.compile(
    r"(?<!\w)(?:will|shall|going to|ли|будет|будут)(?!\w)|\w(?:acaq|ecek|acag|eceg)"
)
_HY_FUTURE_QUESTION = re.compile(r"(?<!\w)կ\w*՞")
_SENTENCE_ENDS = (".", "!", "?", "\n")


def _future_question(scan: _Scan, start: int, stop: int) -> bool:
    """Whether a cue stands in a question about what will happen: a threat, as a hedged cue is ("Will
    Azerbaijan attack?"); a question about what happened ("Who shelled Tavush?") keeps its level."""
    text = scan.text
    begin = max(text.rfind(mark, 0, start) for mark in _SENTENCE_ENDS) + 1
    end = min((i for mark in _SENTENCE_ENDS if (i := text.find(mark, stop)) >= 0), default=len(text))
    if end < len(text) and text[end] == "?":
        return _FUTURE_IN_QUESTION.search(text, begin, end) is not None
    return _HY_FUTURE_QUESTION.search(scan.norm().original_slice(begin, min(end + 1, len(text)))) is not None


def _hedged(start: int, stop: int, hedges: list[tuple[int, int, int]]) -> bool:
    """A hedge right before the cue ("may attack"), or right after it where it may follow ("hücum edə
    bilər")."""
    for h_start, h_stop, follows in hedges:
        if h_stop <= start and start - h_stop <= _NEGATION_BEFORE:
            return True
        if follows and h_start >= stop and h_start - stop <= _HEDGE_AFTER:
            return True
    return False


# a place in the locative, ablative or instrumental is where something is, never the name an institution takes
# from it (that is the nominative, the genitive or the adjective): "Գորիսում պետական համալսարանի ուսանողները"
# (the students of the state university in Goris), "Naxçıvanda Dövlət Universitetinin"
_LOCATED = re.compile(r"(?:ում|ից|ով|[dt][ae]n?)$")  # after folding: -də is -de


def _located(text: str, hit: tuple[int, int, int], alias_length: int) -> bool:
    """Whether the place of an alias hit stands in a case of location (Armenian or Azerbaijani): an ending
    beyond the alias's own letters ("Gorus" + "da", not the "tan" of "Ermənistan")."""
    end = hit[1]
    while end < len(text) and text[end].isalpha():
        end += 1
    match = _LOCATED.search(text, hit[0] + alias_length, end)
    return match is not None and match.end() == end


class _FurthestStops:
    """The furthest stop of some hits for each entity, and the furthest of any entity but a given one."""

    __slots__ = ("_by_entity", "_top")

    def __init__(self) -> None:
        self._by_entity: dict[int, int] = {}
        self._top: list[tuple[int, int]] = []  # (stop, entity) of the two entities that reach furthest

    def add(self, entity: int, stop: int) -> None:
        if stop <= self._by_entity.get(entity, -1):
            return
        self._by_entity[entity] = stop
        top = [(s, e) for s, e in self._top if e != entity]
        top.append((stop, entity))
        top.sort(reverse=True)
        self._top = top[:2]

    def furthest_other(self, entity: int) -> int:
        """The furthest stop of a hit of another entity than `entity`, -1 when none."""
        for stop, other in self._top:
            if other != entity:
                return stop
        return -1


class _WordSpans:
    """Where one context word stands in an item, sorted by start, so that what lies near a hit is found by
    bisection: an item repeating a word thousands of times made each hit walk every span (seconds of one
    item's classification on the event loop)."""

    __slots__ = ("_reach", "_starts", "_stops")

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        spans.sort()
        self._starts = [start for start, _ in spans]
        self._stops = [stop for _, stop in spans]
        reach: list[int] = []
        furthest = -1
        for stop in self._stops:
            furthest = max(furthest, stop)
            reach.append(furthest)
        self._reach = reach  # the furthest stop of the spans up to each one

    def between(self, low: int, high: int) -> Iterable[tuple[int, int]]:
        """The spans that start at `low` to `high`, inclusive."""
        first, last = bisect_left(self._starts, low), bisect_right(self._starts, high)
        return zip(self._starts[first:last], self._stops[first:last], strict=True)

    def reaches(self, before: int, low: int) -> bool:
        """Whether a span that starts before `before` stops at `low` or later."""
        index = bisect_left(self._starts, before)
        return index > 0 and self._reach[index - 1] >= low


_NO_SPANS = _WordSpans([])


def _word_at(text: str, start: int) -> str:
    """The whole word that begins at `start` (an alias's match and its ending)."""
    return text[start : _word_end_at(text, start)]


def _followed_by(
    text: str,
    hit: tuple[int, int, int],
    word_ids: frozenset[int],
    words: dict[int, _WordSpans],
    pair: bool = False,
) -> bool:
    """One of the words is the next word after the alias's match and its ending ("Qarabağ Universiteti",
    "Карабахский университет"), past a space, a hyphen or a quote. With `pair`, a place joined by a dash to
    the next name ends the name of the pair: "Iğdır-Nakhchivan gas pipeline"."""
    end = hit[1]
    while end < len(text) and text[end].isalpha():
        end += 1
    if pair and end + 1 < len(text) and text[end] in _PAIR_DASHES and text[end + 1].isalpha():
        end += 1
        while end < len(text) and text[end].isalpha():
            end += 1
    if pair and (former := _FORMER.match(text, end)) is not None:
        end = former.end()
    return any(
        not any(c.isalnum() for c in text[end:start])
        for word_id, spans in words.items()  # the words found are few, the words asked for may be many
        if word_id in word_ids
        for start, _ in spans.between(end + 1, end + _NEXT_WORD_GAP)
    )


# the forty-sixth round: a second name joined by "and" before one landform word names two landforms ("Zəngəzur
# və Dərələyəz dağları", "the Zangezur and Bargushat ranges"); the second name is one capitalised word
_JOINED_NAME = re.compile(r" (?:and|и|եվ|ու|və|ve) (\w[\w-]*)")


# the forty-seventh round: an encyclopedia's page title that tells a village from the land of its name
# ("Սյունիք (գյուղ)", "Տաւուշ (գիւղ)", "Syunik (village)", «Сюник (село)», "Zəngəzur (kənd)")
_VILLAGE_PAGE = re.compile(r" ?\((?:village|գյուղ|գիւղ|село|деревня|аул|kənd|kend)\)")


def _word_end_at(text: str, end: int) -> int:
    """Where the word that a match ends inside of ends (past its inflection)."""
    while end < len(text) and text[end].isalpha():
        end += 1
    return end


# what may stand between a word and the name it comes right before: spaces and quotes ("гора «Варденис»")
_BEFORE_GAP = frozenset(" \u00a0\"'«»“”„")
_BEFORE_REACH = 40  # the longest word asked for before a name ("fund for the revival of")


def _preceded_by(
    text: str, hit: tuple[int, int, int], word_ids: frozenset[int], words: dict[int, _WordSpans]
) -> bool:
    """One of the words ends right before the alias's match, past spaces or a quote: "Diocese of Syunik",
    "Mount Vardenis" (not across a full stop or a comma: "… in the mountains. Vardenis residents"). A word
    asked for by its stem ("епархи*", "митрополи*") ends where its inflected form ends ("епархия Сюника")."""
    start = hit[0]
    return any(
        stop <= start and _only_gap_before(text, _word_end(text, stop, start), start)
        for word_id, spans in words.items()
        if word_id in word_ids
        for _, stop in spans.between(start - _BEFORE_REACH, start)
    )


def _word_end(text: str, stop: int, limit: int) -> int:
    """Where the word running through `stop` ends (a stem's match ends inside its word), at most `limit`."""
    while stop < limit and text[stop].isalpha():
        stop += 1
    return stop


def _only_gap_before(text: str, stop: int, start: int) -> bool:
    return start - stop <= _NEXT_WORD_GAP and all(c in _BEFORE_GAP for c in text[stop:start])


def _followed_by_name(
    scan: _Scan,
    hit: tuple[int, int, int],
    word_ids: frozenset[int],
    words: dict[int, _WordSpans],
    language: str | None,
) -> bool:
    """One of the words follows the alias's match past a proper name of capitalised words: the place begins
    an institution's longer name ("Naxçıvan Duzdağ Fizioterapiya Mərkəzi"). Not in a headline In Title Case,
    where every word is capitalised (a headline in capitals is read as written); Russian, Armenian and
    Azerbaijani headlines are not written so."""
    text = scan.text
    end = hit[1]
    while end < len(text) and text[end].isalpha():
        end += 1
    if _NAME_WORD.match(text, end) is None:
        return False
    found = [spans for word_id, spans in words.items() if word_id in word_ids]
    if not found or (
        language in _TITLE_CASE_LANGUAGES
        and scan.in_title(hit[0])
        and scan.title_case()
        and not _upper_title(scan.original)
    ):
        return False
    for _ in range(_NAME_WORDS):
        name = _NAME_WORD.match(text, end)
        if name is None or not (scan.original_is_capital(name.start(1)) or name.group(1) in _NAMED_AFTER):
            return False
        end = name.end(1)
        if any(
            not any(c.isalnum() for c in text[end:start]) and not text.startswith(_CENTRAL, start)
            for spans in found
            for start, _ in spans.between(end + 1, end + _NEXT_WORD_GAP)
        ):
            return True
    return False


def _upper_title(original: str) -> bool:
    title = original.split("\n", 1)[0]
    return title.upper() == title


def _in_longer(start: int, stop: int, event: int, cues: list[tuple[int, int, int]]) -> bool:
    """A cue inside a longer cue of another event type ("hostilities" in "end of hostilities"), or one that
    starts inside a cue of another event type that started before it: the words are that cue's ("fire on" in
    "agreed to cease fire on the border")."""
    length = stop - start
    for o_start, o_stop, o_event in cues:
        if o_event == event:
            continue
        if o_start <= start and stop <= o_stop and o_stop - o_start > length:
            return True
        if o_start < start < o_stop < stop:
            return True
    return False


class Classifier:
    """Tags items with the entities of a gazetteer and a severity from a cue lexicon. Immutable once built."""

    def __init__(
        self,
        entities: Sequence[EntityDef],
        severity: SeverityLexicon | None = None,
        grader: SeverityGrader | None = None,
    ) -> None:
        started = time.perf_counter()
        self.grader = grader  # grades an item that names an entity but no cue (feeds.severity_model)
        self.entities = tuple(entities)
        self._severity = severity or SeverityLexicon()
        self._cue_names = tuple(sorted({normalize(name) for _, name in self._severity.names}))
        self._event_names = tuple(event.name for event in self._severity.events)
        self._event_levels = tuple(_LEVEL_INDEX[event.level] for event in self._severity.events)
        index_of = {event.name: index for index, event in enumerate(self._severity.events)}
        self._cancels = tuple(
            frozenset(index_of[name] for name in event.cancels) for event in self._severity.events
        )
        self._entity_index = {entity.id: index for index, entity in enumerate(self.entities)}
        self._entity_ids = tuple(entity.id for entity in self.entities)
        self._grouped = frozenset(index for index, entity in enumerate(self.entities) if entity.groups)
        self._default = self._severity.default
        # event names per set of event indices found (few distinct sets: filled as they come)
        self._names_of: dict[frozenset[int], frozenset[str]] = {}
        self._severity_entities = frozenset(
            index for index, entity in enumerate(self.entities) if entity.kind in self._severity.kinds
        )
        self._patterns: dict[str, Any] = {}
        self._word_ids: dict[str, int] = {}
        keys: dict[str, list[_Term]] = {}
        self._aliases: list[_AliasInfo] = []
        for entity_index, entity in enumerate(self.entities):
            for alias in entity.aliases:
                info = _AliasInfo(
                    entity=entity_index,
                    alias=alias,
                    unless=frozenset(self._word(w, keys) for w in alias.unless_near),
                    unless_next=frozenset(self._word(w, keys) for w in alias.unless_next),
                    unless_before=frozenset(self._word(w, keys) for w in alias.unless_before),
                    landform=frozenset(self._word(w, keys) for w in alias.landform),
                    landform_before=frozenset(self._word(w, keys) for w in alias.landform_before),
                    landform_after=frozenset(self._word(w, keys) for w in alias.landform_after),
                    landform_after_adjective=frozenset(
                        self._word(w, keys) for w in alias.landform_after_adjective
                    ),
                    own_next=frozenset(self._word(w, keys) for w in alias.own_next),
                    kept_with=frozenset(self._word(w, keys) for w in alias.kept_with),
                    always=frozenset(self._word(w, keys) for w in alias.unless_near_always),
                    with_words=tuple(self._word(w, keys) for w in alias.with_words),
                    with_entities=tuple(self._entity_index[e] for e in alias.with_entities),
                    with_all=tuple(tuple(self._word(w, keys) for w in group) for group in alias.with_all),
                    surname=entity.kind == "person"
                    and not alias.case_sensitive
                    and len(normalize(alias.text).split()) == 1,
                    conditional=alias.conditional,
                    name_length=len(normalize(alias.text)),
                )
                if info.conditional and alias.quoted_name:
                    twin = replace(info, conditional=False, with_words=(), with_entities=(), with_all=())
                    info = replace(info, quoted_twin=len(self._aliases) + 1)
                    self._aliases.extend([info, twin])
                    alias_index = len(self._aliases) - 2
                else:
                    alias_index = len(self._aliases)
                    self._aliases.append(info)
                spellings: tuple[str, ...] = (alias.text,)
                if entity.kind == "place" and not alias.case_sensitive:
                    spellings += (
                        _vowel_variants(alias.text) + _gh_variants(alias.text) + _j_variants(alias.text)
                    )
                    if alias.language == "en":
                        spellings += _caron_variants(alias.text)
                    if alias.language == "ru":
                        spellings += tuple(
                            variant for variant in _ya_variants(alias.text) if variant not in spellings
                        )
                if alias.group is not None and alias.language == "en" and not alias.case_sensitive:
                    spellings += _swapped_vowels(alias.text)
                transliterations: tuple[str, ...] = ()
                if entity.kind in ("place", "person") and not alias.case_sensitive and alias.language == "en":
                    transliterations = tuple(
                        spelling
                        for spelling in _transliterations(alias.text, entity.kind == "person")
                        if spelling not in spellings
                    )
                if alias.language == "az" and not alias.case_sensitive:
                    spellings += _dropped_schwas(alias.text)
                for spelling in spellings + transliterations:
                    key, suffix, full, starts = _compile(
                        spelling, alias.language, alias.inflect, alias.gap, alias.language == "ru"
                    )
                    case_key = case_form(spelling)[: len(key)] if alias.case_sensitive and starts else None
                    needs = _pieces(spelling) if full is not None else ()
                    term = _Term(
                        _ALIAS,
                        alias_index,
                        self._re(suffix),
                        self._re(full),
                        case_key,
                        needs,
                        starts,
                        in_context=alias.conditional,
                        capital_only=spelling in transliterations,
                    )
                    self._add(keys, key, term, spelling)
        for event_index, event in enumerate(self._severity.events):
            for language, cue in event.cues:
                key, suffix, full, starts = _compile(cue, language, True, _CUE_GAP, False, verb=True)
                needs = _pieces(cue) if full is not None else ()
                term = _Term(
                    _CUE,
                    event_index,
                    self._re(suffix),
                    self._re(full),
                    None,
                    needs,
                    starts,
                    compound=language == "hy" and len(key) >= 4,
                )
                self._add(keys, key, term, cue)
        for language, phrase in self._severity.background:
            key, suffix, full, starts = _compile(phrase, language, True, _CUE_GAP, False, verb=True)
            needs = _pieces(phrase) if full is not None else ()
            term = _Term(_BACKGROUND, 0, self._re(suffix), self._re(full), None, needs, starts)
            self._add(keys, key, term, phrase)
        self._centre_words = frozenset(self._word(word, keys) for word in _NAMED_CENTRES)
        # the words of clubs and brands are those that cancel the names read as a club or a brand when quoted
        # (Qarabağ, Jermuk); they also mark any other place inside a club's or a brand's quoted name
        self._club_words = frozenset(
            word for info in self._aliases if info.alias.unless_quoted for word in info.unless
        )
        self._places = frozenset(
            index for index, entity in enumerate(self.entities) if entity.kind == "place"
        )
        # the words that go on a place's name as another thing's name (a university, an airport, a pipeline:
        # "Naxçıvan Dövlət Universiteti", "Iğdır-Nakhchivan gas pipeline") do so after any place's name
        self._place_next = self._every_places(lambda info: info.unless_next)
        self._name_next = self._place_next | self._centre_words
        # the thirtieth round: the words that stand before a place's name as another thing's (a
        # diocese, a fund: "Diocese of Syunik", "фонд возрождения Нагорного Карабаха"), and those of a
        # mountain or a range before or after it ("Mount Vardenis", "Վարդենիս լեռ", "Горная цепь
        # Варденис"), for every place
        self._place_before = self._every_places(lambda info: info.unless_before)
        self._landform_before = self._every_places(lambda info: info.landform) | self._every_places(
            lambda info: info.landform_before
        )
        # (the forty-ninth round: a river's word only after the name, "ՎԱՐԴԵՆԻՍ, գետ"; before it, it ends the
        # river's own name, "Həkəri çayının Laçın rayonu")
        self._landform = self._every_places(lambda info: info.landform) | self._every_places(
            lambda info: info.landform_after
        )
        self._landform_after_adjective = self._every_places(lambda info: info.landform_after_adjective)
        self._range_named = frozenset(info.entity for info in self._aliases if info.alias.range_name)
        # a person's own given names may stand before the bare surname: "İlham Əliyev", "Никол Пашинян"
        self._given_names = tuple(
            tuple({parts[0] for alias in entity.aliases if len(parts := normalize(alias.text).split()) > 1})
            for entity in self.entities
        )
        for kind, words, ending in (
            (_NEGATION, self._severity.negations, False),
            (_NEGATION, self._severity.endings, True),
            (_CAUSE, self._severity.causes, False),
            (_HEDGE, self._severity.hedges, False),
            (_MARKER, self._severity.background_markers, False),
        ):
            for language, word in words:
                key, suffix, full, starts = _compile(word, language, True, 0, False, verb=kind == _HEDGE)
                # a negation may follow its cue in Russian, Armenian and Azerbaijani ("жертв нет",
                # "զոհեր չկան", "itki yoxdur"), never in English ("may attack if no compromise"); an ending
                # may follow its cue in every language, anywhere in its clause ("shelling of the villages
                # stopped", "обстрелы приграничных населенных пунктов прекратились")
                follows = _ENDS_CLAUSE if ending else int(kind == _NEGATION and language != "en")
                if word in _PREPOSITIONS:
                    follows = 0  # "without" negates what comes after it: "Կամավորագրում՝ առանց ՊՆ-ի"
                if kind == _HEDGE:
                    # an Azerbaijani modal follows its verb: "hücum edə bilər"
                    follows = int(language == "az")
                elif kind == _CAUSE:
                    # Armenian and Azerbaijani postpositions follow their noun: "ագրեսիայի հետևանքով"
                    follows = int(language in ("hy", "az"))
                needs = _pieces(word) if full is not None else ()
                term = _Term(kind, follows, self._re(suffix), self._re(full), None, needs, starts)
                self._add(keys, key, term, word)
        self._hedge_event = index_of.get(self._severity.hedge_event or "")
        for key, terms in keys.items():
            if any(term.kind == _CUE and term.folded for term in terms):
                keys[key] = [
                    replace(term, capital_only=True) if term.kind == _ALIAS and not term.folded else term
                    for term in terms
                ]
        # two automatons: names first; rule words and cues only for the items that name something
        self._automaton = _automaton({k: [t for t in ts if t.kind == _ALIAS] for k, ts in keys.items()})
        self._context_automaton = _automaton(
            {k: [t for t in ts if t.kind != _ALIAS] for k, ts in keys.items()}
        )
        self._empty = not any(term.kind == _ALIAS for terms in keys.values() for term in terms)
        self.build_seconds = time.perf_counter() - started

    def _re(self, pattern: str | None) -> Any:
        if pattern is None:
            return None
        compiled = self._patterns.get(pattern)
        if compiled is None:
            compiled = self._patterns[pattern] = _compiled(pattern)
        return compiled

    def _word(self, word: str, keys: dict[str, list[_Term]]) -> int:
        """The id of a rule's context word, adding it to the automaton the first time."""
        if word in self._word_ids:
            return self._word_ids[word]
        word_id = self._word_ids[word] = len(self._word_ids)
        key, suffix, full, starts = _compile(word, "any", True, 0, False)
        needs = _pieces(word) if full is not None else ()
        self._add(
            keys, key, _Term(_WORD, word_id, self._re(suffix), self._re(full), None, needs, starts), word
        )
        return word_id

    @staticmethod
    def _add(keys: dict[str, list[_Term]], key: str, term: _Term, source: str) -> None:
        if key:
            if term.full is None:
                letters = spelled_key(source, key)
                short = (
                    term.kind != _ALIAS
                    and letters is not None
                    and letters != key
                    and len(key) < _FOLDED_KEY_LETTERS
                )
                folded = letters is not None and letters != key
                term = replace(term, letters=letters, letters_only=short, folded=folded)
            else:
                words = spelled_words(source)
                term = replace(term, words=words, folded=any(word != spelled for word, spelled in words))
            if term.suffix is not None and term.first is None:
                first = _FIRST_LETTERS.get(term.suffix.pattern)
                if first is not None:
                    term = replace(term, first=first)
            keys.setdefault(key, []).append(term)

    def classify(self, title: str, summary: str = "", language: str | None = None) -> Classification:
        """The entities (sorted by id, with spans over `title + "\\n" + summary` in original offsets), the
        event types named (only for an item that names an entity) and the severity P1–P4: the most severe
        event's level, the floor level without events, None unless a place, organisation, conflict or project
        matched. Never raises on any text."""
        if self._empty:
            return _NOTHING
        original = f"{title}\n{summary}"
        text, letters = normalize_with_letters(original)
        alias_hits: list[tuple[int, int, int]] = []
        hit_starts: set[int] = set()  # where the hits so far start
        scan = _Scan(original, text, letters, folds_letters(language))
        azerbaijani = AzerbaijaniEvidence(scan.letters)
        aliases = self._aliases
        terms = scan.terms(self._automaton)
        for start, stop, term in terms:
            info = aliases[term.ref]
            if info.alias.unless_quoted and (
                _football_quote(text, start, stop) or _score_near(text, start, stop, info.alias.window)
            ):
                continue  # «Карабах», “Qarabağ”ın, "Qarabağ - Ayaks 2:2": the football club
            if info.surname and self._another_persons(scan, start, stop, info, hit_starts, len(terms) == 1):
                continue
            if _WEIGHT_CLASS.match(text, stop) or (info.surname and _athlete(text, start, stop)):
                continue  # "Haji Aliyev (65 kg)", "Алиев отличился голом": an athlete of that name
            if info.alias.own_language and not azerbaijani.outside(start, stop, info.name_length):
                continue  # "Qarabağ back and hoping for more": the club's spelling in an English headline
            hit_starts.add(start)
            if info.quoted_twin is not None and in_own_quotes(text, start, stop):
                alias_hits.append((start, stop, info.quoted_twin))  # «Թրամփի ուղին»: a name in quotes
                continue
            alias_hits.append((start, stop, term.ref))
        if not alias_hits:
            return _NOTHING
        # rule words and cues are looked for only in items that name something (most items do not)
        found = scan.by_kind(self._context_automaton)
        spans_of: dict[int, list[tuple[int, int]]] = {}
        for start, stop, ref in found[_WORD]:
            spans = spans_of.get(ref)
            if spans is None:
                spans_of[ref] = [(start, stop)]
            else:
                spans.append((start, stop))
        words = {ref: _WordSpans(spans) for ref, spans in spans_of.items()}
        if self._club_words and words:
            alias_hits = [hit for hit in alias_hits if not self._club_name(text, hit, words)]
        places = self._places
        place_next = self._place_next
        alias_hits = [
            hit
            for hit in alias_hits
            if not (
                (
                    aliases[hit[2]].entity in places
                    and place_next
                    and (
                        _followed_by(text, hit, place_next, words, True)
                        or _followed_by_name(scan, hit, self._name_next, words, language)
                    )
                    and not _located(text, hit, len(aliases[hit[2]].alias.text))
                )
                or (
                    aliases[hit[2]].unless_next
                    and _followed_by(text, hit, aliases[hit[2]].unless_next, words)
                )
                or (aliases[hit[2]].own_next and _followed_by(text, hit, aliases[hit[2]].own_next, words))
                or (aliases[hit[2]].alias.given_name and _given_name(scan, hit[0], hit[1]))
                or (
                    aliases[hit[2]].entity in places
                    and _VILLAGE_PAGE.match(text, _word_end_at(text, hit[1])) is not None
                )
            )
        ]
        if self._place_before or self._landform_before:
            named = [
                hit
                for hit in alias_hits
                if aliases[hit[2]].entity in places and self._another_things_name(text, hit, words, scan)
            ]
            # and the shorter names inside them ("Карабаха" of "фонд возрождения Нагорного Карабаха")
            if named:
                alias_hits = [
                    hit for hit in alias_hits if not any(o[0] <= hit[0] and hit[1] <= o[1] for o in named)
                ]
        alias_hits = [
            hit
            for hit in alias_hits
            if aliases[hit[2]].entity not in places or not in_titled_quote(text, hit[0], hit[1])
        ]
        matched = self._resolve(alias_hits, words, _ExclusionDenials(text, found[_NEGATION]))
        if not matched:
            return _NOTHING
        events: frozenset[int] = frozenset()
        cued = False  # a cue the rules discounted: no learned grade either
        cues = [
            cue
            for cue in found[_CUE]
            if not _given_name(scan, cue[0], cue[1]) and not _named(scan, cue[0], self._cue_names)
        ]
        if cues:
            background = [(start, stop) for start, stop, _ in found[_BACKGROUND]]
            markers = [
                start
                for start, stop, _ in found[_MARKER]
                if _sentence_start(text, start)
                and not _TODAY_AFTER_MARKER.match(text, stop)
                and not _DAY_MONTH_AFTER_MARKER.match(text, stop)
            ]
            if markers:
                background.extend(_recalled(text, markers))
            hedges = [hedge for hedge in found[_HEDGE] if not _month_name(text, hedge[0], hedge[1])]
            negations = [n for n in found[_NEGATION] if not _not_only(text, n[1])]
            levels = self._event_levels
            questions = "?" in text or "՞" in original
            hypothetical = [
                start
                for start, stop, event in cues
                if levels[event] <= _TERRITORY
                and (
                    _irrealis(scan.letters, stop)
                    or (
                        levels[event] < _TERRITORY
                        and (_hy_future(text, start) or (questions and _future_question(scan, start, stop)))
                    )
                )
            ]
            events = _found_events(
                text,
                cues,
                negations,
                hedges,
                self._hedge_event,
                background,
                hypothetical,
                levels,
                found[_CAUSE],
            )
            for event in events:
                if self._cancels[event]:
                    events = events - self._cancels[event]
            if not events and self.grader is not None:
                cued = self._cued(text, cues, hypothetical)
        return self._result(scan.norm(), matched, events, language, cued)

    def _cued(self, text: str, cues: list[tuple[int, int, int]], hypothetical: list[int]) -> bool:
        """Whether a cue counts with negations, endings, hedges, background and causes switched off: the
        learned grade is for items without any cue, not for those whose cues the rules discounted ("no
        casualties", "shelling stopped")."""
        levels = self._event_levels
        events = _found_events(text, cues, [], [], self._hedge_event, [], hypothetical, levels, [])
        for event in events:
            events = events - self._cancels[event]
        return bool(events)

    def _another_persons(
        self,
        scan: _Scan,
        start: int,
        stop: int,
        info: _AliasInfo,
        earlier: set[int],
        alone: bool,
    ) -> bool:
        """True when a bare surname is another person's: a capitalised given name that is not this person's
        stands right before it ("Zamin Əliyev", "Leyla Alieva"; titles and names of places do not count, nor
        does a word of a headline in Title Case; a summary under such a headline is read as written: "Rakhat
        Aliyev, Kazakhstan's ambassador"), or one follows it with a patronymic ("Əliyev Babək Əsgər oğlu").
        A capitalised word that starts a sentence counts as a given name only when the surname is the only
        name the item has ("Муху Алиев удостоен ордена … Дагестан"); beside other names it is more often a
        place or a person of its own ("Բրյուսելում Փաշինյանն ու Ալիևը", "Միշելը Ալիևի հետ"). A surname joined
        to the next by a hyphen stands in a list of surnames ("Գրանադայում Փաշինյան-Շոլց-Մակրոն-Միշել"),
        which takes no given name."""
        text = scan.text
        end = stop
        while end < len(text) and text[end].isalpha():
            end += 1
        listed = text[end : end + 1] == "-" and text[end + 1 : end + 2].isalpha()
        if start >= 2 and text[start - 1] == " " and text[start - 2].isalpha() and not listed:
            word_start = start - 2
            while word_start and (text[word_start - 1].isalpha() or text[word_start - 1] == "'"):
                word_start -= 1
            word = text[word_start : start - 1]
            if (
                len(word) > 1  # "0A Пашинян": a stray letter is no given name
                and (word_start == 0 or not text[word_start - 1].isalnum())
                and _script(word[0]) == _script(text[start])  # given name and surname share a script
                # "Ильхама Алиева", "Владимиром Путиным"
                and not word.startswith(self._given_names[info.entity])
                and not _misspelt_given(word, self._given_names[info.entity])
                and word not in _TITLES
                and scan.original_is_capital(word_start)
                and (
                    alone or not _sentence_start(text, word_start) or _APPOSITION.match(text, end) is not None
                )
                and word_start not in earlier  # "Azerbaijan's", "Азербайджана"
                # a Title Case headline capitalises every word, but only its own words
                and not (scan.in_title(start) and scan.title_case())
                # no mark the normalisation removed stands between ("Բրյուսել՝ Ալիևի": Brussels, then Aliyev)
                and _one_word(scan.norm().original_slice(word_start, start))
            ):
                return True
        if self._another_initial(scan, start, info):
            return True
        following = text[stop : stop + 40].split()
        # (the next word, not a comma: "Пашинян, Айдын оглы" lists the surname before another person; but an
        # encyclopedia's headword puts a comma between the surname and the given name with a Russian
        # patronymic: "Aliev, Mukhu Gimbatovich")
        if (
            len(following) >= 3
            and following[0] == ","
            and following[1][:1].isalpha()
            and not following[1].startswith(self._given_names[info.entity])
            and _PATRONYMIC_END.search(following[2].strip(".,;:")) is not None
        ):
            return True
        if (
            len(following) >= 2
            and following[0][:1].isalnum()
            and not following[0].startswith(self._given_names[info.entity])
        ):
            return any(
                word in _PATRONYMICS or _PATRONYMIC_END.search(word) is not None
                for word in (raw.strip(".,;:") for raw in following[1:3])
            )
        return False

    def _another_initial(self, scan: _Scan, start: int, info: _AliasInfo) -> bool:
        """True when the initial of another given name stands right before a bare surname ("R. Aliyev",
        "Р. Алиев", "Է. Միրզոյան"), not this person's ("И. Алиев", "N. Paşinyan") and not the end of an
        abbreviation ("U.S. Aliyev")."""
        text = scan.text
        if start < 3 or text[start - 2 : start] != ". ":
            return False
        initial = start - 3
        if not text[initial].isalpha() or (
            initial and not (text[initial - 1].isspace() or text[initial - 1] in '(«"“')
        ):
            return False
        given = self._given_names[info.entity]
        return (
            bool(given)
            and _script(text[initial]) == _script(text[start])
            and scan.original_is_capital(initial)
            and not any(name.startswith(text[initial]) for name in given)
        )

    def _resolve(
        self,
        alias_hits: list[tuple[int, int, int]],
        words: dict[int, _WordSpans],
        denials: _ExclusionDenials | None = None,
    ) -> dict[int, list[tuple[int, int, int]]]:
        """Apply the rules; the accepted hits per entity index."""
        aliases = self._aliases
        kept: list[tuple[int, int, int]] = []
        # an alias named again within its window after a mention an exclusion word set apart is the same
        # thing named again ("COP29 … ՄԱԿ-ի միջոցառում է, Հայաստանն էլ ՄԱԿ-ի անդամ է"): alias -> how far
        excluded_to: dict[int, int] = {}
        for hit in alias_hits:
            info = aliases[hit[2]]
            if (
                info.unless
                and (
                    hit[0] <= excluded_to.get(hit[2], -1)
                    or self._near(hit, info.unless, info.alias.window, words, denials)
                )
                and not any(w in words for w in info.kept_with)
            ):
                excluded_to[hit[2]] = hit[1] + info.alias.window
                continue
            if info.always and self._near(hit, info.always, info.alias.window, words):
                continue
            kept.append(hit)
        # a hit strictly inside a longer hit of another entity is part of that name, not a mention
        if len(kept) > 1:
            kept = self._outside_others(kept)
        pending: list[tuple[int, int, int]] = []
        accepted: list[tuple[int, int, int]] = []
        for hit in kept:
            (pending if aliases[hit[2]].conditional else accepted).append(hit)
        if not pending:
            return self._entities_of(accepted)
        matched = self._entities_of(accepted)
        changed = True
        while pending and changed:
            changed = False
            still: list[tuple[int, int, int]] = []
            # the same for every hit of an alias in one pass: looked at once per alias (an item repeating a
            # conditional name to the cap looked at its words thousands of times)
            holds: dict[int, bool] = {}
            for hit in pending:
                supported = holds.get(hit[2])
                if supported is None:
                    info = aliases[hit[2]]
                    supported = holds[hit[2]] = all(
                        any(w in words for w in group) for group in info.with_all
                    ) and (
                        not (info.with_words or info.with_entities)
                        or any(w in words for w in info.with_words)
                        or any(e in matched for e in info.with_entities)
                    )
                if supported:
                    accepted.append(hit)
                    changed = True
                else:
                    still.append(hit)
            pending = still
            if changed:
                matched = self._entities_of(accepted)
            if not changed and pending:
                # two conditional aliases that each name the other's entity (Mirzoyan and Bayramov, Qazax and
                # delimitation) support each other instead of waiting forever; a hit taken is no partner
                # of the later ones. Counted, not searched: an item that repeats such names thousands of
                # times compared every pair
                naming: Counter[tuple[int, int]] = Counter()  # (entity, entity named) of pending hits
                for hit in pending:
                    info = aliases[hit[2]]
                    naming.update((info.entity, named) for named in info.with_entities)
                still = []
                for hit in pending:
                    info = aliases[hit[2]]
                    if not info.with_all and any(
                        other != info.entity and naming[(other, info.entity)] > 0
                        for other in info.with_entities
                    ):
                        naming.subtract((info.entity, named) for named in info.with_entities)
                        accepted.append(hit)
                        changed = True
                    else:
                        still.append(hit)
                pending = still
                if changed:
                    matched = self._entities_of(accepted)
        return matched

    def _every_places(self, words_of: Callable[[_AliasInfo], frozenset[int]]) -> frozenset[int]:
        """The words of one kind (`words_of` an alias) of every place's aliases: what one place's aliases
        list of them applies to every place."""
        return frozenset(
            word for info in self._aliases if info.entity in self._places for word in words_of(info)
        )

    def _another_things_name(
        self, text: str, hit: tuple[int, int, int], words: dict[int, _WordSpans], scan: _Scan
    ) -> bool:
        """A place's name inside a diocese's, a fund's or a mountain's name: "Diocese of Syunik", "Mount
        Vardenis", "Վարդենիս լեռ" (the town is Vardenis); a place named by its range keeps it ("the
        Karabakh mountains"); "the Zangezur range" is the landform)."""
        if self._place_before and _preceded_by(text, hit, self._place_before, words):
            return True
        if not self._landform_before or self._aliases[hit[2]].entity in self._range_named:
            return False
        return (
            _preceded_by(text, hit, self._landform_before, words)
            or (bool(self._landform) and _followed_by(text, hit, self._landform, words))
            or (
                bool(self._landform)
                and (joined := _JOINED_NAME.match(text, _word_end_at(text, hit[1]))) is not None
                and scan.original_is_capital(joined.start(1))
                and _followed_by(text, (hit[0], joined.end(), hit[2]), self._landform, words)
            )
            or (
                bool(self._landform_after_adjective)
                and _RU_ADJECTIVE.match(_word_at(text, hit[0])) is not None
                and _followed_by(text, hit, self._landform_after_adjective, words)
            )
        )

    def _club_name(self, text: str, hit: tuple[int, int, int], words: dict[int, _WordSpans]) -> bool:
        """A place inside a club's or brand's quoted name with sports or brand words nearby ("Araz-Naxçıvan"la
        … Premyer Liqa, «Туран Товуз» … в матче): the organisation, for every place of the gazetteer."""
        start, stop, ref = hit
        if self._aliases[ref].entity not in self._places or not in_short_quote(text, start, stop):
            return False
        low, high = start - _CLUB_WORD_WINDOW, stop + _CLUB_WORD_WINDOW
        return any(
            word_stop <= high
            for word in self._club_words
            for _word_start, word_stop in words.get(word, _NO_SPANS).between(low, high)
        )

    def _outside_others(self, hits: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """The hits (in their order) not strictly inside a longer hit of another entity. One sweep by start:
        comparing every pair took seconds for an item that repeats a name thousands of times."""
        aliases = self._aliases
        inside: set[int] = set()
        order = sorted(range(len(hits)), key=lambda index: hits[index][0])
        before = _FurthestStops()  # the hits of ungapped aliases that start before the current start
        # a gapped alias's hit that started before covers a hit only where both stop together: the words its
        # gap lets between its parts are not its name ("որոշել Հայաստանի հետ պետական սահմանը" names Armenia
        # as well as the delimitation)
        gapped_before: dict[int, set[int]] = {}  # stop -> the entities of gapped hits that started before
        for _start, group in itertools.groupby(order, key=lambda index: hits[index][0]):
            indexes = list(group)
            here = _FurthestStops()
            for index in indexes:
                here.add(aliases[hits[index][2]].entity, hits[index][1])
            for index in indexes:
                _, stop, ref = hits[index]
                entity = aliases[ref].entity
                # an earlier start is longer whenever it stops here or later; the same start only past here
                if (
                    before.furthest_other(entity) >= stop
                    or here.furthest_other(entity) > stop
                    or any(other != entity for other in gapped_before.get(stop, ()))
                ):
                    inside.add(index)
            for index in indexes:
                _, stop, ref = hits[index]
                if aliases[ref].alias.gap:
                    gapped_before.setdefault(stop, set()).add(aliases[ref].entity)
                else:
                    before.add(aliases[ref].entity, stop)
        return [hit for index, hit in enumerate(hits) if index not in inside]

    @staticmethod
    def _near(
        hit: tuple[int, int, int],
        unless: frozenset[int],
        window: int,
        words: dict[int, _WordSpans],
        denials: _ExclusionDenials | None = None,
    ) -> bool:
        low, high = hit[0] - window, hit[1] + window
        for word_id, spans in words.items():  # the words found are few; an exclusion list may be long
            if word_id in unless and denials is not None and denials.any_after(hit[1]):
                # an exclusion the text itself denies ("Нахичевань (которая не на Дону, …)") does not exclude
                if any(
                    not denials.denies(hit[1], start)
                    for start, stop in spans.between(0, high)
                    if (start < hit[0] and stop >= low) or (start >= hit[0] and stop > hit[1])
                ):
                    return True
                continue
            if word_id in unless:
                # a span that starts before the hit is never inside it; one that starts within the window
                # from the hit's start on counts when it ends past the hit
                if spans.reaches(hit[0], low):
                    return True
                if any(stop > hit[1] for _start, stop in spans.between(hit[0], high)):
                    return True
        return False

    def _entities_of(self, hits: list[tuple[int, int, int]]) -> dict[int, list[tuple[int, int, int]]]:
        by_entity: dict[int, list[tuple[int, int, int]]] = {}
        aliases = self._aliases
        for hit in hits:
            entity_index = aliases[hit[2]].entity
            found = by_entity.get(entity_index)
            if found is None:
                by_entity[entity_index] = [hit]
            else:
                found.append(hit)
        grouped = self._grouped
        for entity_index in [index for index in by_entity if index in grouped]:
            if not self._groups_hold(self.entities[entity_index], by_entity[entity_index]):
                del by_entity[entity_index]
        return by_entity

    def _groups_hold(self, entity: EntityDef, hits: list[tuple[int, int, int]]) -> bool:
        """An entity with groups matches on any alias outside the groups, or on an alias from every group
        (within `group_window` characters when set)."""
        by_group: dict[str | None, list[tuple[int, int, int]]] = {}
        for hit in hits:
            by_group.setdefault(self._aliases[hit[2]].alias.group, []).append(hit)
        if None in by_group:
            return True
        if not all(group in by_group for group in entity.groups):
            return False
        window = entity.group_window
        if window is None:
            return True
        # some hit of the first group has a hit of every other group within the window
        first, *others = entity.groups
        return any(
            all(any(max(h[1], o[1]) - min(h[0], o[0]) <= window for o in by_group[group]) for group in others)
            for h in by_group[first]
        )

    def _result(
        self,
        norm: NormalizedText,
        matched: dict[int, list[tuple[int, int, int]]],
        events: frozenset[int],
        language: str | None,
        cued: bool = False,
    ) -> Classification:
        results = []
        original = norm.original
        identity = norm.one_to_one
        for entity_index, hits in matched.items():
            if len(hits) > 1:
                hits = sorted(hits)
            spans: list[tuple[int, int, str]] = []
            seen: set[tuple[int, int, str]] = set()
            for start, stop, _ in hits:
                if identity:
                    span = (start, stop, original[start:stop])
                else:
                    ostart, ostop = norm.to_original(start, stop)
                    span = (ostart, ostop, original[ostart:ostop])
                if span not in seen:
                    seen.add(span)
                    spans.append(span)
            alias_language = self._aliases[hits[0][2]].alias.language
            results.append(
                EntityMatch(
                    self._entity_ids[entity_index],
                    tuple(spans),
                    alias_language if alias_language != "any" else language,
                )
            )
        if len(results) > 1:
            results.sort(key=_entity_id)
        severity = None
        if not self._severity_entities.isdisjoint(matched):
            if events:
                severity = LEVELS[min(self._event_levels[event] for event in events)]
            elif self.grader is not None and self._default is not None and not cued:
                severity = self.grader.grade(original) or self._default
            else:
                severity = self._default
        names = self._names_of.get(events)
        if names is None:
            if len(self._names_of) > 4096:
                self._names_of.clear()
            names = self._names_of[events] = frozenset(self._event_names[event] for event in events)
        return Classification(tuple(results), severity, names)
