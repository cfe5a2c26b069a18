"""Replies a resident reads on a phone (issue 17), in both languages: the main flows (balance,
pay, pay by link, schedule, cancel, status and history, paperless) run turn by turn on the
seeded city, and every message the bot sends is under 320 characters, no turn carries more
than one security warning, and a question asked again drops the hint and the warning it had
the first time. The Spanish turns are Spanish."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from tests.chatbot.action_support import (
    AISHA,
    DANA,
    GRACE,
    LUCIA,
    SAMUEL,
    STREET,
    City,
    Conversation,
)

MAX_CHARS = 320
# A security warning, in either language ("Never type card numbers ...", "Nunca escriba ...").
WARNING = re.compile(r"\b(never|nunca)\b", re.IGNORECASE)
# Words no Spanish reply has (an English sentence left in a Spanish conversation).
ENGLISH = re.compile(r"\b(the|you|your|please|with|and|is|are|this|what|which|how|of|to|"
                     r"payment|bill|balance|account|ending|scheduled|approved|due)\b",
                     re.IGNORECASE)
# What a Spanish reply may carry that looks English: URLs, codes, Munis bill types, "SSN".
NOT_WORDS = re.compile(r"https?://\S+|\b[A-Z0-9]{4}-[A-Z0-9]{4}\b|WATER/SEWER|FALSE ALARM|"
                       r"CLAIMS|\bSSN\b|\S+@\S+")

# What the resident says, by language: (text, intent, entities).
SAY = {
    "en": {"balance": ("what's my balance", "check_balance"), "pay": ("pay my bill", "pay_bill"),
           "schedule": ("schedule a payment", "schedule_payment"),
           "cancel": ("cancel my scheduled payment", "cancel_scheduled_payment"),
           "status": ("show my payments", "payment_status"),
           "paperless": ("go paperless", "enroll_paperless"), "yes": "yes",
           "full": "the full balance", "new": "new card or bank account"},
    "es": {"balance": ("¿cuánto debo?", "check_balance"), "pay": ("quiero pagar mi factura",
                                                                  "pay_bill"),
           "schedule": ("quiero programar un pago", "schedule_payment"),
           "cancel": ("cancelar mi pago programado", "cancel_scheduled_payment"),
           "status": ("mis pagos", "payment_status"),
           "paperless": ("quiero la factura sin papel", "enroll_paperless"), "yes": "sí",
           "full": "el saldo total", "new": "tarjeta o cuenta nueva"},
}


@dataclass
class Flow:
    """A conversation, every turn kept as the resident read it."""

    conversation: Conversation
    language: str
    turns: list[list[str]] = field(default_factory=list)

    def __call__(self, text: str, **said: object) -> list[str]:
        texts = self.conversation.turn(text, **said)
        self.turns.append(texts)
        return texts

    def start(self, task: str) -> list[str]:
        text, intent = SAY[self.language][task]
        return self(text, intent=intent)

    def word(self, key: str) -> str:
        return str(SAY[self.language][key])

    def verify(self, number: str) -> list[str]:
        self(number, entities={"account_number": number})
        return self(STREET[number])


def flow(form: str, language: str) -> Flow:
    # A resident writing in `language`: verification keeps it (not the language on file).
    return Flow(Conversation(form, metadata={"language": language,
                                             "language_from_resident": True}), language)


def balance(f: Flow, city: City) -> None:
    f.start("balance")
    f.verify(DANA)


def pay_saved(f: Flow, city: City) -> None:
    f.start("pay")
    f.verify(DANA)
    f("$40", entities={"amount": "40"})
    f("4242")
    f(f.word("yes"), intent="affirm")
    assert len(city.chat_payments(DANA)) == 1


def pay_link(f: Flow, city: City) -> None:
    f.start("pay")
    f.verify(LUCIA)
    f(f.word("full"))
    f(f.word("yes"), intent="affirm")
    assert any("http://localhost:5000/pay/" in text for text in f.turns[-1])


def schedule(f: Flow, city: City) -> None:
    f.start("schedule")
    f.verify(SAMUEL)
    f("30", entities={"amount": "30"})
    f("2026-12-04", entities={"payment_date": "2026-12-04"})
    f("6789")
    f(f.word("yes"), intent="affirm")
    assert [p["status"] for p in city.chat_payments(SAMUEL)] == ["scheduled"]


def cancel(f: Flow, city: City) -> None:
    city.add_scheduled(SAMUEL, "20.00", 5)
    city.add_scheduled(SAMUEL, "30.00", 3)
    f.start("cancel")
    f.verify(SAMUEL)
    f("2")
    f(f.word("yes"), intent="affirm")
    assert len(city.scheduled(SAMUEL)) == 1


def status(f: Flow, city: City) -> None:
    f.start("status")
    f.verify(GRACE)


def paperless(f: Flow, city: City) -> None:
    f.start("paperless")
    f.verify(AISHA)
    f(f.word("yes"), intent="affirm")
    f(f.word("yes"), intent="affirm")
    assert city.account(AISHA)["paperless"]


def card_number_instead_of_account(f: Flow, city: City) -> None:
    f.start("balance")
    f("4242 4242 4242 4242")
    f.verify(DANA)


def method_asked_twice(f: Flow, city: City) -> None:
    f.start("pay")
    f.verify(DANA)
    f("$40", entities={"amount": "40"})
    f("hmm")  # not a method: asked again
    f(f.word("new"))
    f(f.word("yes"), intent="affirm")


FLOWS: dict[str, tuple[str, Callable[[Flow, City], None]]] = {
    "balance": ("balance_form", balance), "pay_saved": ("pay_form", pay_saved),
    "pay_link": ("pay_form", pay_link), "schedule": ("schedule_form", schedule),
    "cancel": ("cancel_form", cancel), "status": ("status_form", status),
    "paperless": ("paperless_form", paperless),
    "card_number": ("balance_form", card_number_instead_of_account),
    "method_twice": ("pay_form", method_asked_twice),
}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", sorted(FLOWS))
def test_every_reply_fits_a_phone_with_one_warning_at_most(city: City, name: str,
                                                           language: str) -> None:
    form, steps = FLOWS[name]
    f = flow(form, language)
    steps(f, city)
    for texts in f.turns:
        assert texts and all(texts), texts
        for text in texts:
            assert len(text) < MAX_CHARS, (len(text), text)
        assert sum(bool(WARNING.search(text)) for text in texts) <= 1, texts
        if language == "es":
            for text in texts:
                english = ENGLISH.findall(NOT_WORDS.sub(" ", text))
                assert not english, (english, text)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_security_warning_is_said_once_not_in_every_question(city: City,
                                                                 language: str) -> None:
    f = flow("pay_form", language)
    method_asked_twice(f, city)
    warned = [n for n, texts in enumerate(f.turns) if any(WARNING.search(t) for t in texts)]
    # The method question's warning (the first time it is asked), and the pay link's note.
    assert len(warned) == 2, f.turns
    first_ask, again = f.turns[-4][-1], f.turns[-3][-1]
    assert WARNING.search(first_ask) and not WARNING.search(again)
    assert len(again) < len(first_ask)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_verification_hint_only_the_first_time(city: City, language: str) -> None:
    f = flow("balance_form", language)
    (first,) = f.start("balance")
    again = f("purple")  # no account number: said why, asked again shorter
    assert "10" in first and len(again) == 2
    assert "10" not in again[-1] and len(again[-1]) < len(first) * 2 // 3
    f(DANA)
    (factor,) = f("no idea")[-1:]
    assert len(factor) < 120
    failed = f("9999")  # a wrong street number: the account number is asked again, shorter
    assert "10" not in failed[-1]


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_amount_question_again_is_short_and_keeps_its_buttons(city: City,
                                                                  language: str) -> None:
    f = flow("pay_form", language)
    f.start("pay")
    f.verify(DANA)
    first = f.conversation.ask()
    f("purple")
    again = f.conversation.ask()
    assert "$146.57" in first.text and "$146.57" not in again.text
    assert again.buttons == first.buttons and len(again.text) < 40
