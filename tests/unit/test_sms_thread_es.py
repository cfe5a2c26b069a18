"""SMS threads in Spanish (and the answer to an offer in the resident's own words) through the
keyword path, on a container of fakes like tests/unit/test_sms_thread.py: the Spanish
keywords, the thread's language (chosen by what the resident writes, or the account's language
on file after verifying, switched by ENGLISH / ESPAÑOL), every reply in Spanish, and the
consent rule deciding a pending offer, bot up or down."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from conversation.state import ConversationKey
from domain.model import PaymentStatus
from domain.money import Money
from ivr.bot.client import BotReply
from ivr.sms.conversation import Inbound, SmsConversation
from ivr.sms.texts import Program
from tests.fake_container import FakeWorld, fake_world
from tests.unit.conftest import CHICAGO, make_utility_account
from tests.unit.test_sms_thread import StubBot

PHONE = "+13125550101"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=CHICAGO)
ASK_ES = "Para ver su saldo, envíe su número de cuenta y el número de la dirección del servicio"
PAY_ASK_ES = "Para pagar su factura, envíe su número de cuenta"


@pytest.fixture
def world() -> FakeWorld:
    w = fake_world(NOW)
    w.add(make_utility_account())  # Ana (English on file): $125.50 due, $40 past due; 412
    return w


@pytest.fixture
def lucia(world: FakeWorld) -> FakeWorld:
    """A second account whose holder's language on file is Spanish (street 507)."""
    world.add(make_utility_account("2201458890", street="507", phone="+13125550102",
                                   language="es"))
    return world


def text(world: FakeWorld, body: str, bot: StubBot | None = None, *,
         after: timedelta = timedelta(0), phone: str = PHONE) -> list[str]:
    now = world.clock.now() + after
    world.clock._now = now
    conversation = SmsConversation(world.container, bot or StubBot(), Program.of(
        world.container.settings), "https://pay.example.org", "secret", now)
    return conversation.reply(Inbound(f"SM{len(world.notifier.sent)}{body!r}{now}", phone,
                                      body))


def state(world: FakeWorld, phone: str = PHONE):  # type: ignore[no-untyped-def]
    found = world.conversations.load(ConversationKey.sms(phone))
    assert found is not None
    return found


def usable_card(world: FakeWorld) -> None:
    world.accounts[0].payment_methods[2].enabled = False  # the newest card always declines


def offer_es(world: FakeWorld, bot: StubBot | None = None) -> str:
    usable_card(world)
    assert text(world, "PAGAR", bot)[0].startswith(PAY_ASK_ES)
    [offered] = text(world, "0012345678 412", bot)
    return offered


def payments(world: FakeWorld) -> list[tuple[Money, PaymentStatus]]:
    return [(p.amount, p.status) for p in world.uow.payments.for_account(world.accounts[0].id)]


# --- SALDO, PAGAR, SÍ --------------------------------------------------------------------------
def test_saldo_asks_in_spanish_and_answers_the_balance_in_spanish(world):
    [asked] = text(world, "saldo")
    assert asked.startswith(ASK_ES) and "SSN 1234" in asked
    [answer] = text(world, "0012345678 412")
    assert answer == ("Cuenta que termina en 5678: debe $125.50, con vencimiento el 5 de "
                      "diciembre ($40.00 vencido), al 22 de noviembre. Envíe PAGAR para pagarlo.")
    thread = state(world)
    # Ana's language on file is English, but she wrote Spanish: her choice stands.
    assert thread.language == "es" and thread.language_chosen and thread.verified


def test_pagar_offers_in_spanish_and_one_si_pays_once(world):
    offered = offer_es(world)
    assert offered == ("Su saldo es de $125.50, con vencimiento el 5 de diciembre. Responda SÍ "
                       "para pagar $125.50 con VISA terminada en 4242 (cargo de $1.25, total "
                       "$126.75), o NO. Responda ENLACE para usar otra tarjeta o cuenta "
                       "bancaria.")
    [paid] = text(world, "SÍ")
    assert paid.startswith("¡Pagado! $126.75 con VISA terminada en 4242. Confirmación ")
    [again] = text(world, "si")
    assert again.startswith("Ese pago ya se hizo") and "No se cobró nada más" in again
    assert payments(world) == [(Money.of("125.50"), PaymentStatus.APPROVED)]
    assert world.gateway.calls == 1


@pytest.mark.parametrize("yes", ["sí por favor", "Sí.", "si, pagar", "Sí, páguelo",
                                 "sí, claro"])
def test_a_clear_spanish_yes_pays(world, yes):
    offer_es(world)
    assert text(world, yes)[0].startswith("¡Pagado! $126.75")
    assert world.gateway.calls == 1


@pytest.mark.parametrize("unclear", ["sí pero cuánto es", "¿sí?", "sí, pero con otra tarjeta",
                                     "si espera"])
def test_a_spanish_yes_that_is_not_clear_pays_nothing_and_asks_again(world, unclear):
    offer_es(world)
    [reask] = text(world, unclear)
    assert reask.startswith("No se ha pagado nada. Responda SÍ para pagar $125.50")
    assert world.gateway.calls == 0 and payments(world) == []
    assert text(world, "sí")[0].startswith("¡Pagado!")  # the offer still stands
    assert world.gateway.calls == 1


@pytest.mark.parametrize("no", ["no gracias", "NO", "ahora no", "no, gracias"])
def test_a_spanish_no_declines(world, no):
    offer_es(world)
    assert text(world, no) == ["De acuerdo, no se hizo ningún pago. Envíe PAGAR cuando esté "
                               "listo."]
    assert state(world).offer is None and world.gateway.calls == 0
    assert text(world, "sí")[0].startswith("No hay nada esperando su respuesta")


def test_enlace_sends_a_pay_link_in_spanish(world):
    offer_es(world)
    [link] = text(world, "ENLACE")
    assert link.startswith("Pague de forma segura aquí: https://pay.example.org/pay/")
    assert "durante 30 minutos" in link and world.gateway.calls == 0


def test_a_declined_card_is_said_in_spanish(world):
    assert text(world, "PAGAR")[0].startswith(PAY_ASK_ES)
    assert "VISA terminada en 0002" in text(world, "0012345678 412")[0]  # the declining card
    [declined] = text(world, "sí")
    assert declined.startswith("El pago no fue aprobado: la tarjeta o la cuenta fue rechazada.")
    assert "No se cobró nada" in declined and "ENLACE" in declined


def test_a_charge_the_processor_did_not_answer_is_said_in_spanish(world):
    offer_es(world)
    world.gateway.fail_next = True
    [reply] = text(world, "sí")
    assert reply.startswith("No pudimos comunicarnos con el procesador de tarjetas")
    assert "por favor no pague de nuevo" in reply and len(reply) <= 320


def test_an_expired_offer_is_said_in_spanish(world):
    offer_es(world)
    [late] = text(world, "sí", after=timedelta(minutes=11))
    assert late.startswith("Esa oferta venció, así que no se pagó nada. Su saldo es de $125.50")
    assert world.gateway.calls == 0


def test_nothing_due_is_said_in_spanish(world):
    offer_es(world)
    text(world, "sí")
    [answer] = text(world, "PAGAR")
    assert answer.startswith("Cuenta que termina en 5678: no debe nada al 22 de noviembre.")
    assert "SÍ" not in answer


# --- the answer to an offer in English words, bot down or up --------------------------------
def offer_en(world: FakeWorld, bot: StubBot | None = None) -> str:
    usable_card(world)
    text(world, "PAY", bot)
    return text(world, "0012345678 412", bot)[0]


@pytest.mark.parametrize("bot_up", [False, True])
@pytest.mark.parametrize("yes", ["yes please", "yes pay it", "Yes, please.", "ok go ahead"])
def test_yes_please_pays_bot_down_or_up(world, yes, bot_up):
    bot = StubBot([BotReply("the bot answered", ())]) if bot_up else StubBot()
    assert "Reply YES to pay $125.50" in offer_en(world, bot)
    assert text(world, yes, bot)[0].startswith("Paid! $126.75")
    assert bot.sent == [] and world.gateway.calls == 1


@pytest.mark.parametrize("bot_up", [False, True])
@pytest.mark.parametrize("unclear", ["yes?", "yes but is there a fee", "yes, but wait",
                                     "no wait"])
def test_a_yes_or_no_that_is_not_clear_moves_nothing(world, unclear, bot_up):
    bot = StubBot([BotReply("the bot answered", ())]) if bot_up else StubBot()
    offer_en(world, bot)
    [reask] = text(world, unclear, bot)
    assert reask.startswith("Nothing has been paid. Reply YES to pay $125.50")
    assert world.gateway.calls == 0 and state(world).offer is not None


@pytest.mark.parametrize("no", ["no thanks", "not now", "nope"])
def test_no_thanks_declines(world, no):
    offer_en(world)
    assert text(world, no) == ["OK, no payment was made. Text PAY whenever you're ready."]
    assert world.gateway.calls == 0


def test_other_words_during_an_offer_still_reach_the_bot(world):
    bot = StubBot([BotReply("Paperless is ...", ())])
    offer_en(world, bot)
    assert text(world, "what is paperless billing", bot) == ["Paperless is ..."]
    assert world.gateway.calls == 0 and state(world).offer is not None


def test_yes_please_without_an_offer_pays_nothing(world):
    assert text(world, "yes please") == [Program.of(world.container.settings).bot_unavailable()]
    assert world.gateway.calls == 0


# --- AYUDA, opting out and in -------------------------------------------------------------------
def test_ayuda_has_the_ctia_content_in_spanish(world):
    [help_es] = text(world, "AYUDA")
    assert help_es.startswith("City of Riverton Payline: consulte y pague su factura")
    assert "311 al (312) 555-0111 (las 24 horas, los 7 días de la semana)" in help_es
    assert "Pueden aplicarse tarifas de mensajes y datos" in help_es
    assert "Responda STOP para no recibir más" in help_es
    assert "SALDO" in help_es and "PAGAR" in help_es and len(help_es) <= 320
    assert state(world).language == "es"
    assert text(world, "HELP") == [help_es]  # the thread stays Spanish


@pytest.mark.parametrize("word", ["PARAR", "parar", "Alto.", "CANCELAR", "baja",
                                  "dar de baja", "Darme de baja"])
def test_spanish_opt_outs_are_honoured_and_nothing_more_is_sent_until_start(world, word):
    [answer] = text(world, word)
    assert answer.startswith("City of Riverton Payline: canceló su suscripción")
    assert "Responda START" in answer
    assert world.sms_consent.is_opted_out(PHONE)
    for body in ("SALDO", "BAL", "sí", "SÍ", "AGENTE", "hola"):
        assert text(world, body) == []
    assert world.sms_consent.is_opted_out(PHONE)  # a Spanish yes is not the carrier's opt-in
    assert text(world, "AYUDA")[0].startswith("City of Riverton Payline: consulte")
    [back] = text(world, "START")
    assert back.startswith("City of Riverton Payline: está suscrito de nuevo")
    assert not world.sms_consent.is_opted_out(PHONE)
    assert text(world, "SALDO")[0].startswith(ASK_ES)


def test_an_opt_out_during_an_offer_pays_nothing(world):
    offer_es(world)
    text(world, "PARAR")
    assert text(world, "sí") == []
    assert world.gateway.calls == 0


# --- the thread's language ----------------------------------------------------------------------
def test_spanish_on_file_answers_in_spanish_after_verifying_by_bal(lucia):
    other = "+13125550102"
    [asked] = text(lucia, "BAL", phone=other)
    assert asked.startswith("To see your balance")  # nothing says Spanish yet
    [answer] = text(lucia, "2201458890 507", phone=other)
    assert answer.startswith("Cuenta que termina en 8890: debe $125.50")
    thread = state(lucia, other)
    assert thread.language == "es" and not thread.language_chosen
    assert text(lucia, "PAY", phone=other)[0].startswith("Su saldo es de $125.50")
    assert text(lucia, "HELP", phone=other)[0].startswith("City of Riverton Payline: consulte")


def test_english_please_switches_back_and_outlives_a_new_verification(lucia):
    other = "+13125550102"
    text(lucia, "BAL", phone=other)
    text(lucia, "2201458890 507", phone=other)
    [switched] = text(lucia, "english please", phone=other)
    assert switched == ("OK, we'll text you in English. Text BAL for your balance, PAY to pay "
                        "it, or HELP for help.")
    assert text(lucia, "BAL", phone=other)[0].startswith("Account ending 8890: you owe")
    # A quiet thread forgets who she is, not the language she chose.
    text(lucia, "BAL", phone=other, after=timedelta(minutes=20))
    assert text(lucia, "2201458890 507", phone=other)[0].startswith("Account ending 8890")
    [es] = text(lucia, "en español", phone=other)
    assert es.startswith("De acuerdo, le escribiremos en español. Envíe SALDO")


@pytest.mark.parametrize("word", ["ESPAÑOL", "espanol", "En Español", "spanish"])
def test_espanol_switches_and_asks_the_pending_question_again_in_spanish(world, word):
    text(world, "BAL")
    [switched] = text(world, word)
    assert switched.startswith("De acuerdo, le escribiremos en español. " + ASK_ES)
    assert text(world, "0012345678 412")[0].startswith("Cuenta que termina en 5678")


def test_a_switch_during_an_offer_says_the_offer_again(world):
    offer_en(world)
    [switched] = text(world, "ESPANOL")
    assert switched.startswith("De acuerdo, le escribiremos en español. Responda SÍ para pagar")
    assert text(world, "sí por favor")[0].startswith("¡Pagado!")


@pytest.mark.parametrize("word", ["ENGLISH", "English please", "in english", "inglés"])
def test_english_words_switch_to_english(world, word):
    text(world, "SALDO")
    assert text(world, word)[0].startswith("OK, we'll text you in English. To see your balance")


# --- identity, lock-out, 311, the bot down: in Spanish -----------------------------------------
def test_identity_questions_and_failures_in_spanish(world):
    text(world, "SALDO")
    assert text(world, "0012345678")[0].startswith("Gracias. Ahora envíe el número de la "
                                                   "dirección")
    assert text(world, "999")[0].startswith("Disculpe, no pudimos verificar eso.")
    [card] = text(world, "4242424242424242")
    assert "número de tarjeta" in card


def test_three_failures_lock_the_account_in_spanish(world):
    text(world, "SALDO")
    for _ in range(2):
        assert text(world, "0012345678 999")[0].startswith("Disculpe, no pudimos verificar")
    [locked] = text(world, "0012345678 999")
    assert locked.startswith("Por su seguridad, esta cuenta está bloqueada")
    assert locked.endswith("311: (312) 555-0111.")


@pytest.mark.parametrize("word", ["AGENTE", "persona", "Humano!"])
def test_agente_hands_off_and_answers_in_spanish(world, word):
    [reply] = text(world, word)
    (handoff,) = world.handoffs.handoffs
    assert reply == ("Para hablar con una persona, llame al 311 al (312) 555-0111 (las 24 horas, "
                     f"los 7 días de la semana). Dé al agente la referencia {handoff.id} para "
                     "que continúe donde usted lo dejó.")
    assert handoff.language == "es"


def test_with_the_bot_down_a_spanish_thread_gets_keyword_mode_in_spanish(world):
    text(world, "AYUDA")
    assert text(world, "¿tienen un plan de pagos?") == [
        "Nuestro asistente por texto no puede conversar ahora. Aún puede enviar SALDO para ver "
        "su saldo, PAGAR para pagarlo o AYUDA. O llame al 311 al (312) 555-0111."]
    assert text(world, "quiero hablar con una persona")[0].startswith("Para hablar con una")


def test_a_card_number_is_warned_about_in_spanish(world):
    text(world, "AYUDA")
    replies = text(world, "mi tarjeta es 4242 4242 4242 4242")
    assert replies[0].startswith("Por su seguridad, quitamos de su mensaje lo que parecía")
    assert all("4242 4242" not in reply for reply in replies)


def test_empty_and_unreadable_texts_in_spanish(world):
    text(world, "AYUDA")
    assert text(world, "")[0].startswith("Recibimos un mensaje vacío.")
    assert text(world, "?!?")[0].startswith("Disculpe, solo podemos leer palabras.")


# --- the bot in the thread's language ------------------------------------------------------------
def test_spanish_written_in_words_goes_to_the_spanish_model(world):
    bot = StubBot([BotReply("Para ver su saldo ...", ())])
    assert text(world, "hola, quiero saber cuanto debo", bot) == ["Para ver su saldo ..."]
    assert bot.languages == ["es"] and state(world).language == "es"
    assert not state(world).language_chosen  # followed, not chosen: English words switch back
    text(world, "0012345678", bot)  # digits cannot tell
    text(world, "what do i owe", bot)
    assert bot.languages == ["es", "es", "en"]


def test_asking_for_english_in_words_is_kept(world):
    bot = StubBot([BotReply("ok", ())])
    text(world, "quiero pagar mi factura", bot)
    [switched] = text(world, "in english please", bot)
    assert switched.startswith("OK, we'll text you in English.")
    assert state(world).language == "en" and state(world).language_chosen
    text(world, "gracias, cuanto debo", bot)  # chosen outright: Spanish words do not switch
    assert bot.languages == ["es", "en"]


def test_the_bot_moving_to_the_language_on_file_is_kept_by_the_thread(world):
    # The bot verified an account whose language on file is Spanish: the thread goes on in it.
    bot = StubBot([BotReply("Listo, verificamos la cuenta que termina en 0731.", ())],
                  switched_to="es")
    replies = text(world, "acct 0104200731 house number 412", bot)
    assert replies == ["Listo, verificamos la cuenta que termina en 0731."]
    assert bot.from_resident == [False]  # digits: the language is not the resident's yet
    assert state(world).language == "es" and not state(world).language_chosen
    text(world, "thanks what do i owe", bot)  # writing English takes the thread back
    assert bot.languages[-1] == "en" and state(world).language == "en"


def test_english_written_is_not_replaced_by_the_language_on_file(world):
    bot = StubBot([BotReply("ok", ())], switched_to="es")
    text(world, "my account is 0104200731 and my house number is 412", bot)
    assert bot.from_resident == [True] and state(world).language == "en"


def test_a_language_chosen_outright_is_not_replaced_by_the_one_on_file(world):
    bot = StubBot([BotReply("ok", ())], switched_to="es")
    text(world, "in english please", bot)
    text(world, "acct 0104200731 house number 412", bot)
    assert bot.from_resident == [True]  # said to the bot, which then keeps English
    assert state(world).language == "en" and state(world).language_chosen
