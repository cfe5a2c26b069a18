"""POST /sandbox/pay-connector: the sandbox processor as Twilio's Generic Pay Connector.

Twilio's <Pay> (and the `payline call` simulator) sends the card or bank details a caller
keyed in to the pay connector URL configured in the Twilio console, with HTTP basic auth.
This is not a Twilio webhook (no X-Twilio-Signature), so the basic-auth credentials of
ChannelSettings are the gate; there is no CSRF either, as no browser ever posts here. The
request/response JSON is the sandbox processor's (`SandboxProcessor.connector_request`); in
production a real processor is the connector and this endpoint answers 404. In Stripe mode
(PAYLINE_PROCESSOR=stripe) cards go to Twilio's Stripe Pay Connector, and this endpoint only
tokenizes bank accounts into the ACH vault (the container's `vault`); a card is refused.

The body carries a full card number, security code or bank account number: it is never
logged, not even inside an error (only the exception's type is).
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from ivr.settings import ChannelSettings
from ivr.web.json_body import load_json_object

pay_connector = Blueprint("pay_connector", __name__)
log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024
REALM = 'Basic realm="Payline pay connector", charset="UTF-8"'


@pay_connector.post("/sandbox/pay-connector")
def connector_request() -> tuple[Response, int] | tuple[Response, int, dict[str, str]]:
    container = current_app.extensions["payline"]
    handler = getattr(container.gateway, "connector_request", None)
    if not callable(handler):
        handler = _bank_only(getattr(container.vault, "connector_request", None))
    if handler is None:
        return _error("not_found", "No sandbox pay connector here.", 404)
    if not _authorized(current_app.extensions["payline.channels"]):
        return (*_error("unauthorized", "Pay connector credentials are required.", 401),
                {"WWW-Authenticate": REALM})
    if (request.content_length or 0) > MAX_BODY:
        return _error("request_too_large", "The payment request is too large.", 413)
    raw = request.stream.read(MAX_BODY + 1)  # also caps a body sent without a length
    if len(raw) > MAX_BODY:
        return _error("request_too_large", "The payment request is too large.", 413)
    body = load_json_object(raw)  # None: not JSON, not UTF-8, or absurdly nested
    if body is None:
        return _error("invalid_request", "The payment request must be a JSON object.", 400)
    try:
        result = handler(body)
    except Exception as exc:  # the message could quote the body: log the type only
        log.error("pay connector request failed: %s", type(exc).__name__)
        return _error("processing_error", "The payment could not be processed. "
                      "Please try again.", 500)
    return jsonify(result), 200


def _bank_only(handler: object) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    """The bank vault's connector, tokenizing bank accounts only (Stripe mode)."""
    if not callable(handler):
        return None

    def tokenize_bank(body: dict[str, Any]) -> dict[str, Any]:
        method = str(body.get("method", "")).strip().lower()
        bank = str(body.get("payment_method", "")).strip().lower() == "ach-debit"
        if method != "tokenize" or not bank:
            return {"token_id": None, "charge_id": None, "error_code": "card_not_accepted",
                    "error_message": "Cards are taken by the card processor's own connector.",
                    "parameters": {}}
        result: dict[str, Any] = handler(body)
        return result

    return tokenize_bank


def _authorized(channels: ChannelSettings) -> bool:
    try:
        auth = request.authorization
    except ValueError:  # non-ASCII after "Basic ": Werkzeug's base64 decode refuses it
        return False
    if auth is None or auth.type != "basic":
        return False
    # Both compared, always, in constant time: no hint which of the two was wrong.
    user_ok = hmac.compare_digest((auth.username or "").encode(),
                                  channels.connector_username.encode())
    password_ok = hmac.compare_digest((auth.password or "").encode(),
                                      channels.connector_password.encode())
    return user_ok and password_ok


def _error(code: str, message: str, status: int) -> tuple[Response, int]:
    return jsonify(error_code=code, error_message=message), status
