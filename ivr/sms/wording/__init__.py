"""The words of Payline's texts, one catalogue per language (en.py, es.py: the same keys and
placeholders), read through `Words`, so the thread's logic (ivr/sms/text_to_pay.py,
conversation.py) says *what* to text and never *how* a language says it. The words the chat
says the same way (dates, method labels, decline reasons, the domain's messages, 311's hours)
come from conversation/wording, written once for both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import ModuleType

from conversation.wording import ChannelWords, language_of
from ivr.sms.wording import en, es

CATALOGS: dict[str, ModuleType] = {"en": en, "es": es}
LANGUAGES = tuple(CATALOGS)
__all__ = ["CATALOGS", "LANGUAGES", "Words", "language_of"]


@dataclass(frozen=True)
class Words(ChannelWords):
    """The texts' catalogue of one language."""

    CATALOGS = CATALOGS

    def date(self, day: date) -> str:
        return str(self._shared.date_text(day))

    def domain(self, detail: str) -> str:
        """A domain message (domain/errors.py) in this language."""
        return str(self._shared.domain_text(detail))
