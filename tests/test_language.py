"""The language of an item whose feed declares none (feeds.language), on short real-looking headlines."""

from __future__ import annotations

import pytest

from feeds.language import detect_language


@pytest.mark.parametrize(
    ("title", "language"),
    [
        ("Azerbaijan accuses Armenia of strengthening its border forces", "en"),
        ("Two soldiers wounded near Sev Lake after Azerbaijani shelling", "en"),
        ("Pashinyan, Aliyev to meet in Brussels next week", "en"),
        ("Двое военнослужащих ранены при обстреле у озера Сев", "ru"),
        ("ОДКБ проведет учения в Центральной Азии", "ru"),
        # a Ukrainian name in a Russian headline is still Russian
        ("Зеленский прибыл в Київ после переговоров", "ru"),
        ("Սև լճի մոտ հրետակոծության հետևանքով երկու զինծառայող է վիրավորվել", "hy"),
        ("Ադրբեջանը օկուպացրած Բերձորի շրջանում օդանավակայան է կառուցում", "hy"),
        ("Qaragöl yaxınlığında Ermənistanla sərhəddə atəş: iki hərbçi yaralanıb", "az"),
        ("Kəlbəcərin işğalından 19 il keçir", "az"),
        # Telegram channels write Azerbaijani without its letters
        ("Ermenistan silahli quvveleri Kelbecer istiqametinde movqelerimizi atese tutub", "az"),
        ("Goranboyda yaralanan esger Bakida vefat edib", "az"),
        ("Lacin yolunda aksiya davam edir", "az"),
        # Turkish is read as Turkish (the classifier folds its letters as Azerbaijani's)
        ("Dışişleri Bakanlığı: Ermenistan'ın açıklaması kabul edilemez", "tr"),
        ("Türkiye ile Azerbaycan arasında yeni anlaşma imzalandı", "tr"),
        ("Disisleri Bakanligi Ermenistan icin aciklama yapti", "tr"),
        # written with the letters but none of Azerbaijani's own (ə, q, x, its words): Turkish
        ("Ermenistan ile Azerbaycan arasında sınır görüşmesi", "tr"),
        # words both write alike, with an Azerbaijani word or letter: Azerbaijani
        ("Azerbaycan ve Turkiye arasinda yeni razilasma imzalanib", "az"),
        ("Türkiyə və Azərbaycan arasında yeni saziş", "az"),
        ("ŞUŞANIN İŞĞALINDAN 22 İL KEÇDİ", "az"),
        ("Suriyalı qaçqınlar Laçına köçürülür", "az"),
    ],
)
def test_a_headline_gets_the_language_it_is_written_in(title: str, language: str) -> None:
    assert detect_language(title) == language


@pytest.mark.parametrize(
    "title",
    [
        # other languages the product does not read
        "Armenien und Aserbaidschan verhandeln über die Grenze am Sewansee",
        "L'Arménie et l'Azerbaïdjan signent un accord de paix à Washington",
        "Armenia y Azerbaiyán firman la paz en la Casa Blanca",
        "Україна і Вірменія підписали угоду про співпрацю",
        "Қазақстан мен Әзербайжан арасындағы келісім",
        "Армения и Азербайджан ще подпишат мирния договор, които беше обсъден",
        "Νέα σύγκρουση στα σύνορα Αρμενίας και Αζερμπαϊτζάν",
        "亚美尼亚和阿塞拜疆签署和平协议",
        # no words to tell the language by
        "Nakhchivan",
        "BREAKING",
        "2023-09-19 12:00",
        "",
    ],
)
def test_a_text_in_none_of_our_languages_or_without_words_gets_none(title: str) -> None:
    assert detect_language(title) is None


def test_the_summary_decides_when_the_title_cannot() -> None:
    assert detect_language("Kelbecer", "Serhed komissiyalarinin gorusu kecirilecek") == "az"
    assert detect_language("Kalbajar", "Border commissions will meet on the Kalbajar section") == "en"


def test_a_long_text_is_read_from_its_beginning() -> None:
    # detection reads a bounded beginning: the English after a long Armenian lead does not count
    lead = "Սյունիքի մարզում " * 60
    assert detect_language(lead + "The border talks resume in Brussels " * 40) == "hy"
