"""Voice prompt catalogs, one module per language. Keys and placeholders must match."""

from __future__ import annotations

from ivr.voice.prompts import en, es

CATALOGS: dict[str, dict[str, str]] = {"en": en.PROMPTS, "es": es.PROMPTS}
LANGUAGES = tuple(CATALOGS)


def template(language: str, key: str) -> str:
    """The prompt text for a key; English if the language is unknown."""
    return CATALOGS.get(language, en.PROMPTS)[key]
