"""Text on its way from a resident to the Rasa bot, shared by the web chat and SMS: one clean
line, and never Rasa's "/intent{entities}" syntax (a resident must not be able to set slots or
trigger intents by typing them)."""

from __future__ import annotations

import unicodedata


def clean_line(text: str) -> str:
    """One line of NFC text: control characters and line breaks become spaces."""
    text = unicodedata.normalize("NFC", text)
    return "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char
                   for char in text).strip()


def neutralize(text: str) -> str:
    """Drop leading slashes (and whitespace or invisible format characters around them), so
    Rasa reads the text as words, never as "/intent{entities}"."""
    index = 0
    while index < len(text) and (text[index] == "/" or text[index].isspace()
                                 or unicodedata.category(text[index]) == "Cf"):
        index += 1
    return text[index:].strip()


def has_words(text: str) -> bool:
    """False for text of only emoji, symbols or punctuation."""
    return any(char.isalnum() for char in text)
