"""The words chat and texts share (conversation/wording): the same functions in both
languages, Spanish dates written out, every message a resident can be shown by the domain or
the readers of amounts and dates in Spanish, and never English in a Spanish reply."""

from __future__ import annotations

import inspect
from datetime import date
from decimal import Decimal

import pytest

from conversation.understanding import amounts, dates
from conversation.wording import CATALOGS, catalog, en, es, language_of
from domain import errors
from domain.model import PaymentStatus
from domain.money import Money
from domain.payment_policy import ScheduleWarning, ScheduleWarningKind
from domain.services import identity

TODAY = date(2026, 11, 23)
# Errors only agents and the console see (their own English screens), or without a message.
NOT_FOR_RESIDENTS = {errors.AgentActionError, errors.LoginFailed, errors.LoginThrottled,
                     errors.CodeRejected, errors.CodeAlreadyUsed, errors.SignInExpired,
                     errors.InvalidAgentDetails, errors.CallNotLive,
                     errors.CallControlUnavailable, errors.TransferNotUsable,
                     errors.DateTooFarAhead}


def _functions(module: object) -> dict[str, list[str]]:
    return {name: list(inspect.signature(value).parameters)
            for name, value in vars(module).items()
            if inspect.isfunction(value) and not name.startswith("_")
            and value.__module__ == module.__name__}  # type: ignore[attr-defined]


def test_both_languages_offer_the_same_functions() -> None:
    assert _functions(es) == _functions(en) != {}
    assert set(CATALOGS) == {"en", "es"}
    assert catalog("es-MX") is es and catalog(None) is en and language_of("fr") == "en"


def test_dates_in_words() -> None:
    assert es.date_text(date(2026, 12, 5)) == "5 de diciembre"
    assert es.day_text(date(2026, 12, 4), TODAY) == "viernes 4 de diciembre"
    assert es.day_text(date(2027, 1, 6), TODAY) == "miércoles 6 de enero de 2027"
    assert es.short_day_text(date(2026, 12, 4)) == "4 dic"
    assert en.day_text(date(2026, 12, 4), TODAY) == "Friday, December 4"
    assert en.short_day_text(date(2026, 12, 4)) == "Dec 4"


def test_status_and_money_back_words() -> None:
    for status in PaymentStatus:
        assert es.status_text(status) != en.status_text(status)
        assert es.status_text(status.value) == es.status_text(status)


def _resident_errors() -> list[type[errors.DomainError]]:
    found, todo = [], [errors.DomainError]
    while todo:
        kind = todo.pop()
        todo.extend(kind.__subclasses__())
        # (Subclasses elsewhere, e.g. refunds and NACHA files, are the console's.)
        if kind.__module__ == "domain.errors" and not any(issubclass(kind, other)
                                                          for other in NOT_FOR_RESIDENTS):
            found.append(kind)
    return found


@pytest.mark.parametrize("kind", _resident_errors(), ids=lambda kind: kind.__name__)
def test_every_domain_error_a_resident_can_see_is_in_spanish(kind: type) -> None:
    assert kind.message in es.DOMAIN, kind.message
    assert es.domain_text(kind.message) == es.DOMAIN[kind.message] != kind.message
    assert en.domain_text(kind.message) == kind.message


@pytest.mark.parametrize("message", [
    amounts.NO_AMOUNT, amounts.TWO_AMOUNTS, amounts.TOO_MANY_DECIMALS, amounts.NEGATIVE,
    amounts.TOO_LARGE, amounts.TOO_LONG, amounts.PLAIN_DIGITS, amounts.DOLLARS_ONLY,
    amounts.PERCENT, amounts.DECIMAL_COMMA, amounts.BAD_NUMBER, amounts.BAD_CENTS,
    dates.NOT_UNDERSTOOD, dates.TWO_DATES, dates.TOO_LONG, dates.PLAIN_TEXT, dates.BAD_YEAR,
    dates.TOO_FAR, identity.CARD_NOT_ACCOUNT, identity.CARD_NOT_BILL,
])
def test_the_readers_messages_are_in_spanish(message: str) -> None:
    assert message in es.DOMAIN, message
    assert es.DOMAIN[message] != message


@pytest.mark.parametrize(("english", "spanish"), [
    ("The most you can pay right now is $146.57.", "Lo máximo que puede pagar ahora es $146.57."),
    ("The convenience fee of $1.25 must be accepted before paying by card.",
     "Debe aceptar el cargo por servicio de $1.25 antes de pagar con tarjeta."),
    ("Payments can be scheduled at most 90 days ahead, until February 21, 2027.",
     "Los pagos se pueden programar con hasta 90 días de anticipación: hasta el 21 de febrero "
     "de 2027."),
    ("December 4, 2026 is a Friday, not a Monday. Which date did you mean?",
     "El 4 de diciembre de 2026 es viernes, no lunes. ¿Qué fecha quiso decir?"),
    ("April has only 30 days. Please choose another date.",
     "Abril solo tiene 30 días. Elija otra fecha."),
])
def test_messages_with_a_value_are_read_by_pattern(english: str, spanish: str) -> None:
    assert es.domain_text(english) == spanish


def test_unknown_english_never_shows_and_spanish_passes_through() -> None:
    assert es.domain_text("Something new went wrong.") == ("Disculpe, no pudimos completar "
                                                          "esa solicitud.")
    assert es.domain_text("Something new.", fallback="Otra cosa.") == "Otra cosa."
    spanish = es.DOMAIN[errors.NothingDue.message]
    assert es.domain_text(spanish) == spanish


def test_schedule_warnings_in_spanish() -> None:
    late = ScheduleWarning(ScheduleWarningKind.PAST_DUE_BALANCE, past_due=Money(Decimal("84.17")))
    after = ScheduleWarning(ScheduleWarningKind.AFTER_DUE_DATE, due_date=date(2026, 12, 2))
    assert es.warning_text(late).startswith("$84.17 de su saldo ya está vencido")
    assert "2 de diciembre de 2026" in es.warning_text(after)
    assert en.warning_text(late) == late.message
