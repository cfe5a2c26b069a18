"""The balance readout (the Munis "Manage Bills" summary, spoken), then the main menu."""

from __future__ import annotations

from ivr.voice.flow import Outcome, Step, Turn, goto, register
from ivr.voice.speech import Amount, Day, Line

MAX_LISTED = 3  # pending/scheduled payments read out; more is a list for the web


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
        return goto("menu", *lines)
