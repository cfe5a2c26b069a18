"""The account read-outs: balance and bills, payment status and history, each message short
enough for a phone (lists one line an item, at most 5 items a message)."""

from __future__ import annotations

import re

from chatbot.actions.replies import money, payment_line, rejected_line
from chatbot.actions.services import container
from chatbot.wording import Words
from domain.model import PaymentStatus
from domain.money import Money

MAX_LINES = 5
# "all my payments", "show me more", "todos mis pagos", "los anteriores": the whole history.
_EVERYTHING = re.compile(r"\b(all|every|older|earlier|more|todos|todas|anteriores|mas|más)\b",
                         re.IGNORECASE)


def balance_messages(account_id: int, words: Words) -> list[str]:
    return balance_reply(account_id, words)[0]


def balance_reply(account_id: int, words: Words) -> tuple[list[str], Money]:
    """The balance read-out, and what is left to pay once the payments on their way count
    (nothing to offer to pay when it is zero): one read of the account for both."""
    services = container()
    today = services.clock.today()
    summary = services.balance_service().summary(account_id)
    account = words.account(summary.account_number)
    as_of = words.date(summary.as_of, today)
    if summary.total_due.is_positive():
        first = words.say("balance.owes", as_of=as_of, account=account,
                          total=money(summary.total_due))
        if summary.past_due.is_positive():
            first += words.say("balance.past_due", amount=money(summary.past_due))
        if summary.next_due_date:
            first += words.say("balance.next_due", day=words.date(summary.next_due_date, today))
    elif summary.credit.is_positive():
        first = words.say("balance.credit", as_of=as_of, account=account,
                          credit=money(summary.credit))
    else:
        first = words.say("balance.nothing_due", as_of=as_of, account=account)
    messages = [first]
    unpaid = [bill for bill in summary.bills if bill.unpaid.is_positive()]
    if unpaid:
        lines = [words.say("balance.bill", number=bill.bill_number, kind=bill.bill_type,
                           short=words.short_date(bill.due_date), unpaid=money(bill.unpaid),
                           total=money(bill.total))
                 + (words.say("balance.bill_past_due") if bill.past_due else "")
                 for bill in unpaid[:MAX_LINES]]
        if len(unpaid) > MAX_LINES:
            lines.append(words.say("balance.more_bills", count=len(unpaid) - MAX_LINES))
        messages.append(_listed(words.say("balance.bills"), lines))
    if summary.pending_payments:
        messages.append(words.say("balance.pending", payments="; ".join(
            words.say("balance.pending_one", amount=money(p.amount),
                      method=words.method(p.method_label), confirmation=p.confirmation_number)
            for p in summary.pending_payments[:MAX_LINES])))
    if summary.scheduled_payments:
        messages.append(words.say("balance.scheduled", payments="; ".join(
            words.say("balance.scheduled_one", amount=money(p.amount),
                      day=words.date(p.scheduled_for, today),
                      method=words.method(p.method_label), confirmation=p.confirmation_number)
            for p in summary.scheduled_payments[:MAX_LINES])))
    if summary.total_due.is_positive() and summary.committed.is_positive():
        # What the resident really wants to know after paying: is anything still owed?
        left = summary.remaining_after_payments
        messages.append(words.say("balance.left", amount=money(left)) if left.is_positive()
                        else words.say("balance.covered"))
    return messages, summary.remaining_after_payments


def asks_for_everything(text: str) -> bool:
    """"all my payments", "show me older ones": the whole history, not the latest five."""
    return _EVERYTHING.search(text or "") is not None


def status_messages(account_id: int, words: Words, everything: bool = False) -> list[str]:
    """The payments, newest first, one line each: the latest five (and how to see more), or
    all of the last 24 months, five to a message, when the resident asked for them all."""
    history = sorted(container().payment_service().history(account_id),
                     key=lambda p: p.scheduled_for, reverse=True)
    if not history:
        return [words.say("history.none")]
    shown = history if everything else history[:MAX_LINES]
    messages = []
    for start in range(0, len(shown), MAX_LINES):
        title = words.say("history.heading" if start == 0 else "history.heading_more")
        messages.append(_listed(title, [payment_line(p, words)
                                        for p in shown[start:start + MAX_LINES]]))
    if len(shown) < len(history):
        messages[-1] += "\n" + words.say("history.more")
    rejected = next((line for p in shown if (line := rejected_line(p, words))), None)
    if rejected:
        messages.append(rejected)  # the latest rejection's reason, once
    if any(p.status == PaymentStatus.PENDING for p in shown):
        messages.append(words.say("history.pending_note"))
    return messages


def _listed(title: str, lines: list[str]) -> str:
    return "\n".join([title, *(f"- {line}" for line in lines)])
