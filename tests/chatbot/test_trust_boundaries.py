"""The chatbot's trust boundaries with the real processes (the session's `chatbot` stack: the
trained model in `rasa run --auth-token`, Payline's action server, a seeded city):

- Rasa's HTTP API refuses, without its token, what would let a client rewrite a conversation
  (tracker events, running an action) or use the NLU, and accepts it with the token;
- conversations through the REST channel still reach the actions: Rasa sends the action
  server's secret from the endpoints file ivr/bot/rasa_endpoints.py wrote;
- the action server refuses the same forged call without the secret;
- Rasa and the action server listen on loopback only.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from ivr.bot.nlu import IntentClassifier
from tests.chatbot_stack import ChatbotStack
from tests.socket_support import listening_addresses, non_loopback_ipv4, unreachable

pytestmark = pytest.mark.slow

DANA = ("0104200731", "1234")
FORGED_SLOT = [{"event": "slot", "name": "verified_account_id", "value": "1"}]


def sender() -> str:
    return f"trust-{uuid.uuid4().hex[:16]}"


def api(stack: ChatbotStack, method: str, path: str, token: str | None = None,
        **kwargs: Any) -> requests.Response:
    params = {"token": token} if token is not None else {}
    return requests.request(method, f"{stack.rasa_url}{path}", params=params, timeout=60,
                            **kwargs)


def test_rasa_refuses_a_tracker_events_write_without_the_token(chatbot: ChatbotStack) -> None:
    conversation = sender()
    path = f"/conversations/{conversation}/tracker/events"
    for token in (None, "", "wrong", chatbot.rasa_token[:-1]):
        refused = api(chatbot, "POST", path, token, json=FORGED_SLOT)
        assert refused.status_code == 401, (token, refused.text)
        assert api(chatbot, "PUT", path, token, json=FORGED_SLOT).status_code == 401
    assert chatbot.tracker(conversation)["slots"].get("verified_account_id") is None

    accepted = api(chatbot, "POST", path, chatbot.rasa_token, json=FORGED_SLOT)
    assert accepted.status_code == 200, accepted.text
    assert chatbot.tracker(conversation)["slots"]["verified_account_id"] == "1"


def test_rasa_refuses_reads_and_action_runs_without_the_token(chatbot: ChatbotStack) -> None:
    conversation = sender()
    assert api(chatbot, "GET", f"/conversations/{conversation}/tracker").status_code == 401
    assert api(chatbot, "GET", "/status").status_code == 401
    # /execute would run an action through Rasa, which holds the action server's secret.
    run = api(chatbot, "POST", f"/conversations/{conversation}/execute",
              json={"name": "action_finish_task"})
    assert run.status_code == 401
    assert api(chatbot, "GET", "/status", chatbot.rasa_token).status_code == 200


def test_model_parse_needs_the_token(chatbot: ChatbotStack) -> None:
    text = {"text": "i want to pay my water bill"}
    assert api(chatbot, "POST", "/model/parse", json=text).status_code == 401
    assert api(chatbot, "POST", "/model/parse", "wrong", json=text).status_code == 401
    parsed = api(chatbot, "POST", "/model/parse", chatbot.rasa_token, json=text)
    assert parsed.status_code == 200 and parsed.json()["intent"]["name"] == "pay_bill"


def test_the_voice_nlu_client_sends_the_token(chatbot: ChatbotStack) -> None:
    with_token = IntentClassifier(chatbot.rasa_url, timeout=30, token=chatbot.rasa_token)
    assert with_token.classify("i want to pay my water bill") == "pay_bill"
    assert with_token.rasa_available()  # Rasa answered: its breaker stays closed
    without = IntentClassifier(chatbot.rasa_url, timeout=30, token="wrong")
    assert without.classify("i want to pay my water bill") == "pay_bill"  # the keywords'
    assert not without.rasa_available()  # Rasa said 401: the breaker opened


def test_conversations_still_reach_the_actions(chatbot: ChatbotStack) -> None:
    before = (chatbot.workdir / "actions.log").read_text(errors="replace").count("refused")
    chat = chatbot.conversation()
    assert "account number" in chat.say("how much do i owe?"), chat.dump()
    assert "street number" in chat.say(DANA[0]), chat.dump()
    reply = chat.say(DANA[1])
    # (The live tests share one city and some pay Dana's bill, so no fixed amount here.)
    assert "verified for the account ending 0731" in reply, chat.dump()
    assert "the account ending 0731 owes $" in reply, chat.dump()  # the balance action ran
    after = (chatbot.workdir / "actions.log").read_text(errors="replace").count("refused")
    assert after == before  # every action call Rasa made carried the secret


def test_the_action_server_refuses_a_forged_call_without_the_secret(
        chatbot: ChatbotStack) -> None:
    account_id = chatbot.rows("SELECT id FROM accounts WHERE account_number = :n",
                              n=DANA[0])[0].id
    body = {"next_action": "action_finish_task", "sender_id": "attacker",
            "tracker": {"sender_id": "attacker", "events": [], "latest_message": {},
                        "slots": {"verified_account_id": str(account_id),
                                  "pay_confirmed": True, "amount": "40.00",
                                  "payment_method": "link", "active_task": "pay_bill",
                                  "form_outcome": "done"}}}
    links = len(chatbot.rows("SELECT id FROM one_time_links"))
    refused = requests.post(f"{chatbot.action_url}/webhook", json=body, timeout=30)
    assert refused.status_code == 401
    assert len(chatbot.rows("SELECT id FROM one_time_links")) == links


def test_rasa_and_the_action_server_listen_on_loopback_only(chatbot: ChatbotStack) -> None:
    ports = [urlsplit(url).port for url in (chatbot.rasa_url, chatbot.action_url)]
    address = non_loopback_ipv4()
    for port in ports:
        assert port is not None
        assert listening_addresses(port) == {"127.0.0.1"}
        if address is not None:
            assert unreachable(address, port)
