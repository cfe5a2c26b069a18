"""Resident-facing notification texts (receipts, notices, paperless confirmations), en and es.

Short enough for one SMS segment where possible; never card/bank digits beyond "ending 4242".
"""

from __future__ import annotations

from domain.model import Customer, Payment

_TEXTS = {
    "receipt": {
        "en": "{city}: payment {conf} of {amount} received{fee_text} with {method}. Thank you.",
        "es": "{city}: recibimos su pago {conf} de {amount}{fee_text} con {method}. Gracias.",
    },
    "fee": {"en": " (plus {fee} fee)", "es": " (más {fee} de cargo)"},
    "scheduled": {
        "en": "{city}: payment {conf} of {amount} is scheduled for {date} from {method}.",
        "es": "{city}: el pago {conf} de {amount} está programado para el {date} con {method}.",
    },
    "cancelled": {
        "en": "{city}: scheduled payment {conf} of {amount} was cancelled. No money was taken.",
        "es": "{city}: se canceló el pago programado {conf} de {amount}. No se cobró nada.",
    },
    "rejected": {
        "en": "{city}: payment {conf} of {amount} was not approved: {reason}. "
              "Please try another method or call 311.",
        "es": "{city}: el pago {conf} de {amount} no fue aprobado: {reason}. "
              "Intente otro método o llame al 311.",
    },
    "skipped": {
        "en": "{city}: scheduled payment {conf} was not sent because your balance is already "
              "paid. No money was taken.",
        "es": "{city}: el pago programado {conf} no se envió porque su saldo ya está pagado. "
              "No se cobró nada.",
    },
    "paperless.enrolled": {
        "en": "{city}: you are enrolled in paperless billing. Bills will be emailed to {email} "
              "and paper bills will stop.",
        "es": "{city}: se inscribió en la facturación sin papel. Enviaremos las facturas a "
              "{email} y dejará de recibir facturas en papel.",
    },
    "paperless.unenrolled": {
        "en": "{city}: paperless billing is off. Paper bills will be mailed again. Scheduled "
              "payments will still be processed.",
        "es": "{city}: la facturación sin papel está desactivada. Volverá a recibir facturas en "
              "papel. Los pagos programados se procesarán igual.",
    },
}


def language_of(customer: Customer) -> str:
    return "es" if (customer.language or "").startswith("es") else "en"


def render(kind: str, language: str, **values: str) -> str:
    texts = _TEXTS[kind]
    return texts.get(language, texts["en"]).format(**values)


def payment_text(kind: str, payment: Payment, language: str, city: str,
                 reason: str = "") -> str:
    fee_text = ""
    if payment.fee.is_positive():
        fee_text = render("fee", language, fee=payment.fee.format())
    return render(kind, language, city=city, conf=payment.confirmation_number,
                  amount=payment.amount.format(), fee_text=fee_text,
                  method=payment.method_label, date=payment.scheduled_for.strftime("%m/%d/%Y"),
                  reason=reason)


