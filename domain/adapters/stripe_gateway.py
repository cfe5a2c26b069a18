"""The Stripe card processor behind the PaymentGateway port (PAYLINE_PROCESSOR=stripe).

Cards only. Payline never sees card data in Stripe mode: the pay page collects it in Stripe's
own fields and the phone in Twilio's <Pay> with Stripe's pay connector, and both hand Payline
a PaymentMethod id (``pm_…``). Bank accounts stay with the ACH vault (`bank`, today the
sandbox processor): every token that is not a PaymentMethod, and every reference that is not
a PaymentIntent, is the bank's.

- a saved card is a PaymentMethod attached to the Stripe Customer of the Payline customer,
  made on first use (metadata ``payline_customer_number``);
- a charge is a PaymentIntent in integer cents, confirmed off-session, created with Payline's
  idempotency key and carrying it as ``metadata.payline_reference``;
- own idempotency: Stripe replays a key for 24 hours only and localstripe not at all, so
  before creating a PaymentIntent the gateway looks for one already carrying the reference and
  continues that one instead (same key, other amount: IdempotencyConflict). Refunds likewise,
  by ``metadata.payline_reference`` on the PaymentIntent's refunds. Two calls with one key
  at the same instant both miss the lookup: at Stripe the idempotency key still decides
  (the twin waits, or gets a 409 that is ProcessorUnavailable); localstripe would charge
  twice, so its tests never race one key;
- a network error, a timeout, rate limiting, a Stripe 5xx or refused credentials raise
  ProcessorUnavailable (the outcome is unknown: the payment stays pending and the runner's
  retry finds what Stripe did); a decline is a ChargeResult, worded by domain/declines.py.

localstripe (the tests and a local trial) lacks some of Stripe's API; where it does, this
gateway falls back to what it has, and says so where it does it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, TypeVar

import stripe
from stripe.params import CustomerCreateParams, PaymentIntentCreateParams, RefundCreateParams

from domain.adapters.stripe_client import stripe_client
from domain.config import StripeSettings
from domain.declines import (
    AUTHENTICATION_REQUIRED,
    CARD_DECLINED,
    PROCESSING_ERROR,
    decline_reason,
    payline_code,
)
from domain.errors import (
    IdempotencyConflict,
    InvalidAmount,
    InvalidInput,
    InvalidPaymentMethod,
)
from domain.model import MethodKind
from domain.money import CURRENCY, Money
from domain.ports import (
    BankDetails,
    CardDetails,
    ChargeResult,
    Clock,
    PaymentGateway,
    ProcessorCharge,
    ProcessorCustomer,
    ProcessorDispute,
    ProcessorRefund,
    ProcessorUnavailable,
    RefundResult,
    SavedAtProcessor,
    TokenizedMethod,
)
from domain.services.payments import confirmation_of

log = logging.getLogger(__name__)

T = TypeVar("T")

REFERENCE_KEY = "payline_reference"  # metadata key of Payline's reference on intents, refunds
CUSTOMER_NUMBER_KEY = "payline_customer_number"  # metadata key on a Stripe Customer
CONFIRMATION_KEY = "payline_confirmation"  # metadata key: the payment's confirmation number
MAX_KEY = 200
_PAGE = 100  # Stripe's largest page
_PAYMENT_METHOD_ID = re.compile(r"pm_[A-Za-z0-9_]{1,200}")
_PAYMENT_INTENT_ID = re.compile(r"pi_[A-Za-z0-9_]{1,200}")

NOT_RECOGNIZED = "That payment method is not recognized. Please enter it again."
CARDS_NOT_HERE = ("For your security, card numbers are entered only in the secure card fields "
                  "of the payment page or with the phone keypad.")
NOTHING_TO_REFUND = "There is no approved charge to refund."
REFUND_REFUSED = "The card processor refused the refund."
REFUND_NOT_ACCEPTED = "The bank that issued the card could not accept the refund."
ALREADY_REFUNDED = "The charge has already been refunded in full."
REFUND_REFUSALS = {  # Stripe's codes for a refund it will not make
    "charge_already_refunded": ALREADY_REFUNDED,
    "charge_disputed": ("The card holder's bank has disputed this payment, so it cannot be "
                        "refunded."),
}


def is_payment_method(token: object) -> bool:
    """A Stripe PaymentMethod id (what Stripe.js and Twilio's Stripe connector hand over)."""
    return isinstance(token, str) and _PAYMENT_METHOD_ID.fullmatch(token) is not None


class StripeGateway(PaymentGateway):
    def __init__(self, settings: StripeSettings, bank: PaymentGateway, clock: Clock,
                 client: stripe.StripeClient | None = None) -> None:
        """`bank`: the processor that keeps bank accounts (the ACH vault, which is also the
        BankAccountVault of the container). `client` is for tests; normally built from the
        settings (domain/adapters/stripe_client.py)."""
        self._v1 = (client or stripe_client(settings)).v1
        self._bank = bank
        self._clock = clock
        # What the API behind api_url can do, learned on first use (localstripe has neither).
        self._search: bool | None = None
        self._created_filter: bool | None = None
        self._warned_no_disputes = False

    # --- tokenization -------------------------------------------------------------------
    def tokenize_card(self, card: CardDetails) -> TokenizedMethod:
        # Stripe mode never holds card data: Stripe's fields or Twilio's <Pay> tokenize.
        raise InvalidPaymentMethod(CARDS_NOT_HERE)

    def tokenize_bank(self, bank: BankDetails) -> TokenizedMethod:
        return self._bank.tokenize_bank(bank)

    def token_details(self, token: str) -> TokenizedMethod | None:
        if not isinstance(token, str) or not token:
            return None
        if not token.startswith("pm_"):
            return self._bank_account(token)
        payment_method = self._payment_method(token)
        return _tokenized(payment_method) if payment_method is not None else None

    def _bank_account(self, token: str) -> TokenizedMethod | None:
        """The bank vault's method behind `token`, if it is a bank account: the only kind
        of token Stripe mode hands to the bank processor."""
        method = self._bank.token_details(token) if isinstance(token, str) and token else None
        return method if method is not None and method.kind == MethodKind.BANK else None

    # --- saved cards ----------------------------------------------------------------------
    def save_for_customer(self, token: str, customer: ProcessorCustomer) -> SavedAtProcessor:
        if not is_payment_method(token):
            if self._bank_account(token) is None:
                raise InvalidPaymentMethod(NOT_RECOGNIZED)
            return self._bank.save_for_customer(token, customer)
        payment_method = self._payment_method(token)
        if payment_method is None:
            raise InvalidPaymentMethod(NOT_RECOGNIZED)
        method = _tokenized(payment_method)
        attached_to = _id_of(_get(payment_method, "customer"))
        if attached_to is not None:
            # Already kept (a repeated request, or two channels saving it at once): fine if
            # it is this resident's Stripe Customer, refused if it is anyone else's.
            if attached_to != customer.processor_id and not self._belongs_to(attached_to,
                                                                             customer):
                raise InvalidPaymentMethod(NOT_RECOGNIZED)
            return SavedAtProcessor(method, attached_to)
        customer_id = customer.processor_id or self._create_customer(customer)
        try:
            self._attach(token, customer_id)
        except _MissingCustomer:
            if customer.processor_id is None:
                raise InvalidPaymentMethod(NOT_RECOGNIZED) from None
            # The Stripe Customer Payline knew is gone (deleted in the Dashboard): a new one.
            log.warning("Stripe customer of Payline customer %s is gone; making a new one",
                        customer.customer_number)
            customer_id = self._create_customer(customer)
            try:
                self._attach(token, customer_id)
            except _MissingCustomer:
                raise InvalidPaymentMethod(NOT_RECOGNIZED) from None
        return SavedAtProcessor(method, customer_id)

    def _attach(self, token: str, customer_id: str) -> None:
        try:
            self._call("attach a card", lambda: self._v1.payment_methods.attach(
                token, params={"customer": customer_id}))
        except stripe.CardError as exc:
            code = payline_code(_card_error_code(exc))
            log.info("card declined on attach: %s", code)
            raise InvalidPaymentMethod(decline_reason(code)) from exc
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                raise _MissingCustomer() from exc
            log.warning("Stripe refused to attach a card: %s", exc.code or exc.http_status)
            raise InvalidPaymentMethod(NOT_RECOGNIZED) from exc

    def _create_customer(self, customer: ProcessorCustomer) -> str:
        params: CustomerCreateParams = {
            "metadata": {CUSTOMER_NUMBER_KEY: customer.customer_number}}
        if customer.name:
            params["name"] = customer.name[:256]
        if customer.email:
            params["email"] = customer.email[:512]
        key = f"payline-customer-{customer.customer_number}"[:MAX_KEY]
        try:
            created = self._call("create a customer", lambda: self._v1.customers.create(
                params=params, options={"idempotency_key": key}))
        except stripe.IdempotencyError:
            # The same customer number with other details (a name changed within Stripe's
            # 24 hours): a key of its own for these details.
            digest = hashlib.sha256(repr(sorted(params.items())).encode()).hexdigest()[:16]
            created = self._call("create a customer", lambda: self._v1.customers.create(
                params=params, options={"idempotency_key": f"{key[:180]}-{digest}"}))
        return str(created.id)

    def _belongs_to(self, stripe_customer_id: str, customer: ProcessorCustomer) -> bool:
        found = self._find("look up a customer",
                           lambda: self._v1.customers.retrieve(stripe_customer_id))
        return found is not None and bool(_get(_get(found, "metadata"), CUSTOMER_NUMBER_KEY)
                    == customer.customer_number)

    # --- charging -------------------------------------------------------------------------
    def charge(self, token: str, amount: Money, idempotency_key: str,
               description: str = "") -> ChargeResult:
        if not (isinstance(token, str) and token.startswith("pm_")):
            if self._bank_account(token) is None:
                # A card token from another processor (e.g. the sandbox's, saved before the
                # switch to Stripe) is never charged anywhere but at Stripe.
                return _declined(None, "invalid_token")
            return self._bank.charge(token, amount, idempotency_key, description)
        cents = _cents(amount, "The amount to charge must be more than zero.")
        key = _key(idempotency_key, "A charge needs an idempotency key of at most 200 "
                                    "characters.")
        # Our own replay first: localstripe replays no key and Stripe only for 24 hours.
        intents = self._intents_with_reference(key)
        if intents:
            return self._continue(_chosen(intents), token, amount)
        if not is_payment_method(token):
            return _declined(None, "invalid_token")
        payment_method = self._payment_method(token)
        if payment_method is None:
            return _declined(None, "invalid_token")
        params: PaymentIntentCreateParams = {
            "amount": cents,
            "currency": amount.currency.lower(),
            "payment_method": token,
            "confirm": True,
            "off_session": True,
            # No `description` parameter: localstripe refuses it on PaymentIntents.
            "metadata": {REFERENCE_KEY: key, "description": (description or "")[:200]},
        }
        confirmation = confirmation_of(key)
        if confirmation:  # the payment, as finance staff look it up in Stripe's dashboard
            params["metadata"][CONFIRMATION_KEY] = confirmation
        customer_id = _id_of(_get(payment_method, "customer"))
        if customer_id:
            params["customer"] = customer_id  # a saved card is charged as its customer's
        try:
            intent = self._call("create a payment", lambda: self._v1.payment_intents.create(
                params=params, options={"idempotency_key": key}))
        except stripe.CardError as exc:
            return self._declined_on_create(exc, key)
        except stripe.IdempotencyError as exc:
            raise IdempotencyConflict() from exc
        except stripe.InvalidRequestError as exc:
            return _refused_request(exc)
        return charge_result(intent)

    def _declined_on_create(self, exc: stripe.CardError, key: str) -> ChargeResult:
        """Stripe puts the failed PaymentIntent in the error; localstripe does not, so then it
        is found by its reference."""
        reference = _id_of(_get(exc.error, "payment_intent"))
        if reference is None:
            found = self._intents_with_reference(key)
            reference = str(_chosen(found).id) if found else None
        return card_error_result(exc, reference)

    def _continue(self, intent: Any, token: str, amount: Money) -> ChargeResult:
        """The PaymentIntent made earlier with this key: its outcome, never a second one."""
        if (_get(intent, "amount") != amount.cents
                or str(_get(intent, "currency") or "").upper() != amount.currency):
            raise IdempotencyConflict()
        used = _id_of(_get(intent, "payment_method"))
        if used is not None and used != token:
            raise IdempotencyConflict()
        if _get(intent, "status") == "requires_confirmation":
            # Made but never confirmed (a crash between the two): confirm it now.
            try:
                intent = self._call("confirm a payment", lambda: self._v1.payment_intents
                                    .confirm(str(intent.id)))
            except stripe.CardError as exc:
                return card_error_result(exc, str(intent.id))
            except stripe.InvalidRequestError as exc:
                return _refused_request(exc, str(intent.id))
        return charge_result(intent)

    def find_charge(self, payline_reference: str) -> ChargeResult | None:
        reference = payline_reference.strip() if isinstance(payline_reference, str) else ""
        if not reference or len(reference) > MAX_KEY:
            return None
        intents = self._intents_with_reference(reference)
        if intents:
            return charge_result(_chosen(intents))
        # Not Stripe's: a charge of the bank's (a token it issued) may carry it.
        return self._bank.find_charge(reference)

    def charges_between(self, start: datetime, end: datetime) -> Iterator[ProcessorCharge]:
        charges = [_processor_charge(intent) for intent in
                   self._created_between(self._v1.payment_intents.list, start, end)]
        charges += list(self._bank.charges_between(start, end))
        yield from sorted(charges, key=lambda charge: charge.created_at)

    def _intents_with_reference(self, reference: str) -> list[Any]:
        if self._search is not False:
            query = f"metadata['{REFERENCE_KEY}']:'{_quoted(reference)}'"
            try:
                found = self._call("search payments", lambda: list(
                    self._v1.payment_intents.search(
                        params={"query": query, "limit": _PAGE}).auto_paging_iter()))
            except stripe.InvalidRequestError as exc:
                if exc.http_status not in (400, 404):
                    raise
                # localstripe has no search (it reads /v1/payment_intents/search as the id
                # "search": 404), nor has Stripe in every country: list and filter instead.
                log.info("Stripe API at hand has no PaymentIntent search; listing instead")
                self._search = False
            else:
                self._search = True
                # Search lags writes by up to a minute; a retry inside that minute is
                # covered by Stripe's own replay of the idempotency key.
                return found
        return [intent for intent in self._all(self._v1.payment_intents.list)
                if _reference_of(intent) == reference]

    # --- refunds ----------------------------------------------------------------------------
    def refund(self, charge_reference: str, amount: Money,
               idempotency_key: str) -> RefundResult:
        if not (isinstance(charge_reference, str)
                and _PAYMENT_INTENT_ID.fullmatch(charge_reference)):
            return self._bank.refund(charge_reference, amount, idempotency_key)
        cents = _cents(amount, "The amount to refund must be more than zero.")
        key = _key(idempotency_key, "A refund needs an idempotency key of at most 200 "
                                    "characters.")
        intent = self._retrieve_intent(charge_reference)
        if intent is None or _get(intent, "status") != "succeeded":
            return RefundResult("failed", None, NOTHING_TO_REFUND)
        refunds = list(self._all(self._v1.refunds.list, payment_intent=charge_reference))
        mine = [r for r in refunds if _reference_of(r) == key]
        if mine:
            if _get(mine[0], "amount") != cents:
                raise IdempotencyConflict()
            return _refund_result(mine[0])
        # Checked here too: localstripe refunds any amount, even more than was charged.
        taken = sum(int(_get(r, "amount") or 0) for r in refunds
                    if _refund_status(r) != "failed")
        left = int(_get(intent, "amount_received") or _get(intent, "amount") or 0) - taken
        if left <= 0:
            return RefundResult("failed", None, ALREADY_REFUNDED)
        if cents > left:
            return RefundResult("failed", None, f"Only {Money.from_cents(left).format()} of "
                                                "the charge is left to refund.")
        params: RefundCreateParams = {"payment_intent": charge_reference, "amount": cents,
                                      "metadata": {REFERENCE_KEY: key}}
        try:
            created = self._call("refund a payment", lambda: self._v1.refunds.create(
                params=params, options={"idempotency_key": key}))
        except stripe.IdempotencyError as exc:
            raise IdempotencyConflict() from exc
        except stripe.InvalidRequestError as exc:
            log.warning("Stripe refused a refund: %s", exc.code or exc.http_status)
            return RefundResult("failed", None,
                                REFUND_REFUSALS.get(exc.code or "", REFUND_REFUSED))
        return _refund_result(created)

    def refunds_between(self, start: datetime, end: datetime) -> Iterator[ProcessorRefund]:
        refunds = [self._processor_refund(r) for r in
                   self._created_between(self._v1.refunds.list, start, end)]
        refunds += list(self._bank.refunds_between(start, end))
        yield from sorted(refunds, key=lambda refund: refund.created_at)

    def _processor_refund(self, refund: Any) -> ProcessorRefund:
        return ProcessorRefund(
            reference=str(refund.id),
            charge_reference=self._intent_of(refund),
            amount=Money.from_cents(int(_get(refund, "amount") or 0), _currency(refund)),
            status=_refund_status(refund), created_at=_created(refund),
            payline_reference=_reference_of(refund))

    # --- disputes -----------------------------------------------------------------------------
    def disputes_between(self, start: datetime, end: datetime) -> Iterator[ProcessorDispute]:
        try:
            disputes = self._created_between(self._v1.disputes.list, start, end)
        except (stripe.InvalidRequestError, stripe.APIError) as exc:
            if exc.http_status != 404:
                raise
            # localstripe has no disputes endpoint: there are none to list.
            if not self._warned_no_disputes:
                log.warning("the Stripe API at hand has no disputes endpoint (localstripe?): "
                            "no disputes are listed")
                self._warned_no_disputes = True
            disputes = []
        found = [ProcessorDispute(
            reference=str(dispute.id), charge_reference=self._intent_of(dispute),
            amount=Money.from_cents(int(_get(dispute, "amount") or 0), _currency(dispute)),
            status=dispute_status(_get(dispute, "status")),
            reason=str(_get(dispute, "reason") or "general"), created_at=_created(dispute))
            for dispute in disputes]
        found += list(self._bank.disputes_between(start, end))
        yield from sorted(found, key=lambda dispute: dispute.created_at)

    # --- Stripe access --------------------------------------------------------------------
    def _call(self, what: str, request: Callable[[], T]) -> T:
        """One request (or one auto-paginated listing): an unknown outcome is
        ProcessorUnavailable; everything else Stripe says is the caller's to read."""
        try:
            return request()
        except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
            log.warning("Stripe unreachable (%s): %s", what, type(exc).__name__)
            raise ProcessorUnavailable(f"Stripe could not be reached to {what}.") from exc
        except (stripe.AuthenticationError, stripe.PermissionError) as exc:
            # Payline's keys are wrong: nothing happened, and nothing should be declined
            # because of it; payments wait until an operator fixes STRIPE_SECRET_KEY.
            log.error("Stripe refused Payline's API key (%s)", what)
            raise ProcessorUnavailable(f"Stripe refused the API key to {what}.") from exc
        except stripe.APIError as exc:
            if exc.http_status == 404:
                raise  # an endpoint this API lacks (localstripe): the caller knows what to do
            # 5xx, or 409 (a request with this idempotency key is still under way).
            log.warning("Stripe failed (%s): HTTP %s", what, exc.http_status)
            raise ProcessorUnavailable(f"Stripe failed to {what}.") from exc

    def _find(self, what: str, request: Callable[[], T]) -> T | None:
        """One retrieval: None when Stripe does not know the object (404)."""
        try:
            return self._call(what, request)
        except (stripe.InvalidRequestError, stripe.APIError) as exc:
            if exc.http_status == 404:
                return None
            raise

    def _payment_method(self, token: str) -> Any | None:
        """The card PaymentMethod with this id, or None if Stripe does not know it."""
        if not is_payment_method(token):
            return None
        found = self._find("look up a card", lambda: self._v1.payment_methods.retrieve(token))
        if found is None or _get(found, "type") != "card" or not _get(found, "card"):
            return None
        return found

    def _retrieve_intent(self, intent_id: str) -> Any | None:
        return self._find("look up a payment",
                          lambda: self._v1.payment_intents.retrieve(intent_id))

    def _intent_of(self, obj: Any) -> str:
        """The PaymentIntent a refund or dispute is on (ProcessorCharge.reference), read
        through its charge when it does not name it (one made on a charge id)."""
        intent = _id_of(_get(obj, "payment_intent"))
        if intent:
            return intent
        charge = _id_of(_get(obj, "charge"))
        if not charge:
            return ""
        found = self._find("look up a charge", lambda: self._v1.charges.retrieve(charge))
        return (_id_of(_get(found, "payment_intent")) if found is not None else "") or charge

    def _all(self, lister: Callable[..., Any], **params: Any) -> list[Any]:
        return self._call("list", lambda: list(
            lister(params={**params, "limit": _PAGE}).auto_paging_iter()))

    def _created_between(self, lister: Callable[..., Any], start: datetime,
                         end: datetime) -> list[Any]:
        """Objects created in [start, end) (Stripe: whole seconds), oldest first."""
        gte, lt = math.ceil(start.timestamp()), math.ceil(end.timestamp())
        if self._supports_created_filter():
            items = self._call("list", lambda: list(lister(params={
                "created": {"gte": gte, "lt": lt}, "limit": _PAGE}).auto_paging_iter()))
        else:
            items = [item for item in self._all(lister)
                     if gte <= int(_get(item, "created") or 0) < lt]
        return sorted(items, key=lambda item: int(_get(item, "created") or 0))

    def _supports_created_filter(self) -> bool:
        """Stripe filters every list by `created`; localstripe filters none. It says so on
        PaymentIntents (400 "Unexpected created") but fails with a bare 500 on refunds, so
        the question is asked once, of PaymentIntents; without the filter, everything is
        listed and filtered here."""
        if self._created_filter is None:
            try:
                self._call("list", lambda: self._v1.payment_intents.list(
                    params={"created": {"gte": 0}, "limit": 1}))
            except stripe.InvalidRequestError as exc:
                if exc.http_status != 400:
                    raise
                log.info("Stripe API at hand cannot filter lists by creation time; "
                         "filtering here")
                self._created_filter = False
            else:
                self._created_filter = True
        return self._created_filter


class _MissingCustomer(Exception):
    """Attaching found no such customer (or no such card)."""


# --- outcomes (public for the tests of the mapping) ---------------------------------------


def charge_result(intent: Any) -> ChargeResult:
    """A PaymentIntent's state as Payline's outcome."""
    reference = str(intent.id)
    status = _get(intent, "status")
    if status == "succeeded":
        return ChargeResult("approved", reference)
    if status in ("processing", "requires_capture", "requires_confirmation"):
        return ChargeResult("pending", reference)
    if status == "requires_action":
        # Off-session, nobody is there to approve it with the bank (SCA).
        return _declined(reference, AUTHENTICATION_REQUIRED)
    if status == "canceled":
        return _declined(reference, "canceled")
    error = _get(intent, "last_payment_error")
    return _declined(reference, _get(error, "decline_code") or _get(error, "code") or CARD_DECLINED)


def card_error_result(exc: stripe.CardError, reference: str | None) -> ChargeResult:
    """A card declined while confirming: its decline_code (issuer's reason) or its code."""
    return _declined(reference, _card_error_code(exc))


def dispute_status(status: object) -> str:
    """Stripe's dispute statuses folded: won, lost, or still open (warning_needs_response,
    needs_response, under_review, warning_under_review, warning_closed, ...)."""
    if status == "won":
        return "won"
    if status == "lost":
        return "lost"
    return "open"


def _card_error_code(exc: stripe.StripeError) -> str | None:
    decline_code = _get(exc.error, "decline_code")
    return str(decline_code or exc.code or CARD_DECLINED)


def _declined(reference: str | None, code: str | None) -> ChargeResult:
    folded = payline_code(code)
    return ChargeResult("declined", reference, folded, decline_reason(folded))


def _refused_request(exc: stripe.InvalidRequestError,
                     reference: str | None = None) -> ChargeResult:
    """Stripe refused the request itself (not the card): a card it no longer knows or cannot
    use again is asked for anew; anything else is Payline's mistake, logged, and declined
    politely rather than left pending for ever."""
    if exc.http_status == 404 or exc.code in ("resource_missing",
                                              "payment_method_unexpected_state"):
        return _declined(reference, "invalid_token")
    log.error("Stripe refused a payment request: %s (%s)", exc.code, exc.http_status)
    return _declined(reference, PROCESSING_ERROR)


def _processor_charge(intent: Any) -> ProcessorCharge:
    result = charge_result(intent)
    return ProcessorCharge(
        reference=str(intent.id), payline_reference=_reference_of(intent),
        amount=Money.from_cents(int(_get(intent, "amount") or 0), _currency(intent)),
        status=result.status, created_at=_created(intent), decline_code=result.decline_code)


def _refund_status(refund: Any) -> str:
    status = _get(refund, "status")
    if status == "succeeded":
        return "succeeded"
    if status in ("failed", "canceled"):
        return "failed"
    return "pending"  # pending, requires_action


def _refund_result(refund: Any) -> RefundResult:
    status = _refund_status(refund)
    return RefundResult(status, str(refund.id),
                        REFUND_NOT_ACCEPTED if status == "failed" else None)


def _chosen(intents: Iterable[Any]) -> Any:
    """Of the intents with one reference: the approved one, else one still under way, else
    the latest attempt."""
    ordered = sorted(intents, key=lambda intent: int(_get(intent, "created") or 0))
    for wanted in (("succeeded",), ("processing", "requires_capture", "requires_confirmation")):
        for intent in ordered:
            if _get(intent, "status") in wanted:
                return intent
    return ordered[-1]


def _tokenized(payment_method: Any) -> TokenizedMethod:
    card = _get(payment_method, "card")
    brand = str(_get(card, "brand") or "").strip().upper()
    return TokenizedMethod(
        kind=MethodKind.CARD, token=str(payment_method.id), last4=str(_get(card, "last4") or ""),
        brand=brand if brand and brand != "UNKNOWN" else "CARD",
        exp_month=_whole(_get(card, "exp_month")), exp_year=_whole(_get(card, "exp_year")))


def _id_of(value: object) -> str | None:
    """An id from a field Stripe gives as an id or as the expanded object (localstripe
    expands some, e.g. a PaymentIntent's latest_charge)."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, stripe.StripeObject | dict):
        found = _get(value, "id")
        return str(found) if found else None
    return None


def _get(obj: Any, key: str) -> Any:
    """A field of a Stripe object (SDK 16's objects are no dicts), None when absent:
    localstripe leaves out some of Stripe's fields (decline_code, amount_received, ...)."""
    if isinstance(obj, dict):
        return obj.get(key)
    if isinstance(obj, stripe.StripeObject) and key in obj:
        return obj[key]
    return None


def _reference_of(obj: Any) -> str | None:
    value = _get(_get(obj, "metadata"), REFERENCE_KEY)
    return str(value) if value else None


def _currency(obj: Any) -> str:
    return str(_get(obj, "currency") or CURRENCY).upper()


def _created(obj: Any) -> datetime:
    return datetime.fromtimestamp(int(_get(obj, "created") or 0), UTC)


def _whole(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _quoted(text: str) -> str:
    """A value inside a single-quoted Stripe search string."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _cents(amount: Money, message: str) -> int:
    if not isinstance(amount, Money) or not amount.is_positive():
        raise InvalidAmount(message)
    return amount.cents


def _key(idempotency_key: str, message: str) -> str:
    key = idempotency_key.strip() if isinstance(idempotency_key, str) else ""
    if not key or len(key) > MAX_KEY:
        raise InvalidInput(message)
    return key
