"""The voice webhooks as an attacker, a flaky network and Twilio's retries see them:
signatures, duplicates, stale and malformed requests, and the end of a call."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from flask import Flask

from domain.config import Settings
from ivr import create_app
from ivr.cli.processing import runner_for
from ivr.web.twilio_signature import sign
from sandbox.simulators.phone import FlaskTransport, PhoneCall
from tests.e2e.voice_support import APPROVED_CARD, DANA, VoiceCity, voice_city

PAYING_CALL = ["1", "2", "1", f"{DANA}#", "1", "1234#", "1", "1", "1", *APPROVED_CARD, "2",
               "hangup"]
SID = "CA" + "ab" * 16


@pytest.fixture
def city(tmp_path: Path) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path)


def twiml(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - our own app's answer under test


def signed_post(app: Flask, path: str, params: Mapping[str, str], *,
                public_url: str | None = None) -> tuple[int, str, str]:
    channels = app.extensions["payline.channels"]
    url = (public_url or channels.public_url) + path
    signature = sign(url, dict(params), channels.twilio_auth_token)
    response = app.test_client().post(path, data=dict(params),
                                      headers={"X-Twilio-Signature": signature})
    return response.status_code, response.mimetype, response.get_data(as_text=True)


def start(city: VoiceCity) -> str:
    status, _, body = signed_post(city.app, "/voice/incoming", {"CallSid": SID,
                                                                "From": "+13125550199"})
    assert status == 200
    return body


class TwiceTransport(FlaskTransport):
    """Twilio retrying every webhook: each is delivered twice; the answers must match."""

    def post(self, url: str, params: Mapping[str, str],
             headers: Mapping[str, str] | None = None) -> tuple[int, str]:
        first = super().post(url, params, headers)
        second = super().post(url, params, headers)
        assert second == first, url
        return first


# --- signatures ---------------------------------------------------------------------------------


def test_unsigned_and_wrongly_signed_requests_are_refused(city: VoiceCity) -> None:
    client = city.app.test_client()
    assert client.post("/voice/incoming", data={"CallSid": SID}).status_code == 403
    forged = client.post("/voice/incoming", data={"CallSid": SID},
                         headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert forged.status_code == 403
    # Signed for other parameters than those sent: refused too.
    channels = city.app.extensions["payline.channels"]
    signature = sign(channels.public_url + "/voice/menu?t=2", {"Digits": "1"},
                     channels.twilio_auth_token)
    tampered = client.post("/voice/menu?t=2", data={"Digits": "2", "CallSid": SID},
                           headers={"X-Twilio-Signature": signature})
    assert tampered.status_code == 403
    assert city.rows("SELECT * FROM channel_sessions") == []


def test_signatures_validate_behind_a_tls_terminating_proxy(tmp_path: Path) -> None:
    public = "https://pay.riverton.example.gov"
    for city in voice_city(tmp_path, PAYLINE_PUBLIC_URL=public):
        # Twilio signed the https URL; the app itself is reached over plain http.
        status, _, _ = signed_post(city.app, "/voice/incoming", {"CallSid": SID},
                                   public_url=public)
        assert status == 200
        status, _, _ = signed_post(city.app, "/voice/incoming", {"CallSid": SID},
                                   public_url="http://localhost")
        assert status == 403


# --- duplicates ----------------------------------------------------------------------------------


def test_every_webhook_delivered_twice_pays_once(city: VoiceCity) -> None:
    call = PhoneCall(TwiceTransport(city.app), caller="+13125550199").run(PAYING_CALL)
    assert "was approved" in call.said
    (payment,) = city.payments(DANA)
    assert payment.status == "approved"
    assert len(city.rows("SELECT * FROM sandbox_charges")) == 1


def test_replaying_a_whole_paying_call_afterwards_changes_nothing(city: VoiceCity) -> None:
    call = city.call(PAYING_CALL)
    before = city.rows("SELECT id, status, amount_cents FROM payments ORDER BY id")
    audit_before = len(city.rows("SELECT * FROM audit_events"))
    for _ in range(2):
        for url, params in call.requests:
            path = url.removeprefix(city.app.extensions["payline.channels"].public_url)
            status, mimetype, body = signed_post(city.app, path, params)
            assert status == 200 and mimetype == "text/xml"
            twiml(body)
    assert city.rows("SELECT id, status, amount_cents FROM payments ORDER BY id") == before
    assert len(city.rows("SELECT * FROM audit_events")) == audit_before
    assert len(city.payments(DANA)) == 1


def test_a_retried_webhook_gets_the_same_answer_and_a_stale_one_the_current_question(
        city: VoiceCity) -> None:
    start(city)
    params = {"CallSid": SID, "Digits": "1"}
    _, _, first = signed_post(city.app, "/voice/language?t=1", params)
    _, _, retried = signed_post(city.app, "/voice/language?t=1", params)
    assert retried == first
    signed_post(city.app, "/voice/menu?t=2", {"CallSid": SID, "Digits": "2"})
    # A request for a turn long gone: the current question again, nothing applied.
    _, _, stale = signed_post(city.app, "/voice/language?t=1", {"CallSid": SID,
                                                                "Digits": "2"})
    gather = twiml(stale).find("Gather")
    assert gather is not None and gather.get("action") == "/voice/id_how?t=3"
    (session,) = city.rows("SELECT language, step, turn FROM channel_sessions")
    assert (session.language, session.step, session.turn) == ("en", "id_how", 3)


# --- malformed requests ---------------------------------------------------------------------------


@pytest.mark.parametrize("digits", ["<script>", "1" * 500, "１", "DROP TABLE", "\x00"])
def test_garbage_keys_are_reprompted_and_change_nothing(city: VoiceCity, digits: str) -> None:
    start(city)
    signed_post(city.app, "/voice/language?t=1", {"CallSid": SID, "Digits": "1"})
    status, mimetype, body = signed_post(city.app, "/voice/menu?t=2",
                                         {"CallSid": SID, "Digits": digits})
    assert (status, mimetype) == (200, "text/xml")
    root = twiml(body)
    assert "didn't get that" in "".join(root.itertext())
    assert root.find("Gather").get("action") == "/voice/menu?t=3"  # type: ignore[union-attr]


def test_a_request_without_a_call_sid_ends_politely(city: VoiceCity) -> None:
    status, mimetype, body = signed_post(city.app, "/voice/menu?t=2", {"Digits": "1"})
    assert (status, mimetype) == (200, "text/xml")
    assert twiml(body).find("Hangup") is not None


def test_an_unknown_state_picks_the_call_up_where_it_is(city: VoiceCity) -> None:
    start(city)
    status, _, body = signed_post(city.app, "/voice/no-such-state?t=1", {"CallSid": SID})
    assert status == 200
    gather = twiml(body).find("Gather")
    assert gather is not None and gather.get("action") == "/voice/language?t=1"


def test_a_call_we_never_saw_is_greeted(city: VoiceCity) -> None:
    status, _, body = signed_post(city.app, "/voice/pay_confirm?t=9",
                                  {"CallSid": SID, "Digits": "1"})
    assert status == 200 and "Thank you for calling" in "".join(twiml(body).itertext())
    assert city.payments(DANA) == []


def test_a_huge_body_is_not_read_and_the_call_carries_on(city: VoiceCity) -> None:
    response = city.app.test_client().post(
        "/voice/menu?t=2", data={"CallSid": SID, "Digits": "1" * 100_000})
    assert response.status_code == 200 and response.mimetype == "text/xml"
    redirect = twiml(response.get_data(as_text=True)).find("Redirect")
    assert redirect is not None and redirect.text == "/voice/resume"


def test_a_pay_result_without_a_pending_payment_recovers(city: VoiceCity) -> None:
    start(city)
    signed_post(city.app, "/voice/language?t=1", {"CallSid": SID, "Digits": "1"})
    # Posting a <Pay> result to a step that is not waiting for one: the menu is asked again.
    status, _, body = signed_post(city.app, "/voice/pay_card_result?t=2",
                                  {"CallSid": SID, "Result": "success"})
    assert status == 200
    assert twiml(body).find("Gather").get("action") == "/voice/menu?t=2"  # type: ignore[union-attr]
    assert city.payments(DANA) == []


def test_the_database_down_still_answers_twiml() -> None:
    settings = Settings.from_env(
        {"PAYLINE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/payline"})
    app = create_app(settings)
    status, mimetype, body = signed_post(app, "/voice/incoming", {"CallSid": SID})
    assert (status, mimetype) == (200, "text/xml")  # never "an application error"
    root = twiml(body)
    assert "went wrong" in "".join(root.itertext()) and root.find("Hangup") is not None


# --- the end of a call ---------------------------------------------------------------------------


def test_the_status_callback_closes_the_call(city: VoiceCity) -> None:
    start(city)
    status, _, _ = signed_post(city.app, "/voice/status", {"CallSid": SID,
                                                           "CallStatus": "completed"})
    assert status == 200
    (session,) = city.rows("SELECT ended_at, end_status FROM channel_sessions")
    assert session.ended_at is not None and session.end_status == "completed"
    _, _, body = signed_post(city.app, "/voice/language?t=1", {"CallSid": SID, "Digits": "1"})
    assert twiml(body).find("Hangup") is not None


def test_a_call_that_ends_inside_pay_without_a_result_is_released_by_the_runner(
        city: VoiceCity) -> None:
    action = twiml(start(city)).find("Gather").get("action")  # type: ignore[union-attr]
    for digits in ["1", "2", "1", f"{DANA}#", "1", "1234#", "1", "1", "1"]:
        _, _, body = signed_post(city.app, str(action), {"CallSid": SID, "Digits": digits})
        root = twiml(body)
        element = root.find("Gather") if root.find("Gather") is not None else root.find("Pay")
        assert element is not None
        action = element.get("action")
    assert root.find("Pay") is not None
    (payment,) = city.payments(DANA)
    assert payment.status == "pending"  # reserved while the caller types the card
    signed_post(city.app, "/voice/status", {"CallSid": SID, "CallStatus": "completed"})
    # The hang-up does not release it: the charge may be in flight, its result still coming.
    (payment,) = city.payments(DANA)
    assert payment.status == "pending"
    # No result ever comes: once a <Pay> session is surely over, the runner asks the
    # processor, which holds no charge, and the reservation is released.
    city.clock.advance(minutes=11)
    runner_for(city.container, 120).run()
    (payment,) = city.payments(DANA)
    assert payment.status == "rejected" and "nothing was charged" in payment.rejection_reason
    assert city.rows("SELECT * FROM sandbox_charges") == []
    assert city.container.payment_service().payable(payment.account_id).cents == 14657
