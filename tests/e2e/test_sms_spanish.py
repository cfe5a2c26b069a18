"""Spanish SMS threads through the real /sms webhook (signed like Twilio) and a seeded city:
the Spanish keywords, the account's language on file after verifying (Lucía Hernández), the
switches, opting out in Spanish, and a clear "sí por favor" paying exactly once, bot down or
up. The database and the outbox are checked after each thread."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.sms_support import SmsCity, sms_city
from tests.e2e.voice_support import AISHA, DANA, LUCIA, SAMUEL
from tests.rasa_stub import StubRasa

DANA_PHONE = "+13125550101"
LUCIA_PHONE = "+13125550102"


@pytest.fixture
def city(tmp_path: Path) -> Iterator[SmsCity]:
    """The bot is down: its URL is a closed port."""
    yield from sms_city(tmp_path)


@pytest.fixture
def rasa() -> Iterator[StubRasa]:
    with StubRasa() as stub:
        yield stub


@pytest.fixture
def bot_city(tmp_path: Path, rasa: StubRasa) -> Iterator[SmsCity]:
    yield from sms_city(tmp_path, rasa.url)


def thread_language(city: SmsCity, phone: str) -> str:
    rows = city.rows("SELECT language FROM channel_sessions WHERE channel = 'sms' AND "
                     "session_key = :p", p=phone)
    return str(rows[0][0])


def offer_es(city: SmsCity, account: str = DANA, factor: str = "1234",
             phone: str = DANA_PHONE) -> str:
    assert city.text("PAGAR", phone).text.startswith("Para pagar su factura, envíe su número")
    return city.text(f"{account} {factor}", phone).text


def test_lucia_verified_by_bal_is_answered_in_her_language(city: SmsCity) -> None:
    assert city.text("BAL", LUCIA_PHONE).text.startswith("To see your balance")
    answer = city.text(f"{LUCIA} 507", LUCIA_PHONE).text
    assert answer.startswith("Cuenta que termina en 8890: debe $58.23, con vencimiento el ")
    assert "al 23 de noviembre" in answer
    assert thread_language(city, LUCIA_PHONE) == "es"
    link = city.text("PAY", LUCIA_PHONE).text  # no saved method: a pay link, in Spanish
    assert "Pague de forma segura aquí: http://localhost:5000/pay/" in link
    assert len(city.rows("SELECT * FROM one_time_links WHERE purpose = 'pay'")) == 1
    switched = city.text("english please", LUCIA_PHONE).text
    assert switched.startswith("OK, we'll text you in English.")
    assert city.text("BAL", LUCIA_PHONE).text.startswith("Account ending 8890: you owe $58.23")
    assert thread_language(city, LUCIA_PHONE) == "en"


def test_a_spanish_thread_pays_once_on_a_clear_si(city: SmsCity) -> None:
    assert city.text("SALDO").text.startswith("Para ver su saldo, envíe su número de cuenta")
    assert city.text(f"{DANA} 1234").text.startswith("Cuenta que termina en 0731: debe $146.57")
    offered = city.text("PAGAR").text
    assert offered.startswith("Su saldo es de $146.57, con vencimiento el 2 de diciembre.")
    assert ("Responda SÍ para pagar $146.57 con VISA terminada en 4242 (cargo de $1.25, total "
            "$147.82), o NO.") in offered
    reask = city.text("sí pero cuánto es").text
    assert reask.startswith("No se ha pagado nada. Responda SÍ")
    assert city.payments(DANA) == []
    paid = city.text("sí por favor")
    assert paid.text.startswith("¡Pagado! $147.82 con VISA terminada en 4242. Confirmación ")
    assert city.text("sí por favor", sid=city.sids[-1]).replies == paid.replies  # a retry
    again = city.text("SÍ").text
    assert again.startswith("Ese pago ya se hizo") and "No se cobró nada más" in again
    [payment] = city.payments(DANA)
    assert payment._mapping["status"] == "approved" and payment._mapping["amount_cents"] == 14657
    assert payment._mapping["confirmation_number"] in paid.text
    assert [r._mapping["kind"] for r in city.outbox(DANA_PHONE)] == ["payment.receipt"]
    assert thread_language(city, DANA_PHONE) == "es"


def test_no_gracias_declines_in_spanish(city: SmsCity) -> None:
    offer_es(city)
    assert city.text("no gracias").text.startswith("De acuerdo, no se hizo ningún pago.")
    assert city.text("sí").text.startswith("No hay nada esperando su respuesta")
    assert city.payments(DANA) == []


def test_a_bank_payment_and_a_decline_in_spanish(city: SmsCity) -> None:
    samuel = "+13125550107"
    offered = offer_es(city, SAMUEL, "3021", samuel)
    assert "cuenta de cheques terminada en 6789 (sin cargo)" in offered
    submitted = city.text("SÍ", samuel).text
    assert submitted.startswith("Su pago de $") and "fue enviado" in submitted
    assert "de 1 a 2 días hábiles" in submitted
    aisha = "+13125550108"
    offer_es(city, AISHA, "19", aisha)
    declined = city.text("si", aisha).text
    assert declined.startswith("El pago no fue aprobado: ") and "No se cobró nada" in declined
    assert "declined" not in declined and "bank" not in declined
    assert [p._mapping["status"] for p in city.payments(AISHA)] == ["rejected"]


def test_parar_opts_out_and_nothing_more_is_sent_until_start(city: SmsCity) -> None:
    offer_es(city)
    answer = city.text("Parar").text
    assert answer.startswith("City of Riverton Payline: canceló su suscripción")
    assert "Responda START" in answer
    rows = city.rows("SELECT opted_out, source FROM sms_opt_outs WHERE phone = :p",
                     p=DANA_PHONE)
    assert [(bool(r[0]), r[1]) for r in rows] == [(True, "PARAR")]
    for body in ("sí", "SÍ por favor", "SALDO", "AGENTE"):
        assert city.text(body).replies == []
    assert city.payments(DANA) == [] and city.rows("SELECT * FROM handoffs") == []
    assert "STOP" in city.text("AYUDA").text  # carriers require HELP, even then
    back = city.text("START").text
    assert back.startswith("City of Riverton Payline: está suscrito de nuevo")
    assert not bool(city.rows("SELECT opted_out FROM sms_opt_outs")[0][0])


def test_ayuda_names_the_program_311_its_hours_and_stop_in_spanish(city: SmsCity) -> None:
    [answer] = city.text("ayuda").replies
    assert answer.startswith("City of Riverton Payline: consulte y pague su factura por texto.")
    assert "311 al (312) 555-0111 (las 24 horas, los 7 días de la semana)" in answer
    assert "Pueden aplicarse tarifas de mensajes y datos." in answer
    assert "Responda STOP para no recibir más." in answer


def test_agente_records_a_handoff_in_spanish(city: SmsCity) -> None:
    texted = city.text("AGENTE")
    [handoff] = city.rows("SELECT id, language, channel FROM handoffs")
    assert handoff[1] == "es" and handoff[2] == "sms"
    assert texted.text.startswith("Para hablar con una persona, llame al 311 al (312) 555-0111")
    assert f"la referencia {handoff[0]}" in texted.text


def test_with_the_bot_up_a_clear_si_is_still_payline_s_and_pays(bot_city: SmsCity,
                                                                rasa: StubRasa) -> None:
    offer_es(bot_city)
    assert "No se ha pagado nada" in bot_city.text("¿sí?").text
    assert bot_city.text("sí, pagar").text.startswith("¡Pagado!")
    assert rasa.messages == []
    assert len(bot_city.payments(DANA)) == 1
    assert bot_city.text("¿tienen planes de pago?").text.startswith("You said:")  # the bot
