"""The composition root's SMS side on a real (SQLite) database: the consent guard sits in front of
the outbox by default and in front of Twilio when configured (Twilio played by a local HTTP
server, tests/twilio_stub.py, through PAYLINE_TWILIO_API_URL), so nothing is queued or sent to a
number that opted out; Twilio settings that cannot work stop the process at startup; and a
caller who asks for a text on the phone gets it through Twilio, or hears why none comes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from domain.adapters.clock import FixedClock
from domain.adapters.database import upgrade
from domain.adapters.outbox import list_messages
from domain.adapters.twilio_sms import SmsDeliveryError
from domain.config import Settings
from domain.errors import RecipientOptedOut
from domain.ports import Notification
from ivr import create_app
from ivr.bootstrap import Container, build_container
from ivr.settings import ChannelSettings
from sandbox.demo_city import DemoCity
from sandbox.demo_seed import seed_demo_city
from tests.e2e.voice_support import APPROVED_CARD, DANA, VoiceCity, voice_city
from tests.e2e.voice_support import NOW as CALL_NOW
from tests.twilio_stub import TwilioApiStub, twilio_error

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("America/Chicago"))
OPTED_OUT = "+13125550101"
OTHER = "+13125550199"
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "f" * 32
SERVICE_SID = "MG" + "fedcba9876543210" * 2
TWILIO_ENV = {"PAYLINE_SMS_TRANSPORT": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
              "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "PAYLINE_SMS_FROM": "(312) 555-0100"}


def sms(to: str, body: str = "Payment K7MW-3QTX received.") -> Notification:
    return Notification(channel="sms", to=to, body=body, kind="payment.receipt")


def outbox_count(container: Container) -> int:
    with container.engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT COUNT(*) FROM outbox_messages")).scalar_one())


def settings(sqlite_url: str, **env: str) -> Settings:
    return Settings.from_env({"PAYLINE_DATABASE_URL": sqlite_url, **env})


@pytest.fixture
def container(sqlite_url: str) -> Iterator[Container]:
    upgrade(sqlite_url)
    built = build_container(settings(sqlite_url))
    yield built
    built.dispose()


# --- the default: the outbox, behind the guard --------------------------------------------------


def test_the_default_container_queues_nothing_for_an_opted_out_number(
        container: Container) -> None:
    container.sms_consent().opt_out(OPTED_OUT, NOW, "STOP")
    before = outbox_count(container)
    with pytest.raises(RecipientOptedOut):
        container.notifier.send(sms("(312) 555-0101"))
    assert outbox_count(container) == before

    container.notifier.send(sms("(312) 555-0199"))
    assert [(m.channel, m.recipient) for m in list_messages(container.engine)] == [
        ("sms", OTHER)]


def test_texting_start_lets_the_outbox_take_texts_again(container: Container) -> None:
    consent = container.sms_consent()
    consent.opt_out(OPTED_OUT, NOW, "STOP")
    consent.opt_in(OPTED_OUT, NOW, "START")
    container.notifier.send(sms(OPTED_OUT))
    assert [m.recipient for m in list_messages(container.engine)] == [OPTED_OUT]


def test_email_is_not_held_back_by_an_sms_opt_out(container: Container) -> None:
    container.sms_consent().opt_out(OPTED_OUT, NOW, "STOP")
    container.notifier.send(Notification(channel="email", to="ana@example.com", body="Receipt"))
    assert [m.channel for m in list_messages(container.engine)] == ["email"]


# --- Twilio, behind the same guard ---------------------------------------------------------------


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch) -> Iterator[TwilioApiStub]:
    """Twilio's Messages API on a local port. The notifier honours proxy settings, so a
    developer's HTTP(S)_PROXY must not catch requests to it."""
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    with TwilioApiStub(ACCOUNT_SID, AUTH_TOKEN) as stub:
        yield stub


def twilio_env(twilio: TwilioApiStub, **overrides: str) -> dict[str, str]:
    return {**TWILIO_ENV, "PAYLINE_TWILIO_API_URL": twilio.url + "/", **overrides}


@pytest.fixture
def twilio_container(sqlite_url: str, twilio: TwilioApiStub) -> Iterator[Container]:
    upgrade(sqlite_url)
    built = build_container(settings(sqlite_url, **twilio_env(twilio)), clock=FixedClock(NOW))
    yield built
    built.dispose()


def test_twilio_transport_sends_from_the_city_number_and_not_to_the_outbox(
        twilio_container: Container, twilio: TwilioApiStub) -> None:
    twilio_container.notifier.send(sms("(312) 555-0199"))
    (request,) = twilio.requests
    assert (request.method, request.path) == (
        "POST", f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
    assert request.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.form == {"To": OTHER, "From": "+13125550100",
                            "Body": "Payment K7MW-3QTX received."}
    assert outbox_count(twilio_container) == 0


def test_twilio_transport_sends_through_a_messaging_service_when_one_is_set(
        sqlite_url: str, twilio: TwilioApiStub) -> None:
    upgrade(sqlite_url)
    env = twilio_env(twilio, TWILIO_MESSAGING_SERVICE_SID=SERVICE_SID)
    container = build_container(settings(sqlite_url, **env), clock=FixedClock(NOW))
    try:
        container.notifier.send(sms(OTHER))
    finally:
        container.dispose()
    assert twilio.sent == [{"To": OTHER, "MessagingServiceSid": SERVICE_SID,
                            "Body": "Payment K7MW-3QTX received."}]


def test_twilio_is_never_asked_to_text_an_opted_out_number(
        twilio_container: Container, twilio: TwilioApiStub) -> None:
    twilio_container.sms_consent().opt_out(OPTED_OUT, NOW, "STOP")
    with pytest.raises(RecipientOptedOut):
        twilio_container.notifier.send(sms(OPTED_OUT))
    assert twilio.requests == []


def test_twilio_21610_is_remembered_so_the_next_text_never_leaves(
        twilio_container: Container, twilio: TwilioApiStub) -> None:
    twilio.opted_out.add(OPTED_OUT)  # STOP was texted to Twilio, not to us
    with pytest.raises(RecipientOptedOut):
        twilio_container.notifier.send(sms(OPTED_OUT))
    assert twilio_container.sms_consent().is_opted_out(OPTED_OUT)
    with pytest.raises(RecipientOptedOut):
        twilio_container.notifier.send(sms(OPTED_OUT))
    assert len(twilio.requests) == 1  # the second one was refused here, not by Twilio


def test_a_twilio_refusal_is_a_delivery_error_and_nothing_goes_to_the_outbox(
        twilio_container: Container, twilio: TwilioApiStub) -> None:
    twilio.answer_next(twilio_error(21211, f"The 'To' number {OTHER} is not a valid phone "
                                           "number."))
    with pytest.raises(SmsDeliveryError) as failed:
        twilio_container.notifier.send(sms(OTHER))
    assert (failed.value.permanent, failed.value.code) == (True, 21211)
    assert not twilio_container.sms_consent().is_opted_out(OTHER)
    assert outbox_count(twilio_container) == 0


# --- settings that cannot work fail at startup ---------------------------------------------------


@pytest.mark.parametrize(("env", "message"), [
    ({"PAYLINE_SMS_TRANSPORT": "twilio", "PAYLINE_SMS_FROM": "+13125550100"},
     "PAYLINE_SMS_TRANSPORT=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"),
    ({**TWILIO_ENV, "TWILIO_AUTH_TOKEN": ""},
     "PAYLINE_SMS_TRANSPORT=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"),
    ({**TWILIO_ENV, "PAYLINE_SMS_FROM": ""},
     "needs PAYLINE_SMS_FROM .* or TWILIO_MESSAGING_SERVICE_SID"),
    ({**TWILIO_ENV, "TWILIO_ACCOUNT_SID": "ACnot-a-sid"}, "TWILIO_ACCOUNT_SID must be AC"),
    ({**TWILIO_ENV, "PAYLINE_SMS_FROM": "555-0100"}, "PAYLINE_SMS_FROM is not a valid phone"),
    ({**TWILIO_ENV, "TWILIO_MESSAGING_SERVICE_SID": "MG123"},
     "TWILIO_MESSAGING_SERVICE_SID must be MG"),
    ({"PAYLINE_SMS_TRANSPORT": "carrier-pigeon"}, "PAYLINE_SMS_TRANSPORT must be one of"),
    ({**TWILIO_ENV, "PAYLINE_TWILIO_API_URL": "api.twilio.com"},
     "PAYLINE_TWILIO_API_URL must be an http"),
    ({**TWILIO_ENV, "PAYLINE_TWILIO_API_URL": "ftp://api.twilio.com"},
     "PAYLINE_TWILIO_API_URL must be an http"),
    ({**TWILIO_ENV, "PAYLINE_TWILIO_API_URL": "https://api.twilio.com?x=1"},
     "PAYLINE_TWILIO_API_URL must be an http"),
])
def test_sms_settings_that_cannot_work_fail_clearly_at_startup(
        sqlite_url: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message) as failed:
        build_container(settings(sqlite_url, **env))
    assert AUTH_TOKEN not in str(failed.value)


def test_sms_settings_are_read_and_normalized(sqlite_url: str) -> None:
    notifications = settings(sqlite_url, **{**TWILIO_ENV, "PAYLINE_SMS_TRANSPORT": " Twilio ",
                                            "TWILIO_MESSAGING_SERVICE_SID": SERVICE_SID}
                             ).notifications
    assert notifications.sms_transport == "twilio"
    assert notifications.sms_from == "+13125550100"
    assert notifications.sms_messaging_service_sid == SERVICE_SID
    assert (notifications.twilio_account_sid, notifications.twilio_auth_token) == (
        ACCOUNT_SID, AUTH_TOKEN)
    assert AUTH_TOKEN not in repr(notifications)
    assert notifications.twilio_api_url == "https://api.twilio.com"
    default = settings(sqlite_url).notifications
    assert (default.sms_transport, default.sms_from) == ("outbox", None)
    assert default.twilio_api_url == "https://api.twilio.com"


@pytest.mark.parametrize(("typed", "read"), [
    (" http://127.0.0.1:8099/ ", "http://127.0.0.1:8099"),
    ("https://twilio-mock.internal/base/", "https://twilio-mock.internal/base"),
    ("", "https://api.twilio.com"),
])
def test_the_twilio_api_url_is_read_and_normalized(sqlite_url: str, typed: str,
                                                    read: str) -> None:
    env = {**TWILIO_ENV, "PAYLINE_TWILIO_API_URL": typed}
    assert settings(sqlite_url, **env).notifications.twilio_api_url == read


def test_a_messaging_service_alone_is_enough(sqlite_url: str) -> None:
    env = {**TWILIO_ENV, "PAYLINE_SMS_FROM": "", "TWILIO_MESSAGING_SERVICE_SID": SERVICE_SID}
    assert settings(sqlite_url, **env).notifications.sms_from is None


# --- the phone line: a caller who asks for a text -------------------------------------------------


@pytest.fixture
def city(tmp_path: Path) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path)


def test_a_receipt_asked_for_on_the_phone_explains_the_opt_out(city: VoiceCity) -> None:
    caller = "+13125550198"  # not a number on file: no caller-ID account offer
    city.container.sms_consent().opt_out(caller, NOW, "STOP")
    # English, pay now, Dana's account + street number, full balance, card, <Pay>, "text me".
    call = city.call(["1", "2", "1", f"{DANA}#", "1", "1234#", "1", "1", "1", *APPROVED_CARD,
                      "1", "hangup"], caller=caller)
    assert "was approved" in call.said
    assert "has opted out of texts from us, so we didn't send one" in call.said
    assert "Texting START to our number turns texts back on" in call.said
    assert "Your receipt is on its way" not in call.said
    assert city.outbox(caller) == []


@pytest.fixture
def twilio_city(tmp_path: Path, twilio: TwilioApiStub) -> Iterator[VoiceCity]:
    """tests/e2e/voice_support.voice_city, with outbound texts going to Twilio (the stub)."""
    url = f"sqlite:///{tmp_path / 'payline.db'}"
    upgrade(url)
    env = {"PAYLINE_DATABASE_URL": url, "PAYLINE_VAR_DIR": str(tmp_path), **twilio_env(twilio)}
    container = build_container(Settings.from_env(env), clock=FixedClock(CALL_NOW))
    seed_demo_city(container.engine, DemoCity(size=1, today=CALL_NOW.date()), container.gateway)
    channels = ChannelSettings.from_env({"PAYLINE_RASA_URL": "http://127.0.0.1:9"})
    yield VoiceCity(create_app(container=container, channel_settings=channels), container)
    container.dispose()


PAY_DANA_AND_TEXT_ME = ["1", "2", "1", f"{DANA}#", "1", "1234#", "1", "1", "1", *APPROVED_CARD,
                        "1", "hangup"]


def test_a_receipt_asked_for_on_the_phone_goes_out_through_twilio(
        twilio_city: VoiceCity, twilio: TwilioApiStub) -> None:
    caller = "+13125550198"
    call = twilio_city.call(PAY_DANA_AND_TEXT_ME, caller=caller)
    assert "was approved" in call.said
    assert "Your receipt is on its way" in call.said
    (receipt,) = [form for form in twilio.sent if form["To"] == caller]
    assert receipt["From"] == "+13125550100"
    (payment,) = twilio_city.payments(DANA)
    assert payment.confirmation_number in receipt["Body"]
    assert {form["From"] for form in twilio.sent} == {"+13125550100"}
    assert "ending 4242" in receipt["Body"]  # the last 4 only: the card never leaves in a text
    assert not twilio.saw(APPROVED_CARD[0]) and not twilio.saw(APPROVED_CARD[0][:12])
    assert twilio_city.outbox(caller) == []


def test_a_receipt_for_a_number_that_opted_out_never_reaches_twilio(
        twilio_city: VoiceCity, twilio: TwilioApiStub) -> None:
    caller = "+13125550198"
    twilio_city.container.sms_consent().opt_out(caller, NOW, "STOP")
    call = twilio_city.call(PAY_DANA_AND_TEXT_ME, caller=caller)
    assert "was approved" in call.said
    assert "has opted out of texts from us, so we didn't send one" in call.said
    assert [form for form in twilio.sent if form["To"] == caller] == []
    assert not twilio.saw("3125550198")
    assert twilio_city.outbox(caller) == []


def test_a_paperless_link_asked_for_on_the_phone_explains_the_opt_out(city: VoiceCity) -> None:
    lucia = "+13125550102"  # Lucia (Spanish, no email on file) calls from her own phone
    city.container.sms_consent().opt_out(lucia, NOW, "STOP")
    # Her phone is on file: 1 takes the caller-ID shortcut, verified by her SSN last 4.
    call = city.call(["2", "5", "1", "3390", "1", "hangup"], caller=lucia)
    assert "pidió no recibir mensajes de texto" in call.said
    assert "Le enviamos un mensaje de texto con un enlace" not in call.said
    assert [m for m in city.outbox(lucia) if m.kind == "paperless.link"] == []
