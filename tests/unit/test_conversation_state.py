"""conversation.state: the typed state of a conversation, its round trip through `data`, and
the one verification every path of a conversation shares (with a fake store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conversation.state import (
    ConversationBusy,
    ConversationKey,
    ConversationState,
    IdentityQuestion,
    PaymentOffer,
    Verified,
    forget_conversation,
    remember_verification,
    verified_account,
)
from domain.model import Channel
from domain.money import Money
from tests.fakes import FakeConversationStore

NOW = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)
THREAD = ConversationKey.sms("+13125550101")


def offer(**changes: object) -> PaymentOffer:
    values: dict[str, object] = dict(
        amount=Money.of("146.57"), fee=Money.of("1.25"), method_id=7,
        method_label="VISA ending 4242", made_at=NOW, idempotency_key="sms-SM1", account_id=3)
    values.update(changes)
    return PaymentOffer(**values)  # type: ignore[arg-type]


def full_state() -> ConversationState:
    state = ConversationState.new(THREAD, NOW, caller="+13125550101")
    state.verify(3, NOW)
    state.question = IdentityQuestion("pay", "0104200731")
    state.tried_account = "0104200731"
    state.last_task = "pay"
    state.offer = offer(paid="AB12-CD34")
    state.choices = ("pay my bill", "schedule a payment")
    return state


def test_the_key_of_an_sms_thread_is_the_number_for_every_path() -> None:
    assert THREAD == ConversationKey(Channel.SMS, "+13125550101")
    assert THREAD.session_key == "sms:+13125550101"
    assert ConversationKey(Channel.CHAT, "abc").session_key == "chat:abc"


def test_verification() -> None:
    state = ConversationState.new(THREAD, NOW)
    assert not state.verified and state.account_id is None
    state.verify(42, NOW)
    assert state.verified and state.account_id == 42
    assert state.verification == Verified(42, NOW)


def test_the_typed_parts_round_trip_through_data() -> None:
    state = full_state()
    data = state.to_data()
    # The names SMS threads stored before the state was typed: threads in flight carry on.
    assert data == {
        "task": "pay", "account": "0104200731", "tried": "0104200731", "last_task": "pay",
        "offer": {"amount": "146.57", "fee": "1.25", "method_id": 7,
                  "method": "VISA ending 4242", "made_at": NOW.isoformat(), "key": "sms-SM1",
                  "account_id": 3, "paid": "AB12-CD34"},
        "choices": ["pay my bill", "schedule a payment"]}
    restored = ConversationState.new(THREAD, NOW)
    restored.restore_data(data)
    assert restored.question == state.question
    assert restored.tried_account == state.tried_account
    assert restored.last_task == state.last_task
    assert restored.offer == state.offer
    assert isinstance(restored.offer, PaymentOffer)
    assert isinstance(restored.offer.amount, Money)
    assert restored.choices == state.choices
    assert restored.to_data() == data


def test_an_empty_state_stores_nothing() -> None:
    assert ConversationState.new(THREAD, NOW).to_data() == {}


def test_malformed_parts_are_dropped_and_unknown_keys_kept() -> None:
    state = ConversationState.new(THREAD, NOW)
    state.restore_data({"task": 5, "offer": {"amount": "x"}, "choices": "1", "future": [1]})
    assert state.question is None and state.offer is None and state.choices == ()
    assert state.to_data() == {"future": [1]}


def test_forget_ends_everything_but_a_kept_offer() -> None:
    state = full_state()
    state.forget(keep_offer=True)
    assert not state.verified
    assert (state.question, state.tried_account, state.last_task, state.choices) == (
        None, None, None, ())
    assert state.offer is not None and state.offer.paid == "AB12-CD34"
    state.forget()
    assert state.offer is None and state.to_data() == {}


# --- one verification per conversation, through the port ---------------------------------
def test_a_verification_remembered_by_one_path_is_read_by_the_other() -> None:
    store = FakeConversationStore()
    store.start(ConversationState.new(THREAD, NOW, caller="+13125550101"))
    assert verified_account(store, THREAD) is None
    remember_verification(store, THREAD, 3, NOW)
    assert verified_account(store, THREAD) == 3
    assert verified_account(store, ConversationKey.sms("+13125550102")) is None
    state = store.load(THREAD)
    assert state is not None and state.verification == Verified(3, NOW)


def test_remembering_starts_a_state_the_webhook_has_not_made() -> None:
    store = FakeConversationStore()
    remember_verification(store, THREAD, 3, NOW)
    state = store.load(THREAD)
    assert state is not None and state.account_id == 3 and state.caller == "+13125550101"


def test_forgetting_clears_the_verification_and_the_thread() -> None:
    store = FakeConversationStore()
    started = store.start(full_state())
    assert started.verified
    forget_conversation(store, THREAD, NOW + timedelta(minutes=1))
    state = store.load(THREAD)
    assert state is not None and not state.verified and state.to_data() == {}


def test_a_stale_copy_cannot_be_saved_but_remembering_retries() -> None:
    store = FakeConversationStore()
    store.start(ConversationState.new(THREAD, NOW))
    held = store.load(THREAD)  # a webhook holding the thread
    remember_verification(store, THREAD, 3, NOW)
    assert held is not None and not store.save(held)  # loaded before: refused

    class Racing(FakeConversationStore):
        """Someone else saves between every load and save."""

        def save(self, state: ConversationState) -> bool:
            other = super().load(state.key)
            assert other is not None
            super().save(other)
            return super().save(state)

    racing = Racing()
    racing.start(ConversationState.new(THREAD, NOW))
    with pytest.raises(ConversationBusy):
        remember_verification(racing, THREAD, 3, NOW)


def test_remembering_survives_one_concurrent_save() -> None:
    class OnceRacing(FakeConversationStore):
        raced = False

        def save(self, state: ConversationState) -> bool:
            if not self.raced:
                self.raced = True
                other = super().load(state.key)
                assert other is not None
                other.last_task = "balance"  # another text of the thread, saved first
                super().save(other)
            return super().save(state)

    store = OnceRacing()
    store.start(ConversationState.new(THREAD, NOW))
    remember_verification(store, THREAD, 3, NOW)
    state = store.load(THREAD)
    assert state is not None and state.account_id == 3 and state.last_task == "balance"


def test_a_language_the_resident_chose_round_trips_and_outlives_forget() -> None:
    state = full_state()
    state.language, state.language_chosen = "es", True
    data = state.to_data()
    assert data["language_chosen"] is True
    restored = ConversationState.new(THREAD, NOW)
    restored.restore_data(data)
    assert restored.language_chosen
    state.forget()
    assert state.language == "es" and state.to_data() == {"language_chosen": True}
    unchosen = ConversationState.new(THREAD, NOW)
    unchosen.restore_data({"language_chosen": "yes"})  # malformed: not a choice
    assert not unchosen.language_chosen and unchosen.to_data() == {}
