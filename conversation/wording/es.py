"""Las palabras compartidas en español: the same functions as en.py (a test checks it).
Dates written out ("5 de diciembre", "viernes 4 de diciembre"), never the ambiguous "12/05";
amounts as in English ("$58.23"); method labels "VISA terminada en 4242"; the domain's English
messages looked up in DOMAIN (a few that carry a value are read by pattern), so a Spanish
conversation never shows English."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from conversation.payment_history import MoneyBackKind, money_back
from conversation.understanding import amounts, dates
from conversation.understanding.language import detect_language
from domain import errors
from domain.declines import DECLINE_REASONS
from domain.model import Payment, PaymentStatus
from domain.payment_policy import ScheduleWarning, ScheduleWarningKind
from domain.services import identity, payments

# The names the date reader knows (conversation/understanding/dates.py), written there once.
MONTHS = dates.SPANISH_MONTH_NAMES[1:]
WEEKDAYS = dates.SPANISH_WEEKDAY_NAMES
_SHORT_MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov",
                 "dic")
_ENGLISH_MONTHS = {name.lower(): number for number, name in enumerate(dates.MONTH_NAMES)
                   if name}
_ENGLISH_WEEKDAYS = {name.lower(): index for index, name in enumerate(dates.WEEKDAY_NAMES)}

_STATUS = {
    PaymentStatus.SCHEDULED: "programado",
    PaymentStatus.PENDING: "pendiente",
    PaymentStatus.APPROVED: "aprobado",
    PaymentStatus.REJECTED: "rechazado",
    PaymentStatus.CANCELLED: "cancelado",
}


def date_text(day: date) -> str:
    """"5 de diciembre"."""
    return f"{day.day} de {MONTHS[day.month - 1]}"


def day_text(day: date, today: date) -> str:
    """"viernes 4 de diciembre" (" de 2027" only when it is not this year's)."""
    return dates.describe_date(day, today, "es")


def short_day_text(day: date) -> str:
    """"4 dic": a date in a one-line list or a button."""
    return f"{day.day} {_SHORT_MONTHS[day.month - 1]}"


_METHOD_LABEL = re.compile(r"^(?P<name>.+?) ending (?P<last4>\d{4})$")
_METHOD_WORDS = {"checking account": "cuenta de cheques", "savings account": "cuenta de ahorros",
                 "bank account": "cuenta bancaria", "card": "tarjeta"}


def method_text(label: str) -> str:
    """"VISA ending 4242" -> "VISA terminada en 4242"; "checking account ending 6789" ->
    "cuenta de cheques terminada en 6789"."""
    match = _METHOD_LABEL.match(label or "")
    if not match:
        return label
    name = match.group("name")
    return f"{_METHOD_WORDS.get(name.lower(), name)} terminada en {match.group('last4')}"


def status_text(status: PaymentStatus | str) -> str:
    try:
        return _STATUS[PaymentStatus(status)]
    except ValueError:
        return str(status)


def money_back_text(payment: Payment) -> str:
    """"reembolso de $20.00", "reembolsado por completo", "en disputa"; empty otherwise."""
    note = money_back(payment)
    if note is None:
        return ""
    if note.kind == MoneyBackKind.REFUNDED:
        return f"reembolso de {note.amount.format()}"
    return "reembolsado por completo" if note.kind == MoneyBackKind.REFUNDED_IN_FULL \
        else "en disputa"


# domain/declines.py's sentences, by Payline decline code, without the closing full stop.
DECLINES: dict[str, str] = {
    "card_declined": "el banco que emitió la tarjeta la rechazó",
    "insufficient_funds": "la cuenta no tiene fondos suficientes para este pago",
    "expired_card": "la tarjeta está vencida",
    "account_closed": "la cuenta bancaria está cerrada",
    "invalid_token": "no reconocemos el método de pago guardado",
    "incorrect_cvc": "el banco que emitió la tarjeta no aceptó el código de seguridad",
    "incorrect_number": "el banco que emitió la tarjeta no aceptó el número de tarjeta",
    "processing_error": "no se pudo procesar la tarjeta en este momento",
    "authentication_required": ("el banco que emitió la tarjeta quiere que el titular apruebe "
                                "este pago con el banco"),
    "card_velocity_exceeded": "la tarjeta llegó a su límite con el banco por ahora",
    "canceled": "el pago se canceló antes de completarse",
}
_CODE_OF_REASON = {sentence.rstrip(". ").lower(): code
                   for code, sentence in DECLINE_REASONS.items()}
_DECLINED = "la tarjeta o la cuenta fue rechazada"


def decline_text(reason: str) -> str:
    """Why a payment was declined, in Spanish: by the decline code the ledger's sentence
    stands for (domain/declines.py); any other reason is a plain decline."""
    code = _CODE_OF_REASON.get(reason.rstrip(". ").lower())
    return DECLINES.get(code or "", _DECLINED)


def warning_text(warning: ScheduleWarning) -> str:
    if warning.kind == ScheduleWarningKind.PAST_DUE_BALANCE and warning.past_due is not None:
        return (f"{warning.past_due.format()} de su saldo ya está vencido; pagarlo hoy evita "
                "cargos por atraso o una interrupción del servicio.")
    if warning.kind == ScheduleWarningKind.AFTER_DUE_DATE and warning.due_date is not None:
        return (f"Esa fecha es posterior al vencimiento del {date_text(warning.due_date)} de "
                f"{warning.due_date.year}; puede haber un cargo por atraso o una interrupción "
                "del servicio.")
    return warning.message


# The domain's messages a resident can be shown (domain/errors.py, the services, the readers
# of amounts and dates), in Spanish.
_EXAMPLE_DATE = "por ejemplo, el 5 de diciembre o el próximo viernes"
DOMAIN: dict[str, str] = {
    # --- who the resident is ------------------------------------------------------------
    errors.AccountLocked.message: ("Por su seguridad, esta cuenta está bloqueada para el "
                                   "autoservicio. Llame al 311 y un agente podrá "
                                   "desbloquearla."),
    errors.TooManyAttempts.message: ("Demasiados intentos sin éxito. Espere un rato o llame al "
                                     "311 para recibir ayuda."),
    errors.VerificationFailed.message: ("No pudimos verificar esa información. Revísela e "
                                        "intente de nuevo."),
    errors.CardNumberNotAccepted.message: ("Eso parece un número de tarjeta, así que no lo "
                                           "usamos ni lo guardamos. Nunca envíe números de "
                                           "tarjeta aquí."),
    identity.CARD_NOT_ACCOUNT: ("Eso parece un número de tarjeta, no un número de cuenta, así "
                                "que no lo usamos ni lo guardamos. Nunca envíe números de "
                                "tarjeta aquí. Su número de cuenta aparece en su factura."),
    identity.CARD_NOT_BILL: ("Eso parece un número de tarjeta, no un número de factura, así "
                             "que no lo usamos ni lo guardamos. Nunca envíe números de tarjeta "
                             "aquí. El número de factura aparece en su factura."),
    "An account number has only digits. Please check your bill.": (
        "Un número de cuenta solo tiene dígitos. Revise su factura."),
    "Please give the house number of the service address, like 1234.": (
        "Indique el número de la casa de la dirección del servicio, como 1234."),
    "Please give exactly the last 4 digits.": "Indique exactamente los últimos 4 dígitos.",
    "A bill number has only letters and digits. Please check your bill.": (
        "Un número de factura solo tiene letras y dígitos. Revise su factura."),
    "Use the customer ID and bill number together.": (
        "Use el número de cliente junto con el número de factura."),
    "Please enter your account number.": "Escriba su número de cuenta.",
    # --- the payment --------------------------------------------------------------------
    errors.DomainError.message: "Disculpe, no pudimos completar esa solicitud.",
    errors.InvalidInput.message: "Disculpe, eso no es válido.",
    errors.InvalidAmount.message: ("Indique un monto en dólares y centavos, por ejemplo "
                                   "45.50."),
    errors.NothingDue.message: "Esta cuenta no tiene saldo pendiente en este momento.",
    errors.AmountOutOfRange.message: "Ese monto es mayor de lo que se puede pagar en esta cuenta.",
    ("Payments already pending or scheduled cover your balance, so there is nothing more to "
     "pay right now."): ("Los pagos pendientes o programados ya cubren su saldo, así que por "
                         "ahora no hay nada más que pagar."),
    "The payment amount must be more than zero.": "El monto del pago debe ser mayor que cero.",
    errors.InvalidPaymentMethod.message: "Ese método de pago no se puede usar.",
    "Please choose one payment method.": "Elija un método de pago.",
    "That saved payment method is not available.": "Ese método de pago guardado no está "
                                                   "disponible.",
    errors.FeeNotAccepted.message: ("Debe aceptar el cargo por servicio antes de pagar con "
                                    "tarjeta."),
    errors.IdempotencyConflict.message: ("Esta solicitud no coincide con una anterior. Empiece "
                                         "el pago de nuevo."),
    payments.TryAgain.message: "No pudimos completar eso ahora. Intente de nuevo.",
    "A payment for a later date must be scheduled, not paid now.": (
        "Un pago para una fecha futura se programa, no se paga ahora."),
    errors.InvalidDate.message: "Esa fecha no se puede usar para un pago.",
    errors.DateNotInFuture.message: ("Un pago programado necesita una fecha futura. Para pagar "
                                     "hoy, elija pagar ahora."),
    "Please choose the date for the scheduled payment.": "Elija la fecha del pago programado.",
    errors.NotFound.message: "No pudimos encontrar eso.",
    errors.PaymentNotFound.message: "No encontramos ese pago en esta cuenta.",
    errors.PaymentNotCancellable.message: ("Ese pago ya se envió al procesador, así que ya no "
                                           "se puede cancelar. Llame al 311 si necesita ayuda "
                                           "con él."),
    errors.InvalidTransition.message: "Ese pago no puede cambiar a ese estado.",
    errors.LinkNotUsable.message: ("Este enlace venció o ya se usó. Pida uno nuevo por "
                                   "teléfono, texto o chat."),
    # --- paperless billing, texts ---------------------------------------------------------
    errors.InvalidEmail.message: "Ese correo electrónico no parece válido.",
    errors.CardNumberInEmail.message: ("Eso parece un número de tarjeta, no un correo "
                                       "electrónico, así que no lo usamos ni lo guardamos. "
                                       "Escriba su correo, por ejemplo nombre@ejemplo.com."),
    errors.InvalidPhoneNumber.message: "Ese número de teléfono no parece válido.",
    errors.InvalidRoutingNumber.message: ("Ese número de ruta bancaria no es válido. Revise "
                                          "los nueve dígitos."),
    errors.InvalidAutopayOption.message: ("Elija cuándo paga el pago automático: en la fecha "
                                          "de vencimiento, el día que llega la factura o de 1 "
                                          "a 10 días antes del vencimiento."),
    errors.RecipientOptedOut.message: ("Ese número canceló los mensajes de texto. Si envía "
                                       "START a nuestro número, los recibirá de nuevo."),
    # --- the readers of amounts and dates: their own Spanish, written there once --------
    **amounts.SPANISH_MESSAGES,
    **dates.SPANISH_MESSAGES,
}
_SPANISH = frozenset(DOMAIN.values())
_DOMAIN_FALLBACK = "Disculpe, no pudimos completar esa solicitud."


def _month(name: str) -> str:
    return MONTHS[_ENGLISH_MONTHS[name.lower()] - 1]


def _weekday(name: str) -> str:
    return WEEKDAYS[_ENGLISH_WEEKDAYS[name.lower()]]


# The messages that carry a value (an amount, a limit, a date), read by pattern.
_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^The most you can pay right now is (?P<amount>\$[\d,]+\.\d\d)\.$"),
     lambda m: f"Lo máximo que puede pagar ahora es {m['amount']}."),
    (re.compile(r"^The convenience fee of (?P<fee>\$[\d,]+\.\d\d) must be accepted before "
                r"paying by card\.$"),
     lambda m: f"Debe aceptar el cargo por servicio de {m['fee']} antes de pagar con tarjeta."),
    (re.compile(r"^Payments can be scheduled at most (?P<days>\d+) days ahead, until "
                r"(?P<month>[A-Z][a-z]+) (?P<day>\d+), (?P<year>\d{4})\.$"),
     lambda m: (f"Los pagos se pueden programar con hasta {m['days']} días de anticipación: "
                f"hasta el {m['day']} de {_month(m['month'])} de {m['year']}.")),
    (re.compile(r"^There is no month (?P<month>\d+)\."),
     lambda m: f"No existe el mes {m['month']}. Escriba el día y el mes, {_EXAMPLE_DATE}."),
    (re.compile(r"^(?P<month>[A-Z][a-z]+) has only (?P<days>\d+) days\."),
     lambda m: f"{_month(m['month']).capitalize()} solo tiene {m['days']} días. Elija otra "
               "fecha."),
    (re.compile(r"^(?P<year>\d{4}) is not a leap year"),
     lambda m: f"{m['year']} no es bisiesto, así que no hay 29 de febrero. Elija otra fecha."),
    (re.compile(r"^(?P<month>[A-Z][a-z]+) (?P<day>\d+), (?P<year>\d{4}) is a "
                r"(?P<is>[A-Z][a-z]+), not a (?P<said>[A-Z][a-z]+)\."),
     lambda m: (f"El {m['day']} de {_month(m['month'])} de {m['year']} es {_weekday(m['is'])}, "
                f"no {_weekday(m['said'])}. ¿Qué fecha quiso decir?")),
)


def domain_text(detail: str, fallback: str | None = None) -> str:
    """A domain message in Spanish. One already in Spanish stays as it is; one this module
    does not know gets `fallback` (or a plain apology) rather than English."""
    if detail in DOMAIN:
        return DOMAIN[detail]
    if detail in _SPANISH or detect_language(detail) == "es":
        return detail  # a reader that knew the conversation's language said it in Spanish
    for pattern, spanish in _PATTERNS:
        match = pattern.match(detail or "")
        if match:
            try:
                return spanish(match)
            except (KeyError, IndexError):
                break
    return fallback or _DOMAIN_FALLBACK


_DEFAULT_HOURS = {"24 hours a day, 7 days a week": "las 24 horas, los 7 días de la semana"}


def hours_text(hours: str) -> str:
    """311's hours (PAYLINE_311_HOURS, written in English): the default in Spanish, another
    value as configured."""
    return _DEFAULT_HOURS.get(hours, hours)
