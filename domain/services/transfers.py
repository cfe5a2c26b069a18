"""311 → self-service: an agent who has verified a caller sends the live call into the
payment line (docs/architecture.md §6), so card or bank digits are keyed with nobody listening
(PCI, §5).

`start` issues a transfer ticket (a single-use, short-lived one-time link bound to the call,
the account and the agent) and asks the phone system to point the live call at the IVR's
entry URL carrying it. Redirecting the call ends the agent's leg. The IVR `redeem`s the ticket
when the call arrives: the caller is then verified by the agent's word and skips
identification. The ticket is the only proof: it never appears in a log line, and a ticket
that failed to reach the call is used up so nobody can present it later.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from domain.errors import AgentActionError, LinkNotUsable, NotFound, TransferNotUsable
from domain.model import Actor, AuditEvent, Channel, HandoffStatus, LinkPurpose
from domain.ports import CallControl, Clock, UnitOfWork
from domain.services.handoffs import HandoffService
from domain.services.links import LinkService, payload_of

log = logging.getLogger(__name__)

# How the agent verified the caller: the city's identification rules (docs/architecture.md §4).
VERIFICATION_METHODS: dict[str, str] = {
    "account_and_street": "Account number and service street number",
    "account_and_ssn": "Account number and last 4 of the SSN or Tax ID",
    "customer_and_bill": "Customer ID and bill number",
}
# Long enough for the call to reach the IVR (seconds), short enough that a leaked ticket is
# worthless almost at once.
TICKET_TTL = timedelta(minutes=5)
CALL_SID = re.compile(r"CA[0-9a-f]{32}")
LANGUAGES = ("en", "es")
OUTCOME = "transferred_to_self_service"
AUDIT_ACTION = "call.transferred_to_self_service"


@dataclass(frozen=True)
class TransferTicket:
    """What the IVR learns from a redeemed ticket."""

    account_id: int
    account_number: str
    call_sid: str
    agent_id: str
    verified_by: str
    handoff_id: int | None
    language: str


class TransferService:
    def __init__(self, links: LinkService, call_control: CallControl,
                 uow: Callable[[], UnitOfWork], clock: Clock, handoffs: HandoffService,
                 entry_url: Callable[[str], str]) -> None:
        self._links = links
        self._calls = call_control
        self._uow = uow
        self._clock = clock
        self._handoffs = handoffs
        self._entry_url = entry_url  # token -> the IVR's absolute entry URL (a channel setting)

    def start(self, agent: Actor, *, account_id: int, call_sid: str, verified_by: str,
              handoff_id: int | None = None, language: str = "en") -> None:
        """Send the agent's live call into self-service for `account_id`. Raises
        AgentActionError or NotFound before anything happens, CallNotLive or
        CallControlUnavailable when the phone system does not take the call."""
        if agent.kind != "agent":
            raise AgentActionError("Only a 311 agent can transfer a caller to self-service.")
        sid = (call_sid or "").strip() if isinstance(call_sid, str) else ""
        if not CALL_SID.fullmatch(sid):
            raise AgentActionError("That is not a call reference: a CallSid is CA followed by "
                                   "32 lower-case letters and digits.")
        if verified_by not in VERIFICATION_METHODS:
            raise AgentActionError("Choose how you verified the caller: "
                                   + "; ".join(VERIFICATION_METHODS.values()) + ".")
        if language not in LANGUAGES:
            raise AgentActionError("The payment line speaks English or Spanish.")
        self._check_account(account_id)
        if handoff_id is not None:
            self._claim_handoff(handoff_id, sid, agent)
        token = self._links.issue(LinkPurpose.TRANSFER, account_id, agent, payload={
            "call_sid": sid, "agent_id": agent.id, "verified_by": verified_by,
            "handoff_id": handoff_id, "language": language}, ttl=TICKET_TTL)
        try:
            self._calls.redirect(sid, self._entry_url(token))
        except Exception:
            # The redirect may or may not have reached the call (a timeout): a ticket that
            # the agent saw fail must never work later, so use it up.
            self._burn(token)
            raise
        with self._uow() as uow:
            uow.audit.add(AuditEvent(at=self._clock.now(), action=AUDIT_ACTION,
                                     actor=str(agent), channel=Channel.AGENT,
                                     account_id=account_id, subject=sid, detail=verified_by))
            uow.commit()
        log.info("call %s sent to self-service by %s", sid, agent)
        if handoff_id is not None:
            try:
                self._handoffs.close(handoff_id, agent, OUTCOME)
            except AgentActionError:
                # Already closed (history): the transfer itself went through.
                log.info("handoff %s was not closed by the transfer of call %s", handoff_id,
                         sid)

    def redeem(self, token: str, call_sid: str) -> TransferTicket:
        """The ticket a call arrived with, used up. TransferNotUsable unless it is a live
        transfer ticket issued for exactly this call; a ticket presented by another call is
        refused without using it up (the right call may still be on its way)."""
        try:
            link = self._links.peek(token, LinkPurpose.TRANSFER)
        except LinkNotUsable:
            raise TransferNotUsable() from None
        payload = payload_of(link)
        if not call_sid or payload.get("call_sid") != call_sid:
            raise TransferNotUsable()
        with self._uow() as uow:
            account = uow.accounts.get(link.account_id)
            if account is None or account.is_locked:
                # Locked since the agent checked: self-service must refuse it like anywhere.
                raise TransferNotUsable()
            account_number = account.account_number
        try:
            self._links.redeem(token, LinkPurpose.TRANSFER)
        except LinkNotUsable:  # a twin request used it first
            raise TransferNotUsable() from None
        return TransferTicket(
            account_id=link.account_id, account_number=account_number, call_sid=call_sid,
            agent_id=str(payload.get("agent_id") or ""),
            verified_by=str(payload.get("verified_by") or ""),
            handoff_id=_int_or_none(payload.get("handoff_id")),
            language=str(payload.get("language")) if payload.get("language") in LANGUAGES
            else "en")

    def _check_account(self, account_id: int) -> None:
        with self._uow() as uow:
            account = uow.accounts.get(account_id) if isinstance(account_id, int) else None
            if account is None:
                raise NotFound("No account has that reference.")
            if account.is_locked:
                raise AgentActionError(
                    "Unlock the account first: it is locked for self-service after failed "
                    "verifications, so the payment line would refuse it.")

    def _claim_handoff(self, handoff_id: int, call_sid: str, agent: Actor) -> None:
        """The handoff must be this agent's to act on: one another agent has taken is refused
        (two agents must not act for one resident); an open one is taken now, atomically, so
        nobody can take it between this check and the redirect. A closed one is history: the
        transfer goes ahead and leaves it as it is."""
        handoff = self._handoffs.get(handoff_id)
        if handoff is None:
            raise NotFound("No handoff has that reference.")
        # A voice handoff names its call: closing another call's handoff would lose it.
        if handoff.channel == Channel.VOICE and handoff.session_key != call_sid:
            raise AgentActionError(f"Handoff {handoff_id} belongs to another call.")
        if handoff.status == HandoffStatus.TAKEN and handoff.taken_by != agent.id:
            raise AgentActionError(f"Agent {handoff.taken_by} has handoff {handoff_id}: only "
                                   "they can transfer this caller.")
        if handoff.status == HandoffStatus.OPEN:
            self._handoffs.take(handoff_id, agent)  # AgentActionError if someone just did

    def _burn(self, token: str) -> None:
        try:
            self._links.redeem(token, LinkPurpose.TRANSFER)
        except LinkNotUsable:
            pass  # already used (the call arrived very fast) or expired: unusable either way
        except Exception:
            log.exception("could not use up a transfer ticket that failed to reach its call")


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
