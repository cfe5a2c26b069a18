"""Handing a resident to 311, the same way on every channel: one HandoffRequest built from
what the conversation knows, recorded through the domain's HandoffService.

A failed record must not cost the resident the way to a person: hand_off returns None and
the channel still gives 311's number (or dials it)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from conversation.tasks import Task, handoff_intent
from domain.model import Channel
from domain.services.balance import BalanceService
from domain.services.handoffs import HandoffRequest, HandoffService

log = logging.getLogger(__name__)


def hand_off(handoffs: Callable[[], HandoffService],
             balance: Callable[[], BalanceService] | None = None, *,
             channel: Channel, session_key: str, reason: str, last_step: str,
             task: Task | None = None, language: str = "en", caller: str | None = None,
             account_id: int | None = None, account_number: str | None = None,
             transferred_by: str | None = None) -> int | None:
    """Record a handoff; its reference, or None when it could not be recorded.

    `handoffs` and `balance` make the services (the container's factories): making them
    can fail too (the database is down), and that must not cost the resident 311 either.

    `account_id` is the verified account (None: not verified). `account_number` is the
    number the conversation holds (the verified one, or the one an unverified resident
    tried); with `balance` and a verified account the number is read from the account
    instead. The service stores it masked."""
    try:
        if account_id is not None and balance is not None:
            account_number = balance().summary(account_id).account_number
        handoff = handoffs().record(HandoffRequest(
            channel=channel, session_key=session_key, reason=reason,
            verified=account_id is not None, last_step=last_step,
            intent=handoff_intent(task), language=language, caller=caller,
            account_id=account_id, account_number=account_number,
            transferred_by=transferred_by))
    except Exception as exc:  # the number (or the dial) helps even without a record
        # The class only: a database error's text can carry the phone or account number.
        log.warning("%s handoff not recorded: %s", channel, type(exc).__name__)
        return None
    return handoff.id
