"""Review or cancel scheduled payments, one at a time. Payments already pending are explained
as no longer cancellable (seed FAQ: cancel only while scheduled)."""

from __future__ import annotations

from domain.errors import PaymentNotCancellable, PaymentNotFound
from domain.model import Payment
from ivr.voice.flow import Ask, Heard, Outcome, Step, Turn, ask, goto, register, retry
from ivr.voice.speech import Amount, Day, Line, method_phrase

MAX_PENDING_READ = 3


def _current(turn: Turn) -> Payment | None:
    confs = turn.call.review or ()
    index = turn.call.review_index or 0
    if not 0 <= index < len(confs):
        return None
    try:
        return turn.container.payment_service().find(turn.account_id, confs[index])
    except PaymentNotFound:
        return None


@register
class Review(Step):
    name = "review"

    def ask(self, turn: Turn) -> Outcome:
        summary = turn.container.balance_service().summary(turn.account_id)
        lines = [Line.of("pending_explained", amount=Amount(p.amount), date=Day(p.scheduled_for))
                 for p in summary.pending_payments[:MAX_PENDING_READ]]
        scheduled = turn.container.payment_service().scheduled_payments(turn.account_id)
        if not scheduled:
            return goto("menu", *lines, Line.of("none_scheduled"))
        turn.call.review = tuple(p.confirmation_number for p in scheduled)
        turn.call.review_index = 0
        return goto("review_item", *lines)


@register
class ReviewItem(Step):
    name = "review_item"

    def ask(self, turn: Turn) -> Ask | Outcome:
        payment = _current(turn)
        if payment is None:
            return goto("menu")
        confs = turn.call.review or ()
        index = turn.call.review_index or 0
        last = index == len(confs) - 1
        return ask(Line.of("scheduled_item_last" if last else "scheduled_item",
                           index=index + 1, count=len(confs), amount=Amount(payment.amount),
                           date=Day(payment.scheduled_for),
                           method=method_phrase(payment.method_label, turn.language)))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        confs = turn.call.review or ()
        index = turn.call.review_index or 0
        if heard.digits == "1":
            return goto("review_cancel")
        if heard.digits == "2" and index < len(confs) - 1:
            turn.call.review_index = index + 1
            return goto("review_item")
        if heard.digits == "3":
            return goto("menu")
        return retry(Line.of("not_understood"))


@register
class ReviewCancel(Step):
    name = "review_cancel"
    back = "review_item"
    yes_no = True

    def ask(self, turn: Turn) -> Ask | Outcome:
        payment = _current(turn)
        if payment is None:
            return goto("menu")
        return ask(Line.of("cancel_confirm", amount=Amount(payment.amount),
                           date=Day(payment.scheduled_for)))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        if heard.digits == "2":
            return goto("review_item", Line.of("cancel_kept"))
        if heard.digits != "1":
            return retry(Line.of("not_understood"))
        payment = _current(turn)
        if payment is None:
            return goto("menu")
        try:
            cancelled = turn.container.payment_service().cancel(
                turn.account_id, payment.confirmation_number, turn.actor)
        except PaymentNotCancellable:
            return goto("menu", Line.of("cancel_too_late"))
        return goto("menu", Line.of("cancel_done", amount=Amount(cancelled.amount),
                                    date=Day(cancelled.scheduled_for)))
