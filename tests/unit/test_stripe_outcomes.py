"""What Stripe's answers become in Payline: CardErrors built as the SDK builds them from
Stripe's JSON (codes localstripe cannot produce: insufficient_funds, expired_card,
authentication_required, processing_error, lost and stolen cards), PaymentIntent states,
dispute statuses, and the one set of decline sentences every channel says."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
import stripe

from domain.adapters.clock import FixedClock
from domain.adapters.stripe_gateway import (
    StripeGateway,
    card_error_result,
    charge_result,
    dispute_status,
)
from domain.config import StripeSettings
from domain.declines import DECLINE_REASONS, decline_reason, payline_code
from domain.money import Money
from tests.fakes import FakeGateway

PI = "pi_3Ow1"


def card_error(code: str, decline_code: str | None = None, *,
               payment_intent: dict[str, Any] | None = None) -> stripe.CardError:
    """A CardError exactly as the SDK raises it for Stripe's 402 answer."""
    error: dict[str, Any] = {"type": "card_error", "code": code,
                             "message": "Your card was declined.", "param": None}
    if decline_code is not None:
        error["decline_code"] = decline_code
    if payment_intent is not None:
        error["payment_intent"] = payment_intent
    body = {"error": error}
    return stripe.CardError(error["message"], None, code, http_body=json.dumps(body),
                            http_status=402, json_body=body)


def intent(status: str, **fields: Any) -> stripe.PaymentIntent:
    return stripe.PaymentIntent.construct_from(
        {"id": PI, "object": "payment_intent", "status": status, "amount": 1125,
         "currency": "usd", "metadata": {}, **fields}, "sk_test_unit")


@pytest.mark.parametrize(("code", "decline_code", "expected"), [
    ("card_declined", "insufficient_funds", "insufficient_funds"),
    ("expired_card", None, "expired_card"),
    ("card_declined", "expired_card", "expired_card"),
    ("incorrect_cvc", None, "incorrect_cvc"),
    ("processing_error", None, "processing_error"),
    ("authentication_required", None, "authentication_required"),
    ("card_declined", "authentication_required", "authentication_required"),
    ("card_declined", "lost_card", "card_declined"),
    ("card_declined", "stolen_card", "card_declined"),
    ("card_declined", "fraudulent", "card_declined"),
    ("card_declined", "generic_decline", "card_declined"),
    ("card_declined", "do_not_honor", "card_declined"),
    ("card_declined", "something_stripe_adds_next_year", "card_declined"),
    ("card_declined", None, "card_declined"),
])
def test_card_errors_map_to_payline_declines(code: str, decline_code: str | None,
                                             expected: str) -> None:
    result = card_error_result(card_error(code, decline_code), PI)
    assert (result.status, result.reference, result.decline_code) == ("declined", PI, expected)
    assert result.decline_reason == DECLINE_REASONS[expected]


def test_lost_and_stolen_cards_are_told_as_plain_declines() -> None:
    for code in ("lost_card", "stolen_card", "pickup_card"):
        assert decline_reason(code) == DECLINE_REASONS["card_declined"]
        assert "stolen" not in decline_reason(code) and "lost" not in decline_reason(code)


def test_every_decline_sentence_is_polite_and_has_no_digits() -> None:
    for code, sentence in DECLINE_REASONS.items():
        assert sentence[0].isupper() and sentence.endswith("."), code
        assert not any(ch.isdigit() for ch in sentence), code
        assert payline_code(code) == code


@pytest.mark.parametrize(("status", "fields", "expected"), [
    ("succeeded", {}, ("approved", None)),
    ("processing", {}, ("pending", None)),
    ("requires_capture", {}, ("pending", None)),
    ("requires_confirmation", {}, ("pending", None)),
    ("requires_action", {}, ("declined", "authentication_required")),
    ("canceled", {}, ("declined", "canceled")),
    ("requires_payment_method",
     {"last_payment_error": {"code": "card_declined", "decline_code": "insufficient_funds"}},
     ("declined", "insufficient_funds")),
    ("requires_payment_method", {"last_payment_error": {"code": "expired_card"}},
     ("declined", "expired_card")),
    ("requires_payment_method",
     {"last_payment_error": {"code": "payment_intent_authentication_failure"}},
     ("declined", "authentication_required")),
    ("requires_payment_method", {}, ("declined", "card_declined")),
])
def test_payment_intent_states(status: str, fields: dict[str, Any],
                               expected: tuple[str, str | None]) -> None:
    result = charge_result(intent(status, **fields))
    assert (result.status, result.decline_code) == expected
    assert result.reference == PI
    assert (result.decline_reason is None) == (result.status != "declined")


@pytest.mark.parametrize(("status", "folded"), [
    ("won", "won"), ("lost", "lost"), ("warning_needs_response", "open"),
    ("needs_response", "open"), ("under_review", "open"), ("warning_under_review", "open"),
    ("warning_closed", "open"), (None, "open"),
])
def test_dispute_statuses_fold(status: str | None, folded: str) -> None:
    assert dispute_status(status) == folded


# --- the gateway's charge path on a stub client -----------------------------------------------


class _Listing:
    def __init__(self, items: list[Any]) -> None:
        self._items = items

    def auto_paging_iter(self) -> list[Any]:
        return self._items


class _StubIntents:
    def __init__(self, error: Exception) -> None:
        self.error = error
        self.created: list[dict[str, Any]] = []

    def search(self, params: dict[str, Any]) -> _Listing:
        return _Listing([])

    def create(self, params: dict[str, Any], options: dict[str, Any]) -> Any:
        self.created.append({**params, **options})
        raise self.error


class _StubMethods:
    def retrieve(self, token: str) -> Any:
        return stripe.PaymentMethod.construct_from(
            {"id": token, "object": "payment_method", "type": "card", "customer": "cus_1",
             "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2031}},
            "sk_test_unit")


def _gateway(error: Exception) -> tuple[StripeGateway, _StubIntents]:
    intents = _StubIntents(error)
    client = SimpleNamespace(v1=SimpleNamespace(payment_intents=intents,
                                                payment_methods=_StubMethods()))
    clock = FixedClock(datetime(2026, 11, 2, 12, 0, tzinfo=UTC))
    gateway = StripeGateway(StripeSettings(), bank=FakeGateway(), clock=clock,
                            client=client)  # type: ignore[arg-type]
    return gateway, intents


def test_a_decline_on_create_names_the_failed_intent_stripe_returns() -> None:
    gateway, intents = _gateway(card_error(
        "card_declined", "insufficient_funds",
        payment_intent={"id": "pi_failed", "object": "payment_intent",
                        "status": "requires_payment_method"}))
    result = gateway.charge("pm_card1", Money.of("11.25"), "payline-UNIT1", "Riverton payment")
    assert (result.status, result.reference, result.decline_code) == (
        "declined", "pi_failed", "insufficient_funds")
    (sent,) = intents.created
    assert sent["amount"] == 1125 and sent["currency"] == "usd"
    assert sent["confirm"] is True and sent["off_session"] is True
    assert sent["customer"] == "cus_1" and sent["idempotency_key"] == "payline-UNIT1"
    assert sent["metadata"] == {"payline_reference": "payline-UNIT1",
                                "description": "Riverton payment"}
    assert "description" not in sent  # localstripe refuses it on PaymentIntents


def test_off_session_authentication_required_from_stripe() -> None:
    # Real Stripe answers an off-session charge of an SCA card with a CardError.
    gateway, _ = _gateway(card_error("authentication_required", "authentication_required",
                                     payment_intent={"id": "pi_sca", "status":
                                                     "requires_payment_method"}))
    result = gateway.charge("pm_card1", Money.of("5.00"), "payline-UNIT2")
    assert (result.decline_code, result.reference) == ("authentication_required", "pi_sca")


# --- the Stripe paths localstripe lacks: search, created filters, disputes ------------------


class _Recording:
    """A Stripe service that answers every call with its objects and keeps the params."""

    def __init__(self, items: list[Any]) -> None:
        self.items = items
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def list(self, params: dict[str, Any]) -> _Listing:
        self.calls.append(("list", params))
        return _Listing(self.items)

    def search(self, params: dict[str, Any]) -> _Listing:
        self.calls.append(("search", params))
        return _Listing(self.items)

    def retrieve(self, object_id: str) -> Any:
        self.calls.append(("retrieve", {"id": object_id}))
        return next(item for item in self.items if item.id == object_id)


def _stripe(kind: type[stripe.StripeObject], **values: Any) -> Any:
    return kind.construct_from(values, "sk_test_unit")


def _stripe_gateway(**services: _Recording) -> StripeGateway:
    client = SimpleNamespace(v1=SimpleNamespace(**{
        "payment_intents": _Recording([]), "refunds": _Recording([]),
        "disputes": _Recording([]), "charges": _Recording([]), **services}))
    return StripeGateway(StripeSettings(), bank=FakeGateway(),
                         clock=FixedClock(datetime(2026, 11, 2, 12, 0, tzinfo=UTC)),
                         client=client)  # type: ignore[arg-type]


WINDOW = (datetime(2026, 11, 2, 6, 0, 0, 500_000, tzinfo=UTC),
          datetime(2026, 11, 3, 6, 0, 0, tzinfo=UTC))
GTE, LT = 1_793_599_201, 1_793_685_600  # whole seconds: created >= start, created < end


def test_find_charge_searches_by_metadata_where_stripe_can() -> None:
    approved = _stripe(stripe.PaymentIntent, id="pi_ok", status="succeeded", created=2,
                       amount=1000, currency="usd", metadata={"payline_reference": "payline-A"})
    failed = _stripe(stripe.PaymentIntent, id="pi_no", status="requires_payment_method",
                     created=3, amount=1000, currency="usd",
                     metadata={"payline_reference": "payline-A"})
    intents = _Recording([failed, approved])
    gateway = _stripe_gateway(payment_intents=intents)
    found = gateway.find_charge("payline-A")
    assert found is not None and (found.status, found.reference) == ("approved", "pi_ok")
    ((call, params),) = intents.calls
    assert call == "search"
    assert params["query"] == "metadata['payline_reference']:'payline-A'"


def test_charges_between_filters_by_created_where_stripe_can() -> None:
    newer = _stripe(stripe.PaymentIntent, id="pi_2", status="processing", created=GTE + 5,
                    amount=250, currency="usd", metadata={})
    older = _stripe(stripe.PaymentIntent, id="pi_1", status="succeeded", created=GTE,
                    amount=1125, currency="usd", metadata={"payline_reference": "payline-B"})
    intents = _Recording([newer, older])  # Stripe lists newest first
    charges = list(_stripe_gateway(payment_intents=intents).charges_between(*WINDOW))
    assert [(c.reference, c.status, c.amount) for c in charges] == [
        ("pi_1", "approved", Money.of("11.25")), ("pi_2", "pending", Money.of("2.50"))]
    assert charges[0].payline_reference == "payline-B"
    assert intents.calls[-1] == ("list", {"created": {"gte": GTE, "lt": LT}, "limit": 100})


def test_disputes_fold_and_name_the_payment_intent() -> None:
    disputes = _Recording([
        _stripe(stripe.Dispute, id="dp_1", status="needs_response", reason="fraudulent",
                amount=1125, currency="usd", created=GTE + 1, charge="ch_1",
                payment_intent="pi_1"),
        _stripe(stripe.Dispute, id="dp_2", status="won", reason="duplicate", amount=500,
                currency="usd", created=GTE, charge="ch_2"),  # an older API version: no pi
    ])
    charges = _Recording([_stripe(stripe.Charge, id="ch_2", payment_intent="pi_2")])
    found = list(_stripe_gateway(disputes=disputes, charges=charges).disputes_between(*WINDOW))
    assert [(d.reference, d.charge_reference, d.status, d.reason, d.amount) for d in found] == [
        ("dp_2", "pi_2", "won", "duplicate", Money.of("5.00")),
        ("dp_1", "pi_1", "open", "fraudulent", Money.of("11.25"))]
    assert disputes.calls == [("list", {"created": {"gte": GTE, "lt": LT}, "limit": 100})]
