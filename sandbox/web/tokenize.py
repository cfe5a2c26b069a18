"""POST /sandbox/processor/tokenize: the sandbox processor's hosted tokenize endpoint.

It stands in for a real processor's hosted form, which in production lives on another origin
(`PAYLINE_PAY_PROCESSOR_URL`): the secure pay page's card/bank form posts here, the sandbox
processor turns the details into a token (SandboxProcessor.tokenize_card / tokenize_bank),
and the resident is sent back to the pay page by a small auto-posting form carrying
`payment_token` and `state` (with a visible Continue button when scripts are off).

- The return URL must be this app's own `/pay/<token>/method` (on PAYLINE_PUBLIC_URL or the
  host the browser used): anything else is refused, so this is no open redirect.
- Invalid details re-show the processor's form with a polite error summary; nothing typed is
  echoed back except the expiry, ZIP code, name and account type (never a card number,
  security code, routing or account number).
- Nothing from the form is ever logged, not even inside an error (only the exception type).
- With Stripe as the card processor it takes bank accounts only, into the sandbox ACH vault;
  with neither (production with another vault), it answers 404.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from domain.bank import normalize_bank_account_number, normalize_routing_number
from domain.cards import card_digits, is_card_number
from domain.errors import DomainError, InvalidRoutingNumber
from domain.model import BankAccountType
from domain.ports import BankDetails, CardDetails, TokenizedMethod
from ivr.settings import ChannelSettings
from sandbox.processor import SandboxProcessor

sandbox_tokenize = Blueprint("sandbox_tokenize", __name__, static_folder="static",
                             template_folder="templates",
                             static_url_path="/sandbox/processor/static")
log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024
MAX_FIELD = 64
MAX_URL = 300
_RETURN_PATH = re.compile(r"^/pay/[A-Za-z0-9_-]{1,100}/method$")
_STATE = re.compile(r"^[A-Za-z0-9_.:=-]{1,400}$")
_EXPIRY = re.compile(r"^(\d{1,2})\s*[/\-. ]?\s*(\d{2}|\d{4})$")

CARD_FIELDS = ("card_number", "card_expiry", "card_cvc", "card_postal_code")
BANK_FIELDS = ("bank_account_type", "bank_holder_name", "bank_routing_number",
               "bank_account_number", "bank_account_number_confirm")
# What may be shown again in the form after an error: nothing that identifies a card or an
# account.
ECHOED = ("card_expiry", "card_postal_code", "bank_account_type", "bank_holder_name")


class _FieldError(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass
class _Form:
    method: str
    return_url: str
    state: str
    values: dict[str, str] = field(default_factory=dict)


@sandbox_tokenize.before_request
def _limit_body() -> None:
    request.max_content_length = MAX_BODY
    request.max_form_memory_size = MAX_BODY
    request.max_form_parts = 50


@sandbox_tokenize.post("/sandbox/processor/tokenize")
def tokenize() -> Any:
    container = current_app.extensions["payline"]
    # With another card processor (Stripe), the sandbox stays the ACH vault: bank accounts only.
    banks_only = not isinstance(container.gateway, SandboxProcessor)
    processor = container.vault if banks_only else container.gateway
    if not isinstance(processor, SandboxProcessor):
        return _plain("No sandbox processor here.", 404)
    try:
        form = _read_form()
    except RequestEntityTooLarge:
        return _plain("That form was too large to read. Please go back and try again.", 413)
    return_url = _safe_return_url(form.return_url)
    if return_url is None or not _STATE.match(form.state):
        return _plain("This payment form cannot be used. Please go back to the payment link "
                      "and try again.", 400)
    if banks_only and form.method != "bank":
        return _plain("Cards are entered in the card processor's own secure fields. Please go "
                      "back to the payment link and choose card there.", 400)
    if form.method not in ("card", "bank"):
        return _form_page(form, return_url, {"method": "Please choose card or bank account."})
    try:
        method = _tokenize(processor, form)
    except _FieldError as error:
        return _form_page(form, return_url, {error.name: error.message})
    except Exception as exc:  # could quote the form: the type only
        log.error("sandbox tokenize failed: %s", type(exc).__name__)
        return _plain("The payment processor could not take your details right now. Nothing "
                      "was charged. Please try again in a few minutes.", 503)
    return _return_page(return_url, method.token, form.state)


@sandbox_tokenize.after_request
def _protect(response: Response) -> Response:
    if request.endpoint != "sandbox_tokenize.static":
        response.headers.setdefault("Content-Security-Policy", _csp("'self'", scripts=False))
        response.headers.update({"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                                 "X-Content-Type-Options": "nosniff",
                                 "X-Frame-Options": "DENY"})
    return response


# --- tokenizing --------------------------------------------------------------------------


def _read_form() -> _Form:
    def get(name: str) -> str:
        value = request.form.get(name, "")
        return value[:MAX_FIELD].strip() if isinstance(value, str) else ""

    return _Form(
        method=get("method"),
        return_url=(request.form.get("return_url", "") or "")[:MAX_URL + 1],
        state=(request.form.get("state", "") or "")[:401],
        values={name: get(name) for name in (*CARD_FIELDS, *BANK_FIELDS)})


def _tokenize(processor: SandboxProcessor, form: _Form) -> TokenizedMethod:
    values = form.values
    try:
        if form.method == "card":
            return _tokenize_card(processor, values)
        return _tokenize_bank(processor, values)
    except DomainError as exc:
        raise _FieldError(_field_of(form.method, exc), exc.detail) from None


def _tokenize_card(processor: SandboxProcessor, values: dict[str, str]) -> TokenizedMethod:
    number = card_digits(values["card_number"])
    if not values["card_number"]:
        raise _FieldError("card_number", "Please enter the card number.")
    if not is_card_number(number):
        raise _FieldError("card_number", "That card number is not valid. Please check it and "
                                         "try again.")
    match = _EXPIRY.match(values["card_expiry"])
    if match is None:
        raise _FieldError("card_expiry", "Please enter the expiration date as MM/YY, for "
                                         "example 04/29.")
    if not values["card_cvc"]:
        raise _FieldError("card_cvc", "Please enter the security code: the 3 or 4 digits on "
                                      "the card.")
    return processor.tokenize_card(CardDetails(
        number=number, exp_month=int(match.group(1)), exp_year=int(match.group(2)),
        security_code=values["card_cvc"], postal_code=values["card_postal_code"]))


def _tokenize_bank(processor: SandboxProcessor, values: dict[str, str]) -> TokenizedMethod:
    try:
        account_type = BankAccountType(values["bank_account_type"])
    except ValueError:
        raise _FieldError("bank_account_type", "Please choose checking or savings.") from None
    if not values["bank_routing_number"]:
        raise _FieldError("bank_routing_number", "Please enter the 9-digit routing number.")
    normalize_routing_number(values["bank_routing_number"])  # InvalidRoutingNumber
    if not values["bank_account_number"]:
        raise _FieldError("bank_account_number", "Please enter the account number.")
    account = normalize_bank_account_number(values["bank_account_number"])
    confirm = values["bank_account_number_confirm"]
    try:
        same = bool(confirm) and normalize_bank_account_number(confirm) == account
    except DomainError:
        same = False
    if not same:
        raise _FieldError("bank_account_number_confirm", "The two account numbers do not "
                                                         "match. Please enter it again.")
    return processor.tokenize_bank(BankDetails(
        routing_number=values["bank_routing_number"], account_number=account,
        account_type=account_type, holder_name=values["bank_holder_name"]))


def _field_of(method: str, error: DomainError) -> str:
    """Which field a processor refusal is about (for the error summary's link)."""
    text = error.detail.lower()
    if method == "bank":
        if isinstance(error, InvalidRoutingNumber):
            return "bank_routing_number"
        if "checking or a savings" in text:
            return "bank_account_type"
        return "bank_account_number"
    if "expir" in text:
        return "card_expiry"
    if "security code" in text:
        return "card_cvc"
    return "card_number"


# --- the way back ------------------------------------------------------------------------


def _safe_return_url(url: str) -> str | None:
    """Only this app's own pay page: no open redirect."""
    if not url or len(url) > MAX_URL or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.query or parts.fragment or "\\" in url or not _RETURN_PATH.match(parts.path):
        return None
    if not parts.scheme and not parts.netloc:
        return parts.path  # relative: this very origin
    if parts.username or parts.password or parts.scheme not in ("http", "https"):
        return None
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    if origin not in _own_origins():
        return None
    return f"{origin}{parts.path}"


def _own_origins() -> set[str]:
    channels: ChannelSettings = current_app.extensions["payline.channels"]
    public = urlsplit(channels.public_url)
    return {f"{public.scheme}://{public.netloc}".lower(), request.host_url.rstrip("/").lower()}


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else "'self'"


def _return_page(return_url: str, payment_token: str, state: str) -> Response:
    html = render_template("pay_processor_return.html", return_url=return_url,
                           payment_token=payment_token, state=state)
    response = Response(html, 200, mimetype="text/html")
    origin = _origin_of(return_url)
    form_action = "'self'" if origin == "'self'" else f"'self' {origin}"
    response.headers["Content-Security-Policy"] = _csp(form_action, scripts=True)
    return response


def _form_page(form: _Form, return_url: str, errors: dict[str, str]) -> tuple[str, int]:
    values = {name: form.values.get(name, "") for name in ECHOED}
    return render_template(
        "pay_processor.html", method=form.method if form.method in ("card", "bank") else "card",
        processor_action=url_for("sandbox_tokenize.tokenize"), return_url=return_url,
        state=form.state, back_url=return_url.removesuffix("/method"), values=values,
        errors=errors, processor=True), 400


def _csp(form_action: str, *, scripts: bool) -> str:
    script = "script-src 'self'; " if scripts else ""
    return (f"default-src 'none'; {script}style-src 'self'; form-action {form_action}; "
            "frame-ancestors 'none'; base-uri 'none'")


def _plain(message: str, status: int) -> tuple[str, int, dict[str, str]]:
    return message, status, {"Content-Type": "text/plain; charset=utf-8"}
