"""Lo que dicen las acciones del asistente en español: the same keys and placeholders as en.py
(a test checks it). Usted throughout; amounts as in English ("$58.23"); {day} "viernes 4 de
diciembre", {short} "4 dic"; {method} "VISA terminada en 4242". Button payloads are Spanish
words a resident could type ("sí", "no", "el saldo total"); the actions read them in either
language."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    # --- en todas partes ------------------------------------------------------------------
    "account": "la cuenta que termina en {last4}",
    "this_account": "esta cuenta",
    "sorry": ("Disculpe, algo falló de nuestro lado y no se cambió nada. Intente de nuevo en un "
              "momento o llame al 311 para recibir ayuda."),
    "only_bills": "Aquí solo puedo ayudarle con las facturas de la ciudad.",
    "need_yes_no": "Responda sí o no, por favor.",
    "yes.title": "Sí",
    "yes.payload": "sí",
    "no.title": "No",
    "no.payload": "no",
    "never_card_numbers": "Nunca escriba números de tarjeta ni de cuenta bancaria en este chat.",
    # --- verificación -----------------------------------------------------------------------
    "verify.again_account_number": ("¿Cuál es el número de cuenta de su factura? (O escriba "
                                    "\"número de cliente\" y el número.)"),
    "verify.again_factor": ("¿Cuál es el número de la dirección del servicio? (O \"SSN\" y los "
                            "últimos 4.)"),
    "verify.failed": ("Disculpe, no pude verificar eso. Revise los números de su factura e "
                      "intente de nuevo. Empecemos por el número de cuenta."),
    "verify.failed_general": ("Disculpe, no pude verificar eso. Revise el número de cliente y "
                              "el número de factura e intente de nuevo."),
    "verify.need_account_number": ("Escriba el número de cuenta de su factura, solo dígitos, "
                                   "por ejemplo 0012345678."),
    "verify.need_factor": ("Escriba el número de la dirección del servicio (como 1234) o los "
                           "últimos 4 dígitos del Seguro Social o identificación fiscal (como "
                           "\"SSN 1234\")."),
    "verify.need_customer_id": "Escriba el número de cliente de su factura (solo dígitos).",
    "verify.need_bill_number": "Escriba el número de factura que aparece en su factura.",
    "verify.card_number": ("Eso parece un número de tarjeta, así que no lo usé. Nunca escriba "
                           "números de tarjeta aquí: cuando pague, le enviaré un enlace de pago "
                           "seguro."),
    "verify.done": "Gracias, ya verificamos {account}.",
    # --- en medio de un trámite -----------------------------------------------------------
    "hint.account_number": ("Su número de cuenta es el número de 10 dígitos arriba a la "
                            "derecha de su factura."),
    "hint.verification_factor": ("Escriba el número de la dirección del servicio (como 1234) o "
                                 "los últimos 4 dígitos del Seguro Social o identificación "
                                 "fiscal (como \"SSN 1234\")."),
    "hint.customer_id": ("El número de cliente aparece en su factura general, junto al número "
                         "de factura."),
    "hint.bill_number": ("El número de factura aparece en la factura, junto al número de "
                         "cliente."),
    "hint.amount": "Escriba un monto como $40 o 125.50, o diga \"el saldo total\".",
    "hint.payment_date": ("Escriba una fecha como \"el próximo viernes\", \"el 15\" o \"3 de "
                          "diciembre\"."),
    "hint.payment_method": ("Elija uno de sus métodos de pago guardados, o diga \"tarjeta "
                            "nueva\" y le enviaré un enlace de pago seguro."),
    "hint.other": "Responda la pregunta de arriba, o diga \"olvídelo\" para salir.",
    "task.check_balance": "ver su saldo",
    "task.pay_bill": "hacer un pago",
    "task.schedule_payment": "programar un pago",
    "task.cancel_scheduled_payment": "cancelar un pago programado",
    "task.payment_status": "revisar sus pagos",
    "task.enroll_paperless": "activar la facturación sin papel",
    "task.unenroll_paperless": "desactivar la facturación sin papel",
    "switched": "De acuerdo, mejor vamos a {task}.",
    "stopped": "De acuerdo, me detuve. No se cambió nada. ¿En qué más le puedo ayudar?",
    "stopped_goodbye": "De acuerdo, me detuve: no se cambió nada.",
    "goodbye": "Gracias por comunicarse con la ciudad. ¡Adiós!",
    "locked": ("Por su seguridad, esta cuenta está bloqueada para el autoservicio después de 3 "
               "intentos de verificación sin éxito."),
    "throttled": "Hubo demasiados intentos sin éxito en esta conversación.",
    "throttled_next": "{throttled} Espere un rato o {reach_311}.",
    # --- el 311 -----------------------------------------------------------------------------
    "reach_311": "llame al 311 (o al {number} desde fuera de la ciudad), {hours}",
    "handoff": "Para hablar con una persona, {reach_311}.",
    "handoff_reference": (" Ya pasé lo que estaba haciendo aquí (referencia {reference}), para "
                          "que el agente continúe donde usted lo dejó."),
    # --- el saldo ---------------------------------------------------------------------------
    "balance.owes": "Hoy, {as_of}, {account} debe {total}.",
    "balance.past_due": " De eso, {amount} está vencido.",
    "balance.next_due": " El próximo vencimiento es el {day}.",
    "balance.credit": "Hoy, {as_of}, {account} tiene un crédito de {credit}. No debe nada.",
    "balance.nothing_due": "Hoy, {as_of}, {account} no debe nada.",
    "balance.bills": "Facturas abiertas:",
    "balance.bill": ("factura {number} ({kind}), vencimiento {short}: {unpaid} sin pagar de "
                     "{total}"),
    "balance.bill_past_due": " (vencida)",
    "balance.more_bills": "y {count} más",
    "balance.pending": "En proceso: {payments}.",
    "balance.pending_one": "{amount} con {method} (confirmación {confirmation})",
    "balance.scheduled": "Programado: {payments}.",
    "balance.scheduled_one": "{amount} el {day} con {method} (confirmación {confirmation})",
    "balance.left": "Con esos pagos, quedan {amount} por pagar.",
    "balance.covered": "Esos pagos cubren el saldo: no queda nada más por pagar.",
    "balance.offer": "¿Quiere pagar ahora o programar un pago?",
    "pay_now.title": "Pagar ahora",
    "pay_now.payload": "pagar mi factura",
    "schedule.title": "Programar un pago",
    "schedule.payload": "programar un pago",
    # --- estado e historial de pagos --------------------------------------------------------
    "history.none": "No hay pagos en esta cuenta en los últimos 24 meses.",
    "history.heading": "Sus pagos, del más reciente al más antiguo:",
    "history.heading_more": "Más pagos suyos:",
    "history.line": "{short}: {amount}, {status} ({confirmation})",
    "history.more": "Diga \"todos mis pagos\" para ver los anteriores.",
    "history.rejected": "El pago de {amount} del {short} fue rechazado: {reason}.",
    "history.pending_note": ("Un pago pendiente ya está en camino y no se puede cancelar; uno "
                             "programado se puede cancelar hasta su fecha."),
    # --- el monto ---------------------------------------------------------------------------
    "amount.balance": "El saldo es de {total}",
    "amount.past_due": ", de los cuales {amount} están vencidos",
    "amount.payable": " ({amount} después de los pagos ya hechos o programados)",
    "amount.ask_pay": ". ¿Cuánto quiere pagar?",
    "amount.ask_schedule": ". ¿De cuánto será el pago programado?",
    "amount.hint": " Escriba un monto como $40, o elija el saldo total.",
    "amount.again_pay": "¿Cuánto quiere pagar?",
    "amount.again_schedule": "¿De cuánto será el pago programado?",
    "full_balance.title": "Saldo total ({amount})",
    "full_balance.payload": "el saldo total",
    "past_due.title": "Lo vencido ({amount})",
    "past_due.payload": "el monto vencido",
    "amount.too_high": ("Eso es más de lo que se puede pagar en esta cuenta. Lo máximo que "
                        "puede pagar es {amount}."),
    "amount.nothing_past_due": "Nada de esta cuenta está vencido. ¿Cuánto quiere pagar?",
    "amount.unclear": ("Disculpe, no entendí un monto. Escriba el monto en dólares y centavos, "
                       "por ejemplo 45.50."),
    "date.again": "¿En qué fecha debe salir el pago?",
    "date.unclear": ("Disculpe, no entendí una fecha. Escriba una fecha, por ejemplo el 5 de "
                     "diciembre o el próximo viernes."),
    # --- el método de pago ------------------------------------------------------------------
    "method.ask": ("¿Cómo quiere pagar? Sus métodos guardados: {options}. O elija una tarjeta o "
                   "cuenta bancaria nueva y le enviaré un enlace de pago seguro."),
    "method.again": ("¿Cuál? Sus métodos guardados: {options}. O una tarjeta o cuenta nueva "
                     "(enlace de pago seguro)."),
    "method.card_fee": "{method} (cargo de {fee})",
    "method.no_fee": "{method} (sin cargo)",
    "new_method.title": "Tarjeta o cuenta bancaria nueva",
    "new_method.payload": "tarjeta o cuenta nueva",
    "method.unclear": ("Disculpe, no entendí cuál. Escriba los últimos 4 dígitos de un método "
                       "guardado, o \"tarjeta nueva\" para un enlace de pago seguro."),
    "method.gone": "Ese método de pago ya no se puede usar. Empiece el pago de nuevo.",
    "nothing_to_pay": ("Por ahora no hay nada que pagar en esta cuenta: los pagos ya hechos o "
                       "programados cubren el saldo."),
    # --- la confirmación --------------------------------------------------------------------
    "confirm.when_now": "ahora",
    "confirm.when_on": "el {day}",
    "confirm.link": ("Confirme, por favor: crearé un enlace seguro de un solo uso para pagar "
                     "{amount} {when}. Con tarjeta hay un cargo por servicio de {fee} ({total} "
                     "en total); desde una cuenta bancaria no hay cargo. ¿Creo el enlace?"),
    "confirm.pay": "Confirme, por favor: pagar {amount} {when} con {method}. {costs} ¿Continúo?",
    "confirm.schedule": ("Confirme, por favor: programar {amount} {when} con {method}. {costs} "
                         "¿Continúo?"),
    "confirm.fee": "Cargo por servicio {fee}, total {total}.",
    "confirm.no_fee": "Sin cargo.",
    "fee.link": ("Con tarjeta hay un cargo por servicio de {fee}, así que pagaría {total} en "
                 "total; desde una cuenta bancaria no hay cargo. No se hace nada hasta que "
                 "usted diga que sí."),
    "fee.card": ("Sí: pagar con {method} tiene un cargo por servicio de {fee}, así que el total "
                 "es {total}. Pagar desde una cuenta bancaria no tiene cargo. No se hace nada "
                 "hasta que usted diga que sí."),
    "fee.none": ("Pagar con {method} no tiene cargo: el total es {total}. No se hace nada "
                 "hasta que usted diga que sí."),
    "not_paid": "De acuerdo, no hice ningún pago. ¿En qué más le puedo ayudar?",
    # --- el resultado -----------------------------------------------------------------------
    "link.sent": "Este es su enlace de pago seguro por {amount}{when}: {url}",
    "link.when": " para el {day}",
    "link.note": ("Funciona una sola vez y vence en {minutes} minutos. Escriba los datos de su "
                  "tarjeta o cuenta en esa página, nunca en este chat. Cuando termine, "
                  "pregúnteme por el estado de su pago."),
    "result.fee": " más un cargo de {fee} ({total} en total)",
    "result.scheduled": ("Listo: {amount}{fee} quedó programado para el {day} con {method}. Su "
                         "número de confirmación es {confirmation}. Puede cancelarlo aquí hasta "
                         "esa fecha."),
    "result.approved": ("Pago aprobado: {amount}{fee} con {method}. Su número de confirmación "
                        "es {confirmation}."),
    "result.processing": ("No recibimos respuesta del procesador de tarjetas, así que todavía "
                          "no se cobró a su {method}. Terminaremos el pago de {amount}{fee} en "
                          "breve y le enviaremos el resultado; por favor no pague de nuevo. Su "
                          "número de confirmación es {confirmation}."),
    "result.submitted": ("Su pago de {amount}{fee} con {method} fue enviado y está pendiente. "
                         "Su número de confirmación es {confirmation}. Los pagos bancarios "
                         "tardan de {min_days} a {max_days} días hábiles en acreditarse."),
    "result.declined": ("Disculpe, ese pago no se completó ({reason}). No se cobró nada. Puede "
                        "probar con otro método de pago o pedir un enlace de pago seguro para "
                        "una tarjeta nueva."),
    # --- cancelar un pago programado --------------------------------------------------------
    "cancel.none": "No hay pagos programados en esta cuenta para cancelar.",
    "cancel.pending_note": (" Un pago pendiente ya se está procesando y no se puede cancelar. "
                            "Si es un error, llame al 311."),
    "cancel.ask": "¿Qué pago programado cancelo?\n{payments}",
    "cancel.line": "{n}) {amount} el {short}, {method} ({confirmation})",
    "cancel.button": "{n}) {amount} el {short}",
    "cancel.which": ("Disculpe, ¿cuál? Escriba su número en la lista (1, 2, ...) o su número de "
                     "confirmación."),
    "cancel.confirm": ("¿Cancelo el pago de {amount} programado para el {day} con {method} "
                       "(confirmación {confirmation})?"),
    "cancel.kept": "De acuerdo, dejé su pago programado como estaba.",
    "cancel.done": ("Cancelado: el pago de {amount} programado para el {day} (confirmación "
                    "{confirmation}) no se hará."),
    # --- facturación sin papel --------------------------------------------------------------
    "paperless.already": ("Esta cuenta ya tiene facturación sin papel: las facturas llegan a "
                          "{email}. Para cambiar el correo, desactívela y actívela de nuevo, o "
                          "llame al 311."),
    "paperless.ask_on_file": ("¿Le enviamos las facturas al correo registrado, {email}? "
                              "Responda sí, o escriba otro correo electrónico."),
    "paperless.ask_email": "¿A qué correo electrónico le enviamos sus facturas?",
    "paperless.type_email": ("Escriba el correo electrónico al que enviaremos sus facturas, "
                             "como nombre@ejemplo.com."),
    "paperless.yes_or_email": ("Responda sí para usar el correo registrado, o escriba otro "
                               "correo electrónico."),
    "paperless.bad_email": ("Ese correo electrónico no parece correcto. Revíselo, por ejemplo "
                            "nombre@ejemplo.com."),
    "paperless.confirm": ("¿Activo la facturación sin papel para {account}, con las facturas "
                          "enviadas a {email}? Dejará de recibir facturas en papel."),
    "paperless.kept": "De acuerdo, no cambió nada: seguirá recibiendo facturas en papel.",
    "paperless.done": ("Listo: la facturación sin papel está activada. Sus facturas llegarán a "
                       "{email} y dejará de recibirlas en papel. Le enviamos una confirmación. "
                       "(¿No ve los correos? Revise su carpeta de spam.)"),
    "unenroll.not_enrolled": ("Esta cuenta no tiene facturación sin papel: ya recibe facturas "
                              "en papel."),
    "unenroll.confirm": ("¿Desactivo la facturación sin papel para {account}? Volverá a recibir "
                         "facturas en papel."),
    "unenroll.kept": "De acuerdo, la facturación sin papel sigue activada.",
    "unenroll.done": ("Listo: la facturación sin papel está desactivada y volverá a recibir "
                      "facturas en papel. Los pagos programados se harán igual; cancélelos "
                      "antes si no los quiere."),
}
