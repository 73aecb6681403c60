"""The language an item is written in, for an item whose feed declares none: en, ru, hy, az, tr or None.

Only the languages the product reads are told apart; any other text is None (read as before: no language).
The script decides most texts: the letters of one script make up most of them, and Armenian letters are
Armenian (`hy`). Cyrillic is Russian (`ru`) unless as many of its words are another language's: a letter
Russian does not write (і ї є ґ ў ә ғ қ ң ө ү һ ј љ њ…, counted twice), a Ukrainian, Bulgarian, Serbian or
Kyrgyz function word, `ъ` not before е ё ю я, the Belarusian `-ць`; against them count Russian function words,
ы э ё and Russian endings (-ого, -ый, -ться…). A Russian headline with none of either is Russian.

A Latin text needs words, compared written without the Azerbaijani letters (Telegram channels write `ucun`,
`Ermenistan`, `terefinden`): the commonest function and news words of English, of Azerbaijani, of Turkish and
those both write alike, and those of German, French, Spanish and a dozen other languages, which make a text
None. `ə`, a word with q (not before u) or beginning with x, and the Azerbaijani perfect -ib count for
Azerbaijani; ğ and ı, case endings (-nin, -ndan, a name's -da) and a number's (30-da, 2021-ci) for either.
A text needs a word's worth of evidence (endings count half) and more of it for one side than for any other,
else it is None. Between Azerbaijani and Turkish (the classifier folds their letters alike) a text is Turkish
when its Turkish words outnumber its Azerbaijani ones, or when it is written with the letters and shows
nothing of Azerbaijani's own (no ə, q, x or Azerbaijani word).

It reads at most `_READ_CHARS` characters: a regex for the words and a few set look-ups per word (an ASCII
text skips counting the scripts); bench/language.py measures it against classifying the same item.
"""

from __future__ import annotations

import re

# the beginning of the title and summary is enough to tell the language, and bounds the cost of a long item
_READ_CHARS = 240


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ARMENIAN = re.compile("[\u0531-\u0556\u0561-\u0587\ufb13-\ufb17]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f\u0259\u018f]")
# letters of Ukrainian, Belarusian, Serbian, Macedonian, Kazakh, Kyrgyz, Tajik, Mongolian and Azerbaijani
# Cyrillic that Russian does not write
_OTHER_CYRILLIC = re.compile("[іїєґўјљњћђџѓќѕәғқңөұүһҹҝҳҷӣӯІЇЄҐЎЈЉЊЋЂЏЃЌЅӘҒҚҢӨҰҮҺҸҜҲҶӢӮ]")
# words of Russian that the other Cyrillic languages do not write so
_RUSSIAN_WORDS = _words(
    """что это как для после также который которые которая которого был была было были будет уже более его
    или еще только против между через году года время при если чтобы когда где этом этого эти этой она они"""
)
# words of Bulgarian, Ukrainian, Serbian, Macedonian, Kyrgyz and Kazakh that Russian does not write
_OTHER_CYRILLIC_WORDS = _words(
    """ще са това които която който във със тази този тези беше според няма нито също когато що та від як
    це й вже які який яка цей ця між або чи щодо під але се од да су што кои кој која ова овој жок жана
    менен боюнча деп бул"""
)
_RUSSIAN_LETTERS = re.compile("[ыэё]")
# Russian endings of adjectives, nouns and verbs that Bulgarian, Serbian and Macedonian do not write
_RUSSIAN_ENDING = re.compile("(?:ая|ое|ые|ый|ий|ых|ым|ой|ого|его|ии|ться|тся)$")
# what Russian does not write: ъ but before е, ё, ю, я (Bulgarian във, път), the Belarusian infinitive -ць,
# the Kyrgyz and Kazakh genitive -дын/-тын/-нын and long vowels (алмашуулары)
_NOT_RUSSIAN = re.compile("ъ(?![еёюя])|ць$|[дтн]ын$|уу|ээ")

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Azerbaijani and Turkish letters written without them, as channels do (and as feeds.textnorm folds them)
# (and the dot of İ that casefold leaves: İl → i̇l → il)
_FOLD = str.maketrans({"ə": "e", "ç": "c", "ş": "s", "ğ": "g", "ö": "o", "ü": "u", "ı": "i", "\u0307": None})

_ENGLISH = _words(
    """the of and to in on for with is are was were be been has have had will would could should says said
    say after amid over against from by at as its it this that these those an a not no new into about than
    who which what why how when while up down out more most two three first last near between under says
    there their they he she his her we our us you your can may must also but or if all border president
    minister ministry foreign prime talks troops army soldiers killed wounded attack attacks peace deal
    agreement shelling fire ceasefire forces military defence defense officials official report reports
    news week year day today yesterday armenia armenian armenians azerbaijan azerbaijani azerbaijanis
    russia russian turkey turkish karabakh iran georgia peacekeepers corridor lake region village
    accuses warns meets meeting calls visit police government security state"""
)
# function words and news words of Azerbaijani (written without its letters; the folding makes both one)
_AZERBAIJANI = _words(
    """ucun uzre kimi olub edib edir edilib olunub olunur olacaq edilecek terefinden haqqinda
    bagli barede artiq hec yoxdur deyil lakin qeyd zaman bolgesinde rayonu rayonunda istiqametinde
    ermenistanin ermenistana ermeni ermeniler azerbaycanin azerbaycana azerbaycanda qarabag qarabagda
    qarabagin xankendi xankendide lacin kelbecer naxcivan susa qubadli zengilan zengezur nazirliyi nazir
    prezidenti prezident mudafie xarici xeber verib bildirib deyib edilmesi olmasi uzerinde baxmayaraq
    sulh sulhmeramli sulhmeramlilar serhed serhedde ordu ordusu atesi atese qosunlari movqeleri
    hemcinin yene cox coxlu indi dunen sabah il ilin hansi neticesinde verir kecir kecdi"""
)
# Turkish words whose Azerbaijani counterparts are spelled otherwise (için/üçün, olarak, değil/deyil, çok/çox)
_TURKISH = _words(
    """icin olarak degil cok gibi kadar tarafindan hakkinda yapti yapildi yapilan etti ettigi
    olmak etmek ancak ama sey simdi dun yarin dedi acikladi belirtti ifade bakan bakani bakanligi
    cumhurbaskani disisleri savunma sinir sinirda baris anlasma goruserek gorustu
    goruste yok degildir olacak ediyor oluyor yapiyor diyor verdi aldi geldi gitti
    istanbul ankara icinde uzerine sonrasinda nedeniyle"""
)
# words both write alike: Turkic evidence that tells neither apart
_TURKIC = _words(
    """ve ile bu bir ki daha sonra arasinda ermenistan azerbaycan azerbaycan'in rusiya rusya iki uc her olan
    oldu oldugu amma edecek gore bugun ordusu turkiye turk"""
)
# German, French, Spanish, Catalan, Italian, Portuguese, Romanian, Dutch, Swedish, Danish, Norwegian,
# Finnish, Polish, Czech, Indonesian, Uzbek and Turkmen: a text with more of these than of ours is None
_OTHER = _words(
    """der die das und nicht mit ist den dem des ein eine einen auf fur von zu im sich bei nach auch wird
    werden wurde sind hat aus uber les la le et du une est pour dans sur avec qui par au aux pas sont ont
    cette ce el los las y con por para que una del se lo como mas fue segun della di che non sono
    gli delle dei nella alla os nao com uma dos das pela pelo ao sao els amb per d l s o de da e em
    het een van voor niet op ook zijn werd naar bij wordt och att som pa ar av med til og af ikke er
    har eller det inte ja ei tai kun jos etta w z na sie nie jest oraz przez jak ze po je pro ne se
    dan yang di ke dari untuk dengan ini itu tidak dalam akan pada oleh karena va bilan uchun emas yoki
    hamda we bilen bolsa sau cu pentru care din fi si nu armenien aserbaidschan russland armenie
    azerbaidjan russie"""
)
# letters of other Latin languages (Azerbaijani and Turkish write none of them)
_OTHER_LETTERS = re.compile("[äßéèêëàáâãåæøñíìîïóòôõúùûłśźżćńřčšžěďťůąęœășțţýňʻ]")
_AZERBAIJANI_LETTER = "ə"
# letters Turkish writes (Azerbaijani too, with ə, q and x besides)
_TURKISH_WRITTEN = re.compile("[ğışçöüĞŞÇÖÜİ]")
# letters only Azerbaijani and Turkish write (ç, ö, ü and ş are also French, German, Romanian… letters)
_TURKIC_LETTERS = re.compile("[ğı\u0307]")
# q and x are Azerbaijani letters Turkish does not write: a word with q not before u (English writes "qu"),
# or beginning with x (xarici, xəbər, xalq), is Azerbaijani unless a name English writes so
_QX = re.compile(r"q(?!u)|^x[a-z]")
_QX_NAMES = frozenset(("iraq", "iraqi", "iraqis", "qatar", "qatari", "xi"))
# endings of words of five letters or more, written without the letters: the Azerbaijani perfect (-ib: olub,
# kecirilib) and present (-yir: baslayir), the Turkish present (-iyor) and infinitive (-mak), and the case
# and plural endings both write (-nin, -ndan, -lari…), which English words hardly have
_AZERBAIJANI_ENDINGS = ("ib", "ub", "yir", "yur", "acaq", "maq")
_TURKISH_ENDINGS = ("iyor", "uyor", "mak", "acak")
_TURKIC_ENDINGS = (
    "nin", "nun", "ndan", "nden", "ndaki", "ndeki", "lari", "leri", "larda", "lerde", "sinin", "sini",
    "sina", "sine", "sinda", "sinde", "masi", "mesi", "ilir", "ulur", "unun", "dadir", "dedir", "mis",
)  # fmt: skip
# the locative of a name, after a consonant (Tovuzda, Agdamda, Ermenistanda); English writes -ade, -ide, -ada
_LOCATIVE = re.compile("[^aeiouy]d[ae]$")
_NUMBER_ENDING = re.compile(r"\d['’-](?:c[iıuü]|nc[iıuü]|d[aeə]|d[aeə]n|[yn][aeə])\b")


def detect_language(title: str, summary: str = "") -> str | None:
    """The language of an item's title and summary: en, ru, hy, az or tr; None for any other language or
    when the text does not show one."""
    text = title if not summary else f"{title}\n{summary}"
    text = text[:_READ_CHARS]
    written = script(text)
    if written == ARMENIAN:
        return "hy"
    if written == CYRILLIC:
        return _cyrillic(text)
    if written == LATIN:
        return _latin(text)
    return None


ARMENIAN, CYRILLIC, LATIN = "Armn", "Cyrl", "Latn"


def script(text: str) -> str | None:
    """The script most of the letters of `text` are written in (of its first `_READ_CHARS` characters):
    ARMENIAN, CYRILLIC, LATIN, or None when it has none of their letters."""
    text = text[:_READ_CHARS]
    if text.isascii():  # English, or Azerbaijani or Turkish written without the letters: no script to count
        return LATIN if any(char.isalpha() for char in text) else None
    armenian = len(_ARMENIAN.findall(text))
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    if armenian > cyrillic and armenian > latin:
        return ARMENIAN
    if cyrillic > latin:
        return CYRILLIC
    return LATIN if latin else None


def item_language(declared: str | None, title: str, summary: str = "") -> str | None:
    """The language an item is read, classified and stored in: the one its entry or feed declares (always
    wins), else the one its title and summary are written in (detect_language)."""
    return declared or detect_language(title, summary)


def _cyrillic(text: str) -> str | None:
    # a Ukrainian name in a Russian text is one word against the Russian ones; a Ukrainian, Belarusian,
    # Bulgarian, Serbian or Kyrgyz text has as many of its own words (a letter of its own counts twice)
    russian = other = 0
    for word in _WORD.findall(text.lower()):
        if _OTHER_CYRILLIC.search(word):
            other += 2
        elif word in _OTHER_CYRILLIC_WORDS or _NOT_RUSSIAN.search(word):
            other += 1
        elif word in _RUSSIAN_WORDS or _RUSSIAN_LETTERS.search(word) or _RUSSIAN_ENDING.search(word):
            russian += 1
    # a Russian headline often has no word of its own ("Армения заблокировала документ ОБСЕ"): nothing
    # another language writes is enough
    return "ru" if other == 0 or russian > other else None


def _latin(text: str) -> str | None:
    english = azerbaijani = turkish = turkic = other = 0.0
    for word in _WORD.findall(text):
        lowered = word.lower() if word.isascii() else word.casefold()
        plain = lowered if lowered.isascii() else lowered.translate(_FOLD)
        if lowered in _ENGLISH:
            english += 1
        elif plain in _AZERBAIJANI or _AZERBAIJANI_LETTER in lowered:
            azerbaijani += 1
        elif plain in _TURKISH:
            turkish += 1
        elif _QX.search(plain) and plain not in _QX_NAMES:
            azerbaijani += 1
        elif plain in _TURKIC or _TURKIC_LETTERS.search(lowered):
            turkic += 1
        elif plain in _OTHER or _OTHER_LETTERS.search(lowered):
            other += 1
        # weaker evidence: half a word each
        elif len(plain) >= 5:
            if plain.endswith(_AZERBAIJANI_ENDINGS):
                azerbaijani += 0.5
            elif plain.endswith(_TURKISH_ENDINGS):
                turkish += 0.5
            elif plain.endswith(_TURKIC_ENDINGS) or (word[0].isupper() and _LOCATIVE.search(plain)):
                turkic += 0.5
    # a day or an ordinal with its case ending: 30-da, 2021-ci, 74-cu (Turkish writes 30'da)
    turkic += len(_NUMBER_ENDING.findall(text))
    both = azerbaijani + turkish + turkic
    if english >= 1 and english > both and english > other:
        return "en"
    if both >= 1 and both > english and both > other:
        # a text written with the letters and nothing of Azerbaijani's own (ə, its commonest vowel; q and x,
        # which Turkish lacks; its words) is Turkish
        lettered_turkish = not azerbaijani and _TURKISH_WRITTEN.search(text) is not None
        return "tr" if lettered_turkish or turkish > azerbaijani else "az"
    return None
