"""Issue 14 §3 through every channel: card numbers in every spelling (tests/card_spellings.py:
every kind of space, dash and invisible separator, every digit system, inside sentences,
glued to other digits) are sent into the web chat, SMS, voice speech and keyed digits (signed
webhooks), the paperless page, the pay page's nickname and the agent console's search. Each
channel answers politely; afterwards no card number survives in any spelling in the whole
database (every value of every table, the outbox included), the captured logs, the answers
sent back, or what the stub Rasa received (messages and /model/parse).

The real Rasa gets the same treatment in tests/chatbot/test_card_numbers_full_stack.py."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.hashing import reference_digest
from domain.model import Actor, Channel, LinkPurpose
from domain.services.account_lookup import CARD_IN_SEARCH
from domain.services.pay_links import CARD_IN_NICKNAME
from ivr.chat.views import CSRF_HEADER
from ivr.chat.wording import text as chat_text
from ivr.paperless.views import CARD_IN_EMAIL
from ivr.sms.texts import CARD_WARNING as SMS_WARNING
from ivr.sms.wording import Words
from ivr.voice.prompts import en as voice_en
from tests.card_leaks import RawLogCapture, database_values, leaks, record_values
from tests.card_spellings import KEYED, SPELLINGS, VISA, grouped, in_digits
from tests.e2e.agent_support import AgentDesk, csrf_of, text_of
from tests.e2e.sms_support import SmsCity, sms_city
from tests.e2e.test_pay_page import Browser, offer, page
from tests.e2e.voice_support import DANA, GRACE
from tests.rasa_stub import StubRasa, no_intent

# The warning is said in the conversation's language (a Spanish sentence switches it).
CHAT_WARNINGS = (chat_text("en", "card_warning"), chat_text("es", "card_warning"))
SMS_WARNINGS = (SMS_WARNING, Words.of("es").say("card_warning"))

pytestmark = pytest.mark.slow

SENDER = "+13125550177"  # texts from a number no account has
CALLER = "+266696687"  # a real caller-ID shape from abroad
PROCESSOR_CARD = "4111111111111111"  # typed only into the processor's own form
DANA_PHONE = "+13125550101"


@pytest.fixture
def rasa() -> Iterator[StubRasa]:
    with StubRasa(parse=no_intent) as stub:
        yield stub


@pytest.fixture
def city(tmp_path: Path, rasa: StubRasa) -> Iterator[SmsCity]:
    # One app for every channel: chat and SMS talk to the stub, voice asks it /model/parse.
    yield from sms_city(tmp_path, rasa_url=rasa.url)


Answers = list[tuple[str, str]]  # (channel, what the app sent back)


def test_no_card_number_survives_any_channel(city: SmsCity, rasa: StubRasa,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    answers: Answers = []
    with RawLogCapture() as raw_log:
        chat(city, answers)
        sms(city, answers)
        voice_speech(city, answers)
        voice_keyed(city, answers)
        paperless_page(city, answers)
        pay_page_nickname(city, answers)
        agent_search(city, answers)

    # What reached "Rasa": the chat messages (redacted), and the speech the NLU was asked.
    assert rasa.messages.count("[card number removed]") >= len(SPELLINGS) // 2
    parsed = [text or "" for text in rasa.parsed]
    assert len(parsed) >= len(SPELLINGS) and all("[card number removed]" in p for p in parsed)
    outbox = city.rows("SELECT * FROM outbox_messages")
    assert outbox, "the flows above write confirmations to the outbox"

    everywhere = [
        *database_values(city.container.engine),  # every table, the outbox included
        # No code even tried to log one (raw), and the log output holds none (caplog).
        *raw_log.lines, *record_values(caplog.records), ("captured log text", caplog.text),
        *((f"stub Rasa {path}", raw.decode("utf-8", "replace"))
          for path, raw in zip(rasa.paths, rasa.raw, strict=True)),
        *answers,
    ]
    assert len(everywhere) > 1000
    assert leaks(everywhere) == []


def test_the_search_finds_a_card_planted_in_any_table_or_log(
        city: SmsCity, caplog: pytest.LogCaptureFixture) -> None:
    """The search above can fail: a card planted in a table (escaped, as JSON would store
    it) or logged by some code is found."""
    escaped = in_digits(VISA, "fullwidth").encode("unicode_escape").decode()
    with city.container.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE customers SET mailing_street = ? WHERE id = "
                             "(SELECT MIN(id) FROM customers)", (escaped,))
    with RawLogCapture() as raw_log:
        logging.getLogger("test.planted").warning("planted %s", grouped(VISA, "\u2009"))
    assert [where for where, _ in leaks(database_values(city.container.engine))] == [
        "customers.mailing_street"]
    assert leaks(raw_log.lines) == [("raw log test.planted", VISA)]
    # The app's log filter removed it from what was written (caplog sees the same record).
    assert leaks(record_values(caplog.records)) == []
    assert "planted [card number removed]" in caplog.text


# --- the channels ----------------------------------------------------------------------------


def chat(city: SmsCity, answers: Answers) -> None:
    client = city.app.test_client()
    match = re.search(r'data-csrf-token="([^"]+)"', client.get("/chat").get_data(as_text=True))
    assert match
    for spelling in SPELLINGS:
        response = client.post("/chat/api/messages", json={"message": spelling.text},
                               headers={CSRF_HEADER: match.group(1)})
        assert response.status_code == 200, spelling.label
        body = response.get_json()
        assert body["messages"][0]["text"] in CHAT_WARNINGS
        assert body["messages"][0]["kind"] == "warning" and body["messages"][0]["buttons"] == []
        assert "[card number removed]" in body["you_said"]
        answers.append(("chat", response.get_data(as_text=True)))


def sms(city: SmsCity, answers: Answers) -> None:
    for spelling in SPELLINGS:
        texted = city.text(spelling.text, SENDER)
        assert texted.status == 200 and texted.text.startswith(SMS_WARNINGS), spelling.label
        answers.append(("sms", texted.text))
    # A card where the thread waits for an account number: warned, nothing kept.
    assert "account number" in city.text("BAL", DANA_PHONE).text
    for spelling in SPELLINGS[::5]:
        texted = city.text(spelling.text, DANA_PHONE)
        assert texted.text.startswith(SMS_WARNINGS), spelling.label
        answers.append(("sms", texted.text))
    assert "Account ending 0731" in city.text(f"{DANA} 1234", DANA_PHONE).text


def voice_speech(city: SmsCity, answers: Answers) -> None:
    for spelling in SPELLINGS:
        call = city.call(["1", f"say:{spelling.text}", "hangup"], caller=CALLER)
        # Understood from what is left ("pay with card ... please" is a payment) or asked
        # again; never a failure.
        assert call.ended_by == "caller-hangup", spelling.label
        assert voice_en.PROMPTS["problem"] not in call.said, spelling.label
        answers.append(("voice", call.said))


def voice_keyed(city: SmsCity, answers: Answers) -> None:
    refused = voice_en.PROMPTS["id_card_refused"]
    for keyed in KEYED:
        # Account number prompt: refused, then the real number verifies as usual.
        call = city.call(["1", "1", "1", f"{keyed}#", f"{DANA}#", "1", "1234#", "hangup"],
                         caller=CALLER)
        assert refused in call.said, keyed
        assert "Your account ending in 0 7 3 1 is verified" in call.said.replace(",", ""), keyed
        # Customer ID prompt (general bills): refused the same way.
        call = city.call(["1", "4", "2", f"{keyed}#", "hangup"], caller=CALLER)
        assert refused in call.said, keyed
        answers.append(("voice", call.said))
    # Only the real account number was ever tried: no card reached the identity service.
    # Only Dana's account was ever tried (kept as its keyed hash, never as digits).
    dana = reference_digest(city.container.settings.verification.reference_key, "account", DANA)
    attempts = city.rows("SELECT account_ref FROM verification_attempts WHERE channel = 'voice'")
    assert [row.account_ref for row in attempts] == [dana] * len(KEYED)
    assert {row.account_ref for row in city.rows("SELECT * FROM verification_attempts")} == {dana}


def paperless_page(city: SmsCity, answers: Answers) -> None:
    (grace,) = city.rows("SELECT id FROM accounts WHERE account_number = :n", n=GRACE)
    token = city.container.link_service().issue(
        LinkPurpose.PAPERLESS, grace.id, Actor.resident(Channel.VOICE, "CA0123"))
    client = city.app.test_client()
    csrf = csrf_of(client.get(f"/paperless/{token}"))
    for spelling in SPELLINGS:
        for typed in (f"{spelling.text}@example.com", spelling.text):
            response = client.post(f"/paperless/{token}",
                                   data={"email": typed, "csrf_token": csrf})
            assert response.status_code == 400, spelling.label
            assert CARD_IN_EMAIL in html.unescape(text_of(response))
            answers.append(("paperless page", response.get_data(as_text=True)))
    done = client.post(f"/paperless/{token}", data={"email": "grace.k@example.com",
                                                    "csrf_token": csrf})
    assert done.status_code == 200  # the link survived every refusal


def pay_page_nickname(city: SmsCity, answers: Answers) -> None:
    b = Browser(city, offer(city, DANA, "10.00"), city.app.test_client())
    form = b.review(number=PROCESSOR_CARD)
    for spelling in SPELLINGS:
        response = b.confirm(form, save_method="yes", nickname=spelling.text)
        assert response.status_code == 400, spelling.label
        assert CARD_IN_NICKNAME in html.unescape(page(response).text)
        answers.append(("pay page", response.get_data(as_text=True)))
    done = b.confirm(form, save_method="yes", nickname="my Visa")
    assert done.status_code == 200
    assert city.rows("SELECT nickname FROM payment_methods WHERE nickname = 'my Visa'")


def agent_search(city: SmsCity, answers: Answers) -> None:
    desk = AgentDesk(city.app)
    assert desk.sign_in().status_code == 302
    csrf = csrf_of(desk.get("/agent"))
    fields = {"account": ["account_number"], "customer_bill": ["customer_id", "bill_number"],
              "name_address": ["name", "address"], "phone": ["phone"]}
    filled = {"account_number": DANA, "customer_id": "200145", "bill_number": "610025",
              "name": "Dana", "address": "1234", "phone": DANA_PHONE}
    for spelling in SPELLINGS:
        for by, names in fields.items():
            for name in names:
                data = {"by": by, **{n: filled[n] for n in names}, name: spelling.text}
                response = desk.post("/agent/search", data, csrf=csrf)
                assert response.status_code == 400, (spelling.label, name)
                assert CARD_IN_SEARCH in text_of(response), (spelling.label, name)
                answers.append(("agent search", response.get_data(as_text=True)))
    refusals = city.rows("SELECT detail FROM audit_events WHERE action = 'agent.searched'")
    assert len(refusals) == len(SPELLINGS) * 6
    assert all("refused, a card number was typed" in row.detail for row in refusals)
