"""The words every written channel (web chat, SMS) shares, one module per language (en.py,
es.py: the same functions, a test checks it): dates, payment method labels, payment statuses,
money sent back, decline reasons, schedule warnings, 311's hours, and the domain's own messages
(domain/errors.py, the services, the readers of conversation/understanding).

Written once here so the chat bot's catalogue (chatbot/wording) and the texts' catalogue
(ivr/sms/wording) say them the same way; each channel keeps only its own sentences."""

from __future__ import annotations

from types import ModuleType

from conversation.wording import en, es

CATALOGS: dict[str, ModuleType] = {"en": en, "es": es}
LANGUAGES = tuple(CATALOGS)


def language_of(value: str | None) -> str:
    """A stored, on-file or sent language ("es", "es-MX", "EN", None) as a catalogue's key:
    Spanish for any Spanish tag, English for anything else."""
    return "es" if (value or "").strip().lower().startswith("es") else "en"


def catalog(language: str | None) -> ModuleType:
    """The shared words of a language."""
    return CATALOGS[language_of(language)]
