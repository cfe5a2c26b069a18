"""The secure pay link in Stripe mode (PAYLINE_PROCESSOR=stripe) against localstripe: the card
step is Stripe's own fields and a SetupIntent Payline creates for the link; the test plays
Stripe.js (it confirms that SetupIntent with the publishable key, exactly as localstripe's
Stripe.js shim does) and then posts back like the page's script. Review, confirm and the charge
(a PaymentIntent with Payline's reference) are the one path every card payment takes.

Payline talks to localstripe through a switchable front (tests/e2e/pay_stripe_support.py), so a
test can make Stripe unreachable or slow and then bring it back with everything it holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import stripe

from domain.adapters.stripe_client import stripe_client
from domain.config import DEV_STRIPE_PUBLISHABLE_KEY
from domain.services.payments import charge_reference
from domain.services.processing import RunSummary, ScheduledPaymentRunner
from ivr import create_app
from ivr.pay.scripts import PAY_CARD_JS, PAYMENT_PAGE_SCRIPTS, STATIC_DIR, file_integrity
from ivr.pay.views import AUTHENTICATION_WORDING
from ivr.settings import ChannelSettings
from tests.e2e.pay_stripe_support import StripeFront, stripe_container
from tests.e2e.test_pay_page import Page, link_payments, offer, page
from tests.e2e.voice_support import DANA, SAMUEL, VoiceCity
from tests.stripe_support import LocalStripe

APPROVE = "4242424242424242"
DECLINE_ON_CHARGE = "4000000000000341"  # attaches, then declined when charged
DECLINE_ON_SETUP = "4000000000000002"  # declined when the SetupIntent is confirmed
SCA_CARD = "4000002500003155"  # 3-D Secure at setup; localstripe wants it again when charged
PAYLINE_CARD_FIELDS = ("card_number", "card_expiry", "card_cvc", "card_postal_code")


@pytest.fixture
def front(localstripe: LocalStripe) -> Iterator[StripeFront]:
    with StripeFront(localstripe.url) as running:
        yield running


@pytest.fixture
def city(tmp_path: Path, front: StripeFront) -> Iterator[VoiceCity]:
    container = stripe_container(tmp_path, front.url, PAYLINE_STRIPE_TIMEOUT_SECONDS="2")
    channels = ChannelSettings.from_env({"PAYLINE_RASA_URL": "http://127.0.0.1:9"})
    yield VoiceCity(create_app(container=container, channel_settings=channels), container)
    container.dispose()


@pytest.fixture
def stripe_api(localstripe: LocalStripe) -> stripe.StripeClient:
    """localstripe itself (not through the front): what Stripe holds."""
    return stripe_client(localstripe.settings())


# --- the resident's browser, and Stripe.js ------------------------------------------------


class Resident:
    def __init__(self, city: VoiceCity, front: StripeFront, number: str = DANA,
                 amount: str = "146.57") -> None:
        self.city = city
        self.front = front
        self.token = offer(city, number, amount)
        self.client = city.app.test_client()
        self.url = f"/pay/{self.token}"

    def card_page(self) -> tuple[Any, Page]:
        response = self.client.get(f"{self.url}?method=card")
        return response, page(response)

    def card_form(self) -> tuple[dict[str, str | None], dict[str, str]]:
        response, p = self.card_page()
        assert response.status_code == 200, response.get_data(as_text=True)
        form = p.find("form", id="card-form")
        assert form is not None
        [fields] = [f.fields for f in p.forms if f.attrs.get("id") == "card-form"]
        return form, fields

    def set_up_card(self, number: str = APPROVE) -> tuple[str, dict[str, str]]:
        """What Stripe.js does on the page: confirm the SetupIntent with the card; returns the
        PaymentMethod id and the form's fields."""
        form, fields = self.card_form()
        method = confirm_setup(self.front.url, str(form["data-client-secret"]),
                               str(form["data-publishable-key"]), number)
        return method, fields

    def post_method(self, payment_token: str, fields: dict[str, str]) -> Any:
        return self.client.post(f"{self.url}/method",
                                data={**fields, "payment_token": payment_token})

    def review(self, number: str = APPROVE) -> Any:
        method, fields = self.set_up_card(number)
        return self.post_method(method, fields)

    def confirm(self, review: Any) -> Any:
        [form] = [f for f in page(review).forms if f.method == "post"]
        return self.client.post(form.action, data=form.fields)


def confirm_setup(api_url: str, client_secret: str, publishable_key: str,
                  number: str) -> str:
    """localstripe's Stripe.js shim's confirmCardSetup, request for request: a JSON body with
    the publishable key and the card, to /v1/setup_intents/<id>/confirm."""
    setup_intent = client_secret.split("_secret_")[0]
    body = {"key": publishable_key, "use_stripe_sdk": True, "client_secret": client_secret,
            "payment_method_data": {
                "type": "card",
                "card": {"number": number, "exp_month": "12", "exp_year": "2030", "cvc": "123"},
                "billing_details": {"address": {"postal_code": "60601"}}}}
    answer = requests.post(f"{api_url}/v1/setup_intents/{setup_intent}/confirm",
                           data=json.dumps(body), timeout=10)
    result = answer.json()
    assert answer.status_code == 200 and result["status"] == "succeeded", result
    return str(result["payment_method"])


def payment_intents(api: stripe.StripeClient) -> list[Any]:
    return list(api.v1.payment_intents.list().data)


def csp_directives(response: Any) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        assert name not in directives, f"{name} twice in {policy}"
        directives[name] = values
    return directives


# --- the card step ----------------------------------------------------------------------


def test_the_card_step_has_stripes_fields_and_none_of_paylines(city, front):
    resident = Resident(city, front)
    response, p = resident.card_page()
    assert response.status_code == 200
    assert "Account ending 0731" in p.text and "$147.82" in p.text
    inputs = [attrs for tag, attrs in p.tags if tag in ("input", "select", "textarea")]
    assert {(a.get("type"), a.get("name")) for a in inputs} == {
        ("hidden", "state"), ("hidden", "payment_token")}
    for name in PAYLINE_CARD_FIELDS:
        assert p.find("input", name=name) is None
    form = p.find("form", id="card-form")
    assert form is not None and form["method"] == "post"
    assert form["action"] == f"/pay/{resident.token}/method"
    assert str(form["data-publishable-key"]) == DEV_STRIPE_PUBLISHABLE_KEY
    assert p.find("div", id="card-element") is not None
    scripts = [attrs for tag, attrs in p.tags if tag == "script"]
    assert [s.get("src") for s in scripts] == [f"{front.url}/js.stripe.com/v3/",
                                               "/pay/static/pay-card.js"]
    assert scripts[1].get("integrity") == file_integrity(STATIC_DIR / "pay-card.js")
    assert scripts[0].get("integrity") is None  # Stripe does not support SRI for Stripe.js
    assert "<script>" not in response.get_data(as_text=True)  # nothing inline


def test_the_card_steps_policy_lists_exactly_the_inventory(city, front):
    response, _ = Resident(city, front).card_page()
    directives = csp_directives(response)
    assert set(directives["script-src"]) == {
        f"{front.url}/js.stripe.com/v3/", "http://localhost/pay/static/pay-card.js",
        f"'{PAY_CARD_JS.integrity}'"}
    assert len(PAYMENT_PAGE_SCRIPTS) == 2  # the inventory the set above spells out
    assert directives["frame-src"] == [front.url] and directives["connect-src"] == [front.url]
    assert directives["default-src"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert directives["base-uri"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"]
    assert directives["style-src"] == ["'self'"]
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_page_script_is_the_file_the_hash_was_made_from(city, front):
    resident = Resident(city, front)
    served = resident.client.get("/pay/static/pay-card.js")
    assert served.status_code == 200
    assert served.get_data() == (STATIC_DIR / "pay-card.js").read_bytes()


def test_the_other_pay_pages_run_no_script_in_stripe_mode(city, front):
    resident = Resident(city, front)
    for url in (resident.url, f"{resident.url}?method=bank"):
        response = resident.client.get(url)
        assert response.status_code == 200
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert "<script" not in response.get_data(as_text=True)


def test_the_card_step_makes_a_setup_intent_for_the_link_and_charges_nothing(
        city, front, stripe_api):
    resident = Resident(city, front)
    form, fields = resident.card_form()
    secret = str(form["data-client-secret"])
    [intent] = stripe_api.v1.setup_intents.list().data
    assert secret == intent.client_secret and intent.status == "requires_payment_method"
    assert intent.usage == "off_session"
    assert intent.metadata["payline_source"] == "pay_link"
    assert resident.token not in json.dumps(intent.to_dict())  # never the link itself
    assert payment_intents(stripe_api) == [] and link_payments(city, DANA) == []
    assert fields["state"] and fields["payment_token"] == ""
    resident.card_page()  # a reload: another SetupIntent, still nothing charged
    assert len(stripe_api.v1.setup_intents.list().data) == 2
    assert payment_intents(stripe_api) == []


# --- refused post-backs ------------------------------------------------------------------


@pytest.mark.parametrize("payment_token", ["", "garbage token!", "x" * 300, "<script>"])
def test_a_garbage_token_is_refused_politely_and_nothing_is_charged(
        city, front, stripe_api, payment_token):
    resident = Resident(city, front)
    _, fields = resident.set_up_card()
    response = resident.post_method(payment_token, fields)
    assert response.status_code == 400
    assert "<script>" not in response.get_data(as_text=True)
    assert "Please enter it again" in page(response).text
    assert payment_intents(stripe_api) == [] and link_payments(city, DANA) == []


def test_someone_elses_state_is_refused(city, front, stripe_api):
    mine, theirs = Resident(city, front), Resident(city, front, SAMUEL, "20.00")
    method, my_fields = mine.set_up_card()
    _, their_fields = theirs.card_form()
    response = mine.post_method(method, {**my_fields, "state": their_fields["state"]})
    assert response.status_code == 400
    assert "did not come from this payment page" in page(response).text
    assert payment_intents(stripe_api) == [] and link_payments(city, DANA) == []


def test_a_card_not_set_up_on_this_page_is_refused(city, front, stripe_api):
    resident = Resident(city, front)
    _, fields = resident.card_form()  # its SetupIntent is never confirmed
    elsewhere = stripe_api.v1.payment_methods.create(params={
        "type": "card", "card": {"number": APPROVE, "exp_month": 12, "exp_year": 2030,
                                 "cvc": "123"}})
    response = resident.post_method(elsewhere.id, fields)
    assert response.status_code == 400
    assert "could not confirm that card" in page(response).text
    # Nor one this page set up for another visit (another SetupIntent, another state).
    other_method, _ = resident.set_up_card()
    assert resident.post_method(other_method, fields).status_code == 400
    assert payment_intents(stripe_api) == [] and link_payments(city, DANA) == []


def test_a_card_declined_by_the_bank_at_setup_never_reaches_payline(city, front, stripe_api):
    resident = Resident(city, front)
    form, fields = resident.card_form()
    with pytest.raises(AssertionError):
        confirm_setup(front.url, str(form["data-client-secret"]), DEV_STRIPE_PUBLISHABLE_KEY,
                      DECLINE_ON_SETUP)
    [intent] = stripe_api.v1.setup_intents.list().data
    assert intent.status == "canceled" and intent.payment_method
    # The page's script does not post it; posted anyway, it is refused.
    assert resident.post_method(str(intent.payment_method), fields).status_code == 400
    assert payment_intents(stripe_api) == [] and link_payments(city, DANA) == []


def test_stripe_unreachable_for_the_card_step_is_the_outage_page(city, front, caplog):
    resident = Resident(city, front)
    front.down()
    response, p = resident.card_page()
    assert response.status_code == 503
    assert "No payment was made" in p.text
    assert resident.token not in caplog.text
    front.up()  # the link still works once Stripe is back
    assert resident.card_page()[0].status_code == 200


def test_the_link_page_still_works_with_stripe_down(city, front):
    resident = Resident(city, front)
    front.down()
    assert resident.client.get(resident.url).status_code == 200  # no Stripe call to show it


# --- paying (the Stripe gateway charges) ----------------------------------------------------


def runner(city: VoiceCity) -> ScheduledPaymentRunner:
    container = city.container
    return ScheduledPaymentRunner(container.uow, container.clock, container.payment_service(),
                                  container.ach_service())


def test_a_card_set_up_on_the_page_pays_once_with_paylines_reference(city, front, stripe_api):
    resident = Resident(city, front)
    review = resident.review()
    assert review.status_code == 200, review.get_data(as_text=True)
    text = page(review).text
    assert "ending 4242" in text and "$1.25" in text and "$147.82" in text
    assert payment_intents(stripe_api) == []  # nothing is charged before the confirmation
    done = resident.confirm(review)
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "Your payment was approved" in page(done).text
    [payment] = link_payments(city, DANA)
    assert payment.status == "approved" and payment.amount_cents + payment.fee_cents == 14782
    [intent] = payment_intents(stripe_api)
    assert intent.amount == 14782 and intent.status == "succeeded"
    with city.container.uow() as uow:
        reference = charge_reference(uow.payments.get(payment.id))
    assert intent.metadata["payline_reference"] == reference
    assert payment.processor_reference == intent.id
    assert payment.confirmation_number in page(done).text
    # A repeated submit (a double click) shows the same payment and charges nothing more.
    again = resident.confirm(review)
    assert again.status_code == 200 and payment.confirmation_number in page(again).text
    assert len(payment_intents(stripe_api)) == 1 and len(link_payments(city, DANA)) == 1


def test_a_card_declined_when_charged_is_the_decline_page(city, front, stripe_api):
    resident = Resident(city, front)
    review = resident.review(DECLINE_ON_CHARGE)
    assert review.status_code == 200, review.get_data(as_text=True)
    declined = resident.confirm(review)
    assert declined.status_code == 402, declined.get_data(as_text=True)
    text = page(declined).text
    assert "Your payment was declined" in text and "No money was taken" in text
    [payment] = link_payments(city, DANA)
    assert payment.status == "rejected"
    assert [i.status for i in payment_intents(stripe_api)] != ["succeeded"]


def test_a_charge_the_bank_still_wants_to_authenticate_asks_to_try_again(
        city, front, stripe_api):
    resident = Resident(city, front)
    form, fields = resident.card_form()
    secret = str(form["data-client-secret"])
    setup_intent = secret.split("_secret_")[0]
    # Stripe.js: the bank authenticates the resident on the page (3-D Secure), then the
    # SetupIntent is confirmed again and succeeds.
    body = {"key": DEV_STRIPE_PUBLISHABLE_KEY, "use_stripe_sdk": True, "client_secret": secret,
            "payment_method_data": {"type": "card", "card": {
                "number": SCA_CARD, "exp_month": "12", "exp_year": "2030", "cvc": "123"}}}
    first = requests.post(f"{front.url}/v1/setup_intents/{setup_intent}/confirm",
                          data=json.dumps(body), timeout=10).json()
    assert first["status"] == "requires_action"
    second = requests.post(f"{front.url}/v1/setup_intents/{setup_intent}/confirm",
                           data=json.dumps({"key": DEV_STRIPE_PUBLISHABLE_KEY,
                                            "client_secret": secret}), timeout=10).json()
    assert second["status"] == "succeeded"
    review = resident.post_method(second["payment_method"], fields)
    assert review.status_code == 200, review.get_data(as_text=True)
    declined = resident.confirm(review)
    assert declined.status_code == 402, declined.get_data(as_text=True)
    assert AUTHENTICATION_WORDING in page(declined).text
    [payment] = link_payments(city, DANA)
    assert payment.status == "rejected"


def test_stripe_unreachable_at_confirm_is_the_outage_page_and_the_link_pays_later(
        city, front, stripe_api, caplog):
    resident = Resident(city, front)
    review = resident.review()
    assert review.status_code == 200
    front.down()
    outage = resident.confirm(review)
    assert outage.status_code == 503, outage.get_data(as_text=True)
    assert "No payment was made by this page" in page(outage).text
    assert resident.token not in caplog.text
    assert payment_intents(stripe_api) == []
    assert [p.status for p in link_payments(city, DANA)] in ([], ["pending"])
    front.up()
    done = resident.confirm(review)  # the same confirmation, once Stripe is back
    assert done.status_code == 200, done.get_data(as_text=True)
    city.clock.advance(minutes=5)
    runner(city).recover_stale(RunSummary())
    [payment] = link_payments(city, DANA)
    assert payment.status == "approved"
    assert [i.status for i in payment_intents(stripe_api)] == ["succeeded"]


def test_stripe_slow_on_the_charge_leaves_a_payment_recovery_resolves_without_a_second_charge(
        city, front, stripe_api):
    resident = Resident(city, front)
    review = resident.review()
    assert review.status_code == 200
    front.slow(lambda method, path: method == "POST" and path == "/v1/payment_intents", 3)
    answered = resident.confirm(review)  # the charge reached Stripe; its answer never came
    front.slow(None)
    # The outcome is unknown: the page says it is being processed, not approved or declined.
    assert answered.status_code == 200, answered.get_data(as_text=True)
    assert "Your payment is being processed" in page(answered).text
    assert "Please do not pay again" in page(answered).text
    [payment] = link_payments(city, DANA)
    assert payment.status == "pending"
    assert [i.status for i in payment_intents(stripe_api)] == ["succeeded"]
    city.clock.advance(minutes=5)
    summary = RunSummary()
    runner(city).recover_stale(summary)
    [payment] = link_payments(city, DANA)
    assert payment.status == "approved"
    [intent] = payment_intents(stripe_api)  # found again, not charged a second time
    assert payment.processor_reference == intent.id


def test_a_card_posted_back_with_the_bank_forms_state_is_refused(city, front, stripe_api):
    resident = Resident(city, front)
    method, _ = resident.set_up_card()  # a real card, set up on this link's card page
    bank = page(resident.client.get(f"{resident.url}?method=bank"))
    [bank_fields] = [f.fields for f in bank.forms if f.method == "post"]
    response = resident.post_method(method, {"state": bank_fields["state"]})
    assert response.status_code == 400
    assert "could not confirm that card" in page(response).text
    assert payment_intents(stripe_api) == [] and link_payments(city, DANA) == []
