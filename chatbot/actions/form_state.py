"""The slots of a form while one turn is worked out: read from the tracker, changed by the
turn, and returned to Rasa as events (including which slot to ask next).

On SMS the verification is the thread's (see chatbot/actions/conversation.py): the form
starts from it, and the `verified_account_id` slot is brought in line with it."""

from __future__ import annotations

from typing import Any

from rasa_sdk.events import EventType, SlotSet

from chatbot.actions.conversation import Turn, account_label, slot_account_id
from chatbot.actions.services import container


class FormState:
    def __init__(self, turn: Turn) -> None:
        self._slots: dict[str, Any] = dict(turn.tracker.slots)
        self.changes: dict[str, Any] = {}
        self.outcome: str | None = None
        if turn.thread is not None:
            account_id = turn.account_id
            shared = str(account_id) if account_id is not None else None
            if shared != self._slots.get("verified_account_id"):
                # Verified (or forgotten) on the keyword path since the bot's last turn.
                self.set("verified_account_id", shared)
                self.set("account_label", None if account_id is None else account_label(
                    container().balance_service().summary(account_id).account_number))

    def get(self, name: str) -> Any:
        return self.changes[name] if name in self.changes else self._slots.get(name)

    def set(self, name: str, value: Any) -> None:
        self.changes[name] = value

    def clear(self, *names: str) -> None:
        for name in names:
            self.set(name, None)

    def end(self, outcome: str) -> None:
        """Ends the form after this turn; action_finish_task acts on the outcome."""
        self.outcome = outcome

    @property
    def account_id(self) -> int | None:
        return slot_account_id(self.get("verified_account_id"))

    @property
    def verified(self) -> bool:
        return self.account_id is not None

    def events(self, requested: str | None, next_slot: str | None) -> list[EventType]:
        events: list[EventType] = [SlotSet(name, value) for name, value in self.changes.items()]
        if requested is not None and requested not in self.changes:
            # Always answer for the slot that was asked: Rasa treats a form turn that sets
            # nothing as "not for this form" and would leave the form.
            events.append(SlotSet(requested, self.get(requested)))
        if self.outcome is not None:
            events.append(SlotSet("form_outcome", self.outcome))
            next_slot = None
        events.append(SlotSet("requested_slot", next_slot))
        return events
