"""TwilioSmsNotifier against a real local HTTP server standing in for Twilio's Messages API
(tests/twilio_stub.py): the request it makes (POST, path, basic auth, To / From or
MessagingServiceSid / a redacted Body), Twilio's 21610 "unsubscribed recipient" (opt-out
recorded, RecipientOptedOut raised), every other failure, and logs without the number."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from domain.adapters.clock import FixedClock
from domain.adapters.twilio_sms import (
    DEFAULT_TIMEOUT_SECONDS,
    OPT_OUT_SOURCE,
    UNSUBSCRIBED,
    SmsDeliveryError,
    TwilioSmsNotifier,
)
from domain.cards import REDACTION
from domain.errors import InvalidInput, InvalidPhoneNumber, RecipientOptedOut
from domain.ports import Notification, Notifier, SmsConsent
from tests.http_support import closed_port_url
from tests.twilio_stub import TwilioAnswer, TwilioApiStub, twilio_error

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f" * 32
SERVICE_SID = "MG" + "fedcba9876543210" * 2
CITY = "+13125550100"
RESIDENT = "+13125550101"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("America/Chicago"))
MESSAGES_PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
CARD = "4242 4242 4242 4242"
RECEIPT = "Payment K7MW-3QTX of $45.50 received."


class MemoryConsent(SmsConsent):
    def __init__(self, *, fail: bool = False) -> None:
        self.opted_out: dict[str, tuple[datetime, str]] = {}
        self.fail = fail

    def is_opted_out(self, phone: str) -> bool:
        return phone in self.opted_out

    def opt_out(self, phone: str, at: datetime, source: str) -> None:
        if self.fail:
            raise RuntimeError("database is down")
        self.opted_out[phone] = (at, source)

    def opt_in(self, phone: str, at: datetime, source: str) -> None:
        self.opted_out.pop(phone, None)


@pytest.fixture(autouse=True)
def no_proxy_for_the_stub(monkeypatch: pytest.MonkeyPatch) -> None:
    """The notifier honours proxy settings (trust_env), so a developer's HTTP(S)_PROXY must not
    catch the local stub's requests."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")


@pytest.fixture
def twilio() -> Iterator[TwilioApiStub]:
    with TwilioApiStub(ACCOUNT_SID, AUTH_TOKEN) as stub:
        yield stub


def notifier(api_url: str, consent: SmsConsent | None = None, *,
             from_number: str | None = CITY, messaging_service_sid: str | None = None,
             auth_token: str = AUTH_TOKEN, **options: Any) -> TwilioSmsNotifier:
    return TwilioSmsNotifier(ACCOUNT_SID, auth_token, consent or MemoryConsent(),
                             FixedClock(NOW), from_number=from_number,
                             messaging_service_sid=messaging_service_sid, api_url=api_url,
                             **options)


def text(body: str = RECEIPT, to: str = RESIDENT,
         kind: str = "payment.receipt") -> Notification:
    return Notification(channel="sms", to=to, body=body, kind=kind, account_id=7)


def test_is_a_notifier(twilio: TwilioApiStub) -> None:
    assert isinstance(notifier(twilio.url), Notifier)


# --- what reaches Twilio --------------------------------------------------------------------------


def test_posts_to_from_and_body_to_the_messages_api(twilio: TwilioApiStub) -> None:
    notifier(twilio.url).send(text(to="(312) 555-0101"))
    (request,) = twilio.requests
    assert (request.method, request.path) == ("POST", MESSAGES_PATH)
    assert request.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["accept"] == "application/json"
    assert request.form == {"To": RESIDENT, "From": CITY, "Body": RECEIPT}


def test_a_messaging_service_sends_instead_of_the_from_number(twilio: TwilioApiStub) -> None:
    notifier(twilio.url, from_number=CITY, messaging_service_sid=SERVICE_SID).send(text())
    assert twilio.sent == [{"To": RESIDENT, "MessagingServiceSid": SERVICE_SID,
                            "Body": RECEIPT}]


def test_the_from_number_is_sent_in_e164(twilio: TwilioApiStub) -> None:
    notifier(twilio.url, from_number="(312) 555-0100").send(text())
    assert twilio.sent[0]["From"] == CITY


def test_a_card_number_never_leaves_in_a_text(twilio: TwilioApiStub) -> None:
    notifier(twilio.url).send(text(body=f"You typed {CARD} earlier."))
    assert twilio.sent[0]["Body"] == f"You typed {REDACTION} earlier."
    assert not twilio.saw("4242")


def test_spanish_text_arrives_intact(twilio: TwilioApiStub) -> None:
    body = "Recibimos su pago de $58.23. ¡Gracias! Código K7MW-3QTX & más"
    notifier(twilio.url).send(text(body=body))
    assert twilio.sent[0]["Body"] == body


def test_a_trailing_slash_on_the_api_url_is_ignored(twilio: TwilioApiStub) -> None:
    notifier(twilio.url + "/").send(text())
    assert twilio.requests[0].path == MESSAGES_PATH


def test_an_outbound_proxy_from_the_environment_is_used(
        twilio: TwilioApiStub, monkeypatch: pytest.MonkeyPatch) -> None:
    # Production may reach api.twilio.com only through a proxy: the stub plays the proxy here,
    # so it sees the absolute URL of a host that does not resolve.
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, twilio.url)
    notifier("http://api.twilio.invalid").send(text())
    (request,) = twilio.requests
    assert request.path == f"http://api.twilio.invalid{MESSAGES_PATH}"
    assert request.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.form["To"] == RESIDENT


def test_waits_five_seconds_at_most_by_default(
        twilio: TwilioApiStub, monkeypatch: pytest.MonkeyPatch) -> None:
    timeouts: list[object] = []
    original = requests.Session.request

    def request(self: requests.Session, method: str, url: str, **kwargs: Any) -> Any:
        timeouts.append(kwargs.get("timeout"))
        return original(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", request)
    notifier(twilio.url).send(text())
    assert timeouts == [DEFAULT_TIMEOUT_SECONDS] == [5.0]


# --- 21610: the number opted out at Twilio --------------------------------------------------------


def test_21610_records_the_opt_out_and_refuses(twilio: TwilioApiStub) -> None:
    consent = MemoryConsent()
    twilio.opted_out.add(RESIDENT)
    with pytest.raises(RecipientOptedOut) as refused:
        notifier(twilio.url, consent).send(text(to="312-555-0101"))
    assert consent.opted_out == {RESIDENT: (NOW, OPT_OUT_SOURCE)}
    assert (UNSUBSCRIBED, OPT_OUT_SOURCE) == (21610, "twilio-21610")
    assert "START" in refused.value.message and "0101" not in str(refused.value)
    assert len(twilio.requests) == 1


def test_21610_in_twilios_newer_problem_format_is_recognized_too(
        twilio: TwilioApiStub) -> None:
    consent = MemoryConsent()
    twilio.answer_next(TwilioAnswer(400, json.dumps({
        "type": "https://www.twilio.com/docs/errors/21610", "title": "Unsubscribed recipient",
        "status": 400, "code": 21610}).encode(), "application/problem+json"))
    with pytest.raises(RecipientOptedOut):
        notifier(twilio.url, consent).send(text())
    assert RESIDENT in consent.opted_out


def test_21610_still_refuses_when_the_opt_out_cannot_be_recorded(
        twilio: TwilioApiStub, caplog: pytest.LogCaptureFixture) -> None:
    twilio.opted_out.add(RESIDENT)
    with pytest.raises(RecipientOptedOut):
        notifier(twilio.url, MemoryConsent(fail=True)).send(text())
    assert "could not record the opt-out of ***-***-0101" in caplog.text


# --- every other failure: one SmsDeliveryError ---------------------------------------------------


@pytest.mark.parametrize(("answer", "permanent", "code"), [
    (twilio_error(21211, f"The 'To' number {RESIDENT} is not a valid phone number."), True,
     21211),
    (twilio_error(21408, f"Permission to send an SMS has not been enabled for {RESIDENT}"),
     True, 21408),
    (twilio_error(20429, "Too Many Requests", status=429), True, 20429),
    (twilio_error(20500, "Internal Server Error", status=500), False, 20500),
    (TwilioAnswer(500, b"{}"), False, None),
    (TwilioAnswer(503, b"<html>Service Unavailable</html>", "text/html"), False, None),
])
def test_other_refusals_are_one_delivery_error_without_the_number(
        twilio: TwilioApiStub, answer: TwilioAnswer, permanent: bool, code: int | None) -> None:
    consent = MemoryConsent()
    twilio.answer_next(answer)
    with pytest.raises(SmsDeliveryError) as failed:
        notifier(twilio.url, consent).send(text())
    assert failed.value.permanent is permanent and failed.value.code == code
    assert f"HTTP {answer.status}" in str(failed.value)
    assert f"error {code or '?'}" in str(failed.value)
    assert "5550101" not in str(failed.value) and "***-***-0101" in str(failed.value)
    assert "phone number" not in str(failed.value)  # Twilio's message text is never kept
    assert consent.opted_out == {}  # only 21610 means the number opted out


def test_wrong_credentials_are_a_permanent_error(twilio: TwilioApiStub) -> None:
    with pytest.raises(SmsDeliveryError) as failed:
        notifier(twilio.url, auth_token="0" * 32).send(text())
    assert (failed.value.permanent, failed.value.code) == (True, 20003)
    assert "HTTP 401" in str(failed.value)


def test_a_success_status_without_a_message_sid_is_not_taken_for_sent(
        twilio: TwilioApiStub) -> None:
    twilio.answer_next(TwilioAnswer(200, b"<html>Welcome to the proxy</html>", "text/html"))
    with pytest.raises(SmsDeliveryError) as failed:
        notifier(twilio.url).send(text())
    assert failed.value.permanent is False and failed.value.code is None
    assert "no message SID" in str(failed.value) and "***-***-0101" in str(failed.value)


def test_twilio_out_of_reach_is_a_temporary_delivery_error() -> None:
    with pytest.raises(SmsDeliveryError) as failed:
        notifier(closed_port_url()).send(text())
    assert (failed.value.permanent, failed.value.code) == (False, None)
    assert str(failed.value) == "cannot reach Twilio to text ***-***-0101 (ConnectionError)"


def test_a_twilio_that_does_not_answer_in_time_is_a_temporary_delivery_error() -> None:
    with TwilioApiStub(ACCOUNT_SID, AUTH_TOKEN, delay=3.0) as slow:
        started = time.monotonic()
        with pytest.raises(SmsDeliveryError) as failed:
            notifier(slow.url, timeout=0.3).send(text())
        waited = time.monotonic() - started
    assert waited < 2.0
    assert failed.value.permanent is False
    assert str(failed.value) == "cannot reach Twilio to text ***-***-0101 (ReadTimeout)"


# --- logs -----------------------------------------------------------------------------------------


def test_logs_never_hold_the_numbers_digits(
        twilio: TwilioApiStub, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sender = notifier(twilio.url)
    sender.send(text())
    twilio.answer_next(twilio_error(21211, f"The 'To' number {RESIDENT} is not valid."))
    with pytest.raises(SmsDeliveryError):
        sender.send(text())
    twilio.opted_out.add(RESIDENT)
    with pytest.raises(RecipientOptedOut):
        sender.send(text())
    assert "sms payment.receipt sent to ***-***-0101 as SM" in caplog.text
    assert "refused by Twilio: the number opted out (21610)" in caplog.text
    assert "5550101" not in caplog.text
    assert AUTH_TOKEN not in caplog.text


# --- refused before anything leaves ---------------------------------------------------------------


@pytest.mark.parametrize("notification", [
    Notification(channel="email", to="ana@example.com", body="hi"),
    text(body=""),
    text(body="   "),
])
def test_refuses_what_is_not_a_text(twilio: TwilioApiStub, notification: Notification) -> None:
    with pytest.raises(InvalidInput):
        notifier(twilio.url).send(notification)
    assert twilio.requests == []


def test_refuses_a_number_that_is_not_one(twilio: TwilioApiStub) -> None:
    with pytest.raises(InvalidPhoneNumber):
        notifier(twilio.url).send(text(to="not a number"))
    assert twilio.requests == []


def test_needs_a_sender(twilio: TwilioApiStub) -> None:
    with pytest.raises(ValueError, match="from number or a messaging service"):
        notifier(twilio.url, from_number=None, messaging_service_sid=None)


def test_needs_credentials(twilio: TwilioApiStub) -> None:
    with pytest.raises(ValueError, match="account SID and an auth token"):
        notifier(twilio.url, auth_token="")
