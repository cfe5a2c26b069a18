"""What each Stripe event means for the ledger (the signature is checked before, in views.py).

- payment_intent.succeeded / payment_intent.payment_failed: the payment its metadata
  `payline_reference` names (or that recorded the PaymentIntent) gets the result, through
  PaymentService.record_charge_result (idempotent; a late approval of a released payment is
  handled there);
- charge.refunded: refunds made outside Payline (the Stripe dashboard) are recorded so the
  ledger matches; Payline's own are recognised and not counted twice (RefundService);
- charge.dispute.created / charge.dispute.closed: DisputeService.
Any other type is acknowledged and ignored.

Replays: an event whose id is in processor_events changes nothing. The refund and dispute
services record the id in the same transaction as their change; record_charge_result is
idempotent by itself, so its event id is recorded right after it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from domain.model import Actor
from domain.money import Money
from domain.ports import ChargeResult, ConcurrencyConflict, ProcessorEvent
from domain.services.payments import confirmation_of
from domain.services.refunds import ProcessorRefundSeen
from ivr.bootstrap import Container

log = logging.getLogger(__name__)

STRIPE = Actor.system("stripe")
HANDLED = "handled"
REPLAYED = "replayed"
IGNORED = "ignored"

# Stripe's decline codes, in the words the channels use for a declined card.
_DECLINES = {
    "insufficient_funds": "the card has insufficient funds",
    "expired_card": "the card has expired",
    "authentication_required": "the card needs the bank's authentication",
    "incorrect_cvc": "the card's security code was not accepted",
    "processing_error": "the card processor had a problem",
}
_DECLINED = "the card was declined"


class MalformedEvent(ValueError):
    """A signed event without what its type needs: a retry would not change it."""


class StripeEvents:
    def __init__(self, container: Container) -> None:
        self._container = container
        self._handlers: dict[str, Callable[[ProcessorEvent, Mapping[str, Any]], None]] = {
            "payment_intent.succeeded": self._charge_result,
            "payment_intent.payment_failed": self._charge_result,
            "charge.refunded": self._refunded,
            "charge.dispute.created": self._dispute_created,
            "charge.dispute.closed": self._dispute_closed,
        }

    def handle(self, event: Mapping[str, Any]) -> str:
        event_id, event_type = event.get("id"), event.get("type")
        if not isinstance(event_id, str) or not event_id or not isinstance(event_type, str):
            raise MalformedEvent("an event needs an id and a type")
        handler = self._handlers.get(event_type)
        if handler is None:
            log.info("Stripe event %s of type %s ignored: Payline does not use it",
                     event_id, event_type[:100])
            return IGNORED
        with self._container.uow() as uow:
            if uow.processor_events.seen(event_id):
                log.info("Stripe event %s (%s) was handled before", event_id, event_type)
                return REPLAYED
        data = event.get("data")
        obj = data.get("object") if isinstance(data, Mapping) else None
        if not isinstance(obj, Mapping):
            raise MalformedEvent(f"event {event_id} has no data.object")
        processor_event = ProcessorEvent(event_id, event_type)
        handler(processor_event, obj)
        self._remember(processor_event)
        return HANDLED

    # --- the events -------------------------------------------------------------------
    def _charge_result(self, event: ProcessorEvent, intent: Mapping[str, Any]) -> None:
        intent_id = _text(intent, "id")
        metadata = intent.get("metadata")
        reference = metadata.get("payline_reference") if isinstance(metadata, Mapping) else None
        conf = confirmation_of(reference if isinstance(reference, str) else None)
        with self._container.uow() as uow:
            payment = uow.payments.by_confirmation(conf) if conf else None
            if payment is None:
                found = uow.payments.by_processor_references([intent_id])
                payment = found[0] if found else None
        if payment is None or payment.id is None:
            log.warning("Stripe event %s: PaymentIntent %s names no payment in the ledger "
                        "(reconciliation reports it if money was taken)", event.id, intent_id)
            return
        if event.type == "payment_intent.succeeded":
            amount = intent.get("amount_received", intent.get("amount"))
            if isinstance(amount, int) and amount != payment.total.cents:
                log.error("PaymentIntent %s took %s for payment %s of %s",
                          intent_id, Money.from_cents(amount).format(),
                          payment.confirmation_number, payment.total.format())
            result = ChargeResult("approved", intent_id)
        else:
            error = intent.get("last_payment_error")
            error = error if isinstance(error, Mapping) else {}
            code = error.get("decline_code") or error.get("code") or "card_declined"
            code = code if isinstance(code, str) else "card_declined"
            result = ChargeResult("declined", intent_id, code[:60], _DECLINES.get(code, _DECLINED))
        self._container.payment_service().record_charge_result(
            payment.id, result, STRIPE, account_id=payment.account_id)

    def _refunded(self, event: ProcessorEvent, charge: Mapping[str, Any]) -> None:
        reference = self._known_reference(event, [charge.get("payment_intent"),
                                                  charge.get("id")])
        if reference is None:
            return
        listed = charge.get("refunds")
        items = listed.get("data") if isinstance(listed, Mapping) else None
        seen: list[ProcessorRefundSeen] = []
        if isinstance(items, Sequence) and not isinstance(items, str | bytes):
            for item in items:
                if not isinstance(item, Mapping):
                    raise MalformedEvent("a refund in refunds.data is not an object")
                metadata = item.get("metadata")
                key = metadata.get("payline_reference") if isinstance(metadata, Mapping) else None
                seen.append(ProcessorRefundSeen(
                    reference=_text(item, "id"), amount=_cents(item, "amount"),
                    status=str(item.get("status") or "succeeded"),
                    payline_reference=key if isinstance(key, str) else None))
        else:
            # Newer API versions leave refunds.data out of the charge: what is refunded in
            # all (amount_refunded) is then compared with the ledger, the difference recorded.
            seen = self._difference(reference, charge)
        self._container.refund_service().record_from_processor(reference, seen, event)

    def _dispute_created(self, event: ProcessorEvent, dispute: Mapping[str, Any]) -> None:
        reference = self._known_reference(event, [dispute.get("payment_intent"),
                                                  dispute.get("charge")])
        if reference is None:
            return
        self._container.dispute_service().opened(
            _text(dispute, "id"), reference, _cents(dispute, "amount"),
            str(dispute.get("reason") or "unspecified"), event)

    def _dispute_closed(self, event: ProcessorEvent, dispute: Mapping[str, Any]) -> None:
        status = dispute.get("status")
        if status not in ("won", "lost", "warning_closed"):
            log.info("Stripe dispute %s closed with status %r: left open",
                     dispute.get("id"), status)
            return
        reference = self._known_reference(event, [dispute.get("payment_intent"),
                                                  dispute.get("charge")])
        if reference is None:
            return
        # warning_closed: an inquiry that never became a chargeback, so the money stays.
        self._container.dispute_service().closed(
            _text(dispute, "id"), status != "lost", charge_reference=reference,
            amount=_cents(dispute, "amount"), reason=str(dispute.get("reason") or ""),
            event=event)

    # --- helpers ----------------------------------------------------------------------
    def _known_reference(self, event: ProcessorEvent, candidates: list[object]) -> str | None:
        """The first of the references (PaymentIntent, then charge id) the ledger has a
        payment for; None (logged at ERROR: reconciliation reports it) if neither."""
        references = [c for c in candidates if isinstance(c, str) and c]
        if not references:
            raise MalformedEvent(f"event {event.id} names no charge")
        with self._container.uow() as uow:
            found = {p.processor_reference for p in uow.payments.by_processor_references(
                references)}
        for reference in references:
            if reference in found:
                return reference
        log.error("Stripe event %s (%s) is about charge %s, which the ledger does not have",
                  event.id, event.type, " / ".join(references))
        return None

    def _difference(self, reference: str, charge: Mapping[str, Any]) -> list[ProcessorRefundSeen]:
        refunded = _cents(charge, "amount_refunded")
        with self._container.uow() as uow:
            (payment,) = uow.payments.by_processor_references([reference])[:1]
        missing = refunded - payment.refunded
        if not missing.is_positive():
            return []
        charge_id = _text(charge, "id")
        return [ProcessorRefundSeen(f"{charge_id}:refunded:{refunded.cents}"[:100], missing,
                                    "succeeded")]

    def _remember(self, event: ProcessorEvent) -> None:
        """Record the event id if its handler did not (nothing changed, or an idempotent
        handler): its replay is then answered without running anything."""
        try:
            with self._container.uow() as uow:
                if uow.processor_events.claim(event, self._container.clock.now()):
                    uow.commit()
        except ConcurrencyConflict:
            pass  # a twin delivery recorded it first


def _text(obj: Mapping[str, Any], name: str) -> str:
    value = obj.get(name)
    if not isinstance(value, str) or not value or len(value) > 100:
        raise MalformedEvent(f"{name} is missing or not an id")
    return value


def _cents(obj: Mapping[str, Any], name: str) -> Money:
    value = obj.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedEvent(f"{name} is not an amount in cents")
    currency = obj.get("currency")
    if isinstance(currency, str) and currency.upper() not in ("", "USD"):
        raise MalformedEvent(f"{name} is in {currency[:3]}, not USD")
    return Money.from_cents(value)
