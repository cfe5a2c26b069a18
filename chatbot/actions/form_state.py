"""The slots of a form while one turn is worked out: read from the tracker, changed by the
turn, and returned to Rasa as events (including which slot to ask next)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet


class FormState:
    def __init__(self, tracker: Tracker) -> None:
        self._slots: dict[str, Any] = dict(tracker.slots)
        self.changes: dict[str, Any] = {}
        self.outcome: str | None = None

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
        value = self.get("verified_account_id")
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

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
