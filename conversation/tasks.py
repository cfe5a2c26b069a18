"""The tasks a resident can do, named once for every channel.

Each channel has its own way in (a voice menu key, an SMS keyword, a chat intent), but when
it tells 311 what the resident was doing it names one of these. `handoff_intent` is the word
the HandoffService stores and the agent console shows (domain.services.handoffs.INTENTS), so
those strings must not change.
"""

from __future__ import annotations

from enum import StrEnum


class Task(StrEnum):
    BALANCE = "balance"
    PAY_NOW = "pay_now"
    SCHEDULE = "schedule"
    REVIEW_SCHEDULED = "scheduled"  # voice menu 4: hear, and cancel, scheduled payments
    CANCEL_SCHEDULED = "cancel_scheduled"
    STATUS = "status"
    PAPERLESS = "paperless"  # voice menu 5: enroll or unenroll
    PAPERLESS_ENROLL = "paperless_enroll"
    PAPERLESS_UNENROLL = "paperless_unenroll"

    @property
    def handoff_intent(self) -> str:
        """What the handoff record calls this task (kept as the console has always shown)."""
        return _HANDOFF_INTENTS.get(self, self.value)

    @classmethod
    def parse(cls, value: object) -> Task | None:
        """A task stored in a conversation's state (a plain string), or None."""
        try:
            return cls(str(value)) if value else None
        except ValueError:
            return None

    @classmethod
    def for_intent(cls, intent: str | None) -> Task | None:
        """The task an NLU intent (the shared model's names, also the chat's task names)
        asks for, or None when the intent is no task."""
        return _BY_INTENT.get(intent or "")


_HANDOFF_INTENTS = {
    Task.CANCEL_SCHEDULED: "scheduled",
    Task.PAPERLESS_ENROLL: "paperless",
    Task.PAPERLESS_UNENROLL: "paperless",
}

_BY_INTENT = {
    "check_balance": Task.BALANCE,
    "pay_bill": Task.PAY_NOW,
    "schedule_payment": Task.SCHEDULE,
    "cancel_scheduled_payment": Task.CANCEL_SCHEDULED,
    "payment_status": Task.STATUS,
    "enroll_paperless": Task.PAPERLESS_ENROLL,
    "unenroll_paperless": Task.PAPERLESS_UNENROLL,
}


def handoff_intent(task: Task | None) -> str:
    """The handoff's intent for `task`; "" when the resident had not chosen one."""
    return task.handoff_intent if task is not None else ""
