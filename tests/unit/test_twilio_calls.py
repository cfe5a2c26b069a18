"""TwilioCallControl against a real local HTTP server standing in for Twilio's Calls API
(tests/twilio_stub.py): the redirect request it makes (POST, path, basic auth, Url, Method),
Twilio's answers for a live, ended and unknown call, every other failure, and logs that never
hold the URL (it carries a transfer ticket)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
import requests

from domain.adapters.twilio_calls import NOT_IN_PROGRESS, TwilioCallControl
from domain.errors import CallControlUnavailable, CallNotLive
from tests.http_support import closed_port_url
from tests.twilio_stub import TwilioAnswer, TwilioApiStub, twilio_error

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f" * 32
SID = "CA" + "0123456789abcdef" * 2
TICKET = "Zq3xTicketValue_do-not-log-1234567890abcdefgh"
URL = f"https://payline.example.org/voice/transferred?ticket={TICKET}"


@pytest.fixture
def twilio() -> Iterator[TwilioApiStub]:
    with TwilioApiStub(ACCOUNT_SID, AUTH_TOKEN) as stub:
        yield stub


def control(twilio: TwilioApiStub, **options: object) -> TwilioCallControl:
    return TwilioCallControl(ACCOUNT_SID, AUTH_TOKEN, twilio.url, **options)  # type: ignore[arg-type]


def test_a_live_call_is_redirected(twilio: TwilioApiStub) -> None:
    twilio.register_call(SID)
    control(twilio).redirect(SID, URL)
    (request,) = twilio.requests
    assert request.method == "POST"
    assert request.url_path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls/{SID}.json"
    assert request.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.form == {"Url": URL, "Method": "POST"}
    assert twilio.call_updates == [request]
    assert twilio.take_redirect(SID) == (URL, "POST")
    assert twilio.take_redirect(SID) is None  # handed out once


def test_an_api_url_with_a_trailing_slash(twilio: TwilioApiStub) -> None:
    twilio.register_call(SID)
    TwilioCallControl(ACCOUNT_SID, AUTH_TOKEN, twilio.url + "/").redirect(SID, URL)
    assert twilio.take_redirect(SID) == (URL, "POST")


def test_an_unknown_call_is_not_live(twilio: TwilioApiStub) -> None:
    with pytest.raises(CallNotLive):
        control(twilio).redirect(SID, URL)
    assert twilio.take_redirect(SID) is None


def test_an_ended_call_is_not_live(twilio: TwilioApiStub) -> None:
    twilio.register_call(SID)
    twilio.end_call(SID)
    with pytest.raises(CallNotLive):
        control(twilio).redirect(SID, URL)
    assert twilio.take_redirect(SID) is None


def test_21220_is_not_live_whatever_the_status(twilio: TwilioApiStub) -> None:
    twilio.answer_next(twilio_error(NOT_IN_PROGRESS, "Call is not in-progress. Cannot "
                                                     "redirect.", 409))
    with pytest.raises(CallNotLive):
        control(twilio).redirect(SID, URL)


def test_a_malformed_call_sid_never_reaches_twilio(twilio: TwilioApiStub) -> None:
    for sid in ("", "CA123", "../Messages", SID + "/x"):
        with pytest.raises(CallNotLive):
            control(twilio).redirect(sid, URL)
    assert twilio.requests == []


def test_wrong_credentials_are_unavailable(twilio: TwilioApiStub) -> None:
    twilio.register_call(SID)
    with pytest.raises(CallControlUnavailable):
        TwilioCallControl(ACCOUNT_SID, "wrong-token", twilio.url).redirect(SID, URL)
    assert twilio.take_redirect(SID) is None


@pytest.mark.parametrize("answer", [
    twilio_error(20429, "Too Many Requests", 429),
    twilio_error(20500, "Internal Server Error", 500),
    TwilioAnswer(503, b"<html>Service Unavailable</html>", "text/html"),
    TwilioAnswer(200, b"<html>a captive portal</html>", "text/html"),
    TwilioAnswer(200, b'{"sid": "CAsomeotherc4ll"}'),
    twilio_error(21205, "Url is not a valid URL."),
])
def test_other_answers_are_unavailable(twilio: TwilioApiStub, answer: TwilioAnswer) -> None:
    twilio.answer_next(answer)
    with pytest.raises(CallControlUnavailable):
        control(twilio).redirect(SID, URL)


def test_nothing_listening_is_unavailable() -> None:
    with pytest.raises(CallControlUnavailable):
        TwilioCallControl(ACCOUNT_SID, AUTH_TOKEN, closed_port_url()).redirect(SID, URL)


def test_a_slow_twilio_is_unavailable_after_the_timeout() -> None:
    with TwilioApiStub(ACCOUNT_SID, AUTH_TOKEN, delay=2.0) as slow:
        slow.register_call(SID)
        started = time.monotonic()
        with pytest.raises(CallControlUnavailable):
            control(slow, timeout=0.3).redirect(SID, URL)
        assert time.monotonic() - started < 1.5


def test_credentials_are_required() -> None:
    with pytest.raises(ValueError):
        TwilioCallControl("", AUTH_TOKEN)
    with pytest.raises(ValueError):
        TwilioCallControl(ACCOUNT_SID, "")


def test_logs_never_hold_the_url_or_the_token(twilio: TwilioApiStub,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    twilio.register_call(SID)
    control(twilio).redirect(SID, URL)
    twilio.end_call(SID)
    with pytest.raises(CallNotLive):
        control(twilio).redirect(SID, URL)
    twilio.answer_next(twilio_error(20500, "Internal Server Error", 500))
    with pytest.raises(CallControlUnavailable):
        control(twilio).redirect(SID, URL)
    with pytest.raises(CallControlUnavailable):
        TwilioCallControl(ACCOUNT_SID, AUTH_TOKEN, closed_port_url()).redirect(SID, URL)
    assert SID in caplog.text
    assert TICKET not in caplog.text and AUTH_TOKEN not in caplog.text


def test_the_stub_still_answers_messages(twilio: TwilioApiStub) -> None:
    """The Calls endpoint sits beside the Messages one without changing it."""
    answer = requests.post(twilio.url + twilio.messages_path, auth=(ACCOUNT_SID, AUTH_TOKEN),
                           data={"To": "+13125550101", "From": "+13125550100", "Body": "hi"},
                           timeout=5)
    assert answer.status_code == 201 and answer.json()["sid"].startswith("SM")
    assert twilio.call_updates == []
