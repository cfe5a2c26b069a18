"""Handoffs from self-service to 311: record why, and what the resident was doing, so the
agent carries on instead of starting again (docs/architecture.md §6).

The summary is one sentence an agent hears in a whisper before the call connects; the
console (issue: 311 agents) shows the full record. Nothing in it identifies more than the
last 4 digits of an account.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from domain.errors import AgentActionError, NotFound
from domain.model import Actor, AuditEvent, Channel, Handoff, HandoffStatus, mask
from domain.ports import Clock, HandoffLog, UnitOfWork

# A repeated request for the same reason from the same call/thread within this window is
# the same handoff (a retried webhook, a caller pressing 0 twice), not a new one.
_SAME_HANDOFF = timedelta(minutes=10)

REASONS = {
    "pressed_zero": "asked for an agent",
    "asked_for_agent": "asked for an agent",
    "locked_out": "is locked out after 3 failed verifications",
    "throttled": "made too many failed verification attempts",
    "no_input": "did not respond to the menu",
    "invalid_input": "had repeated trouble with the menu",
    "payment_failed": "could not complete a payment",
    "self_service_failed": "could not finish in self-service",
}

# What came of a handoff, as an agent closes it.
OUTCOMES = {
    "resolved": "Resolved by the agent",
    "transferred_to_self_service": "Transferred to self-service payment",
    "no_answer": "Resident not reached",
}

INTENTS = {
    "": "had not chosen a task yet",
    "balance": "was checking the balance",
    "pay_now": "was paying now",
    "schedule": "was scheduling a payment",
    "scheduled": "was reviewing scheduled payments",
    "paperless": "was working on paperless billing",
    "identify": "was verifying the account",
}


@dataclass(frozen=True)
class HandoffRequest:
    channel: Channel
    session_key: str
    reason: str
    verified: bool
    last_step: str
    intent: str = ""
    language: str = "en"
    caller: str | None = None
    account_id: int | None = None
    account_number: str | None = None  # masked before it is stored
    # The agent who sent this resident into self-service, when they are coming back.
    transferred_by: str | None = None


def summarize(request: HandoffRequest) -> str:
    """'Spanish-speaking caller, verified on the account ending 0731, was paying now and
    asked for an agent.'"""
    who = {"voice": "Caller", "sms": "Texter", "chat": "Chat user"}.get(str(request.channel),
                                                                     "Resident")
    if request.language == "es":
        who = f"Spanish-speaking {who.lower()}"
    if request.verified and request.account_number:
        where = f"verified on the account ending {request.account_number[-4:]}"
    elif request.account_number:
        where = f"not verified, tried the account ending {request.account_number[-4:]}"
    else:
        where = "not verified"
    doing = INTENTS.get(request.intent, f"was on {request.intent.replace('_', ' ')}")
    why = REASONS.get(request.reason, request.reason.replace("_", " "))
    back = (f", back from self-service where agent {request.transferred_by} sent them"
            if request.transferred_by else "")
    return f"{who}{back}, {where}, {doing} and {why}."


class HandoffService:
    def __init__(self, log: HandoffLog, clock: Clock,
                 uow: Callable[[], UnitOfWork] | None = None) -> None:
        self._log = log
        self._clock = clock
        self._uow = uow  # for the audit trail of what agents do with handoffs

    def record(self, request: HandoffRequest) -> Handoff:
        now = self._clock.now()
        previous = self._log.latest_for_session(request.session_key)
        if (previous is not None and previous.reason == request.reason
                and previous.channel == request.channel
                # A closed one is over (e.g. the agent sent the caller to self-service and
                # they are coming back): that is a new handoff.
                and previous.status != HandoffStatus.CLOSED
                and now - previous.created_at < _SAME_HANDOFF):
            return previous
        return self._log.add(Handoff(
            created_at=now, channel=request.channel, session_key=request.session_key[:64],
            reason=request.reason[:40], verified=request.verified,
            last_step=request.last_step[:60], intent=request.intent[:60],
            summary=summarize(request)[:400], language=request.language,
            caller=request.caller, account_id=request.account_id,
            masked_account=mask(request.account_number) if request.account_number else None))

    def get(self, handoff_id: int) -> Handoff | None:
        return self._log.get(handoff_id)

    def latest_for_session(self, session_key: str) -> Handoff | None:
        return self._log.latest_for_session(session_key)

    def open_handoffs(self, limit: int = 50) -> list[Handoff]:
        return self._log.with_status((HandoffStatus.OPEN,), limit=limit)

    def queue(self, limit: int = 100) -> list[Handoff]:
        """What 311 still has to deal with: open and taken handoffs, longest waiting first."""
        return self._log.with_status((HandoffStatus.OPEN, HandoffStatus.TAKEN), limit=limit)

    def for_account(self, account_id: int, limit: int = 20) -> list[Handoff]:
        return self._log.for_account(account_id, limit)

    def take(self, handoff_id: int, agent: Actor) -> Handoff:
        """The agent picks the handoff up; taking one already taken by the same agent is a
        no-op, by another agent an error (two agents must not call the same resident)."""
        handoff = self._existing(handoff_id)
        if handoff.status == HandoffStatus.OPEN and self._log.take(handoff_id, agent.id,
                                                                    self._clock.now()):
            self._audit("handoff.taken", handoff, agent)
            return self._existing(handoff_id)
        handoff = self._existing(handoff_id)
        if handoff.status == HandoffStatus.TAKEN and handoff.taken_by == agent.id:
            return handoff
        raise AgentActionError(f"Agent {handoff.taken_by} already has handoff {handoff_id}."
                               if handoff.status == HandoffStatus.TAKEN
                               else f"Handoff {handoff_id} is already closed.")

    def close(self, handoff_id: int, agent: Actor, outcome: str) -> Handoff:
        if outcome not in OUTCOMES:
            raise AgentActionError("Choose what came of the handoff.")
        handoff = self._existing(handoff_id)
        if handoff.status == HandoffStatus.TAKEN and handoff.taken_by != agent.id:
            raise AgentActionError(f"Agent {handoff.taken_by} has handoff {handoff_id}.")
        if not self._log.close(handoff_id, agent.id, outcome, self._clock.now()):
            raise AgentActionError(f"Handoff {handoff_id} is already closed.")
        self._audit("handoff.closed", handoff, agent, detail=outcome)
        return self._existing(handoff_id)

    def _audit(self, action: str, handoff: Handoff, agent: Actor, detail: str = "") -> None:
        if self._uow is None:
            return
        with self._uow() as uow:
            uow.audit.add(AuditEvent(at=self._clock.now(), action=action, actor=str(agent),
                                     channel=agent.channel, account_id=handoff.account_id,
                                     subject=f"handoff {handoff.id}", detail=detail))
            uow.commit()

    def _existing(self, handoff_id: int) -> Handoff:
        handoff = self._log.get(handoff_id)
        if handoff is None:
            raise NotFound("No handoff has that reference.")
        return handoff
