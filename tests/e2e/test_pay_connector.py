"""The sandbox processor as Twilio's Generic Pay Connector, through the Flask app: basic auth,
JSON only, small bodies, the processor's answers, idempotent retries, and no digits in logs."""

from __future__ import annotations

import io
import logging
from datetime import date

import pytest
import sqlalchemy as sa

from domain.adapters.database import upgrade
from domain.config import Settings
from ivr import create_app
from ivr.settings import DEV_CONNECTOR_PASSWORD, DEV_CONNECTOR_USER
from sandbox.processor import sandbox_charges, sandbox_tokens
from tests.fakes import FakeGateway

URL = "/sandbox/pay-connector"
AUTH = (DEV_CONNECTOR_USER, DEV_CONNECTOR_PASSWORD)
APPROVE_CARD = "4242424242424242"
DECLINE_CARD = "4000000000000002"
NEXT_YEAR = str(date.today().year + 1)


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path / 'payline.db'}"
    upgrade(url)
    settings = Settings.from_env({"PAYLINE_DATABASE_URL": url, "PAYLINE_VAR_DIR": str(tmp_path)})
    app = create_app(settings)
    yield app
    app.extensions["payline"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def card_charge(number: str = APPROVE_CARD, transaction_id: str = "PKa1b2c3",
                amount: str = "42.50") -> dict[str, str]:
    return {"method": "charge", "transaction_id": transaction_id, "amount": amount,
            "currency_code": "USD", "description": "Water bill", "cardnumber": number,
            "cvv": "123", "expiry_month": "12", "expiry_year": NEXT_YEAR,
            "postal_code": "60601"}


def count(app, table) -> int:
    with app.extensions["payline"].engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_credentials_are_required(client):
    response = client.post(URL, json=card_charge())
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert response.get_json()["error_code"] == "unauthorized"


@pytest.mark.parametrize("auth", [
    (DEV_CONNECTOR_USER, "wrong"),
    ("someone", DEV_CONNECTOR_PASSWORD),
    ("", ""),
])
def test_wrong_credentials_are_refused(client, app, auth):
    response = client.post(URL, json=card_charge(), auth=auth)
    assert response.status_code == 401
    assert count(app, sandbox_charges) == 0


def test_bearer_auth_is_not_basic_auth(client):
    response = client.post(URL, json=card_charge(),
                           headers={"Authorization": f"Bearer {DEV_CONNECTOR_PASSWORD}"})
    assert response.status_code == 401


@pytest.mark.parametrize(("data", "content_type"), [
    ("cardnumber=4242424242424242", "application/x-www-form-urlencoded"),
    ("not json at all", "application/json"),
    ('["a", "list"]', "application/json"),
    ("", "application/json"),
    (b"\xff\xfe\x00", "application/json"),
])
def test_the_body_must_be_a_json_object(client, data, content_type):
    response = client.post(URL, data=data, content_type=content_type, auth=AUTH)
    assert response.status_code == 400
    assert response.get_json()["error_code"] == "invalid_request"


def test_oversized_bodies_are_refused(client, app):
    body = card_charge()
    body["description"] = "x" * 17_000
    response = client.post(URL, json=body, auth=AUTH)
    assert response.status_code == 413
    assert response.get_json()["error_code"] == "request_too_large"
    assert count(app, sandbox_charges) == 0


def test_an_unknown_method_is_an_invalid_request(client):
    response = client.post(URL, json={"method": "refund"}, auth=AUTH)
    assert response.status_code == 200
    assert response.get_json()["error_code"] == "invalid_request"


def test_charge_with_the_approve_card_returns_a_charge_id(client, app):
    response = client.post(URL, json=card_charge(), auth=AUTH)
    assert response.status_code == 200
    body = response.get_json()
    assert body["charge_id"].startswith("SBX-")
    assert body["error_code"] is None and body["error_message"] is None
    assert APPROVE_CARD not in response.get_data(as_text=True)
    assert count(app, sandbox_charges) == 1


def test_charge_with_the_decline_card_returns_an_error_code(client):
    body = client.post(URL, json=card_charge(DECLINE_CARD), auth=AUTH).get_json()
    assert body["charge_id"] is None
    assert body["error_code"] == "card_declined"
    assert body["error_message"]


def test_tokenize_a_card_returns_a_token_and_last4(client, app):
    request = card_charge()
    request["method"] = "tokenize"
    body = client.post(URL, json=request, auth=AUTH).get_json()
    assert body["token_id"].startswith("tok_")
    assert body["error_code"] is None
    assert body["parameters"] == {"last4": "4242", "brand": "VISA"}
    assert count(app, sandbox_charges) == 0


def test_tokenize_a_bank_account_for_ach_debit(client):
    body = client.post(URL, auth=AUTH, json={
        "method": "tokenize", "payment_method": "ach-debit",
        "bank_routing_number": "011000015", "bank_account_number": "000123456789",
        "bank_account_type": "consumer-checking"}).get_json()
    assert body["token_id"].startswith("tok_")
    assert body["parameters"] == {"last4": "6789", "bank_account_type": "checking"}


def test_a_charge_with_a_token_from_tokenize(client):
    request = card_charge()
    request["method"] = "tokenize"
    token = client.post(URL, json=request, auth=AUTH).get_json()["token_id"]
    body = client.post(URL, auth=AUTH, json={
        "method": "charge", "transaction_id": "PKtok1", "amount": "10.00",
        "token": token}).get_json()
    assert body["charge_id"].startswith("SBX-")


def test_a_retried_charge_returns_the_same_charge_and_charges_once(client, app):
    first = client.post(URL, json=card_charge(transaction_id="PKretry"), auth=AUTH).get_json()
    again = client.post(URL, json=card_charge(transaction_id="PKretry"), auth=AUTH).get_json()
    assert first["charge_id"] and again["charge_id"] == first["charge_id"]
    assert count(app, sandbox_charges) == 1
    assert count(app, sandbox_tokens) == 1  # the retry was not even tokenized again


def test_without_a_sandbox_gateway_or_vault_the_endpoint_is_absent(client, app):
    app.extensions["payline"].gateway = FakeGateway()  # a real processor has no endpoint
    app.extensions["payline"].vault = FakeGateway()  # nor a real bank vault
    response = client.post(URL, json=card_charge(), auth=AUTH)
    assert response.status_code == 404


def test_beside_a_real_card_processor_it_tokenizes_bank_accounts_only(client, app):
    """Stripe mode: cards go to Twilio's Stripe connector; the ACH vault keeps banks."""
    app.extensions["payline"].gateway = FakeGateway()
    refused = client.post(URL, json=card_charge(), auth=AUTH).get_json()
    assert refused["error_code"] == "card_not_accepted" and not refused["charge_id"]
    tokenize = {**card_charge(), "method": "tokenize"}
    assert client.post(URL, json=tokenize, auth=AUTH).get_json()["token_id"] is None
    assert count(app, sandbox_charges) == 0 and count(app, sandbox_tokens) == 0
    bank = client.post(URL, auth=AUTH, json={
        "method": "tokenize", "payment_method": "ach-debit",
        "bank_routing_number": "011000015", "bank_account_number": "000123456789"}).get_json()
    assert bank["token_id"] and bank["error_code"] is None
    assert bank["parameters"]["last4"] == "6789"


class _Exploding:
    def connector_request(self, body):
        raise ValueError(f"bad card {body['cardnumber']}")


def test_a_failing_gateway_answers_json_and_logs_no_digits(client, app, caplog):
    caplog.set_level(logging.DEBUG)
    app.extensions["payline"].gateway = _Exploding()
    response = client.post(URL, json=card_charge(), auth=AUTH)
    assert response.status_code == 500
    assert response.get_json()["error_code"] == "processing_error"
    assert "ValueError" in caplog.text
    assert APPROVE_CARD not in caplog.text and APPROVE_CARD not in response.get_data(as_text=True)


def test_logs_never_contain_card_or_bank_digits(client, caplog):
    caplog.set_level(logging.DEBUG)
    client.post(URL, json=card_charge(), auth=AUTH)
    client.post(URL, json=card_charge(DECLINE_CARD, transaction_id="PKd"), auth=AUTH)
    client.post(URL, json=card_charge(), auth=("twilio", "wrong"))
    client.post(URL, data="cardnumber=4242424242424242", auth=AUTH)
    client.post(URL, auth=AUTH, json={
        "method": "tokenize", "payment_method": "ach-debit",
        "bank_routing_number": "011000015", "bank_account_number": "000123456789"})
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert APPROVE_CARD not in logged and DECLINE_CARD not in logged
    assert "000123456789" not in logged


def test_an_oversized_body_without_a_length_is_refused_too(client):
    big = b'{"method": "charge", "description": "' + b"x" * 20_000 + b'"}'
    response = client.post(URL, input_stream=io.BytesIO(big), auth=AUTH,
                           headers={"Transfer-Encoding": "chunked",
                                    "Content-Type": "application/json"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
