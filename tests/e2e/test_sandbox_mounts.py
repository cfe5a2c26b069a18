"""The sandbox's stand-ins are mounted only while the settings select the sandbox: the pay
connector and the hosted tokenize form with PAYLINE_PROCESSOR=sandbox (the pay connector, for
bank accounts only, with PAYLINE_PROCESSOR=stripe too), the call redirects
with PAYLINE_CALL_CONTROL=sandbox. With PAYLINE_CALL_CONTROL=twilio, /sandbox/calls/* is not
there at all (404 even for a correctly signed request)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from domain.adapters.database import upgrade
from domain.config import Settings
from ivr import BLUEPRINTS, STRIPE_BLUEPRINTS, blueprints_for, create_app
from ivr.sandbox_wiring import CALL_BLUEPRINTS as SANDBOX_CALL_BLUEPRINTS
from ivr.sandbox_wiring import PROCESSOR_BLUEPRINTS as SANDBOX_PROCESSOR_BLUEPRINTS
from ivr.settings import DEV_CONNECTOR_PASSWORD, DEV_CONNECTOR_USER, ChannelSettings
from ivr.web.twilio_signature import sign

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "twilio-account-auth-token"
TWILIO_CALLS = {"PAYLINE_CALL_CONTROL": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN}


def app_with(tmp_path: Path, **env: str) -> Flask:
    url = f"sqlite:///{tmp_path / 'payline.db'}"
    upgrade(url)
    settings = Settings.from_env({"PAYLINE_DATABASE_URL": url, "PAYLINE_VAR_DIR": str(tmp_path),
                                  **env})
    return create_app(settings, ChannelSettings.from_env(env))


def signed_redirect_poll(app: Flask) -> int:
    channels = app.extensions["payline.channels"]
    params = {"CallSid": "CA" + "1" * 32}
    signature = sign(channels.public_url + "/sandbox/calls/redirect", params,
                     channels.twilio_auth_token)
    return app.test_client().post("/sandbox/calls/redirect", data=params,
                                  headers={"X-Twilio-Signature": signature}).status_code


def test_the_default_sandbox_mounts_every_stand_in(tmp_path: Path) -> None:
    app = app_with(tmp_path)
    client = app.test_client()
    assert signed_redirect_poll(app) == 204  # mounted: no redirect queued yet
    # The pay connector answers (asks for its credentials), the tokenize form is there.
    assert client.post("/sandbox/pay-connector", json={}).status_code == 401
    assert client.post("/sandbox/pay-connector", json={},
                       auth=(DEV_CONNECTOR_USER, DEV_CONNECTOR_PASSWORD)).status_code != 404
    assert client.post("/sandbox/processor/tokenize", data={}).status_code != 404


def test_twilio_call_control_leaves_the_sandbox_redirects_unmounted(tmp_path: Path) -> None:
    app = app_with(tmp_path, **TWILIO_CALLS)
    assert "sandbox_calls" not in app.blueprints
    assert signed_redirect_poll(app) == 404
    assert app.test_client().post("/sandbox/calls/redirect", data={}).status_code == 404
    # The sandbox processor is still selected: its stand-ins stay.
    assert {"pay_connector", "sandbox_tokenize"} <= set(app.blueprints)


def test_the_blueprints_follow_the_settings() -> None:
    sandbox = Settings.from_env({})
    assert blueprints_for(sandbox) == (BLUEPRINTS + SANDBOX_PROCESSOR_BLUEPRINTS
                                       + SANDBOX_CALL_BLUEPRINTS)
    twilio = Settings.from_env(TWILIO_CALLS)
    assert blueprints_for(twilio) == BLUEPRINTS + SANDBOX_PROCESSOR_BLUEPRINTS
    for name in SANDBOX_PROCESSOR_BLUEPRINTS + SANDBOX_CALL_BLUEPRINTS:
        assert name not in BLUEPRINTS
    # Stripe's webhooks exist only where Stripe is the processor.
    assert not set(STRIPE_BLUEPRINTS) & set(blueprints_for(sandbox))
    stripe = Settings.from_env({"PAYLINE_PROCESSOR": "stripe"})
    assert set(STRIPE_BLUEPRINTS) <= set(blueprints_for(stripe))


def test_an_unknown_processor_stops_the_app_before_anything_is_mounted(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="PAYLINE_PROCESSOR must be one of sandbox"):
        app_with(tmp_path, PAYLINE_PROCESSOR="paypal")


def test_in_stripe_mode_the_pay_connector_stays_for_bank_accounts_only(tmp_path: Path) -> None:
    """Cards go to Twilio's Stripe Pay Connector; a bank <Pay> by phone still tokenizes
    through Payline's own connector into the ACH vault."""
    app = app_with(tmp_path, PAYLINE_PROCESSOR="stripe")
    assert "pay_connector" in app.blueprints
    client = app.test_client()
    auth = (DEV_CONNECTOR_USER, DEV_CONNECTOR_PASSWORD)
    card = client.post("/sandbox/pay-connector", auth=auth, json={
        "method": "tokenize", "cardnumber": "4242424242424242", "expiry_month": "12",
        "expiry_year": "2030", "cvv": "123"}).get_json()
    assert card["error_code"] == "card_not_accepted" and not card["token_id"]
    bank = client.post("/sandbox/pay-connector", auth=auth, json={
        "method": "tokenize", "payment_method": "ach-debit",
        "bank_routing_number": "011000015", "bank_account_number": "000123456789"}).get_json()
    assert bank["token_id"] and bank["error_code"] is None
