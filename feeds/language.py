"""The language an item is written in, for an item whose feed declares none: en, ru, hy, az, tr or None.

Only the languages the product reads are told apart; any other text is None (read as today: no language).
The script decides most texts: the letters of one script make up most of them, and Armenian letters are
Armenian (`hy`); Cyrillic is Russian (`ru`) unless letters that Russian does not write (і ї є ґ ў ә ғ қ ң ө ү
һ ј љ њ…) or Bulgarian words show another Cyrillic language (None). A Latin text needs words: the commonest
function and news words of English, of Azerbaijani and of Turkish, compared written without the Azerbaijani
letters (Telegram channels write `ucun`, `Ermenistan`, `terefinden`), and those of German, French, Spanish,
Italian, Portuguese, Dutch and Polish, which make a text None. `ə` and the letters q and x in Turkic words are
Azerbaijani; between Azerbaijani and Turkish (the classifier folds their letters alike) a text is Turkish
only when its Turkish words outnumber its Azerbaijani ones. A text with no evidence, or as much for two
languages, is None.

It costs one pass over at most `_READ_CHARS` characters, a regex for the words and a set look-up per word.
"""

from __future__ import annotations

import re

# the beginning of the title and summary is enough to tell the language, and bounds the cost of a long item
_READ_CHARS = 400


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ARMENIAN = re.compile("[\u0531-\u0556\u0561-\u0587\ufb13-\ufb17]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f\u0259\u018f]")
# letters of Ukrainian, Belarusian, Serbian, Macedonian, Kazakh, Kyrgyz, Tajik, Mongolian and Azerbaijani
# Cyrillic that Russian does not write
_OTHER_CYRILLIC = re.compile("[іїєґўјљњћђџѓќѕәғқңөұүһҹҝҳҷӣӯІЇЄҐЎЈЉЊЋЂЏЃЌЅӘҒҚҢӨҰҮҺҸҜҲҶӢӮ]")
# words of Bulgarian that Russian does not use (Bulgarian writes no letter Russian lacks)
_BULGARIAN_WORDS = _words(
    "ще са това които която който във със тази този тези бе беше според няма нито също когато"
)


_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Azerbaijani and Turkish letters written without them, as channels do (and as feeds.textnorm folds them)
_FOLD = str.maketrans({"ə": "e", "ç": "c", "ş": "s", "ğ": "g", "ö": "o", "ü": "u", "ı": "i", "â": "a"})

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
    hemcinin yene cox coxlu indi dunen sabah ilin hansi neticesinde verir"""
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
    """ve ile bu bir da de ki daha sonra arasinda ermenistan azerbaycan azerbaycan'in rusiya rusya iki uc
    her olan oldu oldugu var amma edecek gore bugun hem ordusu turkiye turk"""
)
# German, French, Spanish, Italian, Portuguese, Dutch, Polish: a text with more of these than of ours is None
_OTHER = _words(
    """der die das und nicht mit ist den dem des ein eine einen auf fur von zu im sich bei nach auch wird
    werden wurde sind hat aus uber les la le et du une est pour dans sur avec qui par au aux pas sont ont
    cette ce el los las y con por para que una del se lo como mas fue segun il della di che non sono
    gli delle dei nella alla os nao com uma dos das pela pelo ao sao het een van voor niet op ook zijn
    werd naar bij wordt w z na sie nie jest oraz przez jak ze po armenien aserbaidschan russland armenie
    azerbaidjan russie"""
)
# letters of other Latin languages (Azerbaijani and Turkish write none of them)
_OTHER_LETTERS = re.compile("[äßéèêëàáãåæøñíìîïóòôõúùûłśźżćńřčěďťůąęœ]")
_AZERBAIJANI_LETTER = "ə"
_TURKIC_LETTERS = re.compile("[ğışçöü\u0307]")
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
# the locative after a consonant (Tovuzda, Agdamda, Ermenistanda); English writes -ade, -ide, -ada
_LOCATIVE = re.compile("[^aeiouy][dt][ae]$")


def detect_language(title: str, summary: str = "") -> str | None:
    """The language of an item's title and summary: en, ru, hy, az or tr; None for any other language or
    when the text does not show one."""
    text = title if not summary else f"{title}\n{summary}"
    text = text[:_READ_CHARS]
    armenian = len(_ARMENIAN.findall(text))
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text))
    if armenian > cyrillic and armenian > latin:
        return "hy"
    if cyrillic > latin:
        return _cyrillic(text, cyrillic)
    if latin:
        return _latin(text)
    return None


def _cyrillic(text: str, letters: int) -> str | None:
    # a Ukrainian or Kazakh name in a Russian text is one or two letters; a text in such a language has many
    other = len(_OTHER_CYRILLIC.findall(text))
    if other >= 3 or other * 25 > letters:
        return None
    words = _WORD.findall(text.lower())
    if sum(word in _BULGARIAN_WORDS for word in words) >= 2 and not re.search("[ыэё]", text.lower()):
        return None
    return "ru"


def _latin(text: str) -> str | None:
    lowered = text.casefold()
    english = azerbaijani = turkish = turkic = other = 0
    for word in _WORD.findall(lowered):
        plain = word.translate(_FOLD)
        if word in _ENGLISH:
            english += 1
        elif plain in _AZERBAIJANI:
            azerbaijani += 1
        elif plain in _TURKISH:
            turkish += 1
        elif plain in _TURKIC:
            turkic += 1
        elif plain in _OTHER:
            other += 1
        elif _QX.search(plain) and plain not in _QX_NAMES:
            azerbaijani += 1
        elif len(plain) >= 5:
            if plain.endswith(_AZERBAIJANI_ENDINGS):
                azerbaijani += 1
            elif plain.endswith(_TURKISH_ENDINGS):
                turkish += 1
            elif plain.endswith(_TURKIC_ENDINGS) or _LOCATIVE.search(plain):
                turkic += 1
        if plain != word and _TURKIC_LETTERS.search(word):
            turkic += 1
    azerbaijani += 2 * lowered.count(_AZERBAIJANI_LETTER)
    other += len(_OTHER_LETTERS.findall(lowered))
    both = azerbaijani + turkish + turkic
    if english > both and english > other:
        return "en"
    if both > english and both > other:
        return "tr" if turkish > azerbaijani else "az"
    return None
