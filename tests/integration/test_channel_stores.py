"""Conversation state, the 311 handoff log and one-time links on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from conversation.state import (
    ConversationKey,
    ConversationState,
    IdentityQuestion,
    PaymentOffer,
    remember_verification,
)
from domain.adapters.channel_sessions import ChannelSession, SqlChannelSessionStore
from domain.adapters.clock import FixedClock
from domain.adapters.handoff_log import SqlHandoffLog
from domain.adapters.link_store import SqlLinkStore
from domain.errors import AgentActionError, LinkNotUsable, NotFound
from domain.model import Actor, Channel, LinkPurpose
from domain.money import Money
from domain.services.handoffs import HandoffRequest, HandoffService
from domain.services.links import LinkService, hash_token
from ivr.conversations import SqlConversationStore
from tests.integration.conftest import Builders


@pytest.fixture
def account_id(engine: Engine, uow_factory, build: Builders) -> int:
    with uow_factory() as uow:
        account = build.account()
        uow.accounts.add(account)
        uow.commit()
        return account.id


def new_session(clock: FixedClock, key: str = "CA1") -> ChannelSession:
    now = clock.now()
    return ChannelSession(channel="voice", session_key=key, language="en", step="language",
                          created_at=now, updated_at=now, turn=1,
                          data={"amount": "12.50", "hints": ["0012345678"]})


def test_a_session_round_trips_and_saves_optimistically(engine: Engine) -> None:
    clock = FixedClock(Builders.now)
    store = SqlChannelSessionStore(engine)
    started = store.start(new_session(clock))
    assert started.version == 1
    twin = store.start(new_session(clock))  # a retried "incoming" webhook
    assert twin.id == started.id

    first, second = store.load("voice", "CA1"), store.load("voice", "CA1")
    assert first is not None and second is not None
    first.step, first.turn = "menu", 2
    assert store.save(first)
    second.step = "id_how"
    assert not store.save(second)  # loaded before the first save: refused
    loaded = store.load("voice", "CA1")
    assert loaded is not None
    assert (loaded.step, loaded.turn, loaded.data["amount"]) == ("menu", 2, "12.50")
    assert loaded.created_at == clock.now() and loaded.created_at.tzinfo is not None
    assert store.load("sms", "CA1") is None


def test_a_typed_conversation_state_round_trips_and_saves_optimistically(
        engine: Engine, account_id: int) -> None:
    now = Builders.now
    store = SqlConversationStore(SqlChannelSessionStore(engine))
    thread = ConversationKey.sms("+13125550101")
    state = store.start(ConversationState.new(thread, now, caller="+13125550101"))
    assert state.version == 1 and state.id is not None
    assert store.start(ConversationState.new(thread, now)).id == state.id  # a retried text
    state.question = IdentityQuestion("pay", "0104200731")
    state.offer = PaymentOffer(amount=Money.of("146.57"), fee=Money.of("1.25"), method_id=7,
                               method_label="VISA ending 4242", made_at=now,
                               idempotency_key="sms-SM1", account_id=account_id)
    state.choices = ("pay my bill",)
    held = store.load(thread)  # another text of the thread, loaded before the save
    assert store.save(state) and state.version == 2
    assert held is not None and not store.save(held)

    # The bot verifies the thread through the port; the keyword path reads it back.
    remember_verification(store, thread, account_id, now + timedelta(minutes=1))
    loaded = store.load(thread)
    assert loaded is not None
    assert loaded.account_id == account_id
    assert loaded.verification is not None
    assert loaded.verification.verified_at == now + timedelta(minutes=1)
    assert loaded.question == IdentityQuestion("pay", "0104200731")
    assert loaded.offer == state.offer and loaded.choices == ("pay my bill",)
    assert loaded.caller == "+13125550101" and loaded.version == 3
    # The row the keyword path has always used: ("sms", number), account in its columns.
    row = SqlChannelSessionStore(engine).load("sms", "+13125550101")
    assert row is not None and row.account_id == account_id and row.verified
    assert store.load(ConversationKey(Channel.VOICE, "+13125550101")) is None


def test_a_call_in_flight_before_the_typed_state_carries_on(engine: Engine,
                                                           account_id: int) -> None:
    """A call the untyped flow started (its row, its `data` keys) is read typed by the
    port, and written back under the same keys and columns."""
    clock = FixedClock(Builders.now)
    sessions = SqlChannelSessionStore(engine)
    old = new_session(clock, "CA7")
    old.step, old.turn, old.caller = "pay_confirm", 5, "+13125550101"
    old.account_id, old.verified_at = account_id, clock.now()
    old.data = {"retries": 0, "intent": "pay_now", "account_number": "0104200731",
                "payable": "146.57", "amount": "12.50", "method": "card", "hints": ["x"]}
    sessions.start(old)

    store = SqlConversationStore(sessions)
    state = store.load(ConversationKey.call("CA7"))
    assert state is not None and state.call is not None
    assert (state.step, state.turn, state.account_id) == ("pay_confirm", 5, account_id)
    assert state.call.amount == Money.of("12.50") and state.call.method == "card"
    held = store.load(ConversationKey.call("CA7"))  # a twin webhook of the same turn
    state.call.pay_payment_id, state.call.receipt_conf = 9, "AB12-CD34"
    state.turn = 6
    assert store.save(state)
    assert held is not None and not store.save(held)
    row = sessions.load("voice", "CA7")
    assert row is not None and row.verified and row.turn == 6
    assert row.data == {**old.data, "pay_payment_id": 9, "receipt_conf": "AB12-CD34"}


def test_handoffs_are_recorded_once_per_reason_and_taken_once(engine: Engine,
                                                              account_id: int) -> None:
    clock = FixedClock(Builders.now)
    service = HandoffService(SqlHandoffLog(engine), clock)
    request = HandoffRequest(channel=Channel.VOICE, session_key="CA9", reason="pressed_zero",
                             verified=True, last_step="pay_confirm", intent="pay_now",
                             language="es", caller="+13125550199", account_id=account_id,
                             account_number="0104200731")
    handoff = service.record(request)
    assert service.record(request).id == handoff.id  # the same press, retried
    assert handoff.masked_account == "******0731"
    assert handoff.summary == ("Spanish-speaking caller, verified on the account ending 0731, "
                               "was paying now and asked for an agent.")
    stored = service.get(handoff.id)  # type: ignore[arg-type]
    assert stored is not None and stored.created_at == clock.now()
    assert [h.id for h in service.open_handoffs()] == [handoff.id]
    log = SqlHandoffLog(engine)
    assert log.take(handoff.id, "A101", clock.now())  # type: ignore[arg-type]
    assert not log.take(handoff.id, "A102", clock.now())  # type: ignore[arg-type]
    assert service.open_handoffs() == []


def test_agents_take_and_close_handoffs_once_with_an_audit_trail(engine: Engine, uow_factory,
                                                                  account_id: int) -> None:
    clock = FixedClock(Builders.now)
    service = HandoffService(SqlHandoffLog(engine), clock, uow_factory)
    rosa, marcus = Actor.agent("r.alvarez"), Actor.agent("m.chen")

    def handoff(key: str, **extra: object) -> int:
        request = HandoffRequest(channel=Channel.VOICE, session_key=key, reason="locked_out",
                                 verified=False, last_step="identify", intent="pay_now",
                                 account_id=account_id, account_number="0012345678",
                                 **extra)  # type: ignore[arg-type]
        return service.record(request).id  # type: ignore[return-value]

    first, second = handoff("CA1"), handoff("CA2", transferred_by="r.alvarez")
    assert [h.id for h in service.queue()] == [first, second]  # longest waiting first
    assert "back from self-service where agent r.alvarez sent them" in service.get(
        second).summary  # type: ignore[union-attr]

    taken = service.take(first, rosa)
    assert (taken.status, taken.taken_by) == ("taken", "r.alvarez")
    assert service.take(first, rosa).status == "taken"  # pressing Take twice is harmless
    with pytest.raises(AgentActionError, match=r"r\.alvarez already has"):
        service.take(first, marcus)
    with pytest.raises(AgentActionError, match=r"r\.alvarez has handoff"):
        service.close(first, marcus, "resolved")
    with pytest.raises(AgentActionError, match="Choose what came of"):
        service.close(first, rosa, "whatever")
    closed = service.close(first, rosa, "resolved")
    assert (closed.status, closed.outcome, closed.closed_at) == ("closed", "resolved",
                                                                 clock.now())
    with pytest.raises(AgentActionError, match="already closed"):
        service.close(first, rosa, "resolved")
    # Closing a handoff nobody took records who closed it.
    closed = service.close(second, marcus, "no_answer")
    assert closed.taken_by == "m.chen"
    assert service.queue() == []
    assert [h.id for h in service.for_account(account_id)] == [second, first]
    with pytest.raises(NotFound):
        service.take(999_999, rosa)
    with uow_factory() as uow:
        trail = [(e.action, e.actor, e.detail) for e in reversed(uow.audit.for_account(
            account_id))]
    assert trail == [("handoff.taken", "agent:r.alvarez", ""),
                     ("handoff.closed", "agent:r.alvarez", "resolved"),
                     ("handoff.closed", "agent:m.chen", "no_answer")]


def test_links_are_single_use_and_expire(engine: Engine, account_id: int) -> None:
    clock = FixedClock(Builders.now)
    links = LinkService(SqlLinkStore(engine), clock, ttl=timedelta(minutes=30))
    actor = Actor.resident(Channel.VOICE, "CA1")
    token = links.issue(LinkPurpose.PAPERLESS, account_id, actor, payload={"x": 1})
    assert SqlLinkStore(engine).by_hash(token) is None  # only the hash is stored
    assert links.peek(token, LinkPurpose.PAPERLESS).account_id == account_id
    with pytest.raises(LinkNotUsable):
        links.peek(token, LinkPurpose.PAY)  # a paperless link does not pay
    assert links.redeem(token, LinkPurpose.PAPERLESS).account_id == account_id
    with pytest.raises(LinkNotUsable):
        links.redeem(token, LinkPurpose.PAPERLESS)

    late = links.issue(LinkPurpose.PAPERLESS, account_id, actor)
    assert SqlLinkStore(engine).by_hash(hash_token(late)) is not None
    expired = LinkService(SqlLinkStore(engine), FixedClock(Builders.now + timedelta(minutes=31)))
    with pytest.raises(LinkNotUsable):
        expired.peek(late, LinkPurpose.PAPERLESS)
    for garbage in ("", "x" * 500, "nope"):
        with pytest.raises(LinkNotUsable):
            links.peek(garbage, LinkPurpose.PAPERLESS)
