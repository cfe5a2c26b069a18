"""What Twilio's From says about the caller: withheld in every form Twilio sends, or E.164."""

from __future__ import annotations

import pytest

from ivr.voice.caller_id import WITHHELD_WORDS, caller_id, keypad_spelling


def test_the_spelled_out_numbers_are_the_words_on_the_keypad() -> None:
    assert keypad_spelling("anonymous") == "266696687"
    assert keypad_spelling("UNAVAILABLE") == "86282452253"
    assert keypad_spelling("restricted") == "7378742833"
    assert keypad_spelling("blocked") == "2562533"
    assert keypad_spelling("unknown") == "8656696"


@pytest.mark.parametrize("sent", [
    "anonymous", "Anonymous", "ANONYMOUS", "restricted", "unknown", "unavailable", "private",
    "blocked", " anonymous ", "", None,
    "+266696687", "+86282452253", "+7378742833", "+2562533", "+8656696", "+7748283",
    "sip:resident@pbx.example.com", "client:kiosk-3", "not a number", "+1" + "9" * 30,
])
def test_a_withheld_or_unusable_caller_id_is_none(sent: str | None) -> None:
    assert caller_id(sent) is None


def test_every_withheld_word_and_its_spelling_is_none() -> None:
    for word in WITHHELD_WORDS:
        assert caller_id(word) is None and caller_id(f"+{keypad_spelling(word)}") is None


@pytest.mark.parametrize("sent, e164", [
    ("+13125550101", "+13125550101"), ("3125550101", "+13125550101"),
    ("+442071838750", "+442071838750"),
])
def test_a_real_caller_id_is_normalized(sent: str, e164: str) -> None:
    assert caller_id(sent) == e164
