"""Phone card payments when Twilio's webhooks come out of order, twice, or never: whole signed
calls through the Flask app with <Pay> played against the sandbox pay connector, and the
runner (with the app's clock moved) for results that never arrive. Money the processor took
always ends as an approved payment with a receipt; money it did not take is released."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from ivr.cli.processing import runner_for
from sandbox.simulators.phone import (
    APP_HANGUP,
    STATUS_PATH,
    FlaskTransport,
    PhoneCall,
    Transcript,
    new_call_sid,
)
from sandbox.simulators.phone import twilio_headers as signed_headers
from tests.e2e.voice_support import APPROVED_CARD, DANA, DECLINED_CARD, VoiceCity, voice_city

DANA_PHONE = "+13125550101"  # on file: where receipts go
CALLER = "+13125550199"
PAY_FULL_BY_CARD = ["1", "2", "1", f"{DANA}#", "1", "1234#", "1", "1", "1"]
RESULT_PATH = "/voice/pay_card_result"
# What Twilio's status callback carries besides CallStatus (the call's own parameters).
_CALL_PARAMS = ("CallSid", "AccountSid", "From", "To", "Caller", "Called", "Direction",
                "ApiVersion")

Hook = Callable[[Mapping[str, Any]], None]


@pytest.fixture
def city(tmp_path: Path) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path)


class OutOfOrder(FlaskTransport):
    """Twilio as it may really behave: `before_charge` runs just before the pay connector is
    called, `before_result` just before the <Pay> result is posted; the result is delivered
    `deliveries` times (0: lost). Every other request goes through unchanged."""

    def __init__(self, app: Flask, *, before_charge: Hook | None = None,
                 before_result: Hook | None = None, deliveries: int = 1) -> None:
        super().__init__(app)
        self.before_charge = before_charge
        self.before_result = before_result
        self.deliveries = deliveries
        self.result_answers: list[tuple[int, str]] = []

    def post_json(self, url: str, body: Mapping[str, Any],
                  auth: tuple[str, str]) -> tuple[int, str]:
        if self.before_charge is not None and body.get("method") == "charge":
            self.before_charge(body)
        return super().post_json(url, body, auth)

    def post(self, url: str, params: Mapping[str, str],
             headers: Mapping[str, str] | None = None) -> tuple[int, str]:
        if RESULT_PATH not in url:
            return super().post(url, params, headers)
        if self.before_result is not None:
            self.before_result(params)
        for _ in range(self.deliveries):
            self.result_answers.append(super().post(url, params, headers))
        if not self.result_answers:  # lost on the way: the caller's line just goes dead
            return 200, "<Response><Hangup/></Response>"
        return self.result_answers[0]


def hang_up(app: Flask) -> Hook:
    """Twilio's status callback for the call (CallStatus=completed), signed, sent now."""
    def send(params: Mapping[str, Any]) -> None:
        channels = app.extensions["payline.channels"]
        form = {k: str(params[k]) for k in _CALL_PARAMS if k in params}
        form.update(CallStatus="completed", CallDuration="95")
        response = app.test_client().post(
            STATUS_PATH, data=form,
            headers=signed_headers(channels.public_url + STATUS_PATH, form,
                                   channels.twilio_auth_token))
        assert response.status_code == 200
    return send


def call(city: VoiceCity, card: list[str], transport: OutOfOrder) -> Transcript:
    return PhoneCall(transport, caller=CALLER).run([*PAY_FULL_BY_CARD, *card])


def receipts(city: VoiceCity) -> list[str]:
    return [row.body for row in city.outbox(DANA_PHONE) if row.kind == "payment.receipt"]


def trail(city: VoiceCity, confirmation_number: str) -> list[str]:
    """The payment's audit trail, whoever acted (the call, the runner)."""
    return [row.action for row in city.rows(
        "SELECT action FROM audit_events WHERE subject = :c AND action LIKE 'payment.%' "
        "ORDER BY id", c=confirmation_number)]


def payable_cents(city: VoiceCity, account_id: int) -> int:
    return city.container.payment_service().payable(account_id).cents


# --- the status callback before the <Pay> result ----------------------------------------------


def test_an_approved_result_after_the_hang_up_approves_and_sends_the_receipt(
        city: VoiceCity) -> None:
    transport = OutOfOrder(city.app, before_result=hang_up(city.app))
    transcript = call(city, APPROVED_CARD, transport)
    (payment,) = city.payments(DANA)
    assert payment.status == "approved"
    assert payment.method_label == "VISA ending 4242"
    (charge,) = city.rows("SELECT * FROM sandbox_charges")
    assert (charge.status, charge.amount_cents) == ("approved", 14782)
    assert payment.processor_reference == charge.reference
    # The charge carried Payline's reference, passed by <Pay> as a parameter.
    assert charge.payline_reference == f"payline-{payment.confirmation_number}"
    assert any(payment.confirmation_number in body for body in receipts(city))
    assert payable_cents(city, payment.account_id) == 0  # the balance is paid
    # The caller is gone: the late result is answered with valid TwiML that hangs up.
    ((status, body),) = transport.result_answers
    assert status == 200 and "<Hangup" in body and "<Gather" not in body
    assert transcript.ended_by == APP_HANGUP
    assert trail(city, payment.confirmation_number) == ["payment.submitted",
                                                        "payment.approved"]


def test_a_declined_result_after_the_hang_up_is_recorded_as_rejected(city: VoiceCity) -> None:
    call(city, DECLINED_CARD, OutOfOrder(city.app, before_result=hang_up(city.app)))
    (payment,) = city.payments(DANA)
    assert payment.status == "rejected" and "declined" in payment.rejection_reason
    assert receipts(city) == []
    assert payable_cents(city, payment.account_id) == 14657  # payable again


def test_a_late_result_delivered_twice_is_applied_once(city: VoiceCity) -> None:
    transport = OutOfOrder(city.app, before_result=hang_up(city.app), deliveries=2)
    call(city, APPROVED_CARD, transport)
    first, second = transport.result_answers
    assert first == second and first[0] == 200
    (payment,) = city.payments(DANA)
    assert payment.status == "approved"
    assert len(receipts(city)) == 1
    assert trail(city, payment.confirmation_number) == ["payment.submitted",
                                                        "payment.approved"]
    assert payable_cents(city, payment.account_id) == 0


def test_a_hung_up_result_after_the_hang_up_releases_at_once(city: VoiceCity) -> None:
    transport = OutOfOrder(city.app, before_result=hang_up(city.app))
    transcript = PhoneCall(transport, caller=CALLER).run([*PAY_FULL_BY_CARD, "4242", "hangup"])
    assert transcript.pay_results[0]["Result"] == "caller-hung-up"
    (payment,) = city.payments(DANA)
    assert payment.status == "rejected" and payment.rejection_reason == "the caller hung up"
    assert city.rows("SELECT * FROM sandbox_charges") == []
    assert payable_cents(city, payment.account_id) == 14657


# --- the <Pay> result never comes ---------------------------------------------------------------


def test_a_lost_result_of_a_charge_is_approved_by_the_runner_after_the_time_out(
        city: VoiceCity) -> None:
    call(city, APPROVED_CARD, OutOfOrder(city.app, deliveries=0))
    (payment,) = city.payments(DANA)
    assert payment.status == "pending"  # the call is over; the money was taken
    runner = runner_for(city.container, 120)
    city.clock.advance(minutes=5)  # a <Pay> session could still be running: hands off
    runner.run()
    assert city.payments(DANA)[0].status == "pending"
    city.clock.advance(minutes=6)
    summary = runner.run()
    (payment,) = city.payments(DANA)
    assert payment.status == "approved" and payment.processor_reference.startswith("SBX-")
    assert summary.recovered >= 1
    assert any(payment.confirmation_number in body for body in receipts(city))
    assert payable_cents(city, payment.account_id) == 0
    runner.run()  # nothing more to do: approved once
    assert trail(city, payment.confirmation_number) == ["payment.submitted",
                                                        "payment.approved"]


def test_a_lost_result_of_a_decline_is_released_without_a_declined_notice(
        city: VoiceCity) -> None:
    call(city, DECLINED_CARD, OutOfOrder(city.app, deliveries=0))
    city.clock.advance(minutes=11)
    runner_for(city.container, 120).run()
    (payment,) = city.payments(DANA)
    assert payment.status == "rejected" and "declined" in payment.rejection_reason
    assert [row.kind for row in city.outbox(DANA_PHONE)] == []  # no notice at all
    assert payable_cents(city, payment.account_id) == 14657
    assert trail(city, payment.confirmation_number) == ["payment.submitted",
                                                        "payment.released"]


def test_a_result_after_the_runner_released_the_payment_still_approves_it(
        city: VoiceCity) -> None:
    """Twilio very late: the call ended, the runner found no charge and released the payment,
    and only then did the connector charge and the <Pay> result arrive."""
    runner = runner_for(city.container, 120)
    sid = new_call_sid()

    def hang_up_and_time_out(body: Mapping[str, Any]) -> None:
        hang_up(city.app)({"CallSid": sid})
        city.clock.advance(minutes=11)
        runner.run()
        (released,) = city.payments(DANA)
        assert released.status == "rejected"

    transport = OutOfOrder(city.app, before_charge=hang_up_and_time_out)
    PhoneCall(transport, caller=CALLER, call_sid=sid).run([*PAY_FULL_BY_CARD, *APPROVED_CARD])
    (payment,) = city.payments(DANA)
    assert payment.status == "approved" and payment.rejection_reason is None
    assert trail(city, payment.confirmation_number) == [
        "payment.submitted", "payment.released", "payment.approved_late"]
    assert len(receipts(city)) == 1
    assert payable_cents(city, payment.account_id) == 0  # applied once
