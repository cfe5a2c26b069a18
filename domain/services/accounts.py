"""Agent-side account operations: look up, unlock (reason required, audited)."""

from __future__ import annotations

from collections.abc import Callable

from domain.errors import AgentActionError, NotFound
from domain.model import Account, Actor, AuditEvent
from domain.ports import Clock, UnitOfWork
from domain.services.identity import normalize_account_number

MIN_REASON_LENGTH = 5


class AccountService:
    def __init__(self, uow: Callable[[], UnitOfWork], clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def unlock(self, account_number: str, actor: Actor, reason: str) -> Account:
        """Only an agent (or a system operator) unlocks; the reason goes in the audit trail."""
        if actor.is_resident:
            raise AgentActionError("Only a 311 agent can unlock an account.")
        reason = " ".join((reason or "").split())
        if len(reason) < MIN_REASON_LENGTH:
            raise AgentActionError("Please give the reason for unlocking (a few words).")
        number = normalize_account_number(account_number)
        with self._uow() as uow:
            account = uow.accounts.by_number(number, for_update=True)
            if account is None:
                raise NotFound("No account has that number.")
            if not account.is_locked:
                raise AgentActionError("That account is not locked.")
            account.unlock()
            uow.audit.add(AuditEvent(at=self._clock.now(), action="account.unlocked",
                                     actor=str(actor), channel=actor.channel,
                                     account_id=account.id, detail=reason[:500]))
            uow.commit()
            return account

    def audit_trail(self, account_id: int, limit: int = 100) -> list[AuditEvent]:
        with self._uow() as uow:
            return uow.audit.for_account(account_id, limit)
