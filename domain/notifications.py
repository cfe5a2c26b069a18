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
    "submitted": {
        "en": "{city}: payment {conf} of {amount} from {method} was submitted on {date}. "
              "It will be debited in 1 to 2 business days.",
        "es": "{city}: el pago {conf} de {amount} con {method} se envió el {date}. "
              "Se debitará en 1 a 2 días hábiles.",
    },
    "scheduled": {
        "en": "{city}: payment {conf} of {amount}{fee_text} is scheduled for {date} from "
              "{method}.",
        "es": "{city}: el pago {conf} de {amount}{fee_text} está programado para el {date} con "
              "{method}.",
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
    # --- money back: refunds and disputes (chargebacks) --------------------------------
    "refund": {
        "en": "{city}: a refund of {refund} for payment {conf} is on its way to your {method}; "
              "it can take 5-10 business days.",
        "es": "{city}: un reembolso de {refund} del pago {conf} va en camino a su {method}; "
              "puede tardar de 5 a 10 días hábiles.",
    },
    "dispute.open": {
        "en": "{city}: your bank has disputed payment {conf} of {amount}; the amount is owed "
              "again until the dispute is resolved.",
        "es": "{city}: su banco disputó el pago {conf} de {amount}; el monto se debe de nuevo "
              "hasta que se resuelva la disputa.",
    },
    "dispute.won": {
        "en": "{city}: the dispute of payment {conf} was resolved and the payment of {amount} "
              "counts toward your account again.",
        "es": "{city}: la disputa del pago {conf} se resolvió y el pago de {amount} vuelve a "
              "contar en su cuenta.",
    },
    "dispute.lost": {
        "en": "{city}: the dispute of payment {conf} is closed; your bank returned {amount} to "
              "you, so that amount is still owed on your account.",
        "es": "{city}: la disputa del pago {conf} está cerrada; su banco le devolvió {amount}, "
              "así que ese monto sigue pendiente en su cuenta.",
    },
    "reminder": {
        "en": "{city}: Reminder: payment {conf} of {amount}{fee_text} from {method} is "
              "scheduled for {date}. To cancel it, call 311 before it is processed.",
        "es": "{city}: Recordatorio: el pago {conf} de {amount}{fee_text} con {method} está "
              "programado para el {date}. Para cancelarlo, llame al 311 antes de que se procese.",
    },
    "reminder.subject": {
        "en": "{city}: payment reminder {conf}",
        "es": "{city}: recordatorio de pago {conf}",
    },
    "paperless.enrolled": {
        "en": "{city}: you are enrolled in paperless billing. Bills will be emailed to {email} "
              "and paper bills will stop.",
        "es": "{city}: se inscribió en la facturación sin papel. Enviaremos las facturas a "
              "{email} y dejará de recibir facturas en papel.",
    },
    "paperless.link": {
        "en": "{city}: to finish enrolling in paperless billing, open {url} within {minutes} "
              "minutes. If you did not ask for this, ignore this message.",
        "es": "{city}: para terminar su inscripción en la facturación sin papel, abra {url} "
              "en los próximos {minutes} minutos. Si no lo pidió, ignore este mensaje.",
    },
    "paperless.unenrolled": {
        "en": "{city}: paperless billing is off. Paper bills will be mailed again. Scheduled "
              "payments will still be processed.",
        "es": "{city}: la facturación sin papel está desactivada. Volverá a recibir facturas en "
              "papel. Los pagos programados se procesarán igual.",
    },
    # --- autopay (seed FAQ "Recurring Payment option") ---------------------------------
    "autopay.enrolled": {
        "en": "{city}: autopay is on{replaced}. Each new bill will be paid {when} from "
              "{method}{fee_text}.{limit_text}",
        "es": "{city}: el pago automático está activado{replaced}. Cada factura nueva se pagará "
              "{when} con {method}{fee_text}.{limit_text}",
    },
    "autopay.replaced": {
        "en": " with new settings, replacing the previous ones",
        "es": " con una nueva configuración que reemplaza la anterior",
    },
    "autopay.when.due_date": {"en": "on its due date", "es": "en su fecha de vencimiento"},
    "autopay.when.bill_arrival": {"en": "the day it arrives", "es": "el día que llegue"},
    "autopay.when.day_before": {
        "en": "1 day before its due date",
        "es": "1 día antes de su fecha de vencimiento",
    },
    "autopay.when.days_before": {
        "en": "{days} days before its due date",
        "es": "{days} días antes de su fecha de vencimiento",
    },
    "autopay.fee": {
        "en": " (a {fee} card fee applies to each payment)",
        "es": " (cada pago con tarjeta tiene un cargo de {fee})",
    },
    "autopay.limit": {
        "en": " Bills over {threshold} will not be paid automatically; we will ask you to "
              "authorize them.",
        "es": " Las facturas de más de {threshold} no se pagarán automáticamente; le pediremos "
              "que las autorice.",
    },
    "autopay.no_limit": {
        "en": " No limit is set, so every bill will be paid in full.",
        "es": " No hay un límite, así que cada factura se pagará completa.",
    },
    "autopay.unenrolled": {
        "en": "{city}: autopay is off. New bills will not be paid automatically. Payments "
              "already scheduled will still be processed; cancel them before their date if "
              "you do not want them.",
        "es": "{city}: el pago automático está desactivado. Las facturas nuevas no se pagarán "
              "automáticamente. Los pagos ya programados se procesarán igual; cancélelos antes "
              "de su fecha si no los desea.",
    },
    "autopay.threshold_exceeded": {
        "en": "{city}: bill {bill} of {amount} is over your autopay limit of {threshold}, so it "
              "will not be paid automatically. Please authorize the payment by {due}.",
        "es": "{city}: la factura {bill} de {amount} supera su límite de pago automático de "
              "{threshold}, así que no se pagará automáticamente. Autorice el pago a más tardar "
              "el {due}.",
    },
    "autopay.skipped.covered": {
        "en": "{city}: autopay did not schedule bill {bill}: payments already pending or "
              "scheduled, or your account credit, cover it. No extra money will be taken.",
        "es": "{city}: el pago automático no programó la factura {bill}: los pagos pendientes o "
              "programados, o el crédito de su cuenta, ya la cubren. No se cobrará nada más.",
    },
    "autopay.skipped.too_far": {
        "en": "{city}: autopay could not schedule bill {bill} of {amount} for {date}: that is "
              "too far ahead. Please pay it by {due}.",
        "es": "{city}: el pago automático no pudo programar la factura {bill} de {amount} para "
              "el {date} porque falta demasiado. Páguela a más tardar el {due}.",
    },
    "autopay.skipped.method_unavailable": {
        "en": "{city}: autopay could not pay bill {bill} of {amount} because its saved payment "
              "method is no longer available. Please pay it by {due} and update autopay.",
        "es": "{city}: el pago automático no pudo pagar la factura {bill} de {amount} porque su "
              "método de pago guardado ya no está disponible. Páguela a más tardar el {due} y "
              "actualice el pago automático.",
    },
    "autopay.skipped.not_schedulable": {
        "en": "{city}: autopay could not schedule bill {bill} of {amount}. Please pay it by "
              "{due} or call 311.",
        "es": "{city}: el pago automático no pudo programar la factura {bill} de {amount}. "
              "Páguela a más tardar el {due} o llame al 311.",
    },
    "autopay.skipped.nothing_due": {
        "en": "{city}: bill {bill} has nothing left to pay.",
        "es": "{city}: la factura {bill} no tiene saldo pendiente.",
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
                  reason=reason.rstrip(". "))  # the template ends the sentence itself
