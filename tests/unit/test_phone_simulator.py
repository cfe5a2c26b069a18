"""The phone simulator (`payline call`) against a small fake voice app.

The fake app checks every webhook's X-Twilio-Signature with twilio's RequestValidator and
answers 403 otherwise, so every call here also proves the simulator signs like Twilio.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

from ivr.cli.main import main
from ivr.settings import ChannelSettings
from sandbox.cli import call as cli_call
from sandbox.simulators.phone import (
    APP_HANGUP,
    CALLER_HANGUP,
    DOCUMENT_END,
    HTTP_ERROR,
    INTERACTIVE_HELP,
    REQUEST_LIMIT,
    AppUnreachable,
    FlaskTransport,
    HttpTransport,
    PhoneCall,
    SimulatorError,
    Transcript,
    mask_card_number,
    parse_script,
    spoken_text,
)
from tests.http_support import closed_port, served

PUBLIC = "https://payline.example.org"
TOKEN = "fake-app-auth-token"
ACCOUNT_SID = "AC" + "1" * 32
CONNECTOR_USER, CONNECTOR_PASSWORD = "twilio-test", "connector-secret"
TODAY = date(2026, 11, 22)

CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
CVV = "737"
EXPIRY = "1230"
ZIP = "60601"
ROUTING = "021000021"
BANK_ACCOUNT = "000123456789"
BROKE_ACCOUNT = "000111111116"

BASE_KEYS = {"CallSid", "AccountSid", "From", "To", "Caller", "Called", "CallStatus",
             "Direction", "ApiVersion"}


# --- the fake voice app -----------------------------------------------------------------------


@dataclass
class Fake:
    hits: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (full path, form)
    connector: list[dict[str, Any]] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)
    connector_mode: str = "ok"

    def forms(self, path: str) -> list[dict[str, str]]:
        return [form for full, form in self.hits if full.split("?", 1)[0] == path]


def twiml(body: str) -> Response:
    return Response(f'<?xml version="1.0" encoding="UTF-8"?><Response>{body}</Response>',
                    mimetype="text/xml")


def make_app(public_url: str = PUBLIC) -> Flask:
    app = Flask("fake_voice")
    app.extensions["payline.channels"] = ChannelSettings.from_env({
        "PAYLINE_PUBLIC_URL": public_url, "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "PAYLINE_PAY_CONNECTOR_USER": CONNECTOR_USER,
        "PAYLINE_PAY_CONNECTOR_PASSWORD": CONNECTOR_PASSWORD})
    fake = Fake()
    app.extensions["fake"] = fake

    @app.before_request
    def signed() -> None:
        if not request.path.startswith("/voice/"):
            return
        base = app.extensions["payline.channels"].public_url
        query = request.query_string.decode()
        url = base + request.path + (f"?{query}" if query else "")
        form = request.form.to_dict()
        if not RequestValidator(TOKEN).validate(url, form,
                                                request.headers.get("X-Twilio-Signature", "")):
            fake.forbidden.append(request.path)
            abort(403)
        fake.hits.append((request.full_path.rstrip("?"), form))

    @app.post("/voice/incoming")
    def incoming() -> Response:
        return twiml(
            '<Say language="en-US">Welcome to Payline. Your call ID is '
            '<say-as interpret-as="characters">AB12</say-as>.<break time="1s"/> Thanks.</Say>'
            '<Gather input="dtmf speech" numDigits="1" action="menu" timeout="5">'
            "<Say>For your balance press 1 or say balance.</Say><Pause length=\"1\"/>"
            "</Gather>"
            "<Say>We did not get your choice. Goodbye.</Say><Hangup/>")

    @app.post("/voice/menu")
    def menu() -> Response:
        choice = request.form.get("Digits", "")
        if "balance" in request.form.get("SpeechResult", ""):
            choice = "1"
        pay_charge = ('<Pay action="/voice/paid?kind=charge" paymentConnector="payline_sandbox" '
                      'chargeAmount="12.50" description="Water bill W-1002" maxAttempts="2">'
                      '<Parameter name="account" value="0012345678"/></Pay>'
                      "<Say>Never reached.</Say>")
        answers = {
            "1": '<Say>Your balance is $85.50.</Say><Gather action="/voice/pin?step=2">'
                 "<Say>Enter your PIN, then press pound.</Say></Gather><Say>No PIN.</Say>",
            "2": '<Say language="es-MX">Bienvenido a Payline.</Say><Hangup/>',
            "3": pay_charge,
            "4": '<Pay action="paid?kind=token" postalCode="false" tokenType="reusable"/>',
            "5": '<Pay action="/voice/paid?kind=ach" paymentMethod="ach-debit" '
                 'chargeAmount="40.00" bankAccountType="consumer-savings" maxAttempts="2"/>',
            "6": '<Say>Transferring you.</Say><Dial action="/voice/after-dial" '
                 'callerId="+13125550100" timeout="20">'
                 '<Number url="/voice/whisper">+13125550311</Number></Dial>',
            "7": '<Say>Let me check.</Say><Redirect method="POST">/voice/checked</Redirect>',
            "8": "<Redirect>/voice/loop</Redirect>",
            "0": '<Pay language="es-MX" action="/voice/paid" chargeAmount="5.00" '
                 'maxAttempts="2">'
                 '<Prompt for="payment-card-number"><Say language="es-MX">Marque su tarjeta.'
                 "</Say></Prompt>"
                 '<Prompt for="payment-card-number" errorType="invalid-card-number">'
                 '<Say language="es-MX">Tarjeta no válida, marque otra vez.</Say></Prompt>'
                 "</Pay>",
            "*": "<Say>Transferring.</Say><Dial>+13125550311</Dial><Say>Still here.</Say>",
        }
        if choice == "9":
            return Response("Sorry, something went wrong on our side.", 500)
        return twiml(answers.get(choice, "<Say>Sorry.</Say>"))

    @app.post("/voice/pin")
    def pin() -> Response:
        return twiml(f"<Say>PIN {request.form.get('Digits')} step {request.args['step']}."
                     "</Say><Hangup/>")

    @app.post("/voice/paid")
    def paid() -> Response:
        return twiml(f"<Say>Payment result {request.form['Result']}.</Say><Hangup/>")

    @app.post("/voice/whisper")
    def whisper() -> Response:
        return twiml(f"<Say>Caller {request.form['From']} needs help with a payment.</Say>")

    @app.post("/voice/after-dial")
    def after_dial() -> Response:
        return twiml(f"<Say>The transfer ended: {request.form['DialCallStatus']}.</Say>"
                     "<Hangup/>")

    @app.post("/voice/checked")
    def checked() -> Response:
        return twiml("<Say>Checked.</Say>")

    @app.post("/voice/loop")
    def loop() -> Response:
        return twiml("<Redirect>loop</Redirect>")

    @app.post("/voice/status")
    def status() -> tuple[str, int]:
        return "", 204

    @app.post("/voice/status-broken")
    def status_broken() -> tuple[str, int]:
        return "no", 500

    @app.post("/sandbox/pay-connector")
    def connector() -> Any:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (CONNECTOR_USER,
                                                              CONNECTOR_PASSWORD):
            return "unauthorized", 401
        body = request.get_json()
        fake.connector.append(body)
        if fake.connector_mode == "500":
            return "boom", 500
        if fake.connector_mode == "badjson":
            return "<html>not json</html>", 200
        id_key = "charge_id" if body["method"] == "charge" else "token_id"
        if body.get("cardnumber") == DECLINED_CARD:
            return {id_key: None, "error_code": "card_declined",
                    "error_message": "The card was declined.", "parameters": {}}
        if body.get("bank_account_number") == BROKE_ACCOUNT:
            return {id_key: None, "error_code": "insufficient_funds",
                    "error_message": "Not enough money in the account.", "parameters": {}}
        ident = "SBX-0001" if id_key == "charge_id" else "tok_test_1"
        return {id_key: ident, "error_code": None, "error_message": None, "parameters": {}}

    return app


@pytest.fixture
def app() -> Flask:
    return make_app()


def fake_of(app: Flask) -> Fake:
    return app.extensions["fake"]


def place(app: Flask, script: list[str], **options: Any) -> tuple[Transcript, list[str]]:
    """One scripted call through the fake app; returns the transcript and the printed lines."""
    lines: list[str] = []
    phone = PhoneCall(FlaskTransport(app), echo=lines.append, today=TODAY, **options)
    transcript = phone.run(script)
    assert fake_of(app).forbidden == [], "every webhook must be validly signed"
    return transcript, lines


def without_base(params: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in params.items() if k not in BASE_KEYS}


def standalone(digits: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![0-9A-Za-z]){digits}(?![0-9A-Za-z])")


def assert_nothing_sensitive(transcript: Transcript, lines: list[str]) -> None:
    """No full card number, security code or bank account number posted to the app, kept in
    the transcript or printed."""
    posted = [v for _, params in transcript.requests for v in params.values()]
    recorded = [e.text for e in transcript.events] + [
        v for e in transcript.events for v in e.attrs.values()]
    for text in [*posted, *recorded, *lines]:
        for secret in (CARD, DECLINED_CARD, BANK_ACCOUNT, BROKE_ACCOUNT):
            assert secret not in text
        assert not standalone(CVV).search(text), text


# --- placing a call, signatures, parameters -----------------------------------------------


def test_a_call_posts_twilio_parameters_signed_with_the_public_url(app: Flask) -> None:
    transcript, _ = place(app, ["1", "1234#"], caller="+13125550199")
    hits = fake_of(app).hits
    assert [full for full, _ in hits] == ["/voice/incoming", "/voice/menu", "/voice/pin?step=2",
                                          "/voice/status"]
    first = hits[0][1]
    assert re.fullmatch(r"CA[0-9a-f]{32}", first["CallSid"])
    assert first["CallSid"] == transcript.call_sid
    assert first["AccountSid"] == ACCOUNT_SID
    assert (first["From"], first["To"]) == ("+13125550199", "+13125550100")
    assert (first["Direction"], first["ApiVersion"]) == ("inbound", "2010-04-01")
    assert first["CallStatus"] == "ringing"
    assert hits[1][1]["CallStatus"] == "in-progress"
    assert {form["CallSid"] for _, form in hits} == {transcript.call_sid}
    assert transcript.requests[0][0] == f"{PUBLIC}/voice/incoming"
    assert transcript.answered


def test_wrongly_signed_calls_get_the_apps_403(app: Flask) -> None:
    transcript = PhoneCall(FlaskTransport(app), auth_token="not-the-token").run(["1"])
    assert fake_of(app).forbidden == ["/voice/incoming", "/voice/status"]
    assert not transcript.answered
    assert transcript.ended_by == HTTP_ERROR
    assert "HTTP 403" in transcript.of_kind("http_error")[0].text


def test_say_renders_ssml_as_spoken_text(app: Flask) -> None:
    transcript, lines = place(app, ["-"])
    assert transcript.said.splitlines()[0] == "Welcome to Payline. Your call ID is A B 1 2. Thanks."
    assert lines[1] == "Payline: Welcome to Payline. Your call ID is A B 1 2. Thanks."
    say = ET.fromstring(  # noqa: S314 - a literal written here
        '<Say>Pay <say-as interpret-as="digits">12 3</say-as> by '
        '<say-as interpret-as="date" format="mdy">12/05/2026</say-as>,'
        '<prosody rate="slow"> slowly </prosody><emphasis>now</emphasis>; '
        '<sub alias="World Wide Web">WWW</sub> <say-as interpret-as="spell-out">ab</say-as>'
        "</Say>")
    assert spoken_text(say) == "Pay 1 2 3 by 12/05/2026, slowly now; World Wide Web a b"


# --- <Gather> -------------------------------------------------------------------------------


@pytest.mark.parametrize("silence", ["-", ""])
def test_no_input_skips_the_action_and_goes_on_with_the_next_verb(app: Flask,
                                                                  silence: str) -> None:
    transcript, _ = place(app, [silence])
    assert fake_of(app).forms("/voice/menu") == []
    assert transcript.said.splitlines()[-1] == "We did not get your choice. Goodbye."
    assert transcript.ended_by == APP_HANGUP


def test_num_digits_keeps_only_the_first_digits_and_relative_actions_resolve(app: Flask) -> None:
    transcript, _ = place(app, ["12", "1234#"])
    menu = fake_of(app).forms("/voice/menu")[0]
    assert menu["Digits"] == "1"
    assert transcript.requests[1][0] == f"{PUBLIC}/voice/menu"  # action="menu"
    pin = fake_of(app).forms("/voice/pin")[0]
    assert (pin["Digits"], pin["FinishedOnKey"]) == ("1234", "#")
    assert "PIN 1234 step 2." in transcript.said


def test_finish_on_key_ends_the_entry_where_it_is_pressed(app: Flask) -> None:
    transcript, _ = place(app, ["1", "12#34"])
    assert fake_of(app).forms("/voice/pin")[0]["Digits"] == "12"
    assert "PIN 12 step 2." in transcript.said


def test_speech_is_sent_as_speech_result_only_where_speech_is_allowed(app: Flask) -> None:
    transcript, lines = place(app, ["say:my balance  please", "say:one two three four"])
    menu = fake_of(app).forms("/voice/menu")[0]
    assert (menu["SpeechResult"], menu["Confidence"]) == ("my balance please", "0.9")
    assert "Digits" not in menu
    # The PIN <Gather> takes keypad input only: speech there is no input at all.
    assert fake_of(app).forms("/voice/pin") == []
    assert transcript.said.splitlines()[-1] == "No PIN."
    assert "Caller: (says) my balance please" in lines


def test_a_script_that_runs_out_hangs_up_at_the_next_input(app: Flask) -> None:
    transcript, lines = place(app, [])
    assert transcript.ended_by == CALLER_HANGUP
    assert [full for full, _ in fake_of(app).hits] == ["/voice/incoming", "/voice/status"]
    assert lines[-2] == "[call ended: the caller hung up]"


def test_hangup_token_ends_the_call_and_the_status_callback_follows(app: Flask) -> None:
    transcript, _ = place(app, ["1", "hangup"])
    assert transcript.ended_by == CALLER_HANGUP
    status = fake_of(app).forms("/voice/status")
    assert len(status) == 1 and status[0]["CallStatus"] == "completed"
    assert status[0]["CallDuration"].isdigit()


# --- <Redirect>, end of document, status callback, limits, errors ---------------------------


def test_redirect_then_end_of_document_ends_the_call_with_a_status_callback(app: Flask) -> None:
    transcript, lines = place(app, ["7"])
    assert transcript.of_kind("redirect")[0].text == f"{PUBLIC}/voice/checked"
    assert "[redirect to /voice/checked]" in lines
    assert transcript.said.splitlines()[-1] == "Checked."
    assert transcript.ended_by == DOCUMENT_END
    url, params = transcript.requests[-1]
    assert url == f"{PUBLIC}/voice/status"
    assert params["CallStatus"] == "completed" and int(params["CallDuration"]) >= 1
    assert transcript.of_kind("status")[0].attrs["http_status"] == "204"
    assert transcript.params_posted_to("/voice/status") == [params]


def test_a_status_callback_error_is_reported_not_raised(app: Flask) -> None:
    transcript, lines = place(app, ["7"], status_path="/voice/status-broken")
    assert transcript.of_kind("status")[0].attrs["http_status"] == "500"
    assert "[the status callback /voice/status-broken answered HTTP 500]" in lines


def test_no_status_path_means_no_status_callback(app: Flask) -> None:
    transcript, _ = place(app, ["7"], status_path=None)
    assert fake_of(app).forms("/voice/status") == []
    assert transcript.of_kind("status") == []


def test_a_redirect_loop_stops_after_200_requests(app: Flask) -> None:
    transcript, lines = place(app, ["8"])
    assert transcript.ended_by == REQUEST_LIMIT
    assert len(fake_of(app).hits) == 201  # 200 webhooks, then the status callback
    assert any("stopped after 200 requests" in line for line in lines)


def test_an_application_error_ends_the_call(app: Flask) -> None:
    transcript, lines = place(app, ["9"])
    assert transcript.ended_by == HTTP_ERROR
    error = transcript.of_kind("http_error")[0].text
    assert error.startswith("[the app answered HTTP 500 to POST /voice/menu")
    assert error in lines
    assert fake_of(app).forms("/voice/status")  # Twilio still reports the call completed


def test_a_phone_call_object_plays_one_call(app: Flask) -> None:
    phone = PhoneCall(FlaskTransport(app))
    phone.run([])
    with pytest.raises(SimulatorError):
        phone.run([])


# --- <Dial> ---------------------------------------------------------------------------------


def test_dial_posts_the_whisper_for_a_child_call_and_then_the_dial_action(app: Flask) -> None:
    transcript, lines = place(app, ["6"])
    assert "[transferring to +13125550311]" in lines
    assert "[agent hears: Caller +13125550100 needs help with a payment.]" in lines
    whisper = fake_of(app).forms("/voice/whisper")[0]
    assert whisper["ParentCallSid"] == transcript.call_sid
    assert re.fullmatch(r"CA[0-9a-f]{32}", whisper["CallSid"])
    assert whisper["CallSid"] != transcript.call_sid
    after = fake_of(app).forms("/voice/after-dial")[0]
    assert (after["DialCallStatus"], after["DialCallDuration"]) == ("completed", "30")
    assert after["CallSid"] == transcript.call_sid
    assert transcript.said.splitlines()[-1] == "The transfer ended: completed."


def test_dial_without_action_goes_on_with_the_next_verb(app: Flask) -> None:
    transcript, lines = place(app, ["*"])
    assert "[transferring to +13125550311]" in lines
    assert transcript.said.splitlines()[-1] == "Still here."
    assert transcript.ended_by == DOCUMENT_END


# --- <Pay> ----------------------------------------------------------------------------------


def test_pay_charge_success_posts_twilios_result_parameters(app: Flask) -> None:
    transcript, lines = place(app, ["3", CARD + "#", EXPIRY, CVV, ZIP])
    paid = fake_of(app).forms("/voice/paid")[0]
    assert without_base(paid) == {
        "Result": "success", "PaymentConfirmationCode": "SBX-0001", "ProfileId": "",
        "PaymentMethod": "credit-card", "PaymentCardNumber": "xxxx-xxxx-xxxx-4242",
        "PaymentCardType": "visa", "ExpirationDate": EXPIRY, "PaymentCardPostalCode": ZIP,
        "PaymentAmount": "12.50", "ChargeAmount": "12.50", "Currency": "usd"}
    assert paid["CallSid"] == transcript.call_sid
    assert transcript.pay_results == [without_base(paid)]
    body = fake_of(app).connector[0]
    assert re.fullmatch(r"PK[0-9a-f]{32}", body.pop("transaction_id"))
    assert body == {"method": "charge", "description": "Water bill W-1002",
                    "currency_code": "USD", "parameters": {"account": "0012345678"},
                    "amount": "12.50", "cardnumber": CARD, "expiry_month": "12",
                    "expiry_year": "30", "cvv": CVV, "postal_code": ZIP}
    assert "Please enter your credit card number, followed by the pound key." in transcript.said
    assert "Caller: •••• 4242" in lines and "Caller: •••" in lines
    assert transcript.said.splitlines()[-1] == "Payment result success."
    assert "Never reached." not in transcript.said
    assert_nothing_sensitive(transcript, lines)


def test_pay_decline_is_a_payment_connector_error(app: Flask) -> None:
    transcript, lines = place(app, ["3", DECLINED_CARD, EXPIRY, CVV, ZIP])
    assert without_base(fake_of(app).forms("/voice/paid")[0]) == {
        "Result": "payment-connector-error", "PaymentError": "card_declined",
        "ConnectorError": "The card was declined.", "ProfileId": "",
        "PaymentMethod": "credit-card", "PaymentCardNumber": "xxxx-xxxx-xxxx-0002",
        "PaymentCardType": "visa", "ExpirationDate": EXPIRY, "PaymentCardPostalCode": ZIP,
        "PaymentAmount": "12.50", "ChargeAmount": "12.50", "Currency": "usd"}
    assert "[payment connector: charge declined (card_declined)]" in lines
    assert_nothing_sensitive(transcript, lines)


def test_star_interrupts_pay_and_the_call_goes_on_with_the_action(app: Flask) -> None:
    transcript, lines = place(app, ["3", CARD, "*"])
    assert without_base(fake_of(app).forms("/voice/paid")[0]) == {
        "Result": "caller-interrupted-with-star", "ProfileId": "",
        "PaymentMethod": "credit-card", "PaymentCardNumber": "xxxx-xxxx-xxxx-4242",
        "PaymentCardType": "visa", "PaymentAmount": "12.50", "ChargeAmount": "12.50",
        "Currency": "usd"}
    assert fake_of(app).connector == []
    assert transcript.said.splitlines()[-1] == "Payment result caller-interrupted-with-star."
    assert_nothing_sensitive(transcript, lines)


@pytest.mark.parametrize("script", [["3", CARD, EXPIRY, "hangup"], ["3", CARD, EXPIRY]],
                         ids=["hangup", "script-ran-out"])
def test_hanging_up_during_pay_posts_the_action_then_ends_the_call(app: Flask,
                                                                   script: list[str]) -> None:
    transcript, lines = place(app, script)
    assert without_base(fake_of(app).forms("/voice/paid")[0]) == {
        "Result": "caller-hung-up", "ProfileId": "", "PaymentMethod": "credit-card",
        "PaymentCardNumber": "xxxx-xxxx-xxxx-4242", "PaymentCardType": "visa",
        "ExpirationDate": EXPIRY, "PaymentAmount": "12.50", "ChargeAmount": "12.50",
        "Currency": "usd"}
    assert [full for full, _ in fake_of(app).hits][-2:] == ["/voice/paid?kind=charge",
                                                            "/voice/status"]
    assert "Payment result" not in transcript.said  # the caller is gone
    assert transcript.ended_by == CALLER_HANGUP
    assert fake_of(app).connector == []
    assert_nothing_sensitive(transcript, lines)


def test_too_many_failed_attempts(app: Flask) -> None:
    transcript, lines = place(app, ["3", "4242424242424241", "4242 4242 4242 4243"])
    assert without_base(fake_of(app).forms("/voice/paid")[0]) == {
        "Result": "too-many-failed-attempts", "ProfileId": "", "PaymentMethod": "credit-card",
        "PaymentAmount": "12.50", "ChargeAmount": "12.50", "Currency": "usd"}
    assert transcript.said.count("Sorry, that card number is not valid.") == 1  # maxAttempts=2
    assert fake_of(app).connector == []
    assert "Caller: •••• 4241" in lines
    assert_nothing_sensitive(transcript, lines)


def test_invalid_and_empty_inputs_are_asked_again_up_to_max_attempts(app: Flask) -> None:
    script = ["3", "", CARD, "0120", EXPIRY, "12", CVV, "6060", ZIP]
    transcript, lines = place(app, script)
    assert transcript.pay_results[0]["Result"] == "success"
    said = transcript.said
    for message in ("Sorry, I didn't get that.", "Sorry, that expiration date is not valid.",
                    "Sorry, that security code is not valid.",
                    "Sorry, that zip code is not valid."):
        assert said.count(message) == 1, message
    assert_nothing_sensitive(transcript, lines)


def test_card_types_follow_valid_card_types_and_amex_needs_four_digits(app: Flask) -> None:
    discover = "6011111111111117"
    transcript, _ = place(app, ["3", discover, discover])  # Twilio accepts visa mastercard amex
    assert transcript.pay_results[0]["Result"] == "too-many-failed-attempts"
    assert "Sorry, that type of card is not accepted." in transcript.said
    amex = "378282246310005"
    transcript, _ = place(make_app(), ["3", amex, EXPIRY, "123", "1234", ZIP])
    result = transcript.pay_results[0]
    assert (result["Result"], result["PaymentCardNumber"], result["PaymentCardType"]) == (
        "success", "xxxx-xxxxxx-x0005", "amex")
    assert "four digits on the front" in transcript.said


def test_tokenize_without_postal_code(app: Flask) -> None:
    transcript, lines = place(app, ["4", CARD, EXPIRY, CVV])
    url, params = transcript.requests[2]
    assert url == f"{PUBLIC}/voice/paid?kind=token"  # action="paid?kind=token", relative
    assert without_base(params) == {
        "Result": "success", "PaymentToken": "tok_test_1", "ProfileId": "",
        "PaymentMethod": "credit-card", "PaymentCardNumber": "xxxx-xxxx-xxxx-4242",
        "PaymentCardType": "visa", "ExpirationDate": EXPIRY, "Currency": "usd"}
    body = fake_of(app).connector[0]
    assert (body["method"], body["token_type"]) == ("tokenize", "reusable")
    assert "amount" not in body and "postal_code" not in body
    assert "zip code" not in transcript.said
    assert_nothing_sensitive(transcript, lines)


def test_ach_debit_asks_for_routing_and_account_numbers(app: Flask) -> None:
    transcript, lines = place(app, ["5", "123456789", ROUTING, BANK_ACCOUNT])
    assert without_base(fake_of(app).forms("/voice/paid")[0]) == {
        "Result": "success", "PaymentConfirmationCode": "SBX-0001", "ProfileId": "",
        "PaymentMethod": "ach-debit", "BankAccountType": "consumer-savings",
        "PaymentAmount": "40.00", "ChargeAmount": "40.00", "Currency": "usd"}
    body = fake_of(app).connector[0]
    assert (body["payment_method"], body["bank_routing_number"], body["bank_account_number"],
            body["bank_account_type"], body["amount"]) == (
        "ach-debit", ROUTING, BANK_ACCOUNT, "consumer-savings", "40.00")
    assert "cardnumber" not in body
    assert "Sorry, that routing number is not valid." in transcript.said
    assert "Caller: •••• 6789" in lines and f"Caller: {ROUTING}" in lines
    assert_nothing_sensitive(transcript, lines)


def test_ach_decline(app: Flask) -> None:
    transcript, lines = place(app, ["5", ROUTING, BROKE_ACCOUNT])
    result = transcript.pay_results[0]
    assert (result["Result"], result["PaymentError"], result["ConnectorError"]) == (
        "payment-connector-error", "insufficient_funds", "Not enough money in the account.")
    assert_nothing_sensitive(transcript, lines)


@pytest.mark.parametrize(("mode", "options", "message"), [
    ("500", {}, "The payment connector answered HTTP 500."),
    ("badjson", {}, "The payment connector's answer was not a JSON object."),
    ("ok", {"connector_auth": ("twilio-test", "wrong")},
     "The payment connector answered HTTP 401."),
])
def test_connector_failures_are_payment_connector_errors(app: Flask, mode: str,
                                                         options: dict[str, Any],
                                                         message: str) -> None:
    fake_of(app).connector_mode = mode
    transcript, lines = place(app, ["4", CARD, EXPIRY, CVV], **options)
    result = transcript.pay_results[0]
    assert (result["Result"], result["ConnectorError"]) == ("payment-connector-error", message)
    assert "PaymentToken" not in result and "PaymentError" not in result
    assert_nothing_sensitive(transcript, lines)


def test_an_unreachable_connector_is_a_payment_connector_error(app: Flask) -> None:
    transcript, lines = place(app, ["4", CARD, EXPIRY, CVV],
                              connector_url=f"http://127.0.0.1:{closed_port()}/connector")
    result = transcript.pay_results[0]
    assert result["ConnectorError"] == "The payment connector could not be reached."
    assert_nothing_sensitive(transcript, lines)


def test_pay_plays_the_apps_prompts_in_its_language(app: Flask) -> None:
    transcript, lines = place(app, ["0", "4242", CARD, EXPIRY, CVV, ZIP])
    assert transcript.said.splitlines()[-6:] == [
        "Marque su tarjeta.", "Tarjeta no válida, marque otra vez.",
        "Por favor, marque la fecha de vencimiento de su tarjeta: dos dígitos para el mes y "
        "dos dígitos para el año.",
        "Por favor, marque su código de seguridad. Son los tres dígitos al reverso de su "
        "tarjeta.",
        "Por favor, marque su código postal.", "Payment result success."]
    assert "Payline (es-MX): Marque su tarjeta." in lines
    assert_nothing_sensitive(transcript, lines)


def test_mask_card_number() -> None:
    assert mask_card_number(CARD) == "xxxx-xxxx-xxxx-4242"
    assert mask_card_number("378282246310005") == "xxxx-xxxxxx-x0005"
    assert mask_card_number("4222222222222") == "x-xxxx-xxxx-2222"


# --- transports -----------------------------------------------------------------------------


@pytest.fixture
def served_app() -> Iterator[tuple[Flask, str]]:
    app = make_app()
    with served(app) as base:
        yield app, base


def test_http_transport_plays_a_whole_call_with_a_payment(
        served_app: tuple[Flask, str]) -> None:
    app, base = served_app
    lines: list[str] = []
    # The app believes Twilio calls its public URL: sign for that, deliver to the loopback.
    phone = PhoneCall(HttpTransport(base), public_url=PUBLIC, auth_token=TOKEN,
                      connector_auth=(CONNECTOR_USER, CONNECTOR_PASSWORD), echo=lines.append,
                      today=TODAY)
    transcript = phone.run(["3", CARD, EXPIRY, CVV, ZIP])
    assert fake_of(app).forbidden == []
    assert transcript.pay_results[0]["Result"] == "success"
    assert fake_of(app).connector[0]["cardnumber"] == CARD
    assert transcript.said.splitlines()[-1] == "Payment result success."
    assert [full for full, _ in fake_of(app).hits][-1] == "/voice/status"
    assert_nothing_sensitive(transcript, lines)


def test_http_transport_signs_the_url_it_calls_by_default(
        served_app: tuple[Flask, str]) -> None:
    app, base = served_app
    app.extensions["payline.channels"] = ChannelSettings.from_env({
        "PAYLINE_PUBLIC_URL": base, "TWILIO_AUTH_TOKEN": TOKEN})
    transcript = PhoneCall(HttpTransport(base), auth_token=TOKEN).run(["1", "42#"])
    assert fake_of(app).forbidden == []
    assert "PIN 42 step 2." in transcript.said


def test_nothing_listening_raises_app_unreachable() -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(AppUnreachable):
        PhoneCall(HttpTransport(base, timeout=2)).run(["1"])


def test_flask_transport_pretends_the_apps_public_url() -> None:
    assert FlaskTransport(make_app("https://x.example/")).base_url == "https://x.example"
    assert FlaskTransport(Flask("bare")).base_url == "http://localhost:5000"


# --- the CLI --------------------------------------------------------------------------------


@pytest.fixture
def payline(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, Flask]]:
    app = make_app()
    monkeypatch.setattr(cli_call, "_build_app", lambda: app)
    monkeypatch.delenv("PAYLINE_PUBLIC_URL", raising=False)
    yield CliRunner(), app


def test_parse_script() -> None:
    assert parse_script("2, 1,0104200731#,,say:balance,hangup") == [
        "2", "1", "0104200731#", "", "say:balance", "hangup"]
    assert parse_script("1,1234#", "es") == ["2", "1", "1234#"]
    assert parse_script(None, "es") == ["2"]
    assert parse_script("", "en") == []


def test_cli_script_in_process(payline: tuple[CliRunner, Flask]) -> None:
    runner, app = payline
    result = runner.invoke(main, ["call", "--in-process", "--from", "312-555-0142",
                                  "--script", "1,1234#"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Payline: Your balance is $85.50." in result.output
    assert "Caller: 1234" in result.output
    assert "Payline: PIN 1234 step 2." in result.output
    assert fake_of(app).hits[0][1]["From"] == "+13125550142"


def test_cli_lang_es_presses_2_first(payline: tuple[CliRunner, Flask]) -> None:
    runner, app = payline
    result = runner.invoke(main, ["call", "--in-process", "--lang", "es", "--script", ""],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert fake_of(app).forms("/voice/menu")[0]["Digits"] == "2"
    assert "Payline (es-MX): Bienvenido a Payline." in result.output


def test_cli_script_payment_never_prints_card_digits(payline: tuple[CliRunner, Flask]) -> None:
    runner, _ = payline
    script = ",".join(["3", CARD + "#", EXPIRY, CVV, ZIP])
    result = runner.invoke(main, ["call", "--in-process", "--script", script],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Payment result success." in result.output
    assert CARD not in result.output and not standalone(CVV).search(result.output)


def test_cli_interactive(payline: tuple[CliRunner, Flask]) -> None:
    runner, _ = payline
    result = runner.invoke(main, ["call", "--in-process"], input="1\n1234#\n",
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert INTERACTIVE_HELP in result.output
    assert "keypad> " in result.output
    assert "Payline: PIN 1234 step 2." in result.output


def test_cli_interactive_hides_card_digits_and_hangs_up_at_end_of_input(
        payline: tuple[CliRunner, Flask]) -> None:
    runner, app = payline
    result = runner.invoke(main, ["call", "--in-process"], input=f"3\n{CARD}\n{EXPIRY}\n{CVV}\n",
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert CARD not in result.output and not standalone(CVV).search(result.output)
    assert fake_of(app).forms("/voice/paid")[0]["Result"] == "caller-hung-up"


def test_cli_cannot_reach_the_app(payline: tuple[CliRunner, Flask]) -> None:
    runner, _ = payline
    url = f"http://127.0.0.1:{closed_port()}"
    result = runner.invoke(main, ["call", "--url", url, "--script", "1"])
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"Error: Could not reach Payline at {url} — is `make run` "
                                     "running? (or use --in-process)")


def test_cli_app_without_voice_webhooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_call, "_build_app", lambda: Flask("no_voice"))
    result = CliRunner().invoke(main, ["call", "--in-process", "--script", "1"])
    assert result.exit_code == 1
    assert "[the app answered HTTP 404 to POST /voice/incoming" in result.output
    assert result.stderr.strip().startswith("Error: Payline at http://localhost:5000 did not "
                                            "answer the call with TwiML")


def test_cli_rejects_a_bad_phone_number(payline: tuple[CliRunner, Flask]) -> None:
    runner, _ = payline
    result = runner.invoke(main, ["call", "--in-process", "--from", "12"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: --from must be a phone number, e.g. 312-555-0101."


def test_help_explains_the_spanish_menu() -> None:
    result = CliRunner().invoke(main, ["call", "--help"])
    assert result.exit_code == 0
    assert '"press 2 for Spanish"' in " ".join(result.output.split())


def test_the_transcript_is_json_friendly(app: Flask) -> None:
    transcript, _ = place(app, ["7"])
    json.dumps([(e.kind, e.text, dict(e.attrs)) for e in transcript.events])
    json.dumps(transcript.requests)
