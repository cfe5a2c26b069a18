"""Every English SMS text has a Spanish one (ivr/sms/wording/): the same keys, the same
placeholders, really translated, and the Spanish names the Spanish keywords. Also the parts
that are not templates (dates, method labels, decline reasons, the domain's messages), which
the texts share with the chat (conversation/wording)."""

from __future__ import annotations

import inspect
import string
from datetime import date

import pytest

from conversation.wording import en as shared_en
from conversation.wording import es as shared_es
from domain import errors
from domain.declines import DECLINE_REASONS
from domain.services import identity
from ivr.sms.texts import Program
from ivr.sms.wording import CATALOGS, Words, en, es, language_of

# Templates that are the same words in both languages.
SAME_IN_BOTH = {"locked", "ask_identity"}
# English keywords a Spanish text must not tell the resident to send (STOP and START are the
# carriers' own; ENGLISH is how to switch back).
ENGLISH_KEYWORDS = ("Text BAL", "BAL ", "PAY ", "HELP", "Reply YES", "LINK")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_catalogues_have_the_same_keys() -> None:
    assert set(es.TEXTS) == set(en.TEXTS)


@pytest.mark.parametrize("key", sorted(en.TEXTS))
def test_each_spanish_text_has_the_english_placeholders(key: str) -> None:
    assert placeholders(es.TEXTS[key]) == placeholders(en.TEXTS[key])


@pytest.mark.parametrize("key", sorted(set(en.TEXTS) - SAME_IN_BOTH))
def test_each_spanish_text_is_translated(key: str) -> None:
    assert es.TEXTS[key] != en.TEXTS[key]
    assert not any(word in es.TEXTS[key] for word in ENGLISH_KEYWORDS), es.TEXTS[key]


def test_the_catalogue_modules_offer_the_same_functions() -> None:
    def functions(module: object) -> dict[str, list[str]]:
        return {name: list(inspect.signature(value).parameters)
                for name, value in vars(module).items()
                if inspect.isfunction(value) and not name.startswith("_")
                and value.__module__ == module.__name__}  # type: ignore[attr-defined]

    assert functions(es) == functions(en)
    assert functions(shared_es) == functions(shared_en) != {}
    assert set(CATALOGS) == {"en", "es"}


@pytest.mark.parametrize("method", ["help", "opted_out", "opted_in", "bot_unavailable",
                                    "failure"])
def test_every_program_text_differs_by_language_and_fits_one_message(method: str) -> None:
    program = Program("City of Riverton Payline", "(312) 555-0111",
                      "24 hours a day, 7 days a week")
    english, spanish = getattr(program, method)("en"), getattr(program, method)("es")
    assert english != spanish and len(english) <= 320 and len(spanish) <= 320
    assert "(312) 555-0111" in spanish or method in ("opted_out", "opted_in")


def test_dates_are_written_out_in_spanish() -> None:
    assert Words("es").date(date(2026, 12, 5)) == "5 de diciembre"
    assert Words("es").date(date(2027, 1, 31)) == "31 de enero"
    assert Words("en").date(date(2026, 12, 5)) == "12/05"


@pytest.mark.parametrize(("label", "spanish"), [
    ("VISA ending 4242", "VISA terminada en 4242"),
    ("checking account ending 6789", "cuenta de cheques terminada en 6789"),
    ("savings account ending 1111", "cuenta de ahorros terminada en 1111"),
    ("card ending 0002", "tarjeta terminada en 0002"),
    ("my visa", "my visa"),
])
def test_method_labels_in_spanish(label: str, spanish: str) -> None:
    assert Words("es").method(label) == spanish
    assert Words("en").method(label) == label


def test_every_decline_reason_has_spanish_words() -> None:
    assert set(shared_es.DECLINES) == set(DECLINE_REASONS)
    for code, sentence in DECLINE_REASONS.items():
        assert Words("es").decline(sentence) == shared_es.DECLINES[code]
        assert Words("es").decline(sentence.rstrip(".")) == shared_es.DECLINES[code]
    assert Words("es").decline("something the fake said") == "la tarjeta o la cuenta fue rechazada"
    assert Words("en").decline("the card was declined") == "the card was declined"


@pytest.mark.parametrize("message", [
    errors.AccountLocked.message, errors.TooManyAttempts.message,
    errors.VerificationFailed.message, errors.CardNumberNotAccepted.message,
    identity.CARD_NOT_ACCOUNT, errors.NothingDue.message, errors.AmountOutOfRange.message,
    errors.InvalidPaymentMethod.message, errors.FeeNotAccepted.message,
])
def test_the_domain_messages_a_text_can_carry_are_in_spanish(message: str) -> None:
    spanish = Words("es").domain(message)
    assert spanish != message and spanish == shared_es.DOMAIN[message]
    assert Words("en").domain(message) == message


def test_an_unknown_domain_message_is_a_spanish_apology_not_english() -> None:
    assert Words("es").domain("Something new went wrong.") == ("Disculpe, no pudimos completar "
                                                              "esa solicitud.")


def test_the_default_311_hours_are_in_spanish_and_others_as_configured() -> None:
    assert Words("es").hours("24 hours a day, 7 days a week") == ("las 24 horas, los 7 días de "
                                                                 "la semana")
    assert Words("es").hours("lunes a viernes, 8-17") == "lunes a viernes, 8-17"


@pytest.mark.parametrize(("value", "language"), [
    ("es", "es"), ("es-MX", "es"), ("ES", "es"), ("en", "en"), ("", "en"), (None, "en"),
    ("fr", "en"),
])
def test_language_of(value: str | None, language: str) -> None:
    assert language_of(value) == language
