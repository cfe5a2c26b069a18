"""Paying now and scheduling a payment: amount, date (scheduled only), method, and an explicit
confirmation last. The bot never asks for card or bank numbers: it uses a saved method or
sends a secure pay link (/pay/<token>) for a new card or bank account (docs/architecture.md §5)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from chatbot.actions.conversation import Turn
from chatbot.actions.form_base import TaskForm
from chatbot.actions.form_state import FormState
from chatbot.actions.replies import amount_refusal, money, pay_link_messages, payment_result_text
from chatbot.actions.services import container, public_url
from chatbot.wording import Words
from conversation.checkout import Checkout
from conversation.understanding.amounts import (
    full_balance_requested,
    named_amount_option,
    parse_amount_text,
    past_due_requested,
)
from conversation.understanding.choices import BRANDS, asks_the_cost, method_mentioned, named_method
from conversation.understanding.dates import parse_natural_date
from domain.errors import DomainError
from domain.model import MethodKind, PaymentMethod
from domain.money import Money
from domain.services.payments import MethodChoice, PaymentRequest

LINK = "link"
_LAST4 = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def saved_methods(account_id: int) -> list[PaymentMethod]:
    return [m for m in container().payment_service().saved_methods(account_id) if m.enabled]


def method_choice(value: str | None) -> tuple[str, int | None]:
    """("link", None) or ("saved", method id)."""
    if value and value.startswith("saved:"):
        return "saved", int(value.split(":", 1)[1])
    return LINK, None


def chosen_method(account_id: int, value: str | None) -> PaymentMethod | None:
    kind, method_id = method_choice(value)
    if kind != "saved":
        return None
    return next((m for m in saved_methods(account_id) if m.id == method_id), None)


def match_method(text: str, methods: list[PaymentMethod]) -> str | None:
    """A saved method named by last 4, nickname, brand or kind; or the pay link."""
    words = " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())
    last4 = set(_LAST4.findall(text))
    by_last4 = [m for m in methods if m.last4 in last4]
    if len(by_last4) == 1:
        return f"saved:{by_last4[0].id}"
    named = [m for m in methods if m.nickname and m.nickname.lower() in words]
    if len(named) == 1:
        return f"saved:{named[0].id}"
    kind = method_mentioned(text)  # conversation/understanding/choices.py, both languages
    if kind == LINK:
        return LINK
    if kind == "card" or kind in BRANDS:
        cards = [m for m in methods if m.kind == MethodKind.CARD
                 and (kind == "card" or not m.brand or m.brand.lower() == kind)]
        if len(cards) == 1:
            return f"saved:{cards[0].id}"
        if not cards:
            return LINK
    if kind in ("checking", "savings", "bank"):
        banks = [m for m in methods if m.kind == MethodKind.BANK]
        typed = [m for m in banks if m.bank_account_type and str(m.bank_account_type) == kind]
        if len(typed) == 1:
            return f"saved:{typed[0].id}"
        if len(banks) == 1:
            return f"saved:{banks[0].id}"
        if not banks:
            return LINK
    return None


class PaymentForm(TaskForm):
    scheduled: bool = False
    yes_no_slots = frozenset({"pay_confirmed"})

    def task_slots(self, state: FormState) -> tuple[str, ...]:
        if self.scheduled:
            return ("amount", "payment_date", "payment_method", "pay_confirmed")
        return ("amount", "payment_method", "pay_confirmed")

    def answers_question(self, turn: Turn, requested: str) -> bool:
        return ((requested == "amount" and turn.entity("amount") is not None)
                or (requested == "payment_date" and turn.entity("payment_date") is not None))

    def opening(self, turn: Turn, state: FormState, dispatcher: CollectingDispatcher) -> None:
        # Kept as typed until the account is known, then checked (after_verified).
        # "..., the full amount on my visa", "quiero pagar todo con la visa": an option and
        # a method named outright ("pay my bill" names the task, not an amount).
        option = named_amount_option(turn.text)
        if turn.entity("amount"):
            state.set("amount", f"typed:{turn.entity('amount')}")
        elif option is not None:
            state.set("amount", "typed:" + {"full": "the full balance",
                                            "past_due": "the past due amount"}[option])
        if self.scheduled and turn.entity("payment_date"):
            state.set("payment_date", f"typed:{turn.entity('payment_date')}")
        method = named_method(turn.text)
        if method is not None:
            state.set("payment_method", f"typed:{method}")

    def after_verified(self, turn: Turn, state: FormState,
                       dispatcher: CollectingDispatcher) -> None:
        account_id = state.account_id
        assert account_id is not None
        words = turn.wording
        if not container().payment_service().payable(account_id).is_positive():
            dispatcher.utter_message(text=words.say("nothing_to_pay"))
            state.end("nothing_to_do")
            return
        typed_method = state.get("payment_method")
        if isinstance(typed_method, str) and typed_method.startswith("typed:"):
            state.clear("payment_method")
            choice = match_method(typed_method.removeprefix("typed:"),
                                  saved_methods(account_id))
            if choice is not None:
                state.set("payment_method", choice)
        if not saved_methods(account_id):
            state.set("payment_method", LINK)
        typed_amount = state.get("amount")
        if isinstance(typed_amount, str) and typed_amount.startswith("typed:"):
            state.clear("amount")
            self._take_amount(typed_amount.removeprefix("typed:"), state, dispatcher, words)
        typed_date = state.get("payment_date")
        if isinstance(typed_date, str) and typed_date.startswith("typed:"):
            state.clear("payment_date")
            self._take_date(typed_date.removeprefix("typed:"), state, dispatcher, words)

    def answer(self, turn: Turn, requested: str, state: FormState,
               dispatcher: CollectingDispatcher) -> None:
        words = turn.wording
        if requested == "amount":
            self._take_amount(turn.entity("amount") or turn.text, state, dispatcher, words)
        elif requested == "payment_date":
            self._take_date(turn.entity("payment_date") or turn.text, state, dispatcher, words)
        elif requested == "payment_method":
            choice = match_method(turn.text, saved_methods(state.account_id or 0))
            if asks_the_cost(turn.text):
                # "is there a fee by card?" while choosing is a question, not a choice: what
                # each way costs, then the method is asked again.
                dispatcher.utter_message(text=fee_answer(state, words))
            elif choice is not None:
                state.set("payment_method", choice)
            elif not (turn.entity("amount") or turn.entity("payment_date")):
                # (A correction such as "make it the 20th instead" is taken by corrections.)
                dispatcher.utter_message(text=words.say("method.unclear"))
        elif requested == "pay_confirmed":
            self._confirmation(turn, state, dispatcher)

    def corrections(self, turn: Turn, requested: str, state: FormState,
                    dispatcher: CollectingDispatcher) -> None:
        if requested not in self.task_slots(state):
            return
        changed, words = False, turn.wording
        if requested != "amount" and turn.entity("amount"):
            changed = self._take_amount(turn.entity("amount") or "", state, dispatcher, words)
        if self.scheduled and requested != "payment_date" and turn.entity("payment_date"):
            changed = self._take_date(turn.entity("payment_date") or "", state,
                                      dispatcher, words) or changed
        if changed:
            # A new amount or date must be heard with its fee and total before it is paid,
            # even when the same message said "yes".
            state.clear("pay_confirmed")

    def _confirmation(self, turn: Turn, state: FormState,
                      dispatcher: CollectingDispatcher) -> None:
        """Only a clear yes pays (conversation/understanding/consent.py). A question is answered,
        a change applied (corrections() re-checks a new amount or date), and the summary asked
        again."""
        if turn.is_question:
            if not (turn.entity("amount") or turn.entity("payment_date")):
                self.not_yet_consent(turn, state, dispatcher)
            return
        if self._corrected(turn, state):
            return  # even "yes, but with my checking": the new summary is confirmed first
        decision = turn.yes_or_no()
        if decision is None:
            self.not_yet_consent(turn, state, dispatcher)
        else:
            state.set("pay_confirmed", decision)

    def not_yet_consent(self, turn: Turn, state: FormState,
                        dispatcher: CollectingDispatcher) -> None:
        if asks_the_cost(turn.text):
            dispatcher.utter_message(text=fee_answer(state, turn.wording))
            return
        super().not_yet_consent(turn, state, dispatcher)

    def _corrected(self, turn: Turn, state: FormState) -> bool:
        """At the confirmation, "use my checking instead" changes the method."""
        choice = match_method(turn.text, saved_methods(state.account_id or 0))
        if choice is not None and choice != state.get("payment_method"):
            state.set("payment_method", choice)
            return True
        return turn.entity("amount") is not None or turn.entity("payment_date") is not None

    # --- the amount and the date, checked by the payment rules ---------------------------
    def _take_amount(self, text: str, state: FormState, dispatcher: CollectingDispatcher,
                     words: Words) -> bool:
        account_id = state.account_id
        assert account_id is not None
        checkout = Checkout(container())
        try:
            # A button's payload in either language ("the full balance", "el saldo total").
            if Words.is_payload("full_balance", text) or full_balance_requested(text):
                amount = checkout.options(account_id).full
            elif Words.is_payload("past_due", text) or past_due_requested(text):
                amount = checkout.options(account_id).past_due
                if not amount.is_positive():
                    dispatcher.utter_message(text=words.say("amount.nothing_past_due"))
                    return False
            else:
                amount = parse_amount_text(text, words.language)
            check = checkout.check_amount(account_id, amount)
        except DomainError as error:
            dispatcher.utter_message(text=words.domain(error.detail, "amount.unclear"))
            return False
        if not check.ok:
            dispatcher.utter_message(text=amount_refusal(check, words))
            return False
        state.set("amount", amount.canonical())
        return True

    def _take_date(self, text: str, state: FormState, dispatcher: CollectingDispatcher,
                   words: Words) -> bool:
        account_id = state.account_id
        assert account_id is not None
        services = container()
        today = services.clock.today()
        try:
            when = parse_natural_date(text, today, words.language)
            warnings = services.payment_service().check_date(account_id, when)
        except DomainError as error:
            dispatcher.utter_message(text=words.domain(error.detail, "date.unclear"))
            return False
        for warning in warnings:
            dispatcher.utter_message(text=words.warning(warning))
        state.set("payment_date", when.isoformat())
        return True


class ValidatePayForm(PaymentForm):
    form = "pay_form"
    task = "pay_bill"
    scheduled = False


class ValidateScheduleForm(PaymentForm):
    form = "schedule_form"
    task = "schedule_payment"
    scheduled = True


# --- carrying it out (action_finish_task) --------------------------------------------------
def finish_payment(turn: Turn, tracker: Tracker, dispatcher: CollectingDispatcher,
                   scheduled: bool) -> None:
    words = turn.wording
    if not tracker.get_slot("pay_confirmed"):
        dispatcher.utter_message(text=words.say("not_paid"))
        return
    account_id = turn.account_id
    assert account_id is not None
    services = container()
    amount = Money.of(str(tracker.get_slot("amount")))
    when = date.fromisoformat(tracker.get_slot("payment_date")) if scheduled else None
    today = services.clock.today()
    checkout = Checkout(services)
    kind, method_id = method_choice(tracker.get_slot("payment_method"))
    if kind == LINK:
        link = checkout.pay_link(account_id, amount, turn.actor(), public_url(),
                                 scheduled_for=when)
        for text in pay_link_messages(link, today, words):
            dispatcher.utter_message(text=text)
        return
    method = chosen_method(account_id, tracker.get_slot("payment_method"))
    if method is None or method_id is None:
        dispatcher.utter_message(text=words.say("method.gone"))
        return
    result = checkout.submit(PaymentRequest(
        account_id=account_id, amount=amount, method=MethodChoice.saved(method_id),
        actor=turn.actor(), idempotency_key=turn.idempotency_key(
            "schedule" if scheduled else "pay"),
        accepted_fee=checkout.fee(method.kind), scheduled_for=when))
    dispatcher.utter_message(text=payment_result_text(result, today, words))


def fee_answer(state: FormState, words: Words) -> str:
    """The fee and total of the payment being confirmed, for a question about them."""
    account_id = state.account_id or 0
    checkout = Checkout(container())
    amount = Money.of(str(state.get("amount")))
    method = chosen_method(account_id, state.get("payment_method"))
    if method is None:
        card = checkout.costs(amount, MethodKind.CARD)
        return words.say("fee.link", fee=money(card.fee), total=money(card.total))
    costs = checkout.costs(amount, method.kind)
    label = words.method(method.label())
    if costs.has_fee:
        return words.say("fee.card", method=label, fee=money(costs.fee),
                         total=money(costs.total))
    return words.say("fee.none", method=label, total=money(costs.total))


def pay_summary(tracker: Tracker, scheduled: bool) -> dict[str, Any]:
    """The confirmation question: what, when, how, fee and total (said in full every time it
    is asked: it is what the resident consents to)."""
    turn = Turn(tracker)
    words = turn.wording
    account_id = turn.account_id
    assert account_id is not None  # asked only once the form has verified
    services = container()
    checkout = Checkout(services)
    amount = Money.of(str(tracker.get_slot("amount")))
    today = services.clock.today()
    when = (words.say("confirm.when_on",
                      day=words.date(date.fromisoformat(tracker.get_slot("payment_date")), today))
            if scheduled else words.say("confirm.when_now"))
    method = chosen_method(account_id, tracker.get_slot("payment_method"))
    if method is None:
        card = checkout.costs(amount, MethodKind.CARD)
        text = words.say("confirm.link", amount=money(amount), when=when, fee=money(card.fee),
                         total=money(card.total))
    else:
        costs = checkout.costs(amount, method.kind)
        fee_text = (words.say("confirm.fee", fee=money(costs.fee), total=money(costs.total))
                    if costs.has_fee else words.say("confirm.no_fee"))
        text = words.say("confirm.schedule" if scheduled else "confirm.pay",
                         amount=money(amount), when=when, method=words.method(method.label()),
                         costs=fee_text)
    return {"text": text, "buttons": words.yes_no_buttons()}
