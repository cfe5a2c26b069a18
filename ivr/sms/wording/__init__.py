"""The words of Payline's texts, one catalogue per language (en.py, es.py: the same keys and
placeholders), read through `Words`, so the thread's logic (ivr/sms/text_to_pay.py,
conversation.py) says *what* to text and never *how* a language says it. The words the chat
says the same way (dates, method labels, decline reasons, the domain's messages, 311's hours)
come from conversation/wording, written once for both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import ModuleType

from conversation import wording as shared
from conversation.wording import language_of
from ivr.sms.wording import en, es

CATALOGS: dict[str, ModuleType] = {"en": en, "es": es}
LANGUAGES = tuple(CATALOGS)
__all__ = ["CATALOGS", "LANGUAGES", "Words", "language_of"]


@dataclass(frozen=True)
class Words:
    """The catalogue of one language."""

    language: str = "en"

    @classmethod
    def of(cls, language: str | None) -> Words:
        return cls(language_of(language))

    @property
    def _catalog(self) -> ModuleType:
        return CATALOGS[self.language]

    @property
    def _shared(self) -> ModuleType:
        return shared.catalog(self.language)

    def say(self, key: str, **values: object) -> str:
        template: str = self._catalog.TEXTS[key]
        return template.format(**values) if values else template

    def date(self, day: date) -> str:
        return str(self._shared.date_text(day))

    def method(self, label: str) -> str:
        """A payment method's label ("VISA ending 4242") in this language."""
        return str(self._shared.method_text(label))

    def decline(self, reason: str) -> str:
        """Why the processor declined, from the ledger's sentence (domain/declines.py)."""
        return str(self._shared.decline_text(reason))

    def domain(self, detail: str) -> str:
        """A domain message (domain/errors.py) in this language."""
        return str(self._shared.domain_text(detail))

    def hours(self, hours: str) -> str:
        return str(self._shared.hours_text(hours))
