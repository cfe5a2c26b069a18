"""The tasks with little to ask once the resident is verified: the balance read-out, payment
status and history, cancelling a scheduled payment, and paperless billing."""

from __future__ import annotations

import re

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from chatbot.actions.conversation import FAQ_CONFIDENCE, Turn
from chatbot.actions.form_base import TaskForm
from chatbot.actions.form_state import FormState
from chatbot.actions.replies import money
from chatbot.actions.services import container
from chatbot.actions.summaries import asks_for_everything, balance_reply, status_messages
from chatbot.wording import Words
from domain.errors import InvalidEmail
from domain.model import Payment, PaymentStatus
from domain.services.paperless import mask_email, normalize_email

_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
             "4th": 4, "fifth": 5, "5th": 5, "last": -1, "one": 1, "two": 2, "three": 3,
             # "el primero", "la segunda", "el último", "el uno"
             "primero": 1, "primera": 1, "primer": 1, "segundo": 2, "segunda": 2, "tercero": 3,
             "tercera": 3, "tercer": 3, "cuarto": 4, "cuarta": 4, "quinto": 5, "quinta": 5,
             "ultimo": -1, "ultima": -1, "último": -1, "última": -1, "uno": 1, "una": 1,
             "dos": 2, "tres": 3}
_EMAIL = re.compile(r"[^\s<>\"']+@[^\s<>\"']+")
ON_FILE = "on_file"


class ValidateBalanceForm(TaskForm):
    form = "balance_form"
    task = "check_balance"


class ValidateStatusForm(TaskForm):
    form = "status_form"
    task = "payment_status"


def finish_balance(turn: Turn, dispatcher: CollectingDispatcher) -> None:
    words = turn.wording
    messages, left = balance_reply(turn.account_id, words)  # type: ignore[arg-type]
    for message in messages:
        dispatcher.utter_message(text=message)
    if not left.is_positive():
        return  # nothing due, or already on its way: no offer to pay
    dispatcher.utter_message(text=words.say("balance.offer"),
                             buttons=[words.button("pay_now"), words.button("schedule")])


def finish_status(turn: Turn, dispatcher: CollectingDispatcher) -> None:
    # "all my payments" (the request itself, for a resident verified before it) asks for all.
    for message in status_messages(turn.account_id, turn.wording,  # type: ignore[arg-type]
                                   everything=asks_for_everything(turn.text)):
        dispatcher.utter_message(text=message)


# --- cancelling a scheduled payment -------------------------------------------------------
def _scheduled(account_id: int) -> list[Payment]:
    return container().payment_service().scheduled_payments(account_id)


def _pending(account_id: int) -> list[Payment]:
    history = container().payment_service().history(account_id)
    return [p for p in history if p.status == PaymentStatus.PENDING]


class ValidateCancelForm(TaskForm):
    form = "cancel_form"
    task = "cancel_scheduled_payment"
    yes_no_slots = frozenset({"cancel_confirmed"})

    def task_slots(self, state: FormState) -> tuple[str, ...]:
        return ("cancel_choice", "cancel_confirmed")

    def answers_question(self, turn: Turn, requested: str) -> bool:
        return requested == "cancel_choice" and turn.entity("amount") is not None

    def after_verified(self, turn: Turn, state: FormState,
                       dispatcher: CollectingDispatcher) -> None:
        account_id = state.account_id
        assert account_id is not None
        scheduled = _scheduled(account_id)
        if not scheduled:
            text = turn.wording.say("cancel.none")
            if _pending(account_id):
                text += turn.wording.say("cancel.pending_note")
            dispatcher.utter_message(text=text)
            state.end("nothing_to_do")
        elif len(scheduled) == 1:
            state.set("cancel_choice", scheduled[0].confirmation_number)

    def answer(self, turn: Turn, requested: str, state: FormState,
               dispatcher: CollectingDispatcher) -> None:
        if requested == "cancel_choice":
            chosen = pick_payment(turn, _scheduled(state.account_id or 0))
            if chosen is None:
                dispatcher.utter_message(text=turn.wording.say("cancel.which"))
            else:
                state.set("cancel_choice", chosen.confirmation_number)
        elif requested == "cancel_confirmed":
            decision = turn.yes_or_no()
            if decision is None:
                self.not_yet_consent(turn, state, dispatcher)
            else:
                state.set("cancel_confirmed", decision)


def pick_payment(turn: Turn, payments: list[Payment]) -> Payment | None:
    """By position ("2", "the second one"), confirmation number, or a unique amount."""
    words = turn.words
    typed = "".join(ch for ch in words if ch.isalnum())
    for payment in payments:
        stored = "".join(ch for ch in payment.confirmation_number.lower() if ch.isalnum())
        if stored and stored in typed:
            return payment
    positions = [int(token) if token.isdigit() and len(token) <= 2 else _ORDINALS.get(token)
                 for token in words.split()]
    position = next((p for p in positions if p), None)
    if position is not None:
        # The first number or ordinal said decides ("the third one" is 3, not "one");
        # one that is not on the list is asked again, never another payment.
        index = position - 1 if position > 0 else len(payments) - 1
        return payments[index] if 0 <= index < len(payments) else None
    amount = turn.entity("amount")
    if amount:
        digits = amount.replace("$", "").replace(",", "").strip()
        matching = [p for p in payments if p.amount.canonical() in (digits, f"{digits}.00")]
        if len(matching) == 1:
            return matching[0]
    return None


def finish_cancel(turn: Turn, tracker: Tracker, dispatcher: CollectingDispatcher) -> None:
    words = turn.wording
    if not tracker.get_slot("cancel_confirmed"):
        dispatcher.utter_message(text=words.say("cancel.kept"))
        return
    services = container()
    payment = services.payment_service().cancel(
        turn.account_id or 0, tracker.get_slot("cancel_choice"), turn.actor())
    today = services.clock.today()
    dispatcher.utter_message(text=words.say("cancel.done", amount=money(payment.amount),
                                            day=words.date(payment.scheduled_for, today),
                                            confirmation=payment.confirmation_number))


# --- paperless billing ----------------------------------------------------------------------
class ValidatePaperlessForm(TaskForm):
    form = "paperless_form"
    task = "enroll_paperless"
    yes_no_slots = frozenset({"paperless_email", "paperless_confirmed"})

    def task_slots(self, state: FormState) -> tuple[str, ...]:
        return ("paperless_email", "paperless_confirmed")

    def answers_question(self, turn: Turn, requested: str) -> bool:
        return requested == "paperless_email" and turn.entity("email") is not None

    def opening(self, turn: Turn, state: FormState, dispatcher: CollectingDispatcher) -> None:
        if turn.entity("email"):
            state.set("paperless_email", f"typed:{turn.entity('email')}")

    def after_verified(self, turn: Turn, state: FormState,
                       dispatcher: CollectingDispatcher) -> None:
        status = container().paperless_service().status(state.account_id or 0)
        if status.enrolled:
            dispatcher.utter_message(text=turn.wording.say("paperless.already",
                                                           email=status.masked_email))
            state.end("nothing_to_do")
            return
        typed = state.get("paperless_email")
        if isinstance(typed, str) and typed.startswith("typed:"):
            state.clear("paperless_email")
            _take_email(typed.removeprefix("typed:"), state, dispatcher, turn.wording)

    def answer(self, turn: Turn, requested: str, state: FormState,
               dispatcher: CollectingDispatcher) -> None:
        words = turn.wording
        if requested == "paperless_email":
            typed = turn.entity("email") or _email_in(turn.text)
            on_file = container().paperless_service().status(state.account_id or 0).email_on_file
            decision = turn.yes_or_no()
            if typed:
                _take_email(typed, state, dispatcher, words)
            elif on_file and decision is True:
                state.set("paperless_email", ON_FILE)
            elif not on_file or decision is False:
                dispatcher.utter_message(text=words.say("paperless.type_email"))
            elif turn.is_question and (answer := turn.faq_answer(FAQ_CONFIDENCE)):
                dispatcher.utter_message(text=answer)
            else:
                dispatcher.utter_message(text=words.say("paperless.yes_or_email"))
        elif requested == "paperless_confirmed":
            decision = turn.yes_or_no()
            typed = turn.entity("email") or _email_in(turn.text)
            if typed:
                _take_email(typed, state, dispatcher, words)
            elif decision is None:
                self.not_yet_consent(turn, state, dispatcher)
            else:
                state.set("paperless_confirmed", decision)


def _email_in(text: str) -> str | None:
    match = _EMAIL.search(text or "")
    return match.group(0).rstrip(".,;:!?)") if match else None


def _take_email(text: str, state: FormState, dispatcher: CollectingDispatcher,
                words: Words) -> bool:
    try:
        state.set("paperless_email", normalize_email(text))
    except InvalidEmail:
        dispatcher.utter_message(text=words.say("paperless.bad_email"))
        return False
    state.clear("paperless_confirmed")
    return True


def paperless_address(account_id: int, slot_value: str | None) -> str | None:
    if slot_value == ON_FILE:
        return container().paperless_service().status(account_id).email_on_file
    return slot_value


def finish_paperless(turn: Turn, tracker: Tracker, dispatcher: CollectingDispatcher) -> None:
    words = turn.wording
    if not tracker.get_slot("paperless_confirmed"):
        dispatcher.utter_message(text=words.say("paperless.kept"))
        return
    account_id = turn.account_id or 0
    address = paperless_address(account_id, tracker.get_slot("paperless_email"))
    status = container().paperless_service().enroll(account_id, address or "", turn.actor())
    dispatcher.utter_message(text=words.say("paperless.done", email=status.masked_email))


class ValidateUnenrollForm(TaskForm):
    form = "unenroll_form"
    task = "unenroll_paperless"
    yes_no_slots = frozenset({"unenroll_confirmed"})

    def task_slots(self, state: FormState) -> tuple[str, ...]:
        return ("unenroll_confirmed",)

    def after_verified(self, turn: Turn, state: FormState,
                       dispatcher: CollectingDispatcher) -> None:
        if not container().paperless_service().status(state.account_id or 0).enrolled:
            dispatcher.utter_message(text=turn.wording.say("unenroll.not_enrolled"))
            state.end("nothing_to_do")

    def answer(self, turn: Turn, requested: str, state: FormState,
               dispatcher: CollectingDispatcher) -> None:
        decision = turn.yes_or_no()
        if decision is None:
            self.not_yet_consent(turn, state, dispatcher)
        else:
            state.set("unenroll_confirmed", decision)


def finish_unenroll(turn: Turn, tracker: Tracker, dispatcher: CollectingDispatcher) -> None:
    if not tracker.get_slot("unenroll_confirmed"):
        dispatcher.utter_message(text=turn.wording.say("unenroll.kept"))
        return
    container().paperless_service().unenroll(turn.account_id or 0, turn.actor())
    dispatcher.utter_message(text=turn.wording.say("unenroll.done"))


def email_question(account_id: int, words: Words) -> str:
    on_file = container().paperless_service().status(account_id).email_on_file
    if on_file:
        return words.say("paperless.ask_on_file", email=mask_email(on_file))
    return words.say("paperless.ask_email")
