"""The chat bot in Spanish (issue 17): a message the app sends with metadata language "es" is
answered in Spanish by every action, with Spanish buttons whose payloads work when sent or
typed, and the same rules as in English: only a clear "sí" moves money, "no" and "olvídalo"
change nothing, an unclear "sí pero cuánto es" asks again, and no card digits ever."""

from __future__ import annotations

from typing import Any

import pytest

from chatbot.actions.conversation import Turn
from chatbot.actions.finish import ActionFinishTask as Finish
from chatbot.actions.handoff import ActionHandoff
from chatbot.wording import Words
from tests.chatbot.action_support import (
    AISHA,
    DANA,
    GRACE,
    JORDAN,
    LUCIA,
    SAMUEL,
    SMS,
    SMS_SENDER,
    STREET,
    TOM,
    VICTOR,
    City,
    Conversation,
    run,
    tracker,
)

ES = {"language": "es", "language_from_resident": True}  # a resident writing Spanish
SI_NO = [{"title": "Sí", "payload": "sí"}, {"title": "No", "payload": "no"}]


def spanish(form: str, **slots: Any) -> Conversation:
    return Conversation(form, slots=dict(slots), metadata=dict(ES))


def verified(city: City, form: str, number: str, requested: str, **slots: Any) -> Conversation:
    """A verified Spanish form asking `requested`."""
    task = {"pay_form": "pay_bill", "schedule_form": "schedule_payment",
            "cancel_form": "cancel_scheduled_payment",
            "paperless_form": "enroll_paperless"}[form]
    return spanish(form, **city.verified(number), active_task=task, **slots,
                   requested_slot=requested)


def finish(city: City, number: str, task: str, **slots: Any) -> Any:
    return run(Finish, tracker("sí", intent="affirm", metadata=ES, message_id=f"m-{task}",
                               slots={**city.verified(number), "active_task": task,
                                      "form_outcome": "done", **slots}))


# --- the language of a turn ---------------------------------------------------------------
@pytest.mark.parametrize(("metadata", "language"), [
    ({"language": "es"}, "es"), ({"language": "ES"}, "es"), ({"language": "es-MX"}, "es"),
    ({"language": "en"}, "en"), ({"language": "fr"}, "en"), ({}, "en"),
    ({"language": None}, "en"), ({"channel": "sms", "language": "es"}, "es"),
])
def test_the_turn_speaks_the_language_of_the_latest_message(metadata: dict[str, Any],
                                                            language: str) -> None:
    turn = Turn(tracker("hola", metadata=metadata))
    assert turn.language == language and turn.wording == Words(language)


# --- verifying --------------------------------------------------------------------------------
def test_verifying_moves_to_the_language_on_file_unless_the_resident_set_one(city: City) -> None:
    # Lucía's language on file is Spanish; the chat started in English from the browser.
    conversation = Conversation("balance_form", metadata={"language": "en"})
    conversation.start("2201458890", intent="inform", entities={"account_number": LUCIA})
    done = conversation.say(STREET[LUCIA])
    assert done.messages[0].get("custom") == {"language": "es"}  # told to the channel
    assert done.texts[1:] == ["Gracias, ya verificamos la cuenta que termina en 8890."]
    assert done.slots["reply_language"] == "es"
    # The turn's later actions read the slot set after the resident's message: Spanish too.
    later = Turn(tracker("507", metadata={"language": "en"}, events=[
        {"event": "user", "text": "507"},
        {"event": "slot", "name": "reply_language", "value": "es"}]))
    assert later.language == "es"
    # In the next turn, the app's language decides again (here still English: the slot is old).
    assert Turn(tracker("ok", metadata={"language": "en"}, events=[
        {"event": "slot", "name": "reply_language", "value": "es"},
        {"event": "user", "text": "ok"}])).language == "en"


def test_a_language_the_resident_chose_or_writes_is_kept_at_verification(city: City) -> None:
    conversation = Conversation("balance_form", metadata={"language": "en",
                                                          "language_from_resident": True})
    conversation.start("2201458890", intent="inform", entities={"account_number": LUCIA})
    done = conversation.say(STREET[LUCIA])
    assert done.texts == ["Thanks, you're verified for the account ending 8890."]
    assert "reply_language" not in done.slots


def test_verify_by_account_and_street_number_in_spanish(city: City) -> None:
    conversation = spanish("balance_form")
    started = conversation.start("¿cuánto debo?", intent="check_balance")
    assert started.messages == [] and started.requested == "account_number"
    asked = conversation.ask()
    # es.yml's words, said by the Spanish model
    assert [m.get("response") for m in asked.messages] == ["utter_ask_account_number"]
    conversation.say(DANA, entities={"account_number": DANA})
    done = conversation.say(STREET[DANA])
    assert done.texts == ["Gracias, ya verificamos la cuenta que termina en 0731."]
    assert done.outcome == "done"


def test_a_wrong_street_number_is_refused_in_spanish_and_asked_again_shorter(city: City) -> None:
    conversation = spanish("balance_form")
    conversation.start("mi saldo", intent="check_balance")
    conversation.ask()
    conversation.say(DANA)
    failed = conversation.say("9999")
    assert failed.texts == [Words("es").say("verify.failed")]
    assert failed.texts[0].startswith("Disculpe, no pude verificar eso.")
    again = conversation.ask()
    assert again.texts == ["¿Cuál es el número de cuenta de su factura? (O escriba \"número de "
                           "cliente\" y el número.)"]
    assert city.failures(DANA) == 1


def test_a_card_number_at_the_account_question_is_refused_in_spanish(city: City) -> None:
    conversation = spanish("pay_form")
    conversation.start("quiero pagar", intent="pay_bill")
    result = conversation.say("4242 4242 4242 4242")
    (text,) = result.texts
    assert text.startswith("Eso parece un número de tarjeta") and "4242" not in text


def test_a_locked_account_is_handed_to_311_in_spanish(city: City) -> None:
    conversation = spanish("balance_form")
    conversation.verify(VICTOR)
    result = conversation.finish()
    locked, handoff = result.texts
    assert locked.startswith("Por su seguridad, esta cuenta está bloqueada")
    assert handoff.startswith("Para hablar con una persona, llame al 311")
    assert "las 24 horas, los 7 días de la semana" in handoff and "referencia" in handoff


# --- the balance ----------------------------------------------------------------------------
def test_balance_in_spanish_offers_to_pay_with_spanish_buttons(city: City) -> None:
    result = finish(city, DANA, "check_balance")
    first, bills, offer = result.texts
    assert first == ("Hoy, lunes 23 de noviembre, la cuenta que termina en 0731 debe $146.57. "
                     "De eso, $84.17 está vencido. El próximo vencimiento es el miércoles 2 de "
                     "diciembre.")
    assert bills.startswith("Facturas abiertas:\n- factura ")
    assert "$84.17 sin pagar de $84.17 (vencida)" in bills
    assert offer == "¿Quiere pagar ahora o programar un pago?"
    assert result.buttons == [{"title": "Pagar ahora", "payload": "pagar mi factura"},
                              {"title": "Programar un pago", "payload": "programar un pago"}]


def test_nothing_due_in_spanish_offers_nothing(city: City) -> None:
    result = finish(city, TOM, "check_balance")
    assert result.texts == ["Hoy, lunes 23 de noviembre, la cuenta que termina en 9907 no debe "
                            "nada."]
    assert result.buttons == []


def test_after_payments_the_balance_says_what_is_still_owed_in_spanish(city: City) -> None:
    jordan = finish(city, JORDAN, "check_balance")  # $500.00 due, $250.00 on its way
    assert "Con esos pagos, quedan $250.00 por pagar." in jordan.texts
    assert any(t.startswith("En proceso: $250.00 con cuenta de cheques terminada en 6789")
               for t in jordan.texts)
    grace = finish(city, GRACE, "check_balance")  # all of it scheduled: nothing to offer
    assert "Esos pagos cubren el saldo: no queda nada más por pagar." in grace.texts
    assert grace.buttons == []
    assert any(t.startswith("Programado: $71.90 el jueves 3 de diciembre con cuenta de "
                            "ahorros terminada en 4321") for t in grace.texts)


# --- paying with a saved method -------------------------------------------------------------
def test_pay_with_a_saved_card_and_a_clear_si(city: City) -> None:
    conversation = verified(city, "pay_form", DANA, "amount")
    asked = conversation.ask()
    assert asked.text.startswith("El saldo es de $146.57, de los cuales $84.17 están vencidos. "
                                 "¿Cuánto quiere pagar?")
    assert asked.buttons == [{"title": "Saldo total ($146.57)", "payload": "el saldo total"},
                             {"title": "Lo vencido ($84.17)", "payload": "el monto vencido"}]
    conversation.say("$40", entities={"amount": "40"})
    method = conversation.ask()
    assert method.text.startswith("¿Cómo quiere pagar? Sus métodos guardados: VISA terminada "
                                  "en 4242 (cargo de $1.25).")
    assert {"title": "VISA terminada en 4242", "payload": "VISA terminada en 4242"} \
        in method.buttons
    conversation.say("VISA terminada en 4242")  # the button's payload
    assert conversation.slots["payment_method"] == city.saved(DANA, "4242")
    summary = conversation.ask()
    assert summary.text == ("Confirme, por favor: pagar $40.00 ahora con VISA terminada en "
                            "4242. Cargo por servicio $1.25, total $41.25. ¿Continúo?")
    assert summary.buttons == SI_NO
    result = conversation.say("sí", intent="affirm")
    assert result.slots["pay_confirmed"] is True and result.outcome == "done"
    assert city.chat_payments(DANA) == []  # nothing is paid before action_finish_task
    paid = conversation.finish(text="sí")
    (text,) = paid.texts
    assert text.startswith("Pago aprobado: $40.00 más un cargo de $1.25 ($41.25 en total) con "
                           "VISA terminada en 4242. Su número de confirmación es ")
    (payment,) = city.chat_payments(DANA)
    assert payment["status"] == "approved" and payment["amount_cents"] == 4000


@pytest.mark.parametrize(("payload", "amount"), [("el saldo total", "146.57"),
                                                 ("el monto vencido", "84.17"),
                                                 ("the full balance", "146.57")])
def test_the_amount_buttons_payloads_work_in_either_language(city: City, payload: str,
                                                             amount: str) -> None:
    result = verified(city, "pay_form", DANA, "amount").say(payload)
    assert result.slots["amount"] == amount and result.messages == []


def test_the_new_method_payload_asks_for_a_pay_link(city: City) -> None:
    result = verified(city, "pay_form", DANA, "payment_method", amount="40.00").say(
        "tarjeta o cuenta nueva")
    assert result.slots["payment_method"] == "link"


def test_a_refusal_no_pays_nothing(city: City) -> None:
    conversation = verified(city, "pay_form", DANA, "pay_confirmed", amount="40.00",
                            payment_method=city.saved(DANA, "4242"))
    result = conversation.say("no", intent="deny")
    assert result.slots["pay_confirmed"] is False and result.outcome == "done"
    assert conversation.finish(text="no").texts == ["De acuerdo, no hice ningún pago. ¿En qué "
                                                    "más le puedo ayudar?"]
    assert city.chat_payments(DANA) == []


@pytest.mark.parametrize("text", ["sí pero cuánto es", "sí pero ¿cuánto es?", "mmm tal vez"])
def test_an_unclear_si_is_asked_again_and_pays_nothing(city: City, text: str) -> None:
    conversation = verified(city, "pay_form", DANA, "pay_confirmed", amount="40.00",
                            payment_method=city.saved(DANA, "4242"))
    result = conversation.say(text, intent="affirm", confidence=0.99)
    assert result.slots["pay_confirmed"] is None and result.outcome is None
    assert result.requested == "pay_confirmed"
    assert result.texts == ["Responda sí o no, por favor."]
    again = conversation.ask()
    assert again.text.endswith("Cargo por servicio $1.25, total $41.25. ¿Continúo?")
    assert city.chat_payments(DANA) == []


def test_a_fee_question_is_answered_in_spanish(city: City) -> None:
    conversation = verified(city, "pay_form", DANA, "pay_confirmed", amount="40.00",
                            payment_method=city.saved(DANA, "4242"))
    result = conversation.say("¿hay un cargo?", intent="affirm", confidence=0.97)
    assert result.texts == ["Sí: pagar con VISA terminada en 4242 tiene un cargo por servicio "
                            "de $1.25, así que el total es $41.25. Pagar desde una cuenta "
                            "bancaria no tiene cargo. No se hace nada hasta que usted diga que "
                            "sí."]
    assert city.chat_payments(DANA) == []


@pytest.mark.parametrize("text", ["olvídalo", "mejor no, olvídelo", "déjalo, lo hago después"])
def test_leaving_in_spanish_changes_nothing(city: City, text: str) -> None:
    conversation = verified(city, "pay_form", DANA, "amount")
    result = conversation.say(text)
    assert result.outcome == "stopped" and result.slots.get("amount") is None
    assert conversation.finish(text=text).texts == [
        "De acuerdo, me detuve. No se cambió nada. ¿En qué más le puedo ayudar?"]
    assert city.chat_payments(DANA) == []


# --- the amount's and the date's errors -----------------------------------------------------
@pytest.mark.parametrize(("text", "said"), [
    ("$500", "Eso es más de lo que se puede pagar en esta cuenta. Lo máximo que puede pagar es "
             "$146.57."),
    ("purple", "Disculpe, no entendí el monto. Escriba el monto en dólares y centavos, por "
               "ejemplo 45.50."),
    ("0", "El monto del pago debe ser mayor que cero."),
    # A Spanish "40.123" may mean thousands (1.250 is 1250 in Spanish): asked, never guessed.
    ("40.123", "¿Miles o centavos? Escriba el monto sin punto entre los miles, por ejemplo "
               "1250.00 o 1.25."),
    ("40.1234", "Use como máximo dos decimales para los centavos, por ejemplo 45.50."),
])
def test_amounts_refused_in_spanish(city: City, text: str, said: str) -> None:
    result = verified(city, "pay_form", DANA, "amount").say(text)
    assert result.slots["amount"] is None and result.texts == [said]


def test_nothing_past_due_in_spanish(city: City) -> None:
    result = verified(city, "pay_form", SAMUEL, "amount").say("el monto vencido")
    assert result.texts == ["Nada de esta cuenta está vencido. ¿Cuánto quiere pagar?"]


@pytest.mark.parametrize(("text", "start"), [
    ("2026-11-20", "Un pago programado necesita una fecha futura."),
    ("2027-06-01", "Los pagos se pueden programar con hasta 90 días de anticipación: hasta el "
                   "21 de febrero de 2027."),
    ("purple", "Disculpe, no entendí la fecha."),
])
def test_dates_refused_in_spanish(city: City, text: str, start: str) -> None:
    result = verified(city, "schedule_form", SAMUEL, "payment_date", amount="30.00").say(text)
    assert result.slots["payment_date"] is None
    (said,) = result.texts
    assert said.startswith(start), said


# --- scheduling -----------------------------------------------------------------------------
def test_schedule_in_spanish(city: City) -> None:
    conversation = verified(city, "schedule_form", SAMUEL, "payment_date", amount="30.00")
    assert [m.get("response") for m in conversation.ask().messages] == [
        "utter_ask_payment_date"]
    late = conversation.say("2026-12-04", entities={"payment_date": "2026-12-04"})
    assert late.texts == ["Esa fecha es posterior al vencimiento del 29 de noviembre de 2026; "
                          "puede haber un cargo por atraso o una interrupción del servicio."]
    conversation.say("mis cheques")
    assert conversation.slots["payment_method"] == city.saved(SAMUEL, "6789")
    assert conversation.ask().text == ("Confirme, por favor: programar $30.00 el viernes 4 de "
                                       "diciembre con cuenta de cheques terminada en 6789. Sin "
                                       "cargo. ¿Continúo?")
    conversation.say("sí", intent="affirm")
    (text,) = conversation.finish(text="sí").texts
    assert text.startswith("Listo: $30.00 quedó programado para el viernes 4 de diciembre con "
                           "cuenta de cheques terminada en 6789. Su número de confirmación es ")
    assert [p["status"] for p in city.chat_payments(SAMUEL)] == ["scheduled"]


def test_a_date_asked_again_is_short(city: City) -> None:
    conversation = verified(city, "schedule_form", SAMUEL, "payment_date", amount="30.00")
    conversation.ask()
    conversation.say("purple")
    assert conversation.ask().texts == ["¿En qué fecha debe salir el pago?"]


# --- cancelling -----------------------------------------------------------------------------
@pytest.mark.parametrize("choice", ["2", "el segundo", "la segunda", "el último"])
def test_cancel_in_spanish_by_position(city: City, choice: str) -> None:
    city.add_scheduled(SAMUEL, "20.00", 5)
    city.add_scheduled(SAMUEL, "30.00", 3)
    conversation = verified(city, "cancel_form", SAMUEL, "cancel_choice")
    listed = conversation.ask()
    assert listed.text.startswith("¿Qué pago programado cancelo?\n1) $30.00 el 26 nov, cuenta de "
                                  "cheques terminada en 6789 (")
    assert [b["title"] for b in listed.buttons] == ["1) $30.00 el 26 nov", "2) $20.00 el 28 nov"]
    conversation.say(choice)
    second = city.scheduled(SAMUEL)[1]["confirmation_number"]
    assert conversation.slots["cancel_choice"] == second
    asked = conversation.ask()
    assert asked.text == (f"¿Cancelo el pago de $20.00 programado para el sábado 28 de noviembre "
                          f"con cuenta de cheques terminada en 6789 (confirmación {second})?")
    assert asked.buttons == SI_NO
    conversation.say("sí", intent="affirm")
    assert conversation.finish(text="sí").texts == [
        f"Cancelado: el pago de $20.00 programado para el sábado 28 de noviembre (confirmación "
        f"{second}) no se hará."]
    assert city.payment(second)["status"] == "cancelled"


def test_cancel_by_the_confirmation_number_payload(city: City) -> None:
    city.add_scheduled(SAMUEL, "20.00", 5)
    first = city.add_scheduled(SAMUEL, "30.00", 3)
    conversation = verified(city, "cancel_form", SAMUEL, "cancel_choice")
    conversation.ask()
    conversation.say(first)  # the button's payload
    assert conversation.slots["cancel_choice"] == first


def test_nothing_to_cancel_in_spanish(city: City) -> None:
    conversation = spanish("cancel_form")
    result = conversation.verify(JORDAN.replace("200145", "0104200731"))
    assert result.texts[-1] == "No hay pagos programados en esta cuenta para cancelar."


def test_a_no_keeps_the_scheduled_payment(city: City) -> None:
    (scheduled,) = city.scheduled(GRACE)
    conversation = verified(city, "cancel_form", GRACE, "cancel_confirmed",
                            cancel_choice=scheduled["confirmation_number"])
    conversation.say("no", intent="deny")
    assert conversation.finish(text="no").texts == ["De acuerdo, dejé su pago programado como "
                                                    "estaba."]
    assert city.payment(scheduled["confirmation_number"])["status"] == "scheduled"


# --- status and history ---------------------------------------------------------------------
def test_status_in_spanish_is_a_short_list(city: City) -> None:
    result = finish(city, GRACE, "payment_status")
    (listed,) = result.texts
    title, first, *rest = listed.split("\n")
    assert title == "Sus pagos, del más reciente al más antiguo:"
    assert first.startswith("- 3 dic: $71.90, programado (")
    assert len(rest) == 5 and rest[-1] == "Diga \"todos mis pagos\" para ver los anteriores."


def test_all_my_payments_in_spanish(city: City) -> None:
    result = run(Finish, tracker("todos mis pagos", intent="payment_status", metadata=ES,
                                 slots={**city.verified(GRACE), "active_task": "payment_status",
                                        "form_outcome": "done"}))
    assert result.texts[1].startswith("Más pagos suyos:\n- ")
    assert all(len(text) < 320 for text in result.texts)


# --- paperless ------------------------------------------------------------------------------
def test_paperless_enroll_in_spanish(city: City) -> None:
    conversation = spanish("paperless_form")
    verified_now = conversation.verify(AISHA)
    assert verified_now.texts == ["Gracias, ya verificamos la cuenta que termina en 1127."]
    asked = conversation.ask()
    assert asked.text.startswith("¿Le enviamos las facturas al correo registrado, ")
    conversation.say("sí", intent="affirm")
    confirm = conversation.ask()
    assert confirm.text.startswith("¿Activo la facturación sin papel para la cuenta que termina "
                                   "en 1127, con las facturas enviadas a ")
    assert confirm.buttons == SI_NO
    conversation.say("sí", intent="affirm")
    (done,) = conversation.finish(text="sí").texts
    assert done.startswith("Listo: la facturación sin papel está activada.")
    assert city.account(AISHA)["paperless"]


def test_a_bad_email_in_spanish(city: City) -> None:
    result = verified(city, "paperless_form", LUCIA, "paperless_email").say("yo@@ejemplo")
    assert result.texts == ["Ese correo electrónico no parece correcto. Revíselo, por ejemplo "
                            "nombre@ejemplo.com."]


# --- the middle of a form, 311, SMS ----------------------------------------------------------
def test_help_and_out_of_scope_in_spanish(city: City) -> None:
    conversation = verified(city, "pay_form", DANA, "amount")
    assert conversation.say("ayuda", intent="help").texts == [
        "Escriba un monto como $40 o 125.50, o diga \"el saldo total\"."]
    assert conversation.say("¿qué tiempo hace?", intent="out_of_scope").texts == [
        "Aquí solo puedo ayudarle con las facturas de la ciudad."]


def test_a_switch_in_spanish(city: City) -> None:
    result = run(Finish, tracker("quiero ver mi saldo", metadata=ES, slots={
        **city.verified(DANA), "active_task": "pay_bill", "form_outcome": "switch:check_balance"}))
    assert result.texts == ["De acuerdo, mejor vamos a ver su saldo."]


def test_handoff_in_spanish(city: City) -> None:
    result = run(ActionHandoff, tracker("quiero hablar con una persona", intent="request_agent",
                                        metadata=ES))
    (text,) = result.texts
    assert text.startswith("Para hablar con una persona, llame al 311 (o al (312) 555-0111 "
                           "desde fuera de la ciudad), las 24 horas, los 7 días de la semana.")


def test_an_sms_thread_in_spanish(city: City) -> None:
    conversation = Conversation("balance_form", sender=SMS_SENDER,
                                metadata={**SMS, **ES})
    result = conversation.verify(DANA)
    assert result.texts == ["Gracias, ya verificamos la cuenta que termina en 0731."]
    assert conversation.finish(text="1234").texts[0].startswith("Hoy, lunes 23 de noviembre, la "
                                                               "cuenta que termina en 0731 debe")
