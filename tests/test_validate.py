"""What admins may type: URL and alias lengths, entity ids, control characters, and escaping when echoed."""

from __future__ import annotations

import pytest

from bot.validate import (
    InvalidArgument,
    validate_alias,
    validate_count,
    validate_entity_id,
    validate_url,
    validate_user_id,
)


def test_url_length_limit() -> None:
    base = "https://example.org/"
    assert validate_url(" " + base + "a" * (2048 - len(base)) + " ") == base + "a" * (2048 - len(base))
    with pytest.raises(InvalidArgument, match="too long"):
        validate_url(base + "a" * (2049 - len(base)))


@pytest.mark.parametrize("bad", ["https://a.org/\x00", "https://a.org/\u202e", "https://a.org/ x", ""])
def test_url_refuses_control_characters_spaces_and_empty(bad: str) -> None:
    with pytest.raises(InvalidArgument):
        validate_url(bad)


def test_alias_rules() -> None:
    assert validate_alias("  Սևանա լիճ ") == "Սևանա լիճ"
    assert validate_alias("a" * 100) == "a" * 100
    for bad in ["", "   ", "a" * 101, "line\nbreak", "tab\there"]:
        with pytest.raises(InvalidArgument):
            validate_alias(bad)


def test_entity_id_pattern_and_escaped_echo() -> None:
    assert validate_entity_id("sev_lake") == "sev_lake"
    for bad in ["a", "Sev", "sev-lake", "x" * 65, "<b>bold</b>"]:
        with pytest.raises(InvalidArgument):
            validate_entity_id(bad)
    with pytest.raises(InvalidArgument) as caught:
        validate_entity_id("<b>&x")
    assert "&lt;b&gt;&amp;x" in str(caught.value)


def test_user_id_and_count() -> None:
    assert validate_user_id("12345") == 12345
    for bad in ["-5", "0", "abc", "١٢٣", ""]:
        with pytest.raises(InvalidArgument):
            validate_user_id(bad)
    assert validate_count("50", maximum=50) == 50
    with pytest.raises(InvalidArgument):
        validate_count("51", maximum=50)
