"""The console's refunds (supervisors) and disputes (every agent), on the agent blueprint.

A refund form carries a one-time nonce as its idempotency key: a double click, a reload of
the POST or two tabs sending the same form make one refund; a fresh form makes a new key.
The service checks the supervisor role again, so a forged POST by an agent refunds nothing.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import flash, redirect, render_template, request, url_for

from domain.cards import redact_card_numbers
from domain.errors import DomainError, InvalidAmount
from domain.model import Payment, RefundStatus
from domain.money import Money
from domain.ports import ConcurrencyConflict
from domain.services.refunds import MAX_REASON, RefundOutcome
from ivr.agent.auth import current_session, requires_agent, requires_supervisor
from ivr.agent.views import ID, _container, agent

_NONCE_BYTES = 18
_MAX_NONCE = 64


def _supervisor_name() -> str:
    session = current_session()
    assert session is not None  # requires_supervisor ran
    return session.agent.username


@agent.get(f"/payments/<{ID}:payment_id>/refund")
@requires_supervisor
def refund_form(payment_id: int) -> Any:
    try:
        payment, left, refunds = _container().refund_service().preview(payment_id)
    except DomainError as exc:
        return render_template("agent/problem.html", message=exc.detail), 404
    return _form(payment, left, refunds, amount=left.canonical(), reason="", error=None,
                 status=200)


@agent.post(f"/payments/<{ID}:payment_id>/refund")
@requires_supervisor
def refund_submit(payment_id: int) -> Any:
    service = _container().refund_service()
    nonce = request.form.get("nonce", "")
    reason = request.form.get("reason", "")[:MAX_REASON * 2]
    typed = " ".join(request.form.get("amount", "").split())[:40]
    session = current_session()
    assert session is not None
    try:
        amount = Money.parse(typed)
    except InvalidAmount:
        return _again(payment_id, typed, reason, "Enter the amount to refund in dollars and "
                      "cents, for example 25.00.")
    if not nonce or len(nonce) > _MAX_NONCE or not nonce.replace("-", "").replace(
            "_", "").isalnum():
        return _again(payment_id, typed, reason, "This refund form has expired. Check the "
                      "amount and send it again.")
    try:
        outcome = service.refund(payment_id, amount, reason, session.agent.actor,
                                 f"console-{_supervisor_name()}-{nonce}")
    except ConcurrencyConflict:
        return _again(payment_id, typed, reason, "Someone else changed this payment at the "
                      "same moment. Check the amount and try again.")
    except DomainError as exc:
        return _again(payment_id, typed, reason, exc.detail)
    flash(*_result(outcome))
    return redirect(url_for("agent.account", account_id=outcome.payment.account_id))


@agent.get("/disputes")
@requires_agent
def disputes() -> str:
    return render_template("agent/disputes.html",
                           disputes=_container().dispute_service().recent())


def _result(outcome: RefundOutcome) -> tuple[str, str]:
    refund, payment = outcome.refund, outcome.payment
    what = f"{refund.amount.format()} of payment {payment.confirmation_number}"
    if refund.status == RefundStatus.SUCCEEDED:
        again = " (this form was already sent: nothing more was refunded)" \
            if outcome.replayed else ""
        return (f"Refunded {what} to the {payment.method_label} (processor reference "
                f"{refund.processor_reference}). The resident is told it can take 5-10 "
                f"business days.{again}", "success")
    if refund.status == RefundStatus.FAILED:
        return (f"The card processor refused the refund of {what}: "
                f"{refund.failure_reason}. Nothing was refunded.", "error")
    return (f"The refund of {what} is waiting for the card processor's answer. It is "
            "asked again automatically; nothing more needs doing.", "info")


def _again(payment_id: int, typed: str, reason: str, error: str) -> Any:
    # What was typed is shown again to be corrected, never a card number in it.
    typed, reason = redact_card_numbers(typed)[0], redact_card_numbers(reason)[0]
    try:
        payment, left, refunds = _container().refund_service().preview(payment_id)
    except DomainError as exc:
        return render_template("agent/problem.html", message=f"{error} {exc.detail}"
                               if exc.detail != error else error), 400
    return _form(payment, left, refunds, amount=typed, reason=reason, error=error, status=400)


def _form(payment: Payment, left: Money, refunds: list[Any], *, amount: str, reason: str,
          error: str | None, status: int) -> tuple[str, int]:
    return render_template(
        "agent/refund.html", payment=payment, left=left, refunds=refunds, amount=amount,
        reason=reason, error=error, max_reason=MAX_REASON,
        nonce=secrets.token_urlsafe(_NONCE_BYTES)), status
