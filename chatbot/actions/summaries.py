"""The account read-outs: balance and bills, payment status and history."""

from __future__ import annotations

from chatbot.actions.replies import day, money, payment_line
from chatbot.actions.services import container
from domain.model import PaymentStatus
from domain.money import Money

_MAX_BILLS = 5
_MAX_HISTORY = 5


def balance_messages(account_id: int) -> list[str]:
    return balance_reply(account_id)[0]


def balance_reply(account_id: int) -> tuple[list[str], Money]:
    """The balance read-out, and what is left to pay once the payments on their way count
    (nothing to offer to pay when it is zero): one read of the account for both."""
    services = container()
    today = services.clock.today()
    summary = services.balance_service().summary(account_id)
    label = f"the account ending {summary.account_number[-4:]}"
    if summary.total_due.is_positive():
        first = f"As of {day(summary.as_of, today)}, {label} owes {money(summary.total_due)}."
        if summary.past_due.is_positive():
            first += f" {money(summary.past_due)} of that is past due."
        if summary.next_due_date:
            first += f" The next due date is {day(summary.next_due_date, today)}."
    elif summary.credit.is_positive():
        first = (f"As of {day(summary.as_of, today)}, {label} has a credit of "
                 f"{money(summary.credit)}. Nothing is due.")
    else:
        first = f"As of {day(summary.as_of, today)}, nothing is due on {label}."
    messages = [first]
    unpaid = [bill for bill in summary.bills if bill.unpaid.is_positive()][:_MAX_BILLS]
    if unpaid:
        lines = [f"bill {bill.bill_number} ({bill.bill_type}), due {day(bill.due_date, today)}: "
                 f"{money(bill.unpaid)} unpaid of {money(bill.total)}"
                 + (" (past due)" if bill.past_due else "") for bill in unpaid]
        messages.append("Open bills: " + "; ".join(lines) + ".")
    if summary.pending_payments:
        messages.append("Being processed: " + "; ".join(
            f"{money(p.amount)} with {p.method_label} (confirmation {p.confirmation_number})"
            for p in summary.pending_payments) + ".")
    if summary.scheduled_payments:
        messages.append("Scheduled: " + "; ".join(
            f"{money(p.amount)} on {day(p.scheduled_for, today)} with {p.method_label} "
            f"(confirmation {p.confirmation_number})" for p in summary.scheduled_payments) + ".")
    if summary.total_due.is_positive() and summary.committed.is_positive():
        # What the resident really wants to know after paying: is anything still owed?
        left = summary.remaining_after_payments
        messages.append(f"With those payments, {money(left)} is left to pay." if
                        left.is_positive() else
                        "Those payments cover the balance: nothing more is left to pay.")
    return messages, summary.remaining_after_payments


def status_messages(account_id: int) -> list[str]:
    services = container()
    today = services.clock.today()
    history = services.payment_service().history(account_id)
    if not history:
        return ["There are no payments on this account in the last 24 months."]
    open_ones = [p for p in history
                 if p.status in (PaymentStatus.SCHEDULED, PaymentStatus.PENDING)]
    recent = [p for p in history if p not in open_ones][:_MAX_HISTORY]
    messages = []
    if open_ones:
        messages.append("Open payments: " + "; ".join(payment_line(p, today)
                                                     for p in open_ones) + ".")
    if recent:
        messages.append("Recent payments: " + "; ".join(
            _finished_line(p, today) for p in recent) + ".")
    if any(p.status == PaymentStatus.PENDING for p in open_ones):
        messages.append("A pending payment is already on its way and can't be cancelled; a "
                        "scheduled one can be cancelled until its date.")
    return messages


def _finished_line(payment, today) -> str:  # type: ignore[no-untyped-def]
    line = payment_line(payment, today)
    if payment.status == PaymentStatus.REJECTED and payment.rejection_reason:
        line += f", reason: {payment.rejection_reason}"
    return line
