"""Lo que Payline envía por texto en español: the same keys and placeholders as en.py (a test
checks it). The keywords named are the Spanish ones (SALDO, PAGAR, AYUDA, SÍ, ENLACE); the
carriers' STOP and START stay as carriers define them. Amounts as in English ("$58.23");
dates written "5 de diciembre", never the ambiguous "12/05" (conversation/wording/es.py: the
words chat and texts share)."""

from __future__ import annotations

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
    # --- los botones del asistente, como opciones numeradas (ivr/sms/formatting.py) -------
    "reply_yes_no": "Responda SÍ o NO.",
    "reply_choices": "Responda {choices}.",
    "reply_choice": "{number} para {title}",
    # --- un enlace de un solo uso que no se repite al reenviar la respuesta ---------------
    "link_not_repeated": "[enlace no repetido: envíe PAGAR o ENLACE para uno nuevo]",
}
