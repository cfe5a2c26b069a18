"""Residents' words as the conversation rules read them: lower case, compatibility forms
folded (fullwidth letters), accents and apostrophes dropped ("¿Qué?" -> "¿que?", "don't" ->
"dont"). Shared by the consent rule (consent.py), farewells (farewell.py), leaving a task
(leaving.py) and choosing a method (choices.py)."""

from __future__ import annotations

import re
import unicodedata

QUESTION_MARKS = frozenset("?¿？؟")
APOSTROPHES = re.compile(r"['’‘`´]")
NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
# An email address or a link is not words ("bye@example.com", "never@mind.com").
ADDRESSES = re.compile(r"\S+@\S+|https?://\S+|www\.\S+", re.IGNORECASE)


def fold(text: str) -> str:
    """Lowercase, compatibility forms, accents removed, apostrophes dropped."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).lower())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return APOSTROPHES.sub("", text)


def has_question_mark(text: str) -> bool:
    return any(char in QUESTION_MARKS for char in text)
