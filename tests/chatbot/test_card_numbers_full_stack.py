"""Issue 14 §3 against the real chatbot: every card spelling (tests/card_spellings.py) typed
into the web chat and texted by SMS through the real app to the real Rasa (trained model,
action server), and spoken at a voice menu (the real /model/parse). Afterwards no card number
survives in any spelling in the app's database, Rasa's tracker store, the Rasa and action
server log files, the captured logs, or the answers; and the tracker shows that what Rasa got
was the redacted text (so the search had something to look at)."""

from __future__ import annotations

import logging
import re

import pytest
import sqlalchemy as sa

from ivr import create_app
from ivr.chat.views import CSRF_HEADER
from ivr.chat.wording import text as chat_text
from ivr.settings import ChannelSettings
from ivr.sms.texts import CARD_WARNING as SMS_WARNING
from ivr.sms.wording import Words
from tests.card_leaks import RawLogCapture, database_values, file_values, leaks, record_values
from tests.card_spellings import SPELLINGS
from tests.chatbot_stack import ChatbotStack
from tests.e2e.sms_support import SmsCity

# The warning is said in the conversation's language (a Spanish sentence switches it).
CHAT_WARNINGS = (chat_text("en", "card_warning"), chat_text("es", "card_warning"))
SMS_WARNINGS = (SMS_WARNING, Words.of("es").say("card_warning"))

pytestmark = pytest.mark.slow

REDACTED = "[card number removed]"


def test_no_card_number_reaches_the_real_rasa(chatbot: ChatbotStack,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    channels = ChannelSettings.from_env({**chatbot.channel_env(), "PAYLINE_BOT_TIMEOUT": "30",
                                         "PAYLINE_NLU_TIMEOUT": "10"})
    app = create_app(container=chatbot.container, channel_settings=channels)
    city = SmsCity(app, chatbot.container)
    answers: list[tuple[str, str]] = []

    with RawLogCapture() as raw_log:
        client = app.test_client()
        csrf = re.search(r'data-csrf-token="([^"]+)"', client.get("/chat").get_data(as_text=True))
        assert csrf
        ask = client.post("/chat/api/messages", json={"message": "I want to pay my bill"},
                          headers={CSRF_HEADER: csrf.group(1)})
        assert "account number" in ask.get_data(as_text=True)
        for spelling in SPELLINGS:  # the account number the bot waits for, then on and on
            response = client.post("/chat/api/messages", json={"message": spelling.text},
                                   headers={CSRF_HEADER: csrf.group(1)})
            assert response.status_code == 200, spelling.label
            assert response.get_json()["messages"][0]["text"] in CHAT_WARNINGS
            answers.append(("chat", response.get_data(as_text=True)))

        sender = "+13125550188"
        assert "account number" in city.text("I'd like to pay my bill", sender).text
        for spelling in SPELLINGS:
            texted = city.text(spelling.text, sender)
            assert texted.status == 200 and texted.text.startswith(SMS_WARNINGS), spelling.label
            answers.append(("sms", texted.text))

        for spelling in SPELLINGS[::2]:
            call = city.call(["1", f"say:{spelling.text}", "hangup"], caller="+266696687")
            assert call.ended_by == "caller-hangup", spelling.label
            answers.append(("voice", call.said))

    tracker = sa.create_engine(f"sqlite:///{chatbot.tracker_store}")
    try:
        texts = [value for where, value in database_values(tracker) if where == "events.data"]
        # Every chat message reached Rasa, redacted (SMS sends the bot only texts with words
        # left besides the redaction).
        assert sum(REDACTED in text for text in texts) > len(SPELLINGS)
        everywhere = [
            *database_values(chatbot.container.engine), *database_values(tracker),
            *file_values(sorted(chatbot.workdir.glob("*.log"))),
            *raw_log.lines, *record_values(caplog.records), ("captured log", caplog.text),
            *answers,
        ]
    finally:
        tracker.dispose()
    assert leaks(everywhere) == []
