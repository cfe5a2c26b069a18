"""The words every written channel (web chat, SMS) shares, one module per language (en.py,
es.py: the same functions, a test checks it): dates, payment method labels, payment statuses,
money sent back, decline reasons, schedule warnings, 311's hours, and the domain's own messages
(domain/errors.py, the services, the readers of conversation/understanding).

Written once here so the chat bot's catalogue (chatbot/wording) and the texts' catalogue
(ivr/sms/wording) say them the same way; each channel keeps only its own sentences."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import ClassVar, TypeVar

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


_Words = TypeVar("_Words", bound="ChannelWords")


@dataclass(frozen=True)
class ChannelWords:
    """A channel's catalogue of one language (its own sentences, `CATALOGS[language].TEXTS`)
    with the words every channel shares; chatbot/wording and ivr/sms/wording subclass it."""

    CATALOGS: ClassVar[dict[str, ModuleType]]
    language: str = "en"

    @classmethod
    def of(cls: type[_Words], language: str | None) -> _Words:
        return cls(language_of(language))

    @property
    def _catalog(self) -> ModuleType:
        return self.CATALOGS[self.language]

    @property
    def _shared(self) -> ModuleType:
        return catalog(self.language)

    def say(self, key: str, **values: object) -> str:
        template: str = self._catalog.TEXTS[key]
        return template.format(**values) if values else template

    def method(self, label: str) -> str:
        """A payment method's label ("VISA ending 4242") in this language."""
        return str(self._shared.method_text(label))

    def decline(self, reason: str) -> str:
        """Why the processor declined, from the ledger's sentence (domain/declines.py)."""
        return str(self._shared.decline_text(reason))

    def hours(self, hours: str) -> str:
        return str(self._shared.hours_text(hours))
