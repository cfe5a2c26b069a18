"""The secure pay link (docs/architecture.md §5) as a resident's browser sees it: the Payline page,
the sandbox processor's hosted tokenize endpoint, the way back, review, confirm, and the database
afterwards. Card and bank numbers only ever go to the processor's URL."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from domain.adapters.clock import FixedClock
from domain.errors import AmountOutOfRange, DateNotInFuture
from domain.model import Actor, Channel, LinkPurpose
from domain.money import Money
from ivr.settings import ChannelSettings
from tests.e2e.voice_support import AISHA, DANA, SAMUEL, VICTOR, VoiceCity, voice_city

APPROVE = "4242424242424242"
DECLINE = "4000000000000002"
CHAT = Actor.resident(Channel.CHAT, "chat-e2e")
PUBLIC = "http://localhost:5000"


@pytest.fixture
def city(tmp_path: Path) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path)


# --- a small browser --------------------------------------------------------------------


@dataclass
class Form:
    action: str
    method: str
    attrs: dict[str, str | None]
    fields: dict[str, str] = field(default_factory=dict)


class Page(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.html = html
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.forms: list[Form] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if tag == "form":
            self.forms.append(Form(found.get("action") or "", found.get("method") or "get",
                                   found))
        elif tag == "input" and self.forms and found.get("type") == "hidden":
            self.forms[-1].fields[found["name"] or ""] = found.get("value") or ""

    def find(self, tag: str, **attrs: str) -> dict[str, str | None] | None:
        for name, found in self.tags:
            if name == tag and all(found.get(k.rstrip("_")) == v for k, v in attrs.items()):
                return found
        return None

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", self.html)).replace("&#39;", "'")


def page(response: Any) -> Page:
    return Page(response.get_data(as_text=True))


@dataclass
class Browser:
    """One resident's browser working through a pay link; remembers every body it saw."""

    city: VoiceCity
    token: str
    client: FlaskClient
    bodies: list[tuple[str, str]] = field(default_factory=list)

    def get(self, url: str) -> Any:
        response = self.client.get(url)
        self.bodies.append((url, response.get_data(as_text=True)))
        return response

    def post(self, url: str, data: dict[str, str]) -> Any:
        response = self.client.post(url, data=data)
        self.bodies.append((url, response.get_data(as_text=True)))
        return response

    @property
    def url(self) -> str:
        return f"/pay/{self.token}"

    def details(self, method: str) -> Form:
        response = self.get(f"{self.url}?method={method}")
        assert response.status_code == 200, response.get_data(as_text=True)
        [form] = [f for f in page(response).forms if f.method == "post"]
        return form

    def enter_card(self, number: str = APPROVE, expiry: str = "12/30", cvc: str = "123",
                   **extra: str) -> Any:
        form = self.details("card")
        return self.post(form.action, {**form.fields, "card_number": number,
                                       "card_expiry": expiry, "card_cvc": cvc,
                                       "card_postal_code": "60601", **extra})

    def enter_bank(self, routing: str = "011000015", account: str = "000123456789",
                   kind: str = "savings", confirm: str | None = None) -> Any:
        form = self.details("bank")
        return self.post(form.action, {
            **form.fields, "bank_account_type": kind, "bank_holder_name": "Samuel Park",
            "bank_routing_number": routing, "bank_account_number": account,
            "bank_account_number_confirm": account if confirm is None else confirm})

    def back_from_processor(self, processor_response: Any) -> Any:
        assert processor_response.status_code == 200, processor_response.get_data(as_text=True)
        [form] = page(processor_response).forms
        return self.post(form.action, form.fields)

    def review(self, method: str = "card", **kwargs: str) -> Form:
        entered = self.enter_card(**kwargs) if method == "card" else self.enter_bank(**kwargs)
        response = self.back_from_processor(entered)
        assert response.status_code == 200, response.get_data(as_text=True)
        [form] = [f for f in page(response).forms if f.method == "post"]
        return form

    def confirm(self, form: Form, **extra: str) -> Any:
        return self.post(form.action, {**form.fields, **extra})


def account_id(city: VoiceCity, number: str) -> int:
    return int(city.rows("SELECT id FROM accounts WHERE account_number = :n", n=number)[0][0])


def offer(city: VoiceCity, number: str, amount: str,
          scheduled_for: date | None = None) -> str:
    """What the chatbot does: container.pay_link_service().offer(...).token."""
    result = city.container.pay_link_service().offer(account_id(city, number), Money.of(amount),
                                                     CHAT, scheduled_for=scheduled_for)
    return result.token


def browser(city: VoiceCity, number: str = DANA, amount: str = "146.57",
            scheduled_for: date | None = None) -> Browser:
    return Browser(city, offer(city, number, amount, scheduled_for), city.app.test_client())


def link_payments(city: VoiceCity, number: str) -> list[Any]:
    return city.rows("SELECT p.* FROM payments p JOIN accounts a ON a.id = p.account_id "
                     "WHERE a.account_number = :n AND p.idempotency_key LIKE 'paylink:%' "
                     "ORDER BY p.id", n=number)


def links_used(city: VoiceCity) -> list[Any]:
    return [row[0] for row in city.rows("SELECT used_at FROM one_time_links "
                                        "WHERE purpose = 'pay' ORDER BY id")]


def count(city: VoiceCity, table: str) -> int:
    return int(city.rows(f"SELECT COUNT(*) FROM {table}")[0][0])


def clock(city: VoiceCity) -> FixedClock:
    assert isinstance(city.container.clock, FixedClock)
    return city.container.clock


# --- the pages --------------------------------------------------------------------------


def test_the_link_page_shows_the_payment_and_the_choice(city):
    b = browser(city)
    response = b.get(b.url)
    assert response.status_code == 200
    p = page(response)
    text = p.text
    assert "Account ending 0731" in text
    assert "$146.57" in text and "Today, Monday, November 23, 2026" in text
    assert "$1.25" in text and "$147.82" in text and "No fee" in text
    assert "expires at 11:00 AM" in text
    assert DANA not in text
    assert p.find("html", lang="en") and p.find("meta", name="viewport")
    assert p.find("legend") is not None
    assert p.find("input", type="radio", name="method", value="card", id="method-card")
    assert p.find("label", for_="method-card") and p.find("label", for_="method-bank")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert f"form-action 'self' {PUBLIC}" in csp
    stylesheet = p.find("link", rel="stylesheet")
    assert stylesheet and b.client.get(stylesheet["href"]).status_code == 200
    assert links_used(city) == [None]  # showing the page does not use the link


def test_the_card_form_posts_to_the_processor_not_to_payline(city):
    b = browser(city)
    form = b.details("card")
    assert form.action == f"{PUBLIC}/sandbox/processor/tokenize"
    assert form.fields["method"] == "card"
    assert form.fields["return_url"] == f"{PUBLIC}/pay/{b.token}/method"
    assert form.fields["state"] and b.token not in form.fields["state"]
    p = Page(b.bodies[-1][1])
    assert p.find("input", name="card_number", autocomplete="cc-number", inputmode="numeric")
    assert p.find("input", name="card_expiry", autocomplete="cc-exp")
    assert p.find("input", name="card_cvc", autocomplete="cc-csc")
    assert p.find("input", name="card_postal_code", autocomplete="postal-code")
    for name in ("card_number", "card_expiry", "card_cvc", "card_postal_code"):
        assert p.find("label", for_=name), name
    assert "$1.25" in p.text and "$147.82" in p.text


def test_the_bank_form_has_account_type_routing_and_account(city):
    b = browser(city, SAMUEL, "112.64")
    form = b.details("bank")
    assert form.action.endswith("/sandbox/processor/tokenize")
    p = Page(b.bodies[-1][1])
    assert p.find("input", type="radio", name="bank_account_type", value="checking")
    assert p.find("input", type="radio", name="bank_account_type", value="savings")
    for name in ("bank_routing_number", "bank_account_number", "bank_account_number_confirm"):
        assert p.find("label", for_=name) and p.find("input", name=name, autocomplete="off")
    assert "No fee" in p.text


@pytest.mark.parametrize("query", ["method=cash", "step=method"])
def test_an_unknown_or_missing_method_choice_asks_again(city, query):
    b = browser(city)
    response = b.get(f"{b.url}?{query}")
    assert response.status_code == 400
    p = page(response)
    assert p.find("div", role="alert", tabindex="-1")  # the error summary takes focus
    assert p.find("a", href="#method-card")
    assert "Please choose how you want to pay" in p.text
    [choice] = [f for f in p.forms if f.method == "get"]
    assert choice.fields == {"step": "method"}


def test_the_processor_url_is_a_setting():
    assert ChannelSettings.from_env({}).pay_processor_url == \
        "http://localhost:5000/sandbox/processor"
    assert ChannelSettings.from_env({"PAYLINE_PUBLIC_URL": "https://pay.city.gov/"}) \
        .pay_processor_url == "https://pay.city.gov/sandbox/processor"
    assert ChannelSettings.from_env({"PAYLINE_PAY_PROCESSOR_URL": "https://hosted.example/v1/"}) \
        .pay_processor_url == "https://hosted.example/v1"


def test_an_outside_processor_gets_the_form_and_is_allowed_by_the_csp(tmp_path):
    gen = voice_city(tmp_path, PAYLINE_PAY_PROCESSOR_URL="https://hosted.example/v1",
                     PAYLINE_PUBLIC_URL="https://pay.city.gov")
    city = next(gen)
    try:
        b = browser(city)
        form = b.details("card")
        assert form.action == "https://hosted.example/v1/tokenize"
        assert form.fields["return_url"] == f"https://pay.city.gov/pay/{b.token}/method"
        csp = b.client.get(f"{b.url}?method=card").headers["Content-Security-Policy"]
        assert "form-action 'self' https://hosted.example;" in csp
    finally:
        next(gen, None)  # disposes of the container


# --- paying -----------------------------------------------------------------------------


def test_card_pay_now_is_approved_and_uses_the_link(city):
    b = browser(city)
    processor = b.enter_card()
    assert processor.status_code == 200
    p = page(processor)
    [back] = p.forms
    assert back.action == f"{PUBLIC}/pay/{b.token}/method" and back.method == "post"
    assert set(back.fields) == {"payment_token", "state"}
    assert back.fields["payment_token"].startswith("tok_")
    assert p.find("button", type="submit")  # Continue, without scripts
    assert p.find("script", src="/sandbox/processor/static/autopost.js")
    csp = processor.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and f"form-action 'self' {PUBLIC}" in csp
    assert b.client.get("/sandbox/processor/static/autopost.js").status_code == 200

    review = b.post(back.action, back.fields)
    assert review.status_code == 200
    text = page(review).text
    assert "VISA ending 4242" in text and "$146.57" in text and "$1.25" in text
    assert "$147.82" in text and "Today, Monday, November 23, 2026" in text
    assert "accept the $1.25 convenience fee" in text
    [confirm] = [f for f in page(review).forms if f.method == "post"]
    assert confirm.action == f"/pay/{b.token}/confirm"
    assert confirm.fields["accepted_fee"] == "1.25"

    done = b.confirm(confirm)
    assert done.status_code == 200
    text = page(done).text
    assert "Your payment was approved" in text
    [payment] = link_payments(city, DANA)
    assert payment.status == "approved" and payment.channel == "web"
    assert (payment.amount_cents, payment.fee_cents) == (14657, 125)
    assert payment.method_label == "VISA ending 4242"
    assert payment.created_by.startswith("resident:link:")
    assert payment.confirmation_number in text
    assert all(used is not None for used in links_used(city))
    assert count(city, "sandbox_charges") == 1
    assert b.get(b.url).status_code == 410
    balance = city.rows("SELECT SUM(unpaid_cents) FROM bills b JOIN accounts a "
                        "ON a.id = b.account_id WHERE a.account_number = :n", n=DANA)
    assert balance[0][0] == 0


def test_bank_payment_scheduled_for_a_later_date(city):
    b = browser(city, SAMUEL, "112.64", scheduled_for=date(2026, 11, 27))
    text = page(b.get(b.url)).text
    assert "Friday, November 27, 2026 (scheduled)" in text
    form = b.review("bank")
    review_text = Page(b.bodies[-1][1]).text
    assert "savings account ending 6789" in review_text
    assert "Convenience fee" not in review_text and "one-time debit of $112.64" in review_text
    assert "Schedule payment of $112.64" in review_text
    assert form.fields["accepted_fee"] == "0.00"
    done = b.confirm(form)
    assert done.status_code == 200
    text = page(done).text
    assert "Your payment is scheduled" in text and "Friday, November 27, 2026" in text
    [payment] = link_payments(city, SAMUEL)
    assert payment.status == "scheduled" and str(payment.scheduled_for) == "2026-11-27"
    assert payment.method_label == "savings account ending 6789"
    assert payment.confirmation_number in text
    assert count(city, "sandbox_charges") == 0  # nothing is charged before the date


def test_bank_pay_now_is_submitted(city):
    b = browser(city, SAMUEL, "50.00")
    done = b.confirm(b.review("bank", kind="checking"))
    assert done.status_code == 200
    assert "Your payment was submitted" in page(done).text
    [payment] = link_payments(city, SAMUEL)
    assert payment.status == "pending" and payment.method_label == "checking account ending 6789"


def test_a_declined_card_says_so_and_takes_nothing(city):
    b = browser(city, AISHA, "47.85")
    done = b.confirm(b.review(number=DECLINE))
    assert done.status_code == 402
    text = page(done).text
    assert "Your payment was declined" in text and "No money was taken" in text
    assert "ask to pay again" in text and "311" in text
    [payment] = link_payments(city, AISHA)
    assert payment.status == "rejected"
    assert all(used is not None for used in links_used(city))


def test_a_double_confirm_pays_once_and_shows_the_same_confirmation(city):
    b = browser(city)
    form = b.review()
    first = b.confirm(form)
    second = b.confirm(form)
    assert first.status_code == second.status_code == 200
    [payment] = link_payments(city, DANA)
    assert payment.confirmation_number in page(first).text
    assert payment.confirmation_number in page(second).text
    assert count(city, "sandbox_charges") == 1


def test_the_method_can_be_saved_with_a_nickname(city):
    b = browser(city, DANA, "10.00")
    done = b.confirm(b.review(number="5555555555554444"), save_method="yes",
                     nickname="  work card ")
    assert done.status_code == 200
    rows = city.rows("SELECT m.nickname, m.last4, m.brand FROM payment_methods m JOIN accounts "
                     "a ON a.id = m.account_id WHERE a.account_number = :n AND m.last4 = '4444'",
                     n=DANA)
    assert [tuple(r) for r in rows] == [("work card", "4444", "MASTERCARD")]


def test_a_too_long_nickname_shows_the_review_again(city):
    b = browser(city, DANA, "10.00")
    form = b.review()
    response = b.confirm(form, save_method="yes", nickname="n" * 150)
    assert response.status_code == 400
    p = page(response)
    assert p.find("input", id="nickname", **{"aria-invalid": "true"})
    assert p.find("div", role="alert", tabindex="-1")
    assert link_payments(city, DANA) == []
    assert b.confirm(form).status_code == 200  # the link still works


# --- the processor's form ---------------------------------------------------------------


@pytest.mark.parametrize(("fields", "error_field", "message"), [
    ({"number": "4242424242424241"}, "card_number", "card number is not valid"),
    ({"number": ""}, "card_number", "enter the card number"),
    ({"expiry": "13/30"}, "card_expiry", "expiration date is not valid"),
    ({"expiry": "01/20"}, "card_expiry", "card has expired"),
    ({"expiry": "soon"}, "card_expiry", "MM/YY"),
    ({"cvc": "12"}, "card_cvc", "security code is not valid"),
])
def test_invalid_card_details_are_shown_again_politely(city, fields, error_field, message):
    b = browser(city)
    response = b.enter_card(**fields)
    assert response.status_code == 400
    p = page(response)
    assert message in p.text
    summary = p.find("div", role="alert", tabindex="-1")
    assert summary is not None and "autofocus" in summary
    assert p.find("a", href=f"#{error_field}")
    assert p.find("input", id=error_field, **{"aria-invalid": "true"})
    body = response.get_data(as_text=True)
    assert "42424242" not in body and "4242 4242" not in body  # never echoed back
    # The resident can retry from the processor's form, which keeps the way back.
    [form] = p.forms
    assert form.fields["return_url"] == f"{PUBLIC}/pay/{b.token}/method"
    retry = b.post(form.action, {**form.fields, "card_number": APPROVE, "card_expiry": "12/30",
                                 "card_cvc": "123"})
    assert b.back_from_processor(retry).status_code == 200


@pytest.mark.parametrize(("kwargs", "error_field"), [
    ({"routing": "123456789"}, "bank_routing_number"),
    ({"account": "12"}, "bank_account_number"),
    ({"confirm": "000123456780"}, "bank_account_number_confirm"),
    ({"kind": ""}, "bank_account_type"),
])
def test_invalid_bank_details_are_shown_again(city, kwargs, error_field):
    b = browser(city, SAMUEL, "112.64")
    response = b.enter_bank(**kwargs)
    assert response.status_code == 400
    p = page(response)
    assert p.find("a", href=f"#{error_field}")
    assert "000123456789" not in response.get_data(as_text=True)
    assert "123456789" not in response.get_data(as_text=True)


@pytest.mark.parametrize("return_url", [
    "https://evil.example/pay/abc/method",
    "//evil.example/pay/abc/method",
    "http://localhost:5000.evil.example/pay/abc/method",
    "http://user@evil.example/pay/abc/method",
    "http://localhost:5000/elsewhere",
    "http://localhost:5000/pay/abc/method?next=https://evil.example",
    "http://localhost:5000/pay/abc/../../evil/method",
    "javascript:alert(1)//pay/abc/method",
    "/\\evil.example/pay/abc/method",
    "",
])
def test_the_processor_returns_only_to_this_apps_pay_page(city, return_url):
    b = browser(city)
    form = b.details("card")
    before = count(city, "sandbox_tokens")
    response = b.post(form.action, {**form.fields, "return_url": return_url,
                                    "card_number": APPROVE, "card_expiry": "12/30",
                                    "card_cvc": "123"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "evil" not in body and "<form" not in body
    assert count(city, "sandbox_tokens") == before  # refused before any tokenizing


def test_a_relative_return_url_stays_on_this_origin(city):
    b = browser(city)
    form = b.details("card")
    response = b.post(form.action, {**form.fields, "return_url": f"/pay/{b.token}/method",
                                    "card_number": APPROVE, "card_expiry": "12/30",
                                    "card_cvc": "123"})
    assert response.status_code == 200
    assert page(response).forms[0].action == f"/pay/{b.token}/method"
    assert "form-action 'self';" in response.headers["Content-Security-Policy"]


def test_without_the_sandbox_processor_the_tokenize_endpoint_is_absent(city, monkeypatch):
    b = browser(city)
    form = b.details("card")
    monkeypatch.setattr(city.container, "gateway", object())
    monkeypatch.setattr(city.container, "vault", object())
    assert b.post(form.action, {**form.fields, "card_number": APPROVE}).status_code == 404


def test_with_another_card_processor_the_form_takes_bank_accounts_only(city, monkeypatch):
    # Stripe mode: the sandbox is still the ACH vault; cards go to Stripe's own fields.
    b = browser(city)
    form = b.details("card")
    monkeypatch.setattr(city.container, "gateway", object())
    refused = b.post(form.action, {**form.fields, "card_number": APPROVE})
    assert refused.status_code == 400
    assert "secure fields" in refused.get_data(as_text=True)
    assert APPROVE not in refused.get_data(as_text=True)


# --- links that cannot be used ------------------------------------------------------------


def test_an_expired_link_asks_for_a_new_one(city):
    b = browser(city)
    form = b.review()
    clock(city).advance(minutes=31)
    response = b.get(b.url)
    assert response.status_code == 410
    text = page(response).text
    assert "expired or was already used" in text
    assert "ask to pay again" in text and "(312) 555-0111" in text
    assert b.confirm(form).status_code == 410
    assert link_payments(city, DANA) == []


@pytest.mark.parametrize("token", ["nope", "x" * 500, "%00", "..%2f..%2fetc"])
def test_an_unknown_link_is_gone_politely(city, token):
    client = city.app.test_client()
    for response in (client.get(f"/pay/{token}"),
                     client.post(f"/pay/{token}/confirm", data={"payment_token": "tok_x"})):
        assert response.status_code in (400, 404, 410)
        body = response.get_data(as_text=True)
        assert "Traceback" not in body
    assert client.get(f"/pay/{token}").status_code in (404, 410)


def test_a_paperless_link_does_not_open_the_pay_page(city):
    token = city.container.link_service().issue(LinkPurpose.PAPERLESS,
                                                account_id(city, DANA), CHAT)
    assert city.app.test_client().get(f"/pay/{token}").status_code == 410


def test_a_locked_account_is_sent_to_311(city):
    token = city.container.link_service().issue(
        LinkPurpose.PAY, account_id(city, VICTOR), CHAT, payload={"amount": "10.00"})
    response = city.app.test_client().get(f"/pay/{token}")
    assert response.status_code == 403
    assert "call 311" in page(response).text.lower()


def test_a_balance_paid_meanwhile_is_explained(city):
    b = browser(city)
    other = browser(city, DANA, "146.57")  # a second link for the whole balance
    assert other.confirm(other.review()).status_code == 200
    response = b.get(b.url)
    assert response.status_code == 409
    assert "can no longer be made" in page(response).text


# --- forged, stale and garbage requests -------------------------------------------------------


@pytest.mark.parametrize("state", [None, "", "forged", "eyJsaW5rIjoiYWJjIn0.AAAAAA.badsig"])
def test_a_missing_or_forged_state_is_refused(city, state):
    b = browser(city)
    processor = b.enter_card()
    [back] = page(processor).forms
    data = dict(back.fields)
    if state is None:
        del data["state"]
    else:
        data["state"] = state
    response = b.post(back.action, data)
    assert response.status_code == 400
    assert "did not come from this payment page" in page(response).text
    assert b.post(back.action, back.fields).status_code == 200  # the real one still works


def test_a_state_for_another_link_is_refused(city):
    first, second = browser(city, DANA, "10.00"), browser(city, DANA, "20.00")
    [back] = page(first.enter_card()).forms
    response = second.post(f"/pay/{second.token}/method", back.fields)
    assert response.status_code == 400


def test_a_payment_token_the_processor_never_issued_is_refused(city):
    b = browser(city)
    [back] = page(b.enter_card()).forms
    for token in ("tok_000000000000000000000000", "x" * 300, "<script>"):
        response = b.post(back.action, {**back.fields, "payment_token": token})
        assert response.status_code == 400
        assert "<script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("csrf", [None, "", "forged"])
def test_a_missing_or_wrong_csrf_token_is_refused(city, csrf):
    b = browser(city)
    form = b.review()
    data = dict(form.fields)
    if csrf is None:
        del data["csrf_token"]
    else:
        data["csrf_token"] = csrf
    response = b.post(form.action, data)
    assert response.status_code == 400
    assert link_payments(city, DANA) == []
    assert b.confirm(form).status_code == 200


def test_a_confirm_from_another_browser_is_refused(city):
    b = browser(city)
    form = b.review()
    stranger = city.app.test_client()  # no session cookie
    assert stranger.post(form.action, data=form.fields).status_code == 400
    assert link_payments(city, DANA) == []


@pytest.mark.parametrize("fee", ["0", "", "NaN", "1e309", "-1.25", "1.25.1", "x" * 500])
def test_a_fee_other_than_the_one_shown_is_refused(city, fee):
    b = browser(city)
    form = b.review()
    response = b.confirm(form, accepted_fee=fee)
    assert response.status_code in (400, 409)
    assert "Traceback" not in response.get_data(as_text=True)
    assert link_payments(city, DANA) == []


def test_huge_and_garbage_forms_are_refused_politely(city):
    b = browser(city)
    form = b.review()
    huge = "9" * 20_000
    for url, data in ((form.action, {**form.fields, "nickname": huge}),
                      (f"/pay/{b.token}/method", {"payment_token": huge, "state": huge}),
                      ("/sandbox/processor/tokenize", {"card_number": huge})):
        response = b.post(url, data)
        assert response.status_code == 413, url
        assert "Traceback" not in response.get_data(as_text=True)
    junk = b.client.post(form.action, data=b"\xff\xfe\x00garbage",
                         content_type="application/x-www-form-urlencoded")
    assert junk.status_code == 400
    many = b.post("/sandbox/processor/tokenize", {f"f{i}": "1" for i in range(200)})
    assert many.status_code in (400, 413)
    assert link_payments(city, DANA) == []
    assert b.confirm(form).status_code == 200


# --- what is never shown or logged -----------------------------------------------------------


def test_no_card_digits_in_any_page_or_log(city, caplog):
    caplog.set_level(logging.DEBUG)
    b = browser(city)
    b.get(b.url)
    b.enter_card(number="4242 4242 4242 4241")  # a typo first: the form comes back
    done = b.confirm(b.review())
    assert done.status_code == 200
    declined = browser(city, AISHA, "47.85")
    declined.confirm(declined.review(number=DECLINE))
    bank = browser(city, SAMUEL, "112.64")
    bank.enter_bank(routing="123456789")
    bank.confirm(bank.review("bank"))
    for visitor in (b, declined, bank):
        for url, body in visitor.bodies:
            for digits in ("42424242", "4242 4242", "40000000", "000123456789", "011000015",
                           "123456789"):
                assert digits not in body, (url, digits)
    assert "4242424242424242" not in caplog.text
    assert "4000000000000002" not in caplog.text and "000123456789" not in caplog.text
    for visitor in (b, declined, bank):
        assert visitor.token not in caplog.text


def test_an_outage_is_a_polite_page_without_internals(city, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    b = browser(city)

    def broken():  # type: ignore[no-untyped-def]
        raise RuntimeError(f"database gone {b.token}")

    monkeypatch.setattr(city.container, "pay_link_service", broken)
    response = b.get(b.url)
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "try again" in body and "Traceback" not in body and "database gone" not in body
    assert b.token not in caplog.text and "RuntimeError" in caplog.text


def test_the_chatbot_api_returns_a_token_and_refuses_bad_amounts(city):
    service = city.container.pay_link_service()
    dana = account_id(city, DANA)
    result = service.offer(dana, Money.of("20.00"), CHAT, scheduled_for=date(2026, 11, 30))
    assert result.token and result.url(PUBLIC) == f"{PUBLIC}/pay/{result.token}"
    assert str(result.expires_at.astimezone(clock(city).tz))[:16] == "2026-11-23 11:00"
    with pytest.raises(AmountOutOfRange):
        service.offer(dana, Money.of("500.00"), CHAT)
    with pytest.raises(DateNotInFuture):
        service.offer(dana, Money.of("5.00"), CHAT, scheduled_for=date(2026, 11, 23))
