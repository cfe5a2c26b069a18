"""The chat bot's words, one catalogue per language (en.py, es.py: the same keys and
placeholders; a test checks it), read through `Words`, so the actions say *what* to answer
and never *how* a language says it. What the texts say the same way (dates, method labels,
payment statuses, decline reasons, the domain's messages, 311's hours) comes from
conversation/wording, written once for chat and SMS.

The fixed questions (the greeting, the first verification questions, the FAQ answers) are
responses in chatbot/responses/<language>.yml, said by the model of the conversation's
language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from types import ModuleType

from chatbot.wording import en, es
from conversation.wording import ChannelWords, language_of
from domain.model import Payment, PaymentStatus
from domain.money import Money
from domain.payment_policy import ScheduleWarning

CATALOGS: dict[str, ModuleType] = {"en": en, "es": es}
LANGUAGES = tuple(CATALOGS)
Button = dict[str, str]
__all__ = ["CATALOGS", "LANGUAGES", "Button", "Words", "language_of"]


def _plain(text: str) -> str:
    return " ".join(text.strip().lower().split())


@dataclass(frozen=True)
class Words(ChannelWords):
    """The chat catalogue of one language."""

    CATALOGS = CATALOGS

    # --- buttons ----------------------------------------------------------------------------
    def button(self, key: str, **values: object) -> Button:
        """The button `key` ("yes", "full_balance", ...): its title and its payload."""
        return {"title": self.say(f"{key}.title", **values),
                "payload": self.say(f"{key}.payload")}

    def yes_no_buttons(self) -> list[Button]:
        return [self.button("yes"), self.button("no")]

    @staticmethod
    def is_payload(key: str, text: str) -> bool:
        """Whether `text` is the payload of button `key` in either language (sent by the
        button, or typed): a Spanish conversation's payload works in English and back."""
        said = _plain(text)
        return bool(said) and any(_plain(catalog.TEXTS[f"{key}.payload"]) == said
                                  for catalog in CATALOGS.values())

    # --- the words chat and texts share (conversation/wording) ----------------------------
    @staticmethod
    def money(value: Money) -> str:
        """"$58.23" in both languages."""
        return value.format()

    def date(self, day: dt.date, today: dt.date) -> str:
        """"Friday, December 4" / "viernes 4 de diciembre"."""
        return str(self._shared.day_text(day, today))

    def short_date(self, day: dt.date) -> str:
        """"Dec 4" / "4 dic": in a one-line list or a button."""
        return str(self._shared.short_day_text(day))

    def status(self, status: PaymentStatus | str) -> str:
        return str(self._shared.status_text(status))

    def money_back(self, payment: Payment) -> str:
        return str(self._shared.money_back_text(payment))

    def warning(self, warning: ScheduleWarning) -> str:
        return str(self._shared.warning_text(warning))

    def domain(self, detail: str, fallback: str | None = None) -> str:
        """A domain message (domain/errors.py, the services, the amount and date readers) in
        this language; `fallback` is a key of this catalogue for one it does not know."""
        return str(self._shared.domain_text(detail, self.say(fallback) if fallback else None))

    def account(self, label: str | None) -> str:
        """"the account ending 0731" from the account number or the `account_label` slot
        (which ends with the same 4 digits, in whatever language it was set); "this account"
        without one."""
        last4 = (label or "").strip()[-4:]
        if len(last4) == 4 and last4.isdigit():
            return self.say("account", last4=last4)
        return self.say("this_account")
