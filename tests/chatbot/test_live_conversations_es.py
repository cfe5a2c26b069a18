"""Whole conversations in Spanish with the real chatbot: the Spanish model in its own `rasa
run`, the English one beside it over the same tracker store, the action server and a seeded
demo city. Each test is one resident's conversation, in their own Spanish; the database shows
what it changed. The last ones go through the app's /chat page and /sms webhook, which choose
the model from what the resident writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser_support import build_app
from tests.chatbot_stack import ChatbotStack
from tests.e2e.sms_support import SmsCity

pytestmark = pytest.mark.slow

DANA = ("0104200731", "1234")  # past due ($146.57, $84.17 of it), saved VISA ending 4242
GRACE = ("3300917254", "88")  # paperless, one scheduled payment
SAMUEL = ("7730264415", "3021")  # saved checking ending 6789 (the SMS tests use him too)
AISHA = ("6604381127", "19")  # email on file, not paperless
LUCIA = ("2201458890", "507")  # language on file: Spanish
# One stack serves the session: other tests pay Dana's bill too, so the amount is read, not
# assumed.
OWES = re.compile(r"(debe|owes) \$[\d,]+\.\d\d|no debe nada|owes nothing")
CONFIRMATION = re.compile(r"confirmación (?:es )?([A-Z0-9]{4}-[A-Z0-9]{4})")
ENGLISH = re.compile(r"\b(the|your|account|payment|please|would)\b", re.IGNORECASE)


def verify(chat, account: tuple[str, str]) -> str:
    asked = chat.say(account[0])
    assert "número de la dirección" in asked, chat.dump()
    return chat.say(account[1])


def spanish_only(chat) -> None:
    """No reply of the conversation is in English (names like VISA excepted)."""
    for who, said in chat.transcript:
        if who == "bot":
            assert not ENGLISH.search(said), chat.dump()


def test_cuanto_debo_after_verification(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation("es")
    assert "número de cuenta" in chat.say("¿cuánto debo?"), chat.dump()
    reply = verify(chat, DANA)
    assert "ya verificamos la cuenta que termina en 0731" in reply, chat.dump()
    assert OWES.search(reply) and "Facturas abiertas" in reply, chat.dump()
    spanish_only(chat)


def test_quiero_pagar_with_the_saved_card_and_a_clear_si(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation("es")
    chat.say("quiero pagar mi factura")
    assert "cuánto" in verify(chat, DANA).lower(), chat.dump()
    # Small amounts: the session's other tests pay from the same demo accounts.
    asked = chat.say("5 dolares")
    assert "VISA" in asked and "4242" in asked, chat.dump()
    confirm = chat.say("con la visa")
    assert "$5.00" in confirm and "$1.25" in confirm and "$6.25" in confirm, chat.dump()
    unclear = chat.say("si pero cuanto es el cargo?")
    assert "Pago aprobado" not in unclear, chat.dump()  # a question is never a yes
    done = chat.say("sí, adelante")
    assert "Pago aprobado" in done, chat.dump()
    [payment] = chatbot.rows("SELECT * FROM payments WHERE confirmation_number = :c",
                             c=CONFIRMATION.search(done).group(1))  # type: ignore[union-attr]
    assert payment.status == "approved" and payment.amount_cents == 500
    spanish_only(chat)


def test_programar_un_pago_for_a_spanish_date(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation("es")
    chat.say("quiero programar un pago")
    verify(chat, SAMUEL)
    chat.say("$3")
    chat.say("el 15 de diciembre")
    confirm = chat.say("de la cuenta de cheques")
    assert "$3.00" in confirm and "6789" in confirm and "15 de diciembre" in confirm, \
        chat.dump()
    done = chat.say("si")
    assert "quedó programado" in done, chat.dump()
    [payment] = chatbot.rows("SELECT * FROM payments WHERE confirmation_number = :c",
                             c=CONFIRMATION.search(done).group(1))  # type: ignore[union-attr]
    assert payment.status == "scheduled" and payment.amount_cents == 300
    assert str(payment.scheduled_for).endswith("12-15")


def test_olvidalo_leaves_the_task_with_nothing_changed(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation("es")

    def statuses() -> list[tuple[int, str]]:
        return [(row.id, row.status) for row in chatbot.rows("SELECT id, status FROM payments")]

    before = statuses()
    chat.say("quiero cancelar mi pago programado")
    verify(chat, GRACE)
    left = chat.say("olvídalo, lo hago después")
    assert "Cancelado" not in left, chat.dump()
    assert statuses() == before  # nothing made, nothing cancelled


def test_dejar_de_recibir_papel_enrolls_in_paperless(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation("es")
    chat.say("ya no quiero recibir facturas en papel")
    offer = verify(chat, AISHA)
    assert "@" in offer, chat.dump()  # the email on file is offered
    chat.say("sí")
    done = chat.say("sí")
    [account] = chatbot.rows("SELECT paperless FROM accounts WHERE account_number = :a",
                             a=AISHA[0])
    assert account.paperless, chat.dump()
    assert "papel" in done, chat.dump()


def test_a_question_in_spanish_is_answered_from_the_spanish_faq(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation("es")
    answer = chat.say("cobran algo si pago con tarjeta?")
    assert "$1.25" in answer and "tarjeta" in answer, chat.dump()
    spanish_only(chat)


def test_switching_to_english_keeps_the_verification(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation("es")
    chat.say("cuanto debo")
    verify(chat, DANA)
    chat.language = "en"  # the app routes the same conversation to the English model
    reply = chat.say("what's my balance")
    assert OWES.search(reply) and "Open bills" in reply, chat.dump()  # English now
    assert "account number" not in reply, chat.dump()  # and still verified


def test_an_english_chat_moves_to_the_spanish_on_file_when_the_resident_wrote_no_language(
        chatbot: ChatbotStack) -> None:
    # The English page; "balance" is a word of both languages, the rest are digits.
    chat = chatbot.conversation("en")
    chat.say("balance")
    chat.say(LUCIA[0])
    verified = chat.say(LUCIA[1])
    assert "ya verificamos la cuenta que termina en 8890" in verified, chat.dump()
    assert chat.language == "es", chat.dump()  # the next turns go to the Spanish model
    reply = chat.say("cuanto debo")
    assert OWES.search(reply) and "Facturas abiertas" in reply, chat.dump()
    assert not ENGLISH.search(verified + reply), chat.dump()


def test_an_english_writer_keeps_english_on_a_spanish_account(chatbot: ChatbotStack) -> None:
    chat = chatbot.conversation("en")
    chat.say("what do i owe")
    chat.say(LUCIA[0])
    reply = chat.say(LUCIA[1])
    assert "verified for the account ending 8890" in reply and "Open bills" in reply, \
        chat.dump()
    assert chat.language == "en"


# --- through the app: the language chosen from what the resident writes ---------------------
def test_the_chat_page_answers_spanish_writing_from_the_spanish_model(
        chatbot: ChatbotStack, tmp_path: Path) -> None:
    app, _ = build_app(tmp_path, rasa_url=chatbot.rasa_url, container=chatbot.container,
                       PAYLINE_RASA_ES_URL=chatbot.rasa_urls["es"], PAYLINE_BOT_TIMEOUT="30")
    client = app.test_client()
    csrf = re.search(r'data-csrf-token="([^"]+)"', client.get("/chat").get_data(as_text=True))
    assert csrf

    def say(text: str) -> str:
        answer = client.post("/chat/api/messages", json={"message": text},
                             headers={"X-CSRF-Token": csrf.group(1)}).get_json()
        return "\n".join(m["text"] for m in answer["messages"])

    assert "número de cuenta" in say("hola, quiero saber cuanto debo")
    say(DANA[0])
    assert re.search(r"debe \$", say(DANA[1]))
    assert "Sure, let's continue in English" in say("english please")
    assert re.search(r"owes \$", say("what do i owe"))  # still verified, now in English


def test_a_spanish_text_thread_is_answered_in_spanish(sms_city: SmsCity) -> None:
    sender = "+13125550177"
    asked = sms_city.text("hola, quiero saber cuanto debo", sender).text
    assert "número de cuenta" in asked, asked
    sms_city.text(DANA[0], sender)
    answer = sms_city.text(DANA[1], sender).text
    assert re.search(r"debe \$", answer) and "Responda 1 para" in answer, answer
