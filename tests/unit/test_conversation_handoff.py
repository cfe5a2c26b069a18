"""conversation.handoff.hand_off: one request for every channel, recorded or None."""

from __future__ import annotations

import logging

import pytest

from conversation.handoff import hand_off
from conversation.tasks import Task
from domain.model import Channel
from domain.services.balance import BalanceService
from domain.services.handoffs import HandoffService
from tests.fakes import FakeHandoffLog


@pytest.fixture
def log() -> FakeHandoffLog:
    return FakeHandoffLog()


@pytest.fixture
def handoffs(log: FakeHandoffLog, clock) -> HandoffService:
    return HandoffService(log, clock)


def test_verified_takes_the_number_from_the_account(handoffs, log, balance: BalanceService,
                                                    account) -> None:
    reference = hand_off(lambda: handoffs, lambda: balance, channel=Channel.SMS,
                         session_key="sms:+13125550101", reason="asked_for_agent",
                         last_step="text", task=Task.PAY_NOW, language="es",
                         caller="+13125550101", account_id=account.id,
                         account_number="9999999999")
    (recorded,) = log.handoffs
    assert reference == recorded.id
    assert recorded.verified and recorded.account_id == account.id
    assert recorded.masked_account == "******5678"  # the account's, not the one passed
    assert recorded.intent == "pay_now" and recorded.language == "es"
    assert recorded.caller == "+13125550101" and recorded.last_step == "text"
    assert "Spanish-speaking texter" in recorded.summary


def test_unverified_keeps_the_tried_number_masked(handoffs, log) -> None:
    hand_off(lambda: handoffs, channel=Channel.CHAT, session_key="chat:1",
             reason="locked_out", last_step="account_number", account_number="0104200731")
    (recorded,) = log.handoffs
    assert not recorded.verified and recorded.account_id is None
    assert recorded.masked_account == "******0731"
    assert recorded.intent == ""  # no task chosen


def test_voice_passes_the_number_it_holds_and_who_transferred(handoffs, log) -> None:
    hand_off(lambda: handoffs, channel=Channel.VOICE, session_key="CA1", reason="pressed_zero",
             last_step="menu", task=Task.REVIEW_SCHEDULED, account_id=7,
             account_number="0012345678", transferred_by="agent-2")
    (recorded,) = log.handoffs
    assert recorded.verified and recorded.masked_account == "******5678"
    assert recorded.intent == "scheduled"
    assert "agent agent-2" in recorded.summary


@pytest.mark.parametrize(("task", "intent"), [
    (Task.BALANCE, "balance"), (Task.PAY_NOW, "pay_now"), (Task.SCHEDULE, "schedule"),
    (Task.REVIEW_SCHEDULED, "scheduled"), (Task.CANCEL_SCHEDULED, "scheduled"),
    (Task.STATUS, "status"), (Task.PAPERLESS, "paperless"),
    (Task.PAPERLESS_ENROLL, "paperless"), (Task.PAPERLESS_UNENROLL, "paperless"),
])
def test_every_task_keeps_its_stored_intent(task: Task, intent: str) -> None:
    assert task.handoff_intent == intent


def test_tasks_from_intents_and_stored_state() -> None:
    assert Task.for_intent("pay_bill") == Task.PAY_NOW
    assert Task.for_intent("unenroll_paperless") == Task.PAPERLESS_UNENROLL
    assert Task.for_intent("greet") is None and Task.for_intent(None) is None
    assert Task.parse("scheduled") == Task.REVIEW_SCHEDULED
    assert Task.parse("") is None and Task.parse("nonsense") is None


def test_a_record_that_fails_returns_none_and_logs_only_the_class(
        caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> HandoffService:
        raise RuntimeError("insert failed for +13125550101 and 0104200731")

    with caplog.at_level(logging.WARNING):
        assert hand_off(broken, channel=Channel.SMS, session_key="sms:x", reason="r",
                        last_step="text", account_number="0104200731") is None
    assert "RuntimeError" in caplog.text
    assert "5550101" not in caplog.text and "0104200731" not in caplog.text


def test_a_failed_account_lookup_returns_none(handoffs, log) -> None:
    def no_balance() -> BalanceService:
        raise RuntimeError("db down")

    assert hand_off(lambda: handoffs, no_balance, channel=Channel.CHAT, session_key="c",
                    reason="r", last_step="menu", account_id=3) is None
    assert log.handoffs == []
