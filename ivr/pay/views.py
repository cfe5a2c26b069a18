"""/pay/<token>: the secure pay link the chat or SMS sends (docs/architecture.md §5).

1. GET /pay/<token> shows what is being paid (amount, today or the scheduled date, account
   ending, expiry) and lets the resident choose a card (fee stated) or a bank account (no
   fee); with ?method=card|bank it shows the details form. That form's action is the
   PROCESSOR's hosted tokenize URL (`ChannelSettings.pay_processor_url` + "/tokenize"): card
   and bank numbers go straight to the processor, never to a Payline view.
2. The processor posts the resident back to POST /pay/<token>/method with `payment_token`
   and `state`. `state` is signed with the app's secret key, bound to this link and good for
   an hour; it does not rely on the session cookie, because in production the processor is
   another site and a SameSite=Lax cookie is not sent on its cross-site POST. The method is
   read from the processor (`token_details`), never from the request, and reviewed: method
   label, amount, fee, total, date, an optional nickname to save it under (a nickname with a
   card number in it is refused, and not shown back).
3. POST /pay/<token>/confirm (CSRF token tied to the Flask session) pays now or schedules,
   once: PayLinkService.complete uses the link's idempotency key, and a repeated submit is
   answered with the confirmation of the payment that was made.

In Stripe mode (PAYLINE_PROCESSOR=stripe) the card step is Stripe's own fields instead of a form
posted to the processor: GET /pay/<token>?method=card creates a SetupIntent for the link
(domain/adapters/stripe_setup.py), and Stripe.js with the page's own pay-card.js (the script
inventory in ivr/pay/scripts.py, docs/payment-page-scripts.md) confirms it in the browser, the
bank's 3-D Secure check included, then posts the PaymentMethod id as `payment_token` to step 2
with a `state` that also names that SetupIntent. Step 2 asks Stripe which PaymentMethod the
SetupIntent set up and accepts only that one; review and confirm are the same as for any card.
Bank accounts keep the processor's hosted form (the ACH vault) in Stripe mode too.

Showing pages does not use the link up; only a payment does. The token is in the URL, so
responses are `no-store` and send no Referer. Only the Stripe-mode card step runs scripts, and
only the inventory's: its Content-Security-Policy is built from the inventory; every other pay
page's policy allows no script at all. Every failure is a polite
page with the right status (410 for an expired/used/unknown link, 403 locked, 402 declined,
400 bad form, 409 the payment no longer fits, 503 an outage); neither the token nor any digit
of a card or bank number is ever logged.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, g, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import RequestEntityTooLarge

from domain.adapters.stripe_setup import StripeSetupIntents, setup_intent_id
from domain.config import PROCESSOR_STRIPE
from domain.declines import AUTHENTICATION_REQUIRED, decline_reason
from domain.errors import (
    AccountLocked,
    AmountOutOfRange,
    CardNumberNotAccepted,
    DomainError,
    FeeNotAccepted,
    IdempotencyConflict,
    InvalidPaymentMethod,
    LinkNotUsable,
    NothingDue,
)
from domain.model import MethodKind, PaymentStatus
from domain.money import Money
from domain.services.links import hash_token
from domain.services.pay_links import (
    MAX_NICKNAME,
    PayLinkReview,
    PayLinkService,
    PayLinkView,
    normalize_nickname,
)
from domain.services.payments import PaymentOutcome
from ivr.bootstrap import Container
from ivr.pay.scripts import card_page_policy, script_tags
from ivr.settings import ChannelSettings
from ivr.web.pages import csrf_matches, csrf_token, page_context, security_headers

pay_page = Blueprint("pay_page", __name__, static_folder="static",
                     template_folder="templates", static_url_path="/pay/static")
log = logging.getLogger(__name__)

CSRF_SESSION_KEY = "pay_csrf"
CSRF_FIELD = "csrf_token"
STATE_SALT = "payline.pay-link.state"
STATE_MAX_AGE = 3600  # seconds: longer than a link lives, shorter than forever
MAX_BODY = 16 * 1024
MAX_FIELD = 200
METHODS = ("card", "bank")
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_CARD_NOT_SET_UP = ("We could not confirm that card with the payment processor. Please enter "
                    "it again.")
# An off-session charge the bank still wants to authenticate (SCA): its reason as stored.
AUTHENTICATION_REASONS = (AUTHENTICATION_REQUIRED, decline_reason(AUTHENTICATION_REQUIRED))
AUTHENTICATION_WORDING = ("Your bank needs to confirm this payment. Please try again or use "
                          "another card.")

View = Callable[..., Any]


def _polite(view: View) -> View:
    """Every failure becomes a page a resident can act on."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = kwargs.get("token", "")
        try:
            return view(*args, **kwargs)
        except RequestEntityTooLarge:
            return _problem("Please try again", "That form was too large to read. Please open "
                            "the link again and fill in the form once more.", 413)
        except AccountLocked:
            return _problem("Please call 311", "For your security this account is locked for "
                            "self-service. Please call 311 and an agent can unlock it and help "
                            "you pay.", 403, call_311=True)
        except LinkNotUsable:
            return _problem("This link cannot be used", "This payment link has expired or was "
                            "already used.", 410, new_link=True)
        except (NothingDue, AmountOutOfRange) as exc:
            return _problem("This payment can no longer be made", exc.detail, 409,
                            new_link=True)
        except FeeNotAccepted as exc:
            return _problem("Please check your payment", exc.detail, 409,
                            retry_url=_page_url(token))
        except IdempotencyConflict as exc:
            return _problem("Please check your payment", exc.detail, 409, new_link=True)
        except InvalidPaymentMethod as exc:
            return _problem("We could not use that payment method", exc.detail, 400,
                            retry_url=_page_url(token))
        except DomainError as exc:
            return _problem("This payment cannot be made", exc.detail, 400, new_link=True)
        except Exception as exc:  # a bug or an outage; never the token or form data
            log.error("pay page failed: %s", type(exc).__name__)
            return _problem("Sorry, something went wrong", "We could not finish this right "
                            "now. No payment was made by this page. Please try again in a few "
                            "minutes.", 503)

    return wrapper


@pay_page.before_request
def _limit_body() -> None:
    # Flask 3.1: per-request limits; reading request.form beyond them raises 413.
    request.max_content_length = MAX_BODY
    request.max_form_memory_size = MAX_BODY
    request.max_form_parts = 50


@pay_page.get("/pay/<token>")
@_polite
def show(token: str) -> Any:
    view = _service().show(token)
    chosen = request.args.get("method", "")[:10]
    if chosen == "card" and _stripe_mode():
        return _stripe_card(token, view)
    if chosen in METHODS:
        return _details(token, view, chosen)
    # The choice form sends step=method: submitted without a (valid) choice, ask again.
    error = "Please choose how you want to pay." if chosen or "step" in request.args else None
    return render_template("pay.html", **_page_context(), view=_view_context(view),
                           token=token, error=error), 400 if error else 200


@pay_page.post("/pay/<token>/method")
@_polite
def method_chosen(token: str) -> Any:
    """Where the processor sends the resident back with a token for the method entered (in
    Stripe mode, the card page itself, with the PaymentMethod its SetupIntent set up)."""
    state = _state_data(token, _field("state"))
    if state is None:
        return _form_expired()
    payment_token = _field("payment_token")
    if not _TOKEN_SHAPE.match(payment_token):
        raise InvalidPaymentMethod("We did not receive your card or bank account from the "
                                   "payment processor. Please enter it again.")
    if _stripe_mode():
        _check_stripe_method(state, payment_token)
    review = _service().review(token, payment_token)
    if _stripe_mode() and "si" not in state and review.is_card:
        # A card in Stripe mode comes only from the card page's SetupIntent.
        raise InvalidPaymentMethod(_CARD_NOT_SET_UP)
    return _review(token, review)


@pay_page.post("/pay/<token>/confirm")
@_polite
def confirm(token: str) -> Any:
    if not _csrf_ok():
        return _form_expired()
    payment_token = _field("payment_token")
    if not _TOKEN_SHAPE.match(payment_token):
        return _form_expired()
    accepted_fee = Money.parse(_field("accepted_fee") or "0")
    save_as = None
    if _field("save_method") == "yes":
        save_as = _field("nickname")
        try:
            normalize_nickname(save_as)
        except CardNumberNotAccepted as exc:  # asked again, and not shown back
            review = _service().review(token, payment_token)
            return _review(token, review, save=True, error=exc.detail), 400
        if len(save_as) > MAX_NICKNAME:
            review = _service().review(token, payment_token)
            return _review(token, review, nickname=save_as[:MAX_NICKNAME], save=True,
                           error=f"Please use a nickname of at most {MAX_NICKNAME} "
                                 "characters."), 400
    outcome = _service().complete(token, payment_token, save_as=save_as,
                                  accepted_fee=accepted_fee)
    return _outcome_page(outcome)


@pay_page.after_request
def _protect(response: Response) -> Response:
    if request.endpoint != "pay_page.static":  # the stylesheet and script may be cached
        response.headers.update(security_headers(_form_action()))
        policy = g.get("pay_page_policy")
        if policy:  # the Stripe card step: the script inventory's policy
            response.headers["Content-Security-Policy"] = policy
    return response


# --- pages -----------------------------------------------------------------------------


def _details(token: str, view: PayLinkView, method: str) -> str:
    return render_template(
        "pay_details.html", **_page_context(), view=_view_context(view), token=token,
        method=method, processor_action=_processor_url() + "/tokenize",
        return_url=f"{_channels().public_url}/pay/{token}/method", state=_state(token),
        values={}, errors={}, processor=False)


def _stripe_card(token: str, view: PayLinkView) -> str:
    """The card step in Stripe mode: Stripe's card fields and a fresh SetupIntent for this
    link (a reload makes another; an unconfirmed one is harmless and never charged)."""
    stripe_settings = _container().settings.stripe
    client_secret = _setup_intents().create_setup_intent(
        {"payline_source": "pay_link", "payline_link": hash_token(token)[:16]})
    setup_intent = setup_intent_id(client_secret)
    assert setup_intent is not None  # create_setup_intent checked it
    g.pay_page_policy = card_page_policy(stripe_settings, request.host_url)
    return render_template(
        "pay_card_stripe.html", **_page_context(), view=_view_context(view), token=token,
        publishable_key=stripe_settings.publishable_key, client_secret=client_secret,
        state=_state(token, setup_intent=setup_intent), scripts=script_tags(stripe_settings))


def _check_stripe_method(state: dict[str, Any], payment_token: str) -> None:
    """A card posted back from the Stripe card page must be the one its SetupIntent set up:
    a PaymentMethod made anywhere else (or a SetupIntent not yet confirmed) is refused."""
    setup_intent = state.get("si")
    if setup_intent is None:
        return
    set_up = (_setup_intents().payment_method_of(setup_intent)
              if isinstance(setup_intent, str) else None)
    if set_up is None or not hmac.compare_digest(set_up.encode(), payment_token.encode()):
        raise InvalidPaymentMethod(_CARD_NOT_SET_UP)


def _review(token: str, review: PayLinkReview, *, nickname: str = "", save: bool = False,
            error: str | None = None) -> str:
    return render_template(
        "pay_review.html", **_page_context(), view=_view_context(review.view), token=token,
        method_label=review.method_label, is_card=review.is_card, fee=review.fee.format(),
        fee_value=review.fee.canonical(), has_fee=review.fee.is_positive(),
        total=review.total.format(), payment_token=review.method.token,
        csrf_token=_csrf_token(), csrf_field=CSRF_FIELD, nickname=nickname, save=save,
        error=error, max_nickname=MAX_NICKNAME)


def _outcome_page(outcome: PaymentOutcome) -> tuple[str, int]:
    payment = outcome.payment
    context = dict(
        _page_context(), confirmation=payment.confirmation_number,
        amount=payment.amount.format(), fee=payment.fee.format(),
        has_fee=payment.fee.is_positive(), total=payment.total.format(),
        method_label=payment.method_label, is_card=payment.method_kind == MethodKind.CARD,
        date=_long_date(payment.scheduled_for), status=str(payment.status),
        warnings=outcome.warnings)
    if payment.status == PaymentStatus.REJECTED:
        return render_template("pay_declined.html", **context,
                               reason=decline_wording(payment.rejection_reason)), 402
    if payment.status not in (PaymentStatus.APPROVED, PaymentStatus.PENDING,
                              PaymentStatus.SCHEDULED):
        return _problem("This payment is not active", "This payment was cancelled. No money "
                        "was taken by it.", 409, new_link=True)
    return render_template("pay_done.html", **context), 200


def decline_wording(reason: str | None) -> str:
    """What the decline page says about why: the processor's reason, except that a card the
    bank wants to authenticate (SCA) asks the resident to try again or use another card."""
    if reason and reason.strip() in AUTHENTICATION_REASONS:
        return AUTHENTICATION_WORDING
    return reason or ""


def _problem(title: str, message: str, status: int, *, new_link: bool = False,
             call_311: bool = False, retry_url: str | None = None) -> tuple[str, int]:
    return render_template("pay_problem.html", **_page_context(), title=title,
                           message=message, new_link=new_link, call_311=call_311,
                           retry_url=retry_url), status


def _form_expired() -> tuple[str, int]:
    return _problem("Please try again", "This form has expired or did not come from this "
                    "payment page. No payment was made. Please open the link in your "
                    "message again.", 400)


# --- helpers ---------------------------------------------------------------------------


def _container() -> Container:
    return current_app.extensions["payline"]  # type: ignore[no-any-return]


def _channels() -> ChannelSettings:
    return current_app.extensions["payline.channels"]  # type: ignore[no-any-return]


def _service() -> PayLinkService:
    return _container().pay_link_service()


def _stripe_mode() -> bool:
    return _container().settings.processor == PROCESSOR_STRIPE


def _setup_intents() -> StripeSetupIntents:
    """Built once per app from the container's Stripe settings."""
    extensions = current_app.extensions
    if "payline.stripe_setup" not in extensions:
        extensions["payline.stripe_setup"] = StripeSetupIntents.from_settings(
            _container().settings.stripe)
    return extensions["payline.stripe_setup"]  # type: ignore[no-any-return]


def _processor_url() -> str:
    channels = _channels()
    return (getattr(channels, "pay_processor_url", "")
            or f"{channels.public_url}/sandbox/processor").rstrip("/")


def _form_action() -> str:
    """'self' plus the processor's origin when it is elsewhere (production)."""
    parts = urlsplit(_processor_url())
    if parts.scheme in ("http", "https") and parts.netloc:
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin != request.host_url.rstrip("/"):
            return f"'self' {origin}"
    return "'self'"


def _page_url(token: object) -> str | None:
    if isinstance(token, str) and _TOKEN_SHAPE.match(token):
        return f"/pay/{token}"
    return None


def _field(name: str) -> str:
    value = request.form.get(name, "")
    return value[:MAX_FIELD].strip() if isinstance(value, str) else ""


def _view_context(view: PayLinkView) -> dict[str, Any]:
    tz = _container().clock.tz
    return {
        "amount": view.amount.format(),
        "last4": view.account_last4,
        "scheduled": view.scheduled,
        "date": _long_date(view.payment_date),
        "card_fee": view.card_fee.format(),
        "card_total": view.card_total.format(),
        "bank_fee": view.bank_fee.format(),
        "bank_has_fee": view.bank_fee.is_positive(),
        "bank_total": view.bank_total.format(),
        "expires": _time(view.expires_at.astimezone(tz)),
        "due_date": _long_date(view.due_date) if view.due_date else None,
        "warnings": view.warnings,
    }


def _long_date(value: date) -> str:
    return f"{value.strftime('%A, %B')} {value.day}, {value.year}"


def _time(value: datetime) -> str:
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d} {'AM' if value.hour < 12 else 'PM'}"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=STATE_SALT)


def _state(token: str, *, setup_intent: str | None = None) -> str:
    """What the processor posts back: proves the post-back answers a form this app made for
    this link within the hour. Carries a hash prefix of the token, never the token; on the
    Stripe card page also the SetupIntent the card must come from."""
    data = {"link": hash_token(token)[:32], "n": secrets.token_hex(4)}
    if setup_intent:
        data["si"] = setup_intent
    return _serializer().dumps(data)


def _state_data(token: str, state: str) -> dict[str, Any] | None:
    """The signed state of a post-back for this link, or None when it is not one."""
    if not state:
        return None
    try:
        data = _serializer().loads(state, max_age=STATE_MAX_AGE)
    except BadSignature:  # also SignatureExpired
        return None
    link = data.get("link") if isinstance(data, dict) else None
    if isinstance(link, str) and hmac.compare_digest(link.encode(),
                                                     hash_token(token)[:32].encode()):
        return data  # type: ignore[no-any-return]
    return None


def _page_context() -> dict[str, str]:
    return page_context(_container().settings)


def _csrf_token() -> str:
    return csrf_token(CSRF_SESSION_KEY)


def _csrf_ok() -> bool:
    return csrf_matches(CSRF_SESSION_KEY, request.form.get(CSRF_FIELD))
