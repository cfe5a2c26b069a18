"""The phone line in Stripe mode, on a container of fakes: <Pay> only tokenizes a card as a
Stripe PaymentMethod (the TwiML Twilio's Stripe Pay Connector expects), and the result webhook
pays with it through PaymentService; every outcome (approved, declined, insufficient funds,
expired, SCA, processor unreachable, no usable token) is worded in the caller's language.
The e2e tests (tests/e2e/test_voice_stripe.py) play whole calls against localstripe."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

import ivr.voice.steps  # noqa: F401  (registers the steps)
from conversation.phone_call import PhoneCall
from conversation.state import ConversationKey, ConversationState
from domain.declines import decline_reason
from domain.model import MethodKind, PaymentStatus
from domain.money import Money
from domain.ports import ChargeResult, ProcessorUnavailable, TokenizedMethod
from ivr.settings import SANDBOX_PAY_CONNECTOR, STRIPE_PAY_CONNECTOR, ChannelSettings
from ivr.voice.engine import VoiceEngine
from tests.fake_container import FakeWorld, fake_world
from tests.fakes import FakeGateway
from tests.unit.conftest import CHICAGO, make_utility_account

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=CHICAGO)
CALL_SID = "CA" + "5" * 32
CALLER = "+13125550101"
AMOUNT = Money.of("40.00")
PAY_SUCCESS = {"Result": "success", "PaymentCardNumber": "xxxx-xxxx-xxxx-4242",
               "PaymentCardType": "visa", "ExpirationDate": "1230", "ProfileId": ""}


class StripeLikeGateway(FakeGateway):
    """Knows PaymentMethods by id (as Stripe's token_details would) and decides a charge by
    the PaymentMethod: pm_<code> declines with that code, pm_down cannot be reached."""

    def __init__(self, clock: object) -> None:
        super().__init__(clock)  # type: ignore[arg-type]
        self.details_fail = False

    def token_details(self, token: str) -> TokenizedMethod | None:
        if self.details_fail:
            raise ProcessorUnavailable("Stripe unreachable")
        if not token.startswith("pm_"):
            return None
        return TokenizedMethod(MethodKind.CARD, token, "4242", brand="VISA", exp_month=12,
                               exp_year=2030)

    def charge(self, token: str, amount: Money, idempotency_key: str,
               description: str = "") -> ChargeResult:
        if token == "pm_down":
            self.calls += 1
            raise ProcessorUnavailable("Stripe unreachable")
        return super().charge(token, amount, idempotency_key, description)

    def _decide(self, token: str) -> ChargeResult:
        code = token.removeprefix("pm_")
        if code in ("card_declined", "insufficient_funds", "expired_card",
                    "authentication_required"):
            # As the Stripe gateway words them: the ledger keeps the sentence, not the code.
            return ChargeResult("declined", f"pi_{len(self.held)}", code, decline_reason(code))
        return ChargeResult("approved", f"pi_{len(self.held)}")


def world_in(processor: str) -> FakeWorld:
    world = fake_world(NOW, {"PAYLINE_PROCESSOR": processor})
    gateway = StripeLikeGateway(world.clock)
    world.gateway = gateway
    world.container.gateway = gateway
    world.add(make_utility_account())
    return world


@pytest.fixture
def world() -> FakeWorld:
    return world_in("stripe")


def engine(world: FakeWorld, **channel_env: str) -> VoiceEngine:
    channels = ChannelSettings.from_env({"PAYLINE_RASA_URL": "http://127.0.0.1:9",
                                         **channel_env})
    return VoiceEngine(world.container, channels)


def call_at(world: FakeWorld, step: str, *, method: str = "card", language: str = "en",
            turn: int = 7) -> None:
    """A verified call standing at `step`, the amount and method chosen."""
    state = ConversationState.new(ConversationKey.call(CALL_SID), NOW, caller=CALLER,
                                  step=step)
    state.language = language
    state.turn = turn
    account_id = world.accounts[0].id
    assert account_id is not None
    state.verify(account_id, NOW)
    state.call = PhoneCall(account_number=world.accounts[0].account_number, amount=AMOUNT,
                           method=method)
    world.conversations.start(state)


def post(voice: VoiceEngine, step: str, turn: int = 7, **params: str) -> ET.Element:
    document = voice.handle(step, {"CallSid": CALL_SID, "From": CALLER, **params}, str(turn))
    return ET.fromstring(document)  # noqa: S314 - our own TwiML


def said(root: ET.Element) -> str:
    return " ".join(" ".join("".join(say.itertext()).split()) for say in root.iter("Say"))


def state_of(world: FakeWorld) -> ConversationState:
    state = world.conversations.load(ConversationKey.call(CALL_SID))
    assert state is not None
    return state


def payments(world: FakeWorld) -> list:
    return list(world.uow.store.payments)


# --- the connector names ---------------------------------------------------------------------


def test_one_connector_setting_per_kind_with_defaults_that_follow_the_processor() -> None:
    plain = ChannelSettings.from_env({})
    assert plain.connector_for("credit-card", "sandbox") == SANDBOX_PAY_CONNECTOR
    assert plain.connector_for("ach-debit", "sandbox") == SANDBOX_PAY_CONNECTOR
    assert plain.connector_for("credit-card", "stripe") == STRIPE_PAY_CONNECTOR
    # Stripe never sees a bank account: banks stay on Payline's own connector (the ACH vault).
    assert plain.connector_for("ach-debit", "stripe") == SANDBOX_PAY_CONNECTOR
    named = ChannelSettings.from_env({"TWILIO_PAY_CONNECTOR": "City_Stripe"})
    assert named.connector_for("credit-card", "stripe") == "City_Stripe"
    assert named.connector_for("ach-debit", "stripe") == SANDBOX_PAY_CONNECTOR
    assert named.connector_for("ach-debit", "sandbox") == "City_Stripe"  # one does both
    both = ChannelSettings.from_env({"TWILIO_PAY_CONNECTOR": "City_Stripe",
                                     "TWILIO_BANK_PAY_CONNECTOR": "City_Bank"})
    assert both.connector_for("ach-debit", "stripe") == "City_Bank"
    assert both.connector_for("ach-debit", "sandbox") == "City_Bank"


# --- the TwiML Twilio's Stripe connector expects --------------------------------------------


def test_paying_now_by_card_asks_twilio_for_a_payment_method_and_charges_nothing(world) -> None:
    call_at(world, "pay_confirm")
    root = post(engine(world), "pay_confirm", Digits="1")
    pay = root.find("Pay")
    assert pay is not None
    assert pay.get("paymentConnector") == STRIPE_PAY_CONNECTOR
    assert pay.get("tokenType") == "payment-method"
    assert pay.get("chargeAmount") == "0"
    assert pay.get("paymentMethod") == "credit-card"
    assert pay.get("action") == "/voice/pay_card_result?t=8"
    assert pay.findall("Parameter") == []  # no charge reference: nothing is charged in <Pay>
    assert pay.get("securityCode") == "true" and pay.get("postalCode") == "true"
    assert "enter your card details" in said(root)
    assert payments(world) == []  # nothing reserved before the card is known
    assert state_of(world).step == "pay_card_result"


def test_the_card_connector_name_comes_from_the_setting(world) -> None:
    call_at(world, "pay_confirm")
    pay = post(engine(world, TWILIO_PAY_CONNECTOR="Riverton_Stripe"), "pay_confirm",
               Digits="1").find("Pay")
    assert pay is not None and pay.get("paymentConnector") == "Riverton_Stripe"


def test_scheduling_by_card_asks_for_a_payment_method_too(world) -> None:
    call_at(world, "schedule_method")
    pay = post(engine(world), "schedule_method", Digits="1").find("Pay")
    assert pay is not None
    assert (pay.get("paymentConnector"), pay.get("tokenType"), pay.get("chargeAmount")) == (
        STRIPE_PAY_CONNECTOR, "payment-method", "0")
    assert pay.get("action") == "/voice/schedule_card_result?t=8"


def test_a_bank_account_stays_on_paylines_own_connector(world) -> None:
    call_at(world, "pay_confirm", method="bank")
    pay = post(engine(world), "pay_confirm", Digits="1").find("Pay")
    assert pay is not None
    assert pay.get("paymentConnector") == SANDBOX_PAY_CONNECTOR
    assert pay.get("paymentMethod") == "ach-debit"
    assert pay.get("tokenType") == "reusable" and pay.get("chargeAmount") == "0"


def test_the_sandbox_still_charges_during_pay() -> None:
    world = world_in("sandbox")
    call_at(world, "pay_confirm")
    pay = post(engine(world), "pay_confirm", Digits="1").find("Pay")
    assert pay is not None
    assert pay.get("paymentConnector") == SANDBOX_PAY_CONNECTOR
    assert pay.get("chargeAmount") == "41.25"  # the amount and the card fee
    assert pay.get("tokenType") is None
    [reference] = pay.findall("Parameter")
    assert reference.get("name") == "payline_reference"
    [payment] = payments(world)
    assert payment.status == PaymentStatus.PENDING  # reserved before <Pay>


# --- the result: Payline charges the PaymentMethod ------------------------------------------


def test_an_approved_charge_is_read_back_with_its_confirmation_number(world) -> None:
    call_at(world, "pay_card_result")
    root = post(engine(world), "pay_card_result", PaymentToken="pm_ok", **PAY_SUCCESS)
    [payment] = payments(world)
    assert payment.status == PaymentStatus.APPROVED
    assert payment.method_token == "pm_ok" and payment.total == Money.of("41.25")
    assert payment.method_label == "VISA ending 4242"  # as the processor describes it
    [(key, (token, amount, _))] = world.gateway.charges.items()
    assert key == f"payline-{payment.confirmation_number}" and token == "pm_ok"
    assert amount == Money.of("41.25")
    text = said(root)
    assert "Your payment of forty dollars" in text and "was approved" in text
    assert "confirmation number is" in text
    assert state_of(world).step == "receipt_offer"


def test_a_retried_result_webhook_charges_once(world) -> None:
    call_at(world, "pay_card_result")
    voice = engine(world)
    first = post(voice, "pay_card_result", PaymentToken="pm_ok", **PAY_SUCCESS)
    again = post(voice, "pay_card_result", PaymentToken="pm_ok", **PAY_SUCCESS)
    assert ET.tostring(first) == ET.tostring(again)
    assert len(payments(world)) == 1 and world.gateway.calls == 1


@pytest.mark.parametrize(("code", "words"), [
    ("card_declined", "the card was declined. Nothing was charged."),
    ("insufficient_funds", "does not have enough funds for this payment. Nothing was charged"),
    ("expired_card", "that card has expired. Nothing was charged."),
])
def test_a_decline_is_worded_by_its_code_and_another_card_is_offered(world, code,
                                                                       words) -> None:
    call_at(world, "pay_card_result")
    root = post(engine(world), "pay_card_result", PaymentToken=f"pm_{code}", **PAY_SUCCESS)
    [payment] = payments(world)
    assert payment.status == PaymentStatus.REJECTED
    assert words in said(root)
    assert "To try another card, press 1" in said(root)
    assert state_of(world).step == "pay_retry"


def test_a_decline_in_spanish(world) -> None:
    call_at(world, "pay_card_result", language="es")
    root = post(engine(world), "pay_card_result", PaymentToken="pm_insufficient_funds",
                **PAY_SUCCESS)
    assert "no tiene fondos suficientes" in said(root)
    assert "Para intentar con otra tarjeta, oprima 1" in said(root)


def test_sca_offers_a_texted_pay_link_or_another_card(world) -> None:
    call_at(world, "pay_card_result")
    voice = engine(world)
    root = post(voice, "pay_card_result", PaymentToken="pm_authentication_required",
                **PAY_SUCCESS)
    text = said(root)
    assert "bank wants to confirm this payment" in text and "Nothing was charged" in text
    assert "secure link" in text and "another card, press 2" in text
    assert state_of(world).step == "pay_authenticate"
    assert payments(world)[0].status == PaymentStatus.REJECTED
    root = post(voice, "pay_authenticate", turn=8, Digits="1")
    assert "We sent a secure payment link" in said(root)
    [sms] = [n for n in world.notifier.sent if n.kind == "pay_link"]
    assert sms.channel == "sms" and sms.to == CALLER
    assert "/pay/" in sms.body and "City of Riverton" in sms.body
    assert world.links.links  # a one-time link was issued for the amount
    assert state_of(world).step == "menu"


def test_sca_then_another_card_goes_back_to_the_card_confirmation(world) -> None:
    call_at(world, "pay_card_result")
    voice = engine(world)
    post(voice, "pay_card_result", PaymentToken="pm_authentication_required", **PAY_SUCCESS)
    root = post(voice, "pay_authenticate", turn=8, Digits="2")
    assert "You are paying forty dollars by card" in said(root)
    assert state_of(world).step == "pay_confirm"


def test_sca_in_spanish(world) -> None:
    call_at(world, "pay_card_result", language="es")
    voice = engine(world)
    root = post(voice, "pay_card_result", PaymentToken="pm_authentication_required",
                **PAY_SUCCESS)
    assert "El banco de su tarjeta quiere confirmar este pago" in said(root)
    post(voice, "pay_authenticate", turn=8, Digits="1")
    [sms] = [n for n in world.notifier.sent if n.kind == "pay_link"]
    assert "pague de forma segura" in sms.body


def test_stripe_unreachable_at_charge_time_leaves_the_payment_pending(world) -> None:
    call_at(world, "pay_card_result")
    root = post(engine(world), "pay_card_result", PaymentToken="pm_down", **PAY_SUCCESS)
    [payment] = payments(world)
    assert payment.status == PaymentStatus.PENDING and payment.method_token == "pm_down"
    text = said(root)
    assert "couldn't reach the card processor" in text
    assert "has not been charged yet" in text and "try again" in text
    assert "confirmation number is" in text
    assert state_of(world).step == "menu"


def test_stripe_unreachable_in_spanish(world) -> None:
    call_at(world, "pay_card_result", language="es")
    root = post(engine(world), "pay_card_result", PaymentToken="pm_down", **PAY_SUCCESS)
    assert "todavía no se cobró nada" in said(root)


def test_stripe_unreachable_while_reading_the_token_charges_nothing(world) -> None:
    world.gateway.details_fail = True  # type: ignore[attr-defined]
    call_at(world, "pay_card_result")
    root = post(engine(world), "pay_card_result", PaymentToken="pm_ok", **PAY_SUCCESS)
    assert "couldn't reach the payment processor, so nothing was charged" in said(root)
    assert payments(world) == [] and world.gateway.calls == 0


@pytest.mark.parametrize(("params", "words"), [
    ({"Result": "success", "PaymentToken": "tok_not_stripe"}, "couldn't accept those"),
    ({"Result": "success"}, "couldn't accept those"),
    ({"Result": "payment-connector-error", "PaymentError": "incorrect_number"},
     "couldn't accept those"),
    ({"Result": "payment-connector-error", "ConnectorError": "Stripe could not be reached."},
     "couldn't reach the payment processor"),
    ({"Result": "too-many-failed-attempts"}, "couldn't accept those"),
    ({"Result": "caller-interrupted-with-star"}, "The payment was cancelled"),
])
def test_no_usable_payment_method_charges_nothing(world, params, words) -> None:
    call_at(world, "pay_card_result")
    root = post(engine(world), "pay_card_result", **params)
    assert words in said(root)
    assert payments(world) == [] and world.gateway.calls == 0


def test_a_hang_up_during_pay_ends_the_call_without_a_charge(world) -> None:
    call_at(world, "pay_card_result")
    root = post(engine(world), "pay_card_result", Result="caller-hung-up")
    assert root.find("Hangup") is not None
    assert payments(world) == []


def test_a_scheduled_card_keeps_the_payment_method_for_the_runner(world) -> None:
    call_at(world, "schedule_card_result")
    state = state_of(world)
    assert state.call is not None
    state.call.date = datetime(2026, 12, 1, tzinfo=CHICAGO).date()
    world.conversations.save(state)
    voice = engine(world)
    root = post(voice, "schedule_card_result", PaymentToken="pm_ok", **PAY_SUCCESS)
    assert "with the card ending in 4242" in said(root)
    root = post(voice, "schedule_authorize", turn=8, Digits="1")
    assert "is scheduled for" in said(root)
    [payment] = payments(world)
    assert payment.status == PaymentStatus.SCHEDULED and payment.method_token == "pm_ok"
    assert world.gateway.calls == 0  # charged on the day, by the runner
