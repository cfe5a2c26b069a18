"""Spanish voice prompts (same keys and placeholders as en.py; a test checks it)."""

PROMPTS: dict[str, str] = {
    # --- saludo y menús -----------------------------------------------------------------
    "welcome": "Gracias por llamar a la línea de pagos de {city}.",
    "language_choice": "Para español, oprima 2.",
    "main_menu": (
        "Menú principal. Para su saldo, oprima 1. Para pagar ahora, oprima 2. Para programar "
        "un pago, oprima 3. Para revisar o cancelar un pago programado, oprima 4. Para la "
        "facturación sin papel, oprima 5. Para hablar con un agente del 311, oprima 0. Para "
        "escuchar estas opciones otra vez, oprima 9. También puede decirme lo que necesita."),
    "menu_hint": "En cualquier menú, oprima asterisco para regresar, o 9 para repetir.",
    "not_understood": "Disculpe, no le entendí.",
    "no_input": "Disculpe, no escuché nada.",
    "offer_agent": (
        "Parece que tenemos dificultades. Para hablar con un agente del 311, oprima 0. "
        "Si no, gracias por llamar. Adiós."),
    "goodbye": "Gracias por llamar a la línea de pagos de {city}. Adiós.",
    "transfer": "Por favor espere mientras lo comunico con un agente del 311.",
    "transfer_unavailable": (
        "Disculpe, ningún agente puede atenderle ahora. Llame al 311 al {phone} en horario de "
        "oficina. Adiós."),
    "problem": "Disculpe, tuvimos un problema de nuestro lado.",
    "call_recovered": "Disculpe, continuemos desde donde podamos.",
    # --- transferencia de un agente del 311 al autoservicio ----------------------------
    "transfer_welcome": (
        "Ahora está en la línea de pagos segura de {city}. El agente ya salió de la llamada, "
        "así que los datos de su tarjeta o de su cuenta bancaria quedan privados. Su cuenta "
        "que termina en {last4} está verificada."),
    "transfer_menu": (
        "Para pagar ahora, oprima 1. Para programar un pago, oprima 2. Para escuchar su "
        "saldo, oprima 3. Para regresar con un agente del 311, oprima 0. Para escuchar estas "
        "opciones otra vez, oprima 9."),
    "transfer_failed": (
        "No pudimos completar la transferencia del agente, pero puede continuar aquí."),
    # --- identificación -----------------------------------------------------------------
    "id_intro": "Primero, busquemos su cuenta.",
    # El atajo del identificador de llamadas no nombra ninguna cuenta antes de que coincidan
    # los últimos 4 del Seguro Social o número de identificación fiscal.
    "id_hint": (
        "El número desde el que llama está registrado con nosotros. Para verificar con los "
        "últimos 4 dígitos del Seguro Social o número de identificación fiscal del titular de "
        "la cuenta, oprima 1. Para marcar un número de cuenta, oprima 2."),
    "id_hint_choose": "Eso coincide con más de una cuenta.",
    "id_hint_one": "Para la cuenta que termina en {last4}, oprima {digit}.",
    "id_how": (
        "Si tiene un número de cuenta de servicios, oprima 1. Para pagar una factura general "
        "con un número de cliente y un número de factura, oprima 2."),
    "id_account": "Por favor marque su número de cuenta y luego la tecla numeral.",
    "id_account_invalid": "El número de cuenta solo tiene dígitos. Revise su factura, por favor.",
    "id_card_refused": (
        "Eso parece un número de tarjeta, así que no lo usamos ni lo guardamos. Marque el "
        "número que aparece en su factura, nunca un número de tarjeta."),
    "id_factor_kind": (
        "Para verificar la cuenta, oprima 1 para marcar el número de la dirección del "
        "servicio. U oprima 2 para marcar los últimos 4 dígitos del Seguro Social o número de "
        "identificación fiscal del titular."),
    "id_street": "Marque el número de la dirección del servicio y luego la tecla numeral.",
    "id_street_invalid": "Marque solo el número de la casa, por ejemplo 1 2 3 4.",
    "id_last4": "Marque los últimos 4 dígitos del Seguro Social o número de identificación fiscal.",
    "id_last4_invalid": "Marque exactamente 4 dígitos, por favor.",
    "id_customer": "Marque su número de cliente y luego la tecla numeral.",
    "id_bill": "Ahora marque el número de factura y luego la tecla numeral.",
    "id_bill_invalid": "El número de factura solo tiene dígitos en el teclado. Revise su factura.",
    "id_failed": (
        "Disculpe, esa información no coincide con nuestros registros. Intentemos otra vez."),
    "id_locked": (
        "Por su seguridad, esta cuenta está bloqueada para el autoservicio después de "
        "demasiados intentos. Un agente del 311 puede verificarle y desbloquearla."),
    "id_throttled": "Por su seguridad, no podemos aceptar más intentos en esta llamada.",
    "id_verified": "Gracias. Su cuenta que termina en {last4} está verificada.",
    # --- saldo ----------------------------------------------------------------------------
    "balance_total": "Al {today}, su saldo total es de {amount}.",
    "balance_past_due": "De eso, {amount} está vencido.",
    "balance_next_due": "El próximo pago vence el {date}.",
    "balance_none": "Al {today}, no tiene saldo pendiente. Gracias.",
    "balance_credit": "Su cuenta tiene un crédito de {amount}.",
    "balance_pending": "Un pago de {amount} enviado el {date} se está procesando.",
    "balance_scheduled": "Hay un pago de {amount} programado para el {date}.",
    "history_refunded": "Se reembolsaron {refund} de su pago de {amount} del {date}.",
    "history_refunded_in_full": "Su pago de {amount} del {date} se reembolsó por completo.",
    "history_disputed": (
        "Su banco disputó su pago de {amount} del {date}, así que ese monto se debe de nuevo "
        "hasta que se resuelva la disputa."),
    # --- montos ---------------------------------------------------------------------------
    "nothing_due": "No hay saldo pendiente en esta cuenta en este momento.",
    "already_covered": (
        "Los pagos pendientes o programados ya cubren su saldo, así que no hay nada más que "
        "pagar por ahora."),
    "amount_menu_full": "Para pagar el saldo total de {amount}, oprima 1.",
    "amount_menu_past_due": "Para pagar el monto vencido de {amount}, oprima 2.",
    "amount_menu_other": "Para marcar otro monto, oprima 3.",
    "amount_entry": (
        "Marque el monto en dólares y centavos, sin punto decimal, y luego la tecla numeral. "
        "Por ejemplo, para 45 dólares con 50 centavos, marque 4 5 5 0 y luego numeral."),
    "amount_invalid": "Disculpe, ese monto no es válido.",
    "amount_too_high": "Lo máximo que puede pagar ahora es {amount}.",
    "amount_heard": "Usted marcó {amount}.",
    # --- método, cargo, <Pay> ----------------------------------------------------------------
    "method_menu": (
        "Para pagar con tarjeta de crédito o débito, oprima 1. Los pagos con tarjeta tienen un "
        "cargo por servicio de {fee}. Para pagar desde una cuenta de cheques o de ahorros sin "
        "cargo, oprima 2."),
    "confirm_card": (
        "Va a pagar {amount} con tarjeta. Se aplica un cargo por servicio de {fee}, para un "
        "total de {total}. Para continuar y marcar su tarjeta, oprima 1. Para cancelar, "
        "oprima 2."),
    "confirm_bank": (
        "Va a pagar {amount} desde una cuenta bancaria, sin cargo. Para continuar y marcar su "
        "cuenta bancaria, oprima 1. Para cancelar, oprima 2."),
    "pay_card_intro": (
        "Marque los datos de su tarjeta cuando se le pidan. El número de su tarjeta se maneja "
        "de forma segura y nadie lo escucha. Oprima asterisco en cualquier momento para "
        "cancelar."),
    "pay_bank_intro": (
        "Marque el número de ruta y el número de su cuenta bancaria cuando se le pidan. Oprima "
        "asterisco en cualquier momento para cancelar."),
    "pay_cancelled": "El pago se canceló. No se cobró nada.",
    "pay_approved": "Su pago de {amount} fue aprobado.",
    "pay_declined": "Disculpe, la tarjeta fue rechazada. No se cobró nada.",
    "pay_unreadable": "Disculpe, no pudimos aceptar esos datos de pago. No se cobró nada.",
    "pay_processor_down": (
        "Disculpe, no pudimos comunicarnos con el procesador de pagos, así que no se cobró "
        "nada. Intente más tarde, por favor."),
    "pay_insufficient_funds": (
        "Disculpe, la tarjeta fue rechazada: la cuenta no tiene fondos suficientes para este "
        "pago. No se cobró nada."),
    "pay_card_expired": "Disculpe, esa tarjeta está vencida. No se cobró nada.",
    "pay_card_pending": (
        "Disculpe, no pudimos comunicarnos con el procesador de tarjetas en este momento, así "
        "que todavía no se cobró nada a su tarjeta. Lo intentaremos de nuevo en breve; no "
        "necesita volver a llamar."),
    "pay_authentication_required": (
        "El banco de su tarjeta quiere confirmar este pago con usted, y eso no se puede hacer "
        "por teléfono. No se cobró nada."),
    "pay_authentication_menu": (
        "Para recibir un mensaje de texto con un enlace seguro para pagar en su teléfono, "
        "donde su banco puede confirmarlo, oprima 1. Para intentar con otra tarjeta, oprima 2. "
        "Para el menú principal, oprima 3."),
    "pay_link_sent": (
        "Enviamos un enlace de pago seguro al número desde el que llama. Funciona una sola "
        "vez, durante {minutes} minutos."),
    # Un mensaje de texto, no voz: el enlace de pago que pidió quien llama.
    "pay_link_text": (
        "{city}: pague de forma segura aquí: {url} (el enlace funciona una sola vez, durante "
        "{minutes} minutos). Nunca envíe números de tarjeta por mensaje."),
    "pay_retry_menu": (
        "Para intentar con otra tarjeta, oprima 1. Para pagar desde una cuenta bancaria, "
        "oprima 2. Para el menú principal, oprima 3."),
    "confirmation": "Su número de confirmación es {conf}. Repito: {conf}.",
    "bank_submitted": (
        "Su pago de {amount} fue enviado. Se debitará de su cuenta en {min_days} a {max_days} "
        "días hábiles."),
    "receipt_offer": (
        "Para recibir un recibo por mensaje de texto en el número desde el que llama, oprima 1. "
        "Para el menú principal, oprima 2."),
    "receipt_sent": "Su recibo va en camino.",
    "text_unavailable": (
        "Disculpe, no podemos enviar un mensaje de texto al número desde el que llama."),
    "text_opted_out": (
        "El número desde el que llama pidió no recibir mensajes de texto nuestros, así que no "
        "le enviamos uno. Para volver a recibirlos, envíe START a nuestro número."),
    # --- autorización (TEL) ----------------------------------------------------------------
    "authorize_bank": (
        "Escuche esta autorización, por favor. Al oprimir 1, usted autoriza a {city} a hacer "
        "un débito electrónico único de {amount} de su cuenta de {account_type} que termina "
        "en {last4} el {date}. Es un débito único, no recurrente. Para revocar esta "
        "autorización, llame al {phone} antes de esa fecha. Para autorizar este pago, oprima 1. "
        "Para cancelar, oprima 2. Para escuchar esto otra vez, oprima 9."),
    "authorize_card": (
        "Va a programar un pago de {amount} el {date} con la tarjeta que termina en {last4}. "
        "Se aplica un cargo por servicio de {fee}, para un total de {total}. Para confirmar, "
        "oprima 1. Para cancelar, oprima 2."),
    "checking": "cheques",
    "savings": "ahorros",
    # --- programar ---------------------------------------------------------------------------
    "schedule_intro": "Vamos a programar un pago.",
    "date_entry": (
        "Marque la fecha del pago con 4 dígitos: dos para el mes y dos para el día. Por "
        "ejemplo, para el 5 de marzo, marque 0 3 0 5."),
    "date_invalid": "Disculpe, esa no es una fecha válida.",
    "date_past": (
        "Un pago programado necesita una fecha futura. Para pagar hoy, elija pagar ahora."),
    "date_too_far": "Los pagos se pueden programar hasta {days} días antes, hasta el {date}.",
    "date_heard": "Usted eligió el {date}.",
    "warn_after_due": (
        "Tenga en cuenta que esa fecha es posterior al vencimiento del {date}. Podría aplicarse "
        "un cargo por pago tardío o una interrupción del servicio."),
    "warn_past_due": (
        "Tenga en cuenta que {amount} de su saldo ya está vencido. Pagarlo hoy evita cargos "
        "por pago tardío o una interrupción del servicio."),
    "schedule_method_menu": (
        "Para programar con tarjeta de crédito o débito, oprima 1. Los pagos con tarjeta tienen "
        "un cargo por servicio de {fee}. Para programar desde una cuenta de cheques o de "
        "ahorros sin cargo, oprima 2."),
    "schedule_card_intro": (
        "Marque los datos de su tarjeta cuando se le pidan. No se cobrará nada ahora. Oprima "
        "asterisco en cualquier momento para cancelar."),
    "schedule_bank_intro": (
        "Marque el número de ruta y el número de su cuenta bancaria cuando se le pidan. No se "
        "debitará nada ahora. Oprima asterisco en cualquier momento para cancelar."),
    "scheduled_done": "Su pago de {amount} está programado para el {date}.",
    # --- revisar / cancelar ----------------------------------------------------------------
    "none_scheduled": "No tiene pagos programados.",
    "pending_explained": (
        "Un pago de {amount} enviado el {date} ya se está procesando, así que ya no se puede "
        "cancelar."),
    "scheduled_item": (
        "Pago programado {index} de {count}: {amount} el {date}, con {method}. Para cancelar "
        "este pago, oprima 1. Para escuchar el siguiente, oprima 2. Para el menú principal, "
        "oprima 3."),
    "scheduled_item_last": (
        "Pago programado {index} de {count}: {amount} el {date}, con {method}. Para cancelar "
        "este pago, oprima 1. Para el menú principal, oprima 3."),
    "cancel_confirm": (
        "Para confirmar la cancelación del pago de {amount} del {date}, oprima 1. Para "
        "conservarlo, oprima 2."),
    "cancel_done": "El pago de {amount} del {date} está cancelado. No se cobrará nada.",
    "cancel_kept": "El pago se conserva.",
    "cancel_too_late": (
        "Disculpe, ese pago ya se está procesando y ya no se puede cancelar."),
    # --- sin papel ---------------------------------------------------------------------------
    "paperless_on": (
        "Usted está inscrito en la facturación sin papel. Las facturas van a su correo que "
        "empieza con {first}, en {domain}. Para dejar la facturación sin papel y recibir "
        "facturas en papel otra vez, oprima 1. Para el menú principal, oprima 2."),
    "paperless_offer_email": (
        "Para recibir sus facturas por correo electrónico en su dirección registrada, que "
        "empieza con {first}, en {domain}, oprima 1. Para recibir un mensaje de texto con un "
        "enlace para inscribirse con otro correo, oprima 2. Para el menú principal, oprima 3."),
    "paperless_offer_link": (
        "No tenemos un correo electrónico registrado. Para recibir un mensaje de texto con un "
        "enlace para terminar la inscripción, oprima 1. Para el menú principal, oprima 2."),
    "paperless_enrolled": (
        "Usted está inscrito en la facturación sin papel. Las facturas llegarán por correo "
        "electrónico y dejarán de llegar en papel. Le enviamos una confirmación."),
    "paperless_unenrolled": (
        "La facturación sin papel está desactivada. Volverá a recibir facturas en papel. Los "
        "pagos programados se procesarán igual."),
    "paperless_link_sent": (
        "Le enviamos un mensaje de texto con un enlace. Funciona durante {minutes} minutos."),
    # --- errores ----------------------------------------------------------------------------
    "locked_now": (
        "Esta cuenta está bloqueada para el autoservicio. Un agente del 311 puede ayudarle."),
    "try_again_later": "Disculpe, no pudimos completar eso ahora. Intente otra vez, por favor.",
}

LANGUAGE_NAME = "español"
