"""Lo que Payline envía por texto en español: the same keys and placeholders as en.py (a test
checks it). The keywords named are the Spanish ones (SALDO, PAGAR, AYUDA, SÍ, ENLACE); the
carriers' STOP and START stay as carriers define them. Amounts as in English ("$58.23");
dates written "5 de diciembre" (`date_text`), never the ambiguous "12/05"."""

from __future__ import annotations

import re
from datetime import date

from domain import errors
from domain.declines import DECLINE_REASONS
from domain.services import identity

TEXTS: dict[str, str] = {
    # --- lo que exigen los operadores (CTIA): el programa, el 311, tarifas, cómo salir ----
    "help": ("{program}: consulte y pague su factura por texto. Envíe SALDO para ver su "
             "saldo, PAGAR para pagarlo, o escriba su pregunta. Ayuda: 311 al {phone} "
             "({hours}). Pueden aplicarse tarifas de mensajes y datos. Responda STOP para no "
             "recibir más. Text ENGLISH for English."),
    "opted_out": ("{program}: canceló su suscripción y no recibirá más mensajes nuestros. "
                  "Responda START para suscribirse de nuevo."),
    "opted_in": ("{program}: está suscrito de nuevo. Envíe SALDO para ver su saldo, PAGAR para "
                 "pagarlo, AYUDA para recibir ayuda. Responda STOP para no recibir más "
                 "mensajes."),
    "language_set": "De acuerdo, le escribiremos en español.",
    "menu_hint": "Envíe SALDO para ver su saldo, PAGAR para pagarlo o AYUDA para recibir ayuda.",
    # --- la conversación, con o sin el asistente ------------------------------------------
    "bot_unavailable": ("Nuestro asistente por texto no puede conversar ahora. Aún puede enviar "
                        "SALDO para ver su saldo, PAGAR para pagarlo o AYUDA. O llame al 311 al "
                        "{phone}."),
    "agent": "Para hablar con una persona, llame al 311 al {phone} ({hours}).",
    "agent_reference": (" Dé al agente la referencia {reference} para que continúe donde usted "
                        "lo dejó."),
    "failure": ("Disculpe, algo falló de nuestro lado y no se cambió nada. Intente de nuevo en "
                "unos minutos o llame al 311 al {phone}."),
    "locked": "{message} 311: {phone}.",
    "card_warning": ("Por su seguridad, quitamos de su mensaje lo que parecía un número de "
                     "tarjeta. Nunca envíe números de tarjeta ni de cuenta bancaria: envíe "
                     "PAGAR y le mandaremos un enlace de pago seguro."),
    "empty": ("Recibimos un mensaje vacío. Envíe SALDO para ver su saldo, PAGAR para pagarlo o "
              "AYUDA para recibir ayuda."),
    "no_words": ("Disculpe, solo podemos leer palabras. Envíe SALDO para ver su saldo, PAGAR "
                 "para pagarlo o AYUDA para recibir ayuda."),
    "media_only": ("Disculpe, no podemos abrir fotos ni archivos. Escriba palabras, como SALDO "
                   "o PAGAR, o AYUDA para recibir ayuda."),
    "too_long": ("Ese mensaje es demasiado largo para nosotros. Envíe un mensaje más corto, una "
                 "pregunta a la vez."),
    "no_answer": ("Disculpe, no tenemos una respuesta para eso. Envíe SALDO para ver su saldo, "
                  "PAGAR para pagarlo o AYUDA para recibir ayuda."),
    "nothing_pending": ("No hay nada esperando su respuesta ahora. Envíe PAGAR para pagar su "
                        "saldo, SALDO para verlo o AYUDA para recibir ayuda."),
    "goodbye": ("Gracias por escribirle a la ciudad. ¡Adiós! La próxima vez, envíe SALDO o "
                "PAGAR para empezar de nuevo."),
    # --- quién es el residente ------------------------------------------------------------
    "ask_identity.balance": "Para ver su saldo",
    "ask_identity.pay": "Para pagar su factura",
    "identity_how": ("envíe su número de cuenta y el número de la dirección del servicio, así: "
                     "0012345678 1234. O los últimos 4 del Seguro Social o número de "
                     "identificación fiscal, así: 0012345678 SSN 1234."),
    "ask_identity": "{ask}, {how}",
    "identity_again": "Por favor, {how}",
    "identity_invalid": "{detail} Por favor, {how}",
    "ask_factor": ("Gracias. Ahora envíe el número de la dirección del servicio (como 1234), o "
                   "los últimos 4 del Seguro Social o identificación fiscal (como SSN 1234)."),
    "verify_failed": ("Disculpe, no pudimos verificar eso. Revise el número de cuenta y el "
                      "número de la dirección en su factura e intente de nuevo, así: 0012345678 "
                      "1234."),
    # --- el saldo -------------------------------------------------------------------------
    "account": "Cuenta que termina en {last4}",
    "balance_nothing_due": "{account}: no debe nada al {as_of}.",
    "balance_owed": "{account}: debe {total}{due}{past_due}, al {as_of}.",
    "balance_due": ", con vencimiento el {date}",
    "balance_past_due": " ({amount} vencido)",
    "balance_pending": " Un pago de {amount} se está procesando.",
    "balance_scheduled": " Hay un pago de {amount} programado para el {date}.",
    "balance_pay_hint": " Envíe PAGAR para pagarlo.",
    "nothing_more": " Por ahora no hay nada más que pagar.",
    # --- la oferta de pago y su respuesta -------------------------------------------------
    "owed_full": "Su saldo es de {amount}{due}.",
    "owed_part": "Puede pagar {amount} ahora{due}.",
    "owed_due": ", con vencimiento el {date}",
    "pay_link": ("Pague de forma segura aquí: {url} (el enlace funciona una sola vez, durante "
                 "{minutes} minutos). Nunca envíe números de tarjeta por texto."),
    "offer_question": ("Responda SÍ para pagar {amount} con {method} ({costs}), o NO. Responda "
                       "ENLACE para usar otra tarjeta o cuenta bancaria."),
    "offer_costs": "cargo de {fee}, total {total}",
    "offer_no_fee": "sin cargo",
    "offer_reask": "No se ha pagado nada. {question}",
    "offer_declined": "De acuerdo, no se hizo ningún pago. Envíe PAGAR cuando esté listo.",
    "offer_expired": "Esa oferta venció, así que no se pagó nada. ",
    "balance_changed_no_link": ("Su saldo cambió desde esa oferta, así que no se creó ningún "
                                "enlace. "),
    "no_link": "{detail} No se creó ningún enlace.",
    "already_paid": ("Ese pago ya se hizo (confirmación {confirmation}). No se cobró nada "
                     "más."),
    "paid_nothing_due": ("Su saldo ya está pagado o hay un pago en camino, así que no se cobró "
                         "nada. Envíe SALDO para verlo."),
    "refused": "{detail} No se cobró nada. Envíe PAGAR para intentarlo de nuevo.",
    "declined": ("El pago no fue aprobado: {reason}. No se cobró nada. Envíe PAGAR y responda "
                 "ENLACE para usar otra tarjeta o cuenta bancaria."),
    "approved": "¡Pagado! {total} con {method}. Confirmación {confirmation}. Gracias.",
    "processing": ("No pudimos comunicarnos con el procesador de tarjetas: todavía no se cobró "
                   "a {method}. Terminaremos el pago de {total} en breve y le enviaremos el "
                   "resultado; por favor no pague de nuevo. Confirmación {confirmation}."),
    "submitted": ("Su pago de {total} con {method} fue enviado. Confirmación {confirmation}. "
                  "Puede tardar de {min_days} a {max_days} días hábiles en acreditarse."),
    # --- un enlace de un solo uso que no se repite al reenviar la respuesta ---------------
    "link_not_repeated": "[enlace no repetido: envíe PAGAR o ENLACE para uno nuevo]",
}

_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre")


def date_text(day: date) -> str:
    """"5 de diciembre"."""
    return f"{day.day} de {_MONTHS[day.month - 1]}"


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


# The domain's messages a text can carry (domain/errors.py, the identity service), in Spanish.
DOMAIN: dict[str, str] = {
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
    "An account number has only digits. Please check your bill.": (
        "Un número de cuenta solo tiene dígitos. Revise su factura."),
    "Please give the house number of the service address, like 1234.": (
        "Indique el número de la casa de la dirección del servicio, como 1234."),
    "Please give exactly the last 4 digits.": "Indique exactamente los últimos 4 dígitos.",
    errors.InvalidInput.message: "Disculpe, eso no es válido.",
    errors.NothingDue.message: "Esta cuenta no tiene saldo pendiente en este momento.",
    errors.AmountOutOfRange.message: "Ese monto es mayor de lo que se puede pagar en esta cuenta.",
    errors.InvalidPaymentMethod.message: "Ese método de pago no se puede usar.",
    errors.FeeNotAccepted.message: ("Debe aceptar el cargo por servicio antes de pagar con "
                                    "tarjeta."),
    errors.IdempotencyConflict.message: ("Esta solicitud no coincide con una anterior. Empiece "
                                         "el pago de nuevo."),
    errors.NotFound.message: "No pudimos encontrar eso.",
}
_DOMAIN_FALLBACK = "Disculpe, no pudimos completar esa solicitud."


def domain_text(detail: str) -> str:
    """A domain message in Spanish; one this table does not know gets a plain apology rather
    than English in a Spanish thread."""
    return DOMAIN.get(detail, _DOMAIN_FALLBACK)


_DEFAULT_HOURS = {"24 hours a day, 7 days a week": "las 24 horas, los 7 días de la semana"}


def hours_text(hours: str) -> str:
    """311's hours (PAYLINE_311_HOURS, written in English): the default in Spanish, another
    value as configured."""
    return _DEFAULT_HOURS.get(hours, hours)
