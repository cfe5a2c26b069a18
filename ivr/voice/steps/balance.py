"""The balance readout (the Munis "Manage Bills" summary, spoken), then the main menu.
Recent payments whose money went back (refunded, disputed) are said too: the balance owes
them again, and the caller should hear why."""

from __future__ import annotations

from datetime import timedelta

from conversation.payment_history import MoneyBackKind, money_back
from ivr.voice.flow import Outcome, Step, Turn, goto, register
from ivr.voice.speech import Amount, Day, Line

MAX_LISTED = 3  # pending/scheduled payments read out; more is a list for the web
# Refunds and disputes of payments made this recently are read out; older ones the caller
# hears from an agent (or reads online), so the readout stays short.
MONEY_BACK_DAYS = 90
_MONEY_BACK_PROMPTS = {MoneyBackKind.REFUNDED: "history_refunded",
                       MoneyBackKind.REFUNDED_IN_FULL: "history_refunded_in_full",
                       MoneyBackKind.DISPUTED: "history_disputed"}


@register
class Balance(Step):
    name = "balance"

    def ask(self, turn: Turn) -> Outcome:
        summary = turn.container.balance_service().summary(turn.account_id)
        today = Day(summary.as_of)
        lines: list[Line] = []
        if summary.total_due.is_positive():
            lines.append(Line.of("balance_total", today=today, amount=Amount(summary.total_due)))
            if summary.past_due.is_positive():
                lines.append(Line.of("balance_past_due", amount=Amount(summary.past_due)))
            if summary.next_due_date:
                lines.append(Line.of("balance_next_due", date=Day(summary.next_due_date)))
        else:
            lines.append(Line.of("balance_none", today=today))
            if summary.credit.is_positive():
                lines.append(Line.of("balance_credit", amount=Amount(summary.credit)))
        for pending in summary.pending_payments[:MAX_LISTED]:
            lines.append(Line.of("balance_pending", amount=Amount(pending.amount),
                                 date=Day(pending.scheduled_for)))
        for scheduled in summary.scheduled_payments[:MAX_LISTED]:
            lines.append(Line.of("balance_scheduled", amount=Amount(scheduled.amount),
                                 date=Day(scheduled.scheduled_for)))
        lines.extend(_money_back(turn))
        return goto("menu", *lines)


def _money_back(turn: Turn) -> list[Line]:
    since = turn.container.clock.now() - timedelta(days=MONEY_BACK_DAYS)
    lines: list[Line] = []
    for payment in turn.container.payment_service().history(turn.account_id):
        note = money_back(payment)
        if note is None or payment.created_at < since:
            continue
        extra = {"refund": Amount(note.amount)} if note.kind == MoneyBackKind.REFUNDED else {}
        lines.append(Line.of(_MONEY_BACK_PROMPTS[note.kind], amount=Amount(payment.total),
                             date=Day(payment.scheduled_for), **extra))
        if len(lines) == MAX_LISTED:
            break
    return lines
