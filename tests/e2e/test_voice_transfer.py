"""311 → self-service: a caller with a 311 agent is transferred back into the payment line by
the agent (TransferService.start, as the console calls it), through the real Flask app with
signed webhooks. The simulated call follows the redirect as a live Twilio call would: from the
sandbox call control (/sandbox/calls/redirect), or from the Twilio stub's Calls API."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from flask import Flask

from domain.errors import AgentActionError, CallNotLive, TransferNotUsable
from domain.model import Actor
from ivr.voice.engine import transfer_entry_url
from ivr.web.twilio_signature import sign
from sandbox.simulators.phone import (
    FlaskTransport,
    PhoneCall,
    RedirectSource,
    Transcript,
    spoken_text,
)
from tests.e2e.voice_support import APPROVED_CARD, DANA, LUCIA, VICTOR, VoiceCity, voice_city
from tests.twilio_stub import TwilioApiStub

AGENT = Actor.agent("r.alvarez")
STRANGER = "+13125550199"  # no account has this phone: no caller-ID hints
SID = "CA" + "ab" * 16
OTHER_SID = "CA" + "cd" * 16
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "e" * 32
WELCOME = "You're now on the City of Riverton secure payment line"
FALLBACK = "We couldn't complete the transfer from the agent, but you can continue here."
# After the transfer: pay now, the full balance, by card, accept the fee, the card, no receipt.
PAY_BY_CARD = ["1", "1", "1", "1", *APPROVED_CARD, "2", "hangup"]


@pytest.fixture
def city(tmp_path: Path) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path)


def account_id(city: VoiceCity, number: str) -> int:
    (row,) = city.rows("SELECT id FROM accounts WHERE account_number = :n", n=number)
    return int(row.id)


class Console:
    """The 311 agent's console, played by the test: `start` is what its "Transfer to
    self-service payment" button does. As a PhoneCall's `on_agent` hook it transfers the call
    the first time an agent answers it, for the handoff that brought the caller."""

    def __init__(self, city: VoiceCity, account: str = DANA, *, language: str = "en",
                 verified_by: str = "account_and_street") -> None:
        self.city = city
        self.account = account
        self.language = language
        self.verified_by = verified_by
        self.tickets: list[str] = []  # what each redirect carried (tests only)
        self.answered: list[str] = []

    def entry_url(self, ticket: str) -> str:
        self.tickets.append(ticket)
        return transfer_entry_url(self.city.app.extensions["payline.channels"].public_url)(ticket)

    def start(self, call_sid: str, /, **options: object) -> str:
        """Transfer the call; `options` override what start() is given (e.g. a bad CallSid)."""
        handoff = self.city.container.handoff_service().latest_for_session(call_sid)
        values: dict[str, object] = {
            "account_id": account_id(self.city, self.account), "call_sid": call_sid,
            "verified_by": self.verified_by, "language": self.language,
            "handoff_id": handoff.id if handoff else None}
        values.update(options)
        self.city.container.transfer_service(self.entry_url).start(AGENT, **values)  # type: ignore[arg-type]
        return self.tickets[-1]

    def __call__(self, call_sid: str) -> None:
        self.answered.append(call_sid)
        if len(self.answered) == 1:
            self.start(call_sid)


def place(city: VoiceCity, console: Console | None, script: list[str], *,
          call_sid: str | None = None, redirect_source: RedirectSource | None = None,
          agent_wait: float = 2.0) -> Transcript:
    return PhoneCall(FlaskTransport(city.app), caller=STRANGER, call_sid=call_sid,
                     agent_wait=agent_wait, on_agent=console, redirect_source=redirect_source,
                     poll_interval=0.05).run(script)


def signed_post(app: Flask, path: str, params: Mapping[str, str]) -> tuple[int, str]:
    channels = app.extensions["payline.channels"]
    signature = sign(channels.public_url + path, dict(params), channels.twilio_auth_token)
    response = app.test_client().post(path, data=dict(params),
                                      headers={"X-Twilio-Signature": signature})
    return response.status_code, response.get_data(as_text=True)


def with_the_agent(city: VoiceCity, sid: str = SID) -> None:
    """A call that pressed 0 at the main menu and is now in the <Dial> to 311."""
    signed_post(city.app, "/voice/incoming", {"CallSid": sid, "From": STRANGER})
    signed_post(city.app, "/voice/language?t=1", {"CallSid": sid, "Digits": "1"})
    status, body = signed_post(city.app, "/voice/menu?t=2", {"CallSid": sid, "Digits": "0"})
    assert status == 200 and "<Dial" in body


def arrive(city: VoiceCity, ticket: str | None, sid: str = SID) -> tuple[int, str]:
    path = "/voice/transferred" + (f"?ticket={ticket}" if ticket is not None else "")
    return signed_post(city.app, path, {"CallSid": sid, "From": STRANGER,
                                        "CallStatus": "in-progress"})


def heard(document: str) -> str:
    root = ET.fromstring(document)  # noqa: S314 - our own app's answer under test
    return " ".join(spoken_text(say) for say in root.iter("Say"))


def gather_action(document: str) -> str:
    gather = ET.fromstring(document).find("Gather")  # noqa: S314
    assert gather is not None, document
    return gather.get("action", "")


def session(city: VoiceCity, sid: str = SID) -> object:
    (row,) = city.rows("SELECT * FROM channel_sessions WHERE session_key = :s", s=sid)
    return row


def transfer_links(city: VoiceCity) -> list[object]:
    return city.rows("SELECT * FROM one_time_links WHERE purpose = 'transfer' ORDER BY id")


# --- the whole story ------------------------------------------------------------------------------


def test_an_agent_transfers_a_caller_who_then_pays_by_card(city: VoiceCity) -> None:
    console = Console(city)
    call = place(city, console, ["1", "0", *PAY_BY_CARD])
    said = call.said
    assert console.answered == [call.call_sid]
    (redirect,) = [e for e in call.of_kind("redirect") if e.attrs.get("by") == "agent"]
    assert redirect.text.startswith("/voice/transferred?ticket=")
    assert console.tickets[0] not in redirect.text  # shortened when shown
    assert f"{WELCOME}. The agent has left the call" in said
    assert "Your account ending in 0 7 3 1 is verified" in said
    assert "To pay now, press 1. To schedule a payment, press 2" in said
    assert "First, let's find your account" not in said  # the agent verified the caller
    assert not [url for url, _ in call.requests if "/voice/id" in url]
    assert not call.params_posted_to("/voice/after_dial")  # the redirect ended the <Dial>
    assert "was approved" in said
    (payment,) = city.payments(DANA)
    assert (payment.status, payment.channel) == ("approved", "voice")
    assert payment.created_by == f"resident:{call.call_sid}"
    assert payment.method_label == "VISA ending 4242"
    (handoff,) = city.rows("SELECT * FROM handoffs")
    assert (handoff.status, handoff.outcome) == ("closed", "transferred_to_self_service")
    (event,) = city.rows("SELECT * FROM audit_events WHERE action = "
                         "'call.transferred_to_self_service'")
    assert (event.actor, event.channel, event.subject, event.detail) == (
        "agent:r.alvarez", "agent", call.call_sid, "account_and_street")
    assert event.account_id == account_id(city, DANA)
    (link,) = transfer_links(city)
    assert link.used_at is not None and link.created_by == "agent:r.alvarez"
    state = session(city, call.call_sid)
    assert state.account_id == account_id(city, DANA)  # type: ignore[attr-defined]
    assert '"transferred_by":"r.alvarez"' in state.data  # type: ignore[attr-defined]


def test_the_transfer_menu_reads_the_balance_then_the_main_menu(city: VoiceCity) -> None:
    call = place(city, Console(city), ["1", "0", "3", "hangup"])
    assert "your total balance due is one hundred forty-six dollars" in call.said
    assert call.said.rstrip().splitlines()[-1].startswith("Main menu")


def test_the_transfer_menu_schedules_a_payment(city: VoiceCity) -> None:
    call = place(city, Console(city), ["1", "0", "2", "hangup"])
    assert "Let's schedule a payment" in call.said
    assert "First, let's find your account" not in call.said


def test_a_spanish_caller_hears_spanish(city: VoiceCity) -> None:
    call = place(city, Console(city, LUCIA, language="es"), ["1", "0", "3", "hangup"])
    assert "Ahora está en la línea de pagos segura de City of Riverton" in call.said
    assert "Su cuenta que termina en 8 8 9 0 está verificada" in call.said
    assert "Para pagar ahora, oprima 1" in call.said
    assert "su saldo total es de 58 dólares con 23 centavos" in call.said
    assert "Menú principal" in call.said


def test_without_a_transfer_the_dial_completes_as_before(city: VoiceCity) -> None:
    console = Console(city)
    console.answered.append("already used")  # the agent never presses the button
    call = place(city, console, ["1", "0"], agent_wait=0.3)
    (after,) = call.params_posted_to("/voice/after_dial")
    assert after["DialCallStatus"] == "completed"
    assert WELCOME not in call.said and call.ended_by == "app-hangup"


def test_going_back_to_311_names_the_agent_and_dials_again(city: VoiceCity) -> None:
    console = Console(city)
    call = place(city, console, ["1", "0", "0"], agent_wait=0.5)
    assert len(call.of_kind("dial")) == 2 and console.answered == [call.call_sid] * 2
    first, second = city.rows("SELECT * FROM handoffs ORDER BY id")
    assert first.status == "closed" and second.status == "open"
    assert second.reason == "pressed_zero" and second.verified
    assert "back from self-service where agent r.alvarez sent them" in second.summary
    assert "verified on the account ending 0731" in second.summary
    assert "r.alvarez" in call.of_kind("whisper")[1].text
    assert call.params_posted_to("/voice/after_dial")  # no transfer the second time


# --- the ticket at the IVR --------------------------------------------------------------------


def test_the_same_ticket_posted_again_replays_the_answer(city: VoiceCity) -> None:
    with_the_agent(city)
    ticket = Console(city).start(SID)
    status, first = arrive(city, ticket)
    assert status == 200 and WELCOME in heard(first)
    assert gather_action(first) == "/voice/transfer_menu?t=4"
    status, again = arrive(city, ticket)  # Twilio retrying the webhook
    assert (status, again) == (200, first)
    assert len(city.rows("SELECT * FROM audit_events WHERE action LIKE 'call.%'")) == 1
    # Much later (the caller has moved on), the same ticket only asks where the call is.
    signed_post(city.app, "/voice/transfer_menu?t=4", {"CallSid": SID, "Digits": "1"})
    status, late = arrive(city, ticket)
    assert status == 200 and WELCOME not in heard(late) and FALLBACK not in heard(late)
    assert session(city).step == "pay_amount"  # type: ignore[attr-defined]


def test_a_ticket_for_another_call_is_refused_and_not_used_up(city: VoiceCity) -> None:
    with_the_agent(city)
    ticket = Console(city).start(SID)
    status, body = arrive(city, ticket, sid=OTHER_SID)  # dialled 311 directly: a new session
    assert status == 200
    assert FALLBACK in heard(body) and "Main menu" in heard(body)
    assert gather_action(body).startswith("/voice/menu?t=")
    other = session(city, OTHER_SID)
    assert other.account_id is None and other.verified_at is None  # type: ignore[attr-defined]
    (link,) = transfer_links(city)
    assert link.used_at is None
    status, body = arrive(city, ticket)
    assert WELCOME in heard(body)


def test_an_expired_ticket_falls_back_to_the_main_menu(city: VoiceCity) -> None:
    with_the_agent(city)
    ticket = Console(city).start(SID)
    city.container.clock.advance(minutes=6)  # type: ignore[attr-defined]
    status, body = arrive(city, ticket)
    assert status == 200 and FALLBACK in heard(body) and "Main menu" in heard(body)
    assert session(city).account_id is None  # type: ignore[attr-defined]
    # The caller can still verify and carry on as usual.
    signed_post(city.app, gather_action(body), {"CallSid": SID, "Digits": "1"})
    assert session(city).step in ("identify", "id_how")  # type: ignore[attr-defined]


@pytest.mark.parametrize("ticket", [None, "", "not-a-ticket", "x" * 300, "%00%ff"])
def test_garbage_or_missing_tickets_fall_back(city: VoiceCity, ticket: str | None) -> None:
    with_the_agent(city)
    status, body = arrive(city, ticket)
    assert status == 200 and FALLBACK in heard(body) and "Main menu" in heard(body)
    assert session(city).account_id is None  # type: ignore[attr-defined]


def test_a_used_ticket_falls_back_on_another_fresh_call(city: VoiceCity) -> None:
    with_the_agent(city)
    ticket = Console(city).start(SID)
    arrive(city, ticket)
    status, body = arrive(city, ticket, sid=OTHER_SID)
    assert status == 200 and FALLBACK in heard(body)


def test_a_call_that_is_not_with_an_agent_is_not_verified_by_a_ticket(city: VoiceCity) -> None:
    """A CallSid typed wrongly in the console may name someone else's live call: it is
    redirected, but gets nothing from the ticket."""
    signed_post(city.app, "/voice/incoming", {"CallSid": SID, "From": STRANGER})
    signed_post(city.app, "/voice/language?t=1", {"CallSid": SID, "Digits": "1"})
    ticket = Console(city).start(SID)  # live, at the main menu, not with 311
    status, body = arrive(city, ticket)
    assert status == 200 and FALLBACK in heard(body) and WELCOME not in heard(body)
    assert session(city).account_id is None  # type: ignore[attr-defined]
    (link,) = transfer_links(city)
    assert link.used_at is None


def test_unsigned_or_forged_transfers_are_refused(city: VoiceCity) -> None:
    with_the_agent(city)
    ticket = Console(city).start(SID)
    client = city.app.test_client()
    path = f"/voice/transferred?ticket={ticket}"
    assert client.post(path, data={"CallSid": SID}).status_code == 403
    forged = client.post(path, data={"CallSid": SID},
                         headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert forged.status_code == 403
    # Signed for another ticket: the query string is part of what Twilio signs.
    channels = city.app.extensions["payline.channels"]
    signature = sign(channels.public_url + "/voice/transferred?ticket=other", {"CallSid": SID},
                     channels.twilio_auth_token)
    assert client.post(path, data={"CallSid": SID},
                       headers={"X-Twilio-Signature": signature}).status_code == 403
    (link,) = transfer_links(city)
    assert link.used_at is None


def test_an_ended_call_hears_goodbye(city: VoiceCity) -> None:
    with_the_agent(city)
    ticket = Console(city).start(SID)
    signed_post(city.app, "/voice/status", {"CallSid": SID, "CallStatus": "completed"})
    status, body = arrive(city, ticket)
    assert status == 200 and "<Hangup" in body


# --- what the agent can and cannot do ------------------------------------------------------------


def test_an_ended_call_cannot_be_transferred_and_its_ticket_is_void(city: VoiceCity) -> None:
    with_the_agent(city)
    signed_post(city.app, "/voice/status", {"CallSid": SID, "CallStatus": "completed"})
    console = Console(city)
    with pytest.raises(CallNotLive) as raised:
        console.start(SID)
    assert raised.value.detail == ("That call has ended or is not connected, so it cannot be "
                                   "transferred.")
    with pytest.raises(TransferNotUsable):
        city.container.transfer_service(console.entry_url).redeem(console.tickets[0], SID)
    (link,) = transfer_links(city)
    assert link.used_at is not None
    assert city.rows("SELECT * FROM sandbox_call_redirects") == []
    assert city.rows("SELECT * FROM audit_events WHERE action LIKE 'call.%'") == []
    # The agent took the handoff before trying to move the call: the resident who hung up
    # is still theirs to follow up (and to close), not back in the queue for someone else.
    (handoff,) = city.rows("SELECT * FROM handoffs")
    assert (handoff.status, handoff.taken_by, handoff.outcome) == ("taken", AGENT.id, None)


def test_a_call_payline_never_heard_of_cannot_be_transferred(city: VoiceCity) -> None:
    with pytest.raises(CallNotLive):
        Console(city).start(OTHER_SID)


def test_a_locked_account_must_be_unlocked_first(city: VoiceCity) -> None:
    with_the_agent(city)
    with pytest.raises(AgentActionError, match="Unlock the account first"):
        Console(city, VICTOR).start(SID)
    assert transfer_links(city) == []
    assert city.rows("SELECT * FROM sandbox_call_redirects") == []


@pytest.mark.parametrize("options", [
    {"call_sid": "CA123"}, {"call_sid": SID.upper()}, {"call_sid": "not a call"},
    {"verified_by": "caller_id"}, {"verified_by": ""},
])
def test_bad_call_sids_and_methods_are_refused(city: VoiceCity,
                                               options: dict[str, str]) -> None:
    with_the_agent(city)
    with pytest.raises(AgentActionError):
        Console(city).start(SID, **options)
    assert transfer_links(city) == []


# --- the sandbox call control's endpoint ---------------------------------------------------------


def test_the_sandbox_endpoint_hands_each_redirect_out_once(city: VoiceCity) -> None:
    with_the_agent(city)
    assert signed_post(city.app, "/sandbox/calls/redirect", {"CallSid": SID})[0] == 204
    ticket = Console(city).start(SID)
    status, body = signed_post(city.app, "/sandbox/calls/redirect", {"CallSid": SID})
    assert status == 200
    assert body.strip() and ticket in body and '"method":"POST"' in body.replace(" ", "")
    assert signed_post(city.app, "/sandbox/calls/redirect", {"CallSid": SID})[0] == 204
    client = city.app.test_client()
    assert client.post("/sandbox/calls/redirect", data={"CallSid": SID}).status_code == 403


# --- with Twilio's Calls API (the stub) instead of the sandbox ------------------------------------


@pytest.fixture
def twilio() -> Iterator[TwilioApiStub]:
    with TwilioApiStub(ACCOUNT_SID, AUTH_TOKEN) as stub:
        yield stub


@pytest.fixture
def twilio_city(tmp_path: Path, twilio: TwilioApiStub) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path, settings_env={
        "PAYLINE_CALL_CONTROL": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "PAYLINE_TWILIO_API_URL": twilio.url},
        TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN)


def test_with_twilio_the_caller_ends_up_in_self_service_the_same_way(
        twilio_city: VoiceCity, twilio: TwilioApiStub) -> None:
    twilio.register_call(SID)  # Twilio knows the live call
    call = place(twilio_city, Console(twilio_city), ["1", "0", *PAY_BY_CARD], call_sid=SID,
                 redirect_source=twilio.take_redirect)
    (update,) = twilio.call_updates
    assert update.url_path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{SID}.json"
    assert update.auth == (ACCOUNT_SID, AUTH_TOKEN) and update.form["Method"] == "POST"
    assert update.form["Url"].startswith(
        "http://localhost:5000/voice/transferred?ticket=")
    assert WELCOME in call.said and "was approved" in call.said
    assert "First, let's find your account" not in call.said
    (payment,) = twilio_city.payments(DANA)
    assert payment.status == "approved"
    # The app does not play Twilio itself here: the sandbox endpoint says so.
    assert signed_post(twilio_city.app, "/sandbox/calls/redirect", {"CallSid": SID})[0] == 404


def test_with_twilio_a_caller_who_dialled_311_directly_can_be_transferred(
        twilio_city: VoiceCity, twilio: TwilioApiStub) -> None:
    twilio.register_call(OTHER_SID)  # never called the payment line: no Payline session
    Console(twilio_city).start(OTHER_SID)
    redirect = twilio.take_redirect(OTHER_SID)
    assert redirect is not None and redirect[1] == "POST"
    status, body = arrive(twilio_city, redirect[0].split("ticket=", 1)[1], sid=OTHER_SID)
    assert status == 200 and WELCOME in heard(body)
    assert gather_action(body) == "/voice/transfer_menu?t=2"
    assert session(twilio_city, OTHER_SID).account_id == account_id(  # type: ignore[attr-defined]
        twilio_city, DANA)


def test_with_twilio_an_ended_call_is_not_live(twilio_city: VoiceCity,
                                               twilio: TwilioApiStub) -> None:
    with_the_agent(twilio_city)
    twilio.register_call(SID)
    twilio.end_call(SID)
    console = Console(twilio_city)
    with pytest.raises(CallNotLive):
        console.start(SID)
    (link,) = transfer_links(twilio_city)
    assert link.used_at is not None


def test_the_simulator_says_when_the_app_has_no_sandbox_call_control(
        twilio_city: VoiceCity) -> None:
    lines: list[str] = []
    call = PhoneCall(FlaskTransport(twilio_city.app), caller=STRANGER, agent_wait=5,
                     echo=lines.append).run(["1", "0"])
    assert ("[the app does not use the sandbox call control; nothing to wait for]" in lines)
    assert call.params_posted_to("/voice/after_dial")
