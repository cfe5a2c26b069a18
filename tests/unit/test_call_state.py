"""The phone line's typed call state (ivr/voice/call_state.py) writes the JSON keys calls have
always used, so a call in flight across a deploy carries on."""

from __future__ import annotations

from datetime import date

from conversation.tasks import Task
from domain.model import BankAccountType, FactorKind, MethodKind
from domain.money import Money
from domain.ports import TokenizedMethod
from ivr.voice.call_state import CallState, TransferMark


def test_what_a_call_remembers_is_stored_under_its_old_keys():
    data: dict = {}
    call = CallState(data)
    call.task = Task.PAY_NOW
    call.account_number = "0012345678"
    call.factor_kind = FactorKind.SSN_LAST4
    call.amount = Money.of("45.50")
    call.payable = Money.of("125.50")
    call.past_due = None
    call.method = MethodKind.BANK
    call.date = date(2026, 12, 1)
    call.review, call.review_index = ["PAY1", "PAY2"], 1
    call.caller_accounts = [(3, "0012345678"), (4, "0099999999")]
    call.transfer = TransferMark("abc", 4, True)
    call.retries = 2
    assert data == {
        "intent": "pay_now", "account_number": "0012345678", "factor_kind": "ssn_last4",
        "amount": "45.50", "payable": "125.50", "method": "bank", "date": "2026-12-01",
        "review": ["PAY1", "PAY2"], "review_index": 1,
        "id_choices": [[3, "0012345678"], [4, "0099999999"]],
        "transfer": {"ticket": "abc", "turn": 4, "ok": True}, "retries": 2,
    }


def test_a_stored_call_reads_back_typed():
    call = CallState({"intent": "schedule", "amount": "10.00", "date": "2026-12-03",
                      "factor_kind": "street_number", "method": "card", "retries": "1",
                      "transfer": {"ticket": "t", "turn": 2}, "pay_payment_id": 7})
    assert call.task == Task.SCHEDULE and call.amount == Money.of("10")
    assert call.date == date(2026, 12, 3) and call.factor_kind == FactorKind.STREET_NUMBER
    assert call.method == MethodKind.CARD and call.retries == 1
    assert call.transfer == TransferMark("t", 2, False) and call.pay_payment_id == 7
    assert call.payable is None and call.review == [] and call.receipt_conf == ""


def test_a_tokenized_method_round_trips_and_clearing_forgets_it():
    data: dict = {}
    method = TokenizedMethod(kind=MethodKind.BANK, token="tok_1", last4="6789",
                             bank_account_type=BankAccountType.SAVINGS)
    CallState(data).tokenized = method
    assert data["tokenized"]["bank_account_type"] == "savings"
    assert CallState(data).tokenized == method
    CallState(data).tokenized = None
    assert "tokenized" not in data


def test_a_transfer_starts_the_call_over_with_what_the_agent_verified():
    data = {"amount": "5.00", "review": ["X"], "retries": 3}
    CallState(data).start_over(account_number="0012345678", transferred_by="r.alvarez")
    assert data == {"account_number": "0012345678", "transferred_by": "r.alvarez"}
