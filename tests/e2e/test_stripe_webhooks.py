"""/webhooks/stripe end to end: the real Flask app in Stripe mode over a real database, events
signed the way Stripe signs them (tests/stripe_support.py). Bad signatures change nothing,
replays change nothing, unknown types are acknowledged, and each handled type moves the
ledger: charge results, refunds made in the dashboard, disputes opened, won and lost."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from domain.adapters.clock import FixedClock
from domain.adapters.database import upgrade
from domain.config import DEV_STRIPE_WEBHOOK_SECRET, Settings
from domain.model import (
    Account,
    AccountKind,
    Actor,
    Bill,
    Channel,
    Customer,
    CustomerPhone,
    MethodKind,
    Payment,
)
from domain.money import Money
from domain.ports import ConcurrencyConflict
from domain.services.payments import MethodChoice, PaymentRequest, charge_reference
from ivr import create_app
from ivr.bootstrap import Container, build_container
from ivr.settings import ChannelSettings
from tests.stripe_support import event_body, sign_event

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=ZoneInfo("America/Chicago"))
PHONE = "+13125550177"
EMAIL = "pat@example.com"


@dataclass
class StripeCity:
    app: Flask
    container: Container
    account_id: int

    def post(self, body: bytes, signature: str | None = None, **headers: str) -> TestResponse:
        sent = {"Stripe-Signature": sign_event(body) if signature is None else signature,
                "Content-Type": "application/json", **headers}
        return self.app.test_client().post("/webhooks/stripe", data=body, headers=sent)

    def event(self, event_id: str, event_type: str, obj: dict[str, Any]) -> TestResponse:
        return self.post(event_body(event_id, event_type, obj))

    def rows(self, query: str, **params: object) -> list[sa.Row]:
        with self.container.engine.connect() as conn:
            return list(conn.execute(sa.text(query), params))

    def balance(self) -> Money:
        with self.container.uow() as uow:
            return uow.accounts.get(self.account_id).balance_due()

    def payment(self, payment_id: int) -> Payment:
        with self.container.uow() as uow:
            found = uow.payments.get(payment_id)
            assert found is not None
            return found

    def reserve(self, amount: str = "50.00") -> Payment:
        """A card payment by phone waiting for its result (Stripe charges it)."""
        return self.container.payment_service().begin_payment(PaymentRequest(
            self.account_id, Money.of(amount), MethodChoice.entered_at_processor(
                MethodKind.CARD), Actor.resident(Channel.VOICE, "CA1"),
            f"call-{amount}-{len(self.rows('SELECT id FROM payments'))}",
            accepted_fee=Money.of("1.25"))).payment

    def approved(self, amount: str = "50.00") -> tuple[Payment, str]:
        payment = self.reserve(amount)
        intent = f"pi_{payment.confirmation_number}"
        response = self.event(f"evt_ok_{intent}", "payment_intent.succeeded",
                              intent_object(intent, payment))
        assert response.status_code == 200, response.get_data(as_text=True)
        return self.payment(payment.id), intent  # type: ignore[arg-type]

    def outbox(self, kind: str) -> list[sa.Row]:
        return self.rows("SELECT * FROM outbox_messages WHERE kind = :k ORDER BY id", k=kind)


def intent_object(intent: str, payment: Payment, **extra: Any) -> dict[str, Any]:
    return {"id": intent, "object": "payment_intent", "amount": payment.total.cents,
            "amount_received": payment.total.cents, "currency": "usd",
            "status": "succeeded",
            "metadata": {"payline_reference": charge_reference(payment)}, **extra}


def dispute_object(dispute: str, intent: str, cents: int, status: str = "needs_response",
                   reason: str = "fraudulent") -> dict[str, Any]:
    return {"id": dispute, "object": "dispute", "charge": f"ch_{intent[3:]}",
            "payment_intent": intent, "amount": cents, "currency": "usd", "reason": reason,
            "status": status}


@pytest.fixture
def city(tmp_path: Path) -> Iterator[StripeCity]:
    url = f"sqlite:///{tmp_path / 'payline.db'}"
    upgrade(url)
    # Nothing here calls the Stripe API; a closed port makes sure nothing does.
    settings = Settings.from_env({"PAYLINE_DATABASE_URL": url, "PAYLINE_VAR_DIR": str(tmp_path),
                                  "PAYLINE_PROCESSOR": "stripe",
                                  "PAYLINE_STRIPE_API_URL": "http://127.0.0.1:9"})
    container = build_container(settings, clock=FixedClock(NOW))
    with container.uow() as uow:
        account = Account(
            account_number="0104200731", kind=AccountKind.UTILITY,
            customer=Customer(customer_number="C77", name="Pat Doe", email=EMAIL,
                              phones=[CustomerPhone(PHONE)]),
            service_street_number="12",
            bills=[Bill("W-1", "WATER/SEWER", date(2026, 11, 1), date(2026, 12, 5),
                        Money.of("125.50"), Money.of("125.50"))])
        uow.accounts.add(account)
        uow.commit()
        account_id = account.id
    app = create_app(container=container, channel_settings=ChannelSettings.from_env({}))
    yield StripeCity(app, container, account_id)  # type: ignore[arg-type]
    container.dispose()


def test_the_endpoint_exists_only_in_stripe_mode(city: StripeCity, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    upgrade(url)
    container = build_container(Settings.from_env({"PAYLINE_DATABASE_URL": url,
                                                   "PAYLINE_VAR_DIR": str(tmp_path)}))
    try:
        app = create_app(container=container, channel_settings=ChannelSettings.from_env({}))
        body = event_body("evt_1", "charge.refunded", {})
        response = app.test_client().post("/webhooks/stripe", data=body,
                                          headers={"Stripe-Signature": sign_event(body)})
        assert response.status_code == 404
    finally:
        container.dispose()


BAD_SIGNATURES: dict[str, Callable[[bytes], str]] = {
    "missing": lambda body: "",
    "garbage": lambda body: "garbage",
    "no such hash": lambda body: "t=1,v1=00",
    "another body": lambda body: sign_event(body + b" "),
    "another secret": lambda body: sign_event(body, secret="whsec_someone_else"),
    "an hour old": lambda body: sign_event(body, timestamp=int(time.time()) - 3600),
}


@pytest.mark.parametrize("how", sorted(BAD_SIGNATURES))
def test_a_bad_or_missing_signature_is_400_and_changes_nothing(city: StripeCity,
                                                               how: str) -> None:
    payment = city.reserve()
    body = event_body("evt_1", "payment_intent.succeeded",
                      intent_object("pi_1", payment))
    response = city.post(body, signature=BAD_SIGNATURES[how](body))
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)
    assert city.payment(payment.id).status == "pending"  # type: ignore[arg-type]
    assert city.rows("SELECT * FROM processor_events") == []
    # The same body signed rightly goes through: only the signature was wrong.
    assert city.post(body).status_code == 200
    assert city.payment(payment.id).status == "approved"  # type: ignore[arg-type]


def test_a_signed_body_that_is_not_json_is_400(city: StripeCity) -> None:
    for body in (b"{not json", b"[1, 2]", "caf\u00e9".encode("latin-1")):
        assert city.post(body).status_code == 400


def test_a_huge_body_is_refused(city: StripeCity) -> None:
    body = b'{"id": "evt_1", "pad": "' + b"x" * 300_000 + b'"}'
    assert city.post(body).status_code == 413


def test_payment_intent_succeeded_approves_and_a_replay_changes_nothing(
        city: StripeCity) -> None:
    payment = city.reserve()
    body = event_body("evt_ok", "payment_intent.succeeded",
                      intent_object("pi_123", payment))
    first = city.post(body)
    assert first.status_code == 200 and first.get_json()["outcome"] == "handled"
    stored = city.payment(payment.id)  # type: ignore[arg-type]
    assert (stored.status, stored.processor_reference) == ("approved", "pi_123")
    assert city.balance() == Money.of("75.50")
    audit = city.rows("SELECT action FROM audit_events WHERE action LIKE 'payment.%'")
    replay = city.post(body)
    assert replay.status_code == 200 and replay.get_json()["outcome"] == "replayed"
    assert city.balance() == Money.of("75.50")
    assert city.rows("SELECT action FROM audit_events WHERE action LIKE 'payment.%'") == audit
    assert [(r.event_id, r.event_type) for r in city.rows(
        "SELECT * FROM processor_events")] == [("evt_ok", "payment_intent.succeeded")]
    assert len(city.outbox("payment.receipt")) == 2  # SMS and email, once


def test_payment_intent_payment_failed_rejects_with_the_reason(city: StripeCity) -> None:
    payment = city.reserve()
    response = city.event("evt_fail", "payment_intent.payment_failed", intent_object(
        "pi_9", payment, status="requires_payment_method",
        last_payment_error={"code": "card_declined", "decline_code": "insufficient_funds",
                            "message": "Your card has insufficient funds."}))
    assert response.status_code == 200
    stored = city.payment(payment.id)  # type: ignore[arg-type]
    assert stored.status == "rejected"
    assert stored.rejection_reason == "the card has insufficient funds"
    assert city.balance() == Money.of("125.50")


def test_an_unknown_event_type_is_acknowledged_and_ignored(city: StripeCity,
                                                           caplog: pytest.LogCaptureFixture
                                                           ) -> None:
    with caplog.at_level(logging.INFO, logger="ivr.webhooks.stripe_events"):
        response = city.event("evt_x", "customer.created", {"id": "cus_1"})
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"
    assert "customer.created" in caplog.text
    assert city.rows("SELECT * FROM processor_events") == []


def test_a_refund_made_in_the_dashboard_is_recorded_once(city: StripeCity) -> None:
    payment, intent = city.approved()
    charge = {"id": f"ch_{intent[3:]}", "object": "charge", "payment_intent": intent,
              "amount": payment.total.cents, "amount_refunded": 2000, "currency": "usd",
              "refunds": {"object": "list", "data": [
                  {"id": "re_dash", "amount": 2000, "status": "succeeded", "currency": "usd",
                   "metadata": {}}]}}
    assert city.event("evt_r1", "charge.refunded", charge).status_code == 200
    (refund,) = city.rows("SELECT * FROM refunds")
    assert (refund.requested_by, refund.amount_cents, refund.status,
            refund.processor_reference) == ("stripe", 2000, "succeeded", "re_dash")
    assert city.payment(payment.id).refunded == Money.of("20.00")  # type: ignore[arg-type]
    assert city.balance() == Money.of("95.50")
    assert [r.recipient for r in city.outbox("payment.refund")] == [PHONE, EMAIL]
    # The same refund in a later event (another refund's), and the first event replayed.
    assert city.event("evt_r2", "charge.refunded", charge).status_code == 200
    assert city.event("evt_r1", "charge.refunded", charge).get_json()["outcome"] == "replayed"
    assert len(city.rows("SELECT * FROM refunds")) == 1
    assert city.balance() == Money.of("95.50")


def test_a_refund_event_without_the_refund_list_records_the_difference(
        city: StripeCity) -> None:
    payment, intent = city.approved()
    charge = {"id": f"ch_{intent[3:]}", "object": "charge", "payment_intent": intent,
              "amount": payment.total.cents, "amount_refunded": 1000, "currency": "usd"}
    city.event("evt_r1", "charge.refunded", charge)
    city.event("evt_r2", "charge.refunded", {**charge, "amount_refunded": 1500})
    assert city.payment(payment.id).refunded == Money.of("15.00")  # type: ignore[arg-type]
    assert sorted(r.amount_cents for r in city.rows("SELECT * FROM refunds")) == [500, 1000]


def test_a_dispute_makes_the_balance_owed_again_and_a_won_one_restores_it(
        city: StripeCity) -> None:
    payment, intent = city.approved()
    assert city.balance() == Money.of("75.50")
    created = dispute_object("dp_1", intent, payment.total.cents)
    assert city.event("evt_d1", "charge.dispute.created", created).status_code == 200
    assert city.balance() == Money.of("125.50")
    assert city.payment(payment.id).dispute_status == "open"  # type: ignore[arg-type]
    (dispute,) = city.rows("SELECT * FROM disputes")
    assert (dispute.processor_reference, dispute.amount_cents, dispute.reason,
            dispute.status) == ("dp_1", payment.total.cents, "fraudulent", "open")
    (notice,) = [r for r in city.outbox("payment.dispute.open") if r.recipient == PHONE]
    assert "your bank has disputed payment" in notice.body
    assert city.event("evt_d1", "charge.dispute.created", created).get_json()[
        "outcome"] == "replayed"
    assert city.event("evt_d2", "charge.dispute.closed",
                      {**created, "status": "won"}).status_code == 200
    assert city.balance() == Money.of("75.50")
    assert city.payment(payment.id).dispute_status == "won"  # type: ignore[arg-type]
    assert len(city.outbox("payment.dispute.won")) == 2


def test_a_lost_dispute_stays_owed(city: StripeCity) -> None:
    payment, intent = city.approved()
    created = dispute_object("dp_2", intent, payment.total.cents)
    city.event("evt_d1", "charge.dispute.created", created)
    city.event("evt_d2", "charge.dispute.closed", {**created, "status": "lost"})
    assert city.balance() == Money.of("125.50")
    assert city.payment(payment.id).dispute_status == "lost"  # type: ignore[arg-type]
    actions = [r.action for r in city.rows(
        "SELECT action FROM audit_events WHERE action LIKE 'dispute.%' ORDER BY id")]
    assert actions == ["dispute.opened", "dispute.lost"]


def test_a_dispute_on_a_charge_the_ledger_lacks_is_logged_and_acknowledged(
        city: StripeCity, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        response = city.event("evt_d", "charge.dispute.created",
                              dispute_object("dp_x", "pi_unknown", 5000))
    assert response.status_code == 200
    assert "pi_unknown" in caplog.text
    assert city.rows("SELECT * FROM disputes") == []
    assert len(city.rows("SELECT * FROM processor_events")) == 1


def test_a_malformed_event_is_acknowledged_without_a_change(city: StripeCity,
                                                            caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    _, intent = city.approved()
    broken = dispute_object("dp_1", intent, 100)
    broken["amount"] = "lots"
    with caplog.at_level(logging.ERROR):
        response = city.event("evt_bad", "charge.dispute.created", broken)
    assert response.status_code == 200 and response.get_json()["handled"] is False
    assert "Traceback" not in response.get_data(as_text=True)
    assert city.rows("SELECT * FROM disputes") == []
    assert city.balance() == Money.of("75.50")


def test_a_transient_failure_is_500_so_stripe_retries(city: StripeCity,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    payment, intent = city.approved()
    from domain.services.disputes import DisputeService

    def busy(*args: object, **kwargs: object) -> None:
        raise ConcurrencyConflict("deadlock detected")

    monkeypatch.setattr(DisputeService, "opened", busy)
    created = dispute_object("dp_1", intent, payment.total.cents)
    response = city.event("evt_d1", "charge.dispute.created", created)
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Traceback" not in body and "deadlock" not in body
    assert json.loads(body) == {"error": "Temporarily unable to handle the event; please retry."}
    monkeypatch.undo()
    assert city.event("evt_d1", "charge.dispute.created", created).get_json()[
        "outcome"] == "handled"  # Stripe's retry goes through
    assert city.balance() == Money.of("125.50")


def test_the_signing_secret_is_the_configured_one(city: StripeCity) -> None:
    assert city.container.settings.stripe.webhook_secret == DEV_STRIPE_WEBHOOK_SECRET


_HANDLED = ("payment_intent.succeeded", "payment_intent.payment_failed", "charge.refunded",
            "charge.dispute.created", "charge.dispute.closed")
_ODD_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                        st.floats(allow_nan=True), st.text(max_size=30),
                        st.lists(st.integers(), max_size=3),
                        st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
_FIELDS = ("id", "amount", "amount_refunded", "currency", "charge", "payment_intent", "status",
           "reason", "metadata", "refunds", "latest_charge")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(_HANDLED),
       obj=st.dictionaries(st.sampled_from(_FIELDS), _ODD_VALUES, max_size=8),
       number=st.integers(0, 10**6))
def test_odd_shapes_of_every_handled_event_never_fail_or_move_money(
        city: StripeCity, kind: str, obj: dict[str, Any], number: int) -> None:
    # What a newer API version (or a bug at the sender) could send, validly signed: Payline
    # acknowledges or refuses it politely and the account is untouched.
    before = city.balance()
    body = event_body(f"evt_odd_{number}_{kind}", kind, obj)
    response = city.post(body)
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
    assert city.balance() == before
