"""conversation.phone_call: a call's own part of its ConversationState, stored under the keys
the voice flow wrote before the state was typed (a call in flight during a deploy carries on,
whichever version serves its next webhook)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from conversation.phone_call import PhoneCall, TransferMark
from conversation.state import ConversationKey, ConversationState
from conversation.tasks import Task
from domain.model import BankAccountType, Channel, FactorKind, MethodKind
from domain.money import Money
from domain.ports import TokenizedMethod
from tests.fakes import FakeConversationStore

NOW = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)
CALL = ConversationKey.call("CA0123456789abcdef")

# What the untyped call flow stored in `data` at one point or another of a call (every key
# it ever wrote), exactly as it wrote each value.
OLD_DATA: dict[str, Any] = {
    "retries": 0, "trouble": "no_input", "intent": "schedule", "after_identify": "pay_amount",
    "account_number": "0104200731", "customer_id": "000123", "factor_kind": "ssn_last4",
    "id_choices": [[3, "0104200731"], [4, "0104200732"]], "transferred_by": "r.alvarez",
    "transfer": {"ticket": "a1b2", "turn": 4, "ok": True},
    "payable": "146.57", "past_due": "20.00", "amount": "45.50", "method": "bank",
    "date": "2026-12-04",
    "tokenized": {"kind": "bank", "token": "tok_1", "last4": "6789", "brand": None,
                  "exp_month": None, "exp_year": None, "bank_account_type": "savings"},
    "pay_payment_id": 17, "receipt_conf": "AB12-CD34", "review": ["AB12-CD34", "EF56-GH78"],
    "review_index": 1, "paperless_mode": "email",
}


def restored(data: dict[str, Any], key: ConversationKey = CALL) -> ConversationState:
    state = ConversationState.new(key, NOW)
    state.restore_data(json.loads(json.dumps(data)))  # as the SQL adapter hands it back
    return state


def test_a_call_key_is_the_bare_call_sid() -> None:
    assert CALL == ConversationKey(Channel.VOICE, "CA0123456789abcdef")
    assert CALL.key == "CA0123456789abcdef"


def test_a_new_call_has_its_own_part_and_an_sms_thread_none() -> None:
    assert ConversationState.new(CALL, NOW).call == PhoneCall()
    assert ConversationState.new(ConversationKey.sms("+13125550101"), NOW).call is None
    assert ConversationState.new(CALL, NOW).to_data() == {}


def test_every_key_of_the_untyped_call_flow_is_read_typed() -> None:
    call = restored(OLD_DATA).call
    assert call == PhoneCall(
        retries=0, trouble="no_input", task=Task.SCHEDULE, after_identify="pay_amount",
        account_number="0104200731", customer_id="000123", factor_kind=FactorKind.SSN_LAST4,
        id_choices=((3, "0104200731"), (4, "0104200732")), transferred_by="r.alvarez",
        transfer=TransferMark("a1b2", 4, True), payable=Money.of("146.57"),
        past_due=Money.of("20.00"), amount=Money.of("45.50"), method="bank",
        date=date(2026, 12, 4),
        tokenized=TokenizedMethod(kind=MethodKind.BANK, token="tok_1", last4="6789",
                                  bank_account_type=BankAccountType.SAVINGS),
        pay_payment_id=17, receipt_conf="AB12-CD34", review=("AB12-CD34", "EF56-GH78"),
        review_index=1, paperless_mode="email")
    assert isinstance(call.amount, Money)


def test_the_typed_call_writes_exactly_what_the_untyped_flow_wrote() -> None:
    assert restored(OLD_DATA).to_data() == OLD_DATA
    card = {"amount": "12.00", "method": "card", "tokenized": {
        "kind": "card", "token": "tok_2", "last4": "4242", "brand": "Visa", "exp_month": 12,
        "exp_year": 2030, "bank_account_type": None}}
    assert restored(card).to_data() == card


def test_only_what_was_set_is_written() -> None:
    state = ConversationState.new(CALL, NOW)
    assert state.call is not None
    state.call.count_retry(no_input=False)
    state.call.amount = Money.of("5")
    assert state.to_data() == {"retries": 1, "trouble": "invalid_input", "amount": "5.00"}
    state.call.amount = None
    state.call.retries = 0  # reset on entering a step: written as 0, as before
    assert state.to_data() == {"retries": 0, "trouble": "invalid_input"}


def test_retries_count_up_and_say_why() -> None:
    call = PhoneCall()
    assert call.count_retry(no_input=True) == 1 and call.trouble == "no_input"
    assert call.count_retry(no_input=False) == 2 and call.trouble == "invalid_input"


def test_a_payment_step_without_an_amount_fails_loudly() -> None:
    try:
        PhoneCall().chosen_amount()
    except RuntimeError:
        pass
    else:  # pragma: no cover - the assertion
        raise AssertionError("no amount was chosen")
    assert PhoneCall(amount=Money.of("1")).chosen_amount() == Money.of("1.00")


def test_malformed_values_are_dropped_one_by_one_and_unknown_keys_kept() -> None:
    state = restored({"retries": "x", "amount": "lots", "date": "tomorrow", "intent": "dance",
                      "transfer": "yes", "id_choices": [[1]], "tokenized": {"kind": "cash"},
                      "review": "AB12", "account_number": 104, "method": "bank",
                      "future": {"a": 1}})
    assert state.call == PhoneCall(method="bank")
    assert state.to_data() == {"method": "bank", "future": {"a": 1}}


def test_sms_keys_are_not_taken_for_a_call_nor_call_keys_for_a_thread() -> None:
    thread = restored({"amount": "5.00", "task": "pay"}, ConversationKey.sms("+13125550101"))
    assert thread.call is None and thread.question is not None
    assert thread.to_data() == {"amount": "5.00", "task": "pay"}  # kept as it came


def test_forgetting_a_call_clears_its_progress_too() -> None:
    state = restored(OLD_DATA)
    state.verify(3, NOW)
    state.forget()
    assert state.call == PhoneCall() and not state.verified and state.to_data() == {}


def test_a_call_round_trips_through_the_store() -> None:
    store = FakeConversationStore()
    state = ConversationState.new(CALL, NOW, step="language")
    state.turn = 1
    started = store.start(state)
    assert started.call is not None
    started.call.task = Task.PAY_NOW
    started.call.transfer = TransferMark("d1", 1, False)
    assert store.save(started)
    loaded = store.load(CALL)
    assert loaded is not None and loaded.call == started.call
    assert loaded.to_data() == {"intent": "pay_now",
                                "transfer": {"ticket": "d1", "turn": 1, "ok": False}}
