"""Schedule a payment: amount, date (MMDD on the keypad), method tokenized by <Pay> with a
zero charge (in Stripe mode a Stripe PaymentMethod, charged by the runner on the day through
the same PaymentService path as paying now), the authorization read back, then the scheduled
payment and its number."""

from __future__ import annotations

from datetime import date, timedelta

from domain.dates import parse_payment_date
from domain.errors import (
    AmountOutOfRange,
    DateNotInFuture,
    DateTooFarAhead,
    InvalidDate,
    NothingDue,
)
from domain.model import MethodKind
from domain.payment_policy import ScheduleWarning, ScheduleWarningKind
from domain.services.payments import MethodChoice, PaymentRequest
from ivr.voice.flow import (
    ENTRY,
    Ask,
    CollectPayment,
    Heard,
    Outcome,
    PaySpec,
    Step,
    Turn,
    ask,
    entry,
    goto,
    register,
    retry,
)
from ivr.voice.speech import Amount, Characters, Day, Line
from ivr.voice.steps.pay import TokenizeResult, bank_authorization, confirmation_lines
from ivr.voice.steps.payment_common import card_spec, checkout, refused

RECENTLY_PAST = timedelta(days=31)  # "1115" typed on Nov 22 means last week, not next year


def date_from_keys(keys: str, today: date) -> date | None:
    """MMDD typed on the keypad, read by the domain's date parser; None if it is no date."""
    if len(keys) != 4 or not keys.isdigit():
        return None
    try:
        return parse_payment_date(keys, today, recent_past=RECENTLY_PAST)
    except InvalidDate:
        return None


def scheduled_date(turn: Turn) -> date:
    if turn.call.date is None:
        raise RuntimeError("schedule step reached without a date")
    return turn.call.date


@register
class ScheduleDate(Step):
    name = "schedule_date"
    kind = ENTRY
    back = "schedule_amount"

    def ask(self, turn: Turn) -> Ask:
        return entry(Line.of("date_entry"), num_digits=4)

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        today = turn.container.clock.today()
        when = date_from_keys(heard.digits.rstrip("#"), today)
        if when is None:
            return retry(Line.of("date_invalid"))
        try:
            quote = turn.container.payment_service().quote(
                turn.account_id, turn.call.chosen_amount(), MethodKind.BANK, scheduled_for=when)
        except DateNotInFuture:
            return retry(Line.of("date_past"))
        except DateTooFarAhead as limit:
            return retry(Line.of("date_too_far", days=limit.days,
                                 date=Day(limit.latest, with_year=limit.latest.year != today.year)))
        except InvalidDate:
            return retry(Line.of("date_invalid"))
        except AmountOutOfRange:
            return goto("schedule_amount", Line.of("already_covered"))
        except NothingDue:
            return goto("menu", Line.of("nothing_due"))
        turn.call.date = when
        lines = [Line.of("date_heard", date=Day(when, with_year=when.year != today.year))]
        lines += [_warning_line(warning) for warning in quote.warnings]
        return goto("schedule_method", *lines)


@register
class ScheduleMethod(Step):
    name = "schedule_method"
    back = "schedule_date"

    def ask(self, turn: Turn) -> Ask:
        return ask(Line.of("schedule_method_menu",
                           fee=Amount(checkout(turn).fee(MethodKind.CARD))))

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        city = turn.city
        if heard.digits == "1":
            turn.call.method = "card"
            return CollectPayment(card_spec(turn, f"{city} scheduled payment",
                                            "schedule_card_result"),
                                  (Line.of("schedule_card_intro"),))
        if heard.digits == "2":
            turn.call.method = "bank"
            return CollectPayment(PaySpec("ach-debit", "0", f"{city} scheduled payment",
                                          "schedule_bank_result"),
                                  (Line.of("schedule_bank_intro"),))
        return retry(Line.of("not_understood"))


@register
class ScheduleCardResult(TokenizeResult):
    name = "schedule_card_result"
    method_kind = MethodKind.CARD
    next_step = "schedule_authorize"
    retry_step = "schedule_method"


@register
class ScheduleBankResult(TokenizeResult):
    name = "schedule_bank_result"
    next_step = "schedule_authorize"
    retry_step = "schedule_method"


@register
class ScheduleAuthorize(Step):
    """Read back what will happen (and, for a bank account, the TEL authorization)."""

    name = "schedule_authorize"
    back = "schedule_method"
    yes_no = True

    def ask(self, turn: Turn) -> Ask:
        when = scheduled_date(turn)
        today = turn.container.clock.today()
        day = Day(when, with_year=when.year != today.year)
        method = turn.call.tokenized
        assert method is not None
        if method.kind == MethodKind.BANK:
            return ask(bank_authorization(turn, day), timeout=8)
        costs = checkout(turn).costs(turn.call.chosen_amount(), MethodKind.CARD)
        return ask(Line.of("authorize_card", amount=Amount(costs.amount), date=day,
                           last4=Characters(method.last4), fee=Amount(costs.fee),
                           total=Amount(costs.total)), timeout=8)

    def answer(self, turn: Turn, heard: Heard) -> Outcome:
        if heard.digits == "2":
            return goto("menu", Line.of("pay_cancelled"))
        if heard.digits != "1":
            return retry(Line.of("not_understood"))
        method = turn.call.tokenized
        assert method is not None
        pay = checkout(turn)
        when = scheduled_date(turn)
        result = pay.submit(PaymentRequest(
            account_id=turn.account_id, amount=turn.call.chosen_amount(),
            method=MethodChoice.new(method), actor=turn.actor,
            idempotency_key=turn.idempotency_key("schedule"), scheduled_for=when,
            accepted_fee=pay.fee(method.kind)))
        if result.payment is None:
            return refused(result, "schedule_amount")
        turn.call.receipt_conf = result.confirmation_number
        turn.call.tokenized = None
        today = turn.container.clock.today()
        return goto("receipt_offer",
                    Line.of("scheduled_done", amount=Amount(result.amount),
                            date=Day(when, with_year=when.year != today.year)),
                    confirmation_lines(result.confirmation_number))


def _warning_line(warning: ScheduleWarning) -> Line:
    if warning.kind == ScheduleWarningKind.PAST_DUE_BALANCE and warning.past_due is not None:
        return Line.of("warn_past_due", amount=Amount(warning.past_due))
    assert warning.due_date is not None  # AFTER_DUE_DATE
    return Line.of("warn_after_due", date=Day(warning.due_date))
