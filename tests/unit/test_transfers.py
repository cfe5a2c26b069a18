"""TransferService: a 311 agent sends a live call into self-service with a single-use ticket
bound to the call (domain/services/transfers.py), with in-memory fakes."""

from __future__ import annotations

import logging

import pytest

from domain.errors import (
    AgentActionError,
    CallControlUnavailable,
    CallNotLive,
    NotFound,
    TransferNotUsable,
)
from domain.model import (
    Account,
    Actor,
    Channel,
    Handoff,
    HandoffStatus,
    LinkPurpose,
)
from domain.services.handoffs import HandoffRequest, HandoffService
from domain.services.links import LinkService
from domain.services.transfers import (
    OUTCOME,
    TICKET_TTL,
    VERIFICATION_METHODS,
    TransferService,
    TransferTicket,
)
from tests.fakes import (
    FakeCallControl,
    FakeClock,
    FakeHandoffLog,
    FakeLinkStore,
    FakeUnitOfWork,
)

AGENT = Actor.agent("r.alvarez")
OTHER_AGENT = Actor.agent("m.chen")
SID = "CA" + "0123456789abcdef" * 2
OTHER_SID = "CA" + "fedcba9876543210" * 2
ENTRY = "https://payline.example.org/voice/transferred?ticket="


class World:
    def __init__(self, clock: FakeClock, uow: FakeUnitOfWork, account: Account) -> None:
        self.clock = clock
        self.uow = uow
        self.account = account
        self.links = FakeLinkStore()
        self.calls = FakeCallControl()
        self.log = FakeHandoffLog()
        self.handoffs = HandoffService(self.log, clock)
        self.service = TransferService(LinkService(self.links, clock), self.calls, lambda: uow,
                                       clock, self.handoffs, lambda token: ENTRY + token)

    def start(self, **options: object) -> str:
        """Start a transfer of SID for the account; returns the ticket the call got."""
        values: dict[str, object] = {"account_id": self.account.id, "call_sid": SID,
                                     "verified_by": "account_and_street"}
        values.update(options)
        self.service.start(AGENT, **values)  # type: ignore[arg-type]
        return self.calls.redirects[-1][1].removeprefix(ENTRY)

    def handoff(self, session_key: str = SID, channel: Channel = Channel.VOICE) -> Handoff:
        return self.handoffs.record(HandoffRequest(
            channel=channel, session_key=session_key, reason="pressed_zero", verified=False,
            last_step="menu"))


@pytest.fixture
def world(clock: FakeClock, uow: FakeUnitOfWork, account: Account) -> World:
    return World(clock, uow, account)


# --- start ------------------------------------------------------------------------------------


def test_start_redirects_the_call_to_the_entry_url_with_a_fresh_ticket(world: World) -> None:
    ticket = world.start()
    ((sid, url),) = world.calls.redirects
    assert sid == SID and url == ENTRY + ticket and len(ticket) >= 40
    (link,) = world.links.links
    assert link.purpose == LinkPurpose.TRANSFER and link.account_id == world.account.id
    assert link.created_by == "agent:r.alvarez" and link.channel == Channel.AGENT
    assert link.expires_at - link.created_at == TICKET_TTL
    assert ticket not in link.payload and world.account.account_number not in link.payload


def test_start_is_audited_and_closes_the_handoff(world: World) -> None:
    handoff = world.handoff()
    world.start(handoff_id=handoff.id, verified_by="account_and_ssn")
    (event,) = world.uow.store.audit
    assert (event.action, event.actor, event.channel) == (
        "call.transferred_to_self_service", "agent:r.alvarez", Channel.AGENT)
    assert (event.account_id, event.subject, event.detail) == (
        world.account.id, SID, "account_and_ssn")
    closed = world.handoffs.get(handoff.id)  # type: ignore[arg-type]
    assert closed is not None and closed.status == HandoffStatus.CLOSED
    assert closed.outcome == "transferred_to_self_service"


def test_a_handoff_already_closed_does_not_stop_the_transfer(world: World) -> None:
    handoff = world.handoff()
    world.handoffs.close(handoff.id, AGENT, "resolved")  # type: ignore[arg-type]
    world.start(handoff_id=handoff.id)
    assert len(world.calls.redirects) == 1
    assert world.handoffs.get(handoff.id).outcome == "resolved"  # type: ignore[union-attr]


def test_the_call_sid_is_stripped_of_whitespace(world: World) -> None:
    world.start(call_sid=f"  {SID}\n")
    assert world.calls.redirects[0][0] == SID


@pytest.mark.parametrize("call_sid", ["", "CA123", SID.upper(), "CA" + "g" * 32, SID + "0",
                                      "SM" + SID[2:], f"{SID[:10]} {SID[10:]}"])
def test_a_bad_call_sid_is_refused_before_anything_happens(world: World, call_sid: str) -> None:
    with pytest.raises(AgentActionError, match="CallSid"):
        world.start(call_sid=call_sid)
    assert world.calls.redirects == [] and world.links.links == []


@pytest.mark.parametrize("method", ["", "caller_id", "street", "ACCOUNT_AND_STREET"])
def test_an_unknown_verification_method_is_refused(world: World, method: str) -> None:
    with pytest.raises(AgentActionError, match="how you verified"):
        world.start(verified_by=method)
    assert world.calls.redirects == []


def test_every_verification_method_is_accepted(world: World) -> None:
    for method in VERIFICATION_METHODS:
        world.start(verified_by=method)
    assert len(world.calls.redirects) == len(VERIFICATION_METHODS)


@pytest.mark.parametrize("actor", [Actor.resident(Channel.VOICE, SID), Actor.system("cron")])
def test_only_an_agent_can_transfer(world: World, actor: Actor) -> None:
    with pytest.raises(AgentActionError, match="311 agent"):
        world.service.start(actor, account_id=world.account.id, call_sid=SID,  # type: ignore[arg-type]
                            verified_by="account_and_street")
    assert world.calls.redirects == []


def test_a_locked_account_must_be_unlocked_first(world: World) -> None:
    world.account.register_failed_verification(world.clock.now(), 1)
    with pytest.raises(AgentActionError, match=r"^Unlock the account first"):
        world.start()
    assert world.calls.redirects == [] and world.links.links == []


def test_an_unknown_account_or_handoff_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        world.start(account_id=999_999)
    with pytest.raises(NotFound):
        world.start(handoff_id=42)
    assert world.calls.redirects == []


def test_another_calls_handoff_is_refused(world: World) -> None:
    handoff = world.handoff(session_key=OTHER_SID)
    with pytest.raises(AgentActionError, match="another call"):
        world.start(handoff_id=handoff.id)
    chat = world.handoff(session_key="chat-7", channel=Channel.CHAT)
    world.start(handoff_id=chat.id)  # a chat user who then phoned: no call to compare
    assert len(world.calls.redirects) == 1


def test_a_handoff_another_agent_has_cannot_be_transferred_by_me(world: World) -> None:
    handoff = world.handoff()
    world.handoffs.take(handoff.id, OTHER_AGENT)  # type: ignore[arg-type]
    with pytest.raises(AgentActionError, match=r"m.chen has handoff .*only they can"):
        world.start(handoff_id=handoff.id)
    assert world.calls.redirects == [] and world.links.links == []
    taken = world.handoffs.get(handoff.id)  # type: ignore[arg-type]
    assert taken is not None and (taken.status, taken.taken_by) == (HandoffStatus.TAKEN,
                                                                     "m.chen")
    # Its own agent can.
    world.service.start(OTHER_AGENT, account_id=world.account.id, call_sid=SID,  # type: ignore[arg-type]
                        verified_by="account_and_street", handoff_id=handoff.id)
    assert len(world.calls.redirects) == 1
    assert world.handoffs.get(handoff.id).outcome == OUTCOME  # type: ignore[union-attr]


def test_an_open_handoff_is_taken_before_the_call_moves(world: World) -> None:
    handoff = world.handoff()
    taken_when_redirected: list[str | None] = []
    redirect = world.calls.redirect

    def watching(call_sid: str, url: str) -> None:
        taken_when_redirected.append(world.log.get(handoff.id).taken_by)  # type: ignore[arg-type, union-attr]
        redirect(call_sid, url)

    world.calls.redirect = watching  # type: ignore[method-assign]
    world.start(handoff_id=handoff.id)
    assert taken_when_redirected == [AGENT.id]
    done = world.handoffs.get(handoff.id)  # type: ignore[arg-type]
    assert done is not None and (done.status, done.taken_by) == (HandoffStatus.CLOSED,
                                                                   AGENT.id)


def test_an_unknown_language_is_refused(world: World) -> None:
    with pytest.raises(AgentActionError):
        world.start(language="fr")


@pytest.mark.parametrize("error", [CallNotLive(), CallControlUnavailable(),
                                   ConnectionError("boom")])
def test_a_failed_redirect_uses_the_ticket_up(world: World, error: Exception) -> None:
    handoff = world.handoff()
    world.calls.fail = error
    with pytest.raises(type(error)):
        world.start(handoff_id=handoff.id)
    ticket = world.calls.redirects[0][1].removeprefix(ENTRY)
    (link,) = world.links.links
    assert link.used_at is not None
    with pytest.raises(TransferNotUsable):
        world.service.redeem(ticket, SID)
    assert world.uow.store.audit == []
    # The agent took the handoff before the redirect (so nobody else could meanwhile): it
    # stays theirs, open to them, since the caller is still with them.
    still = world.handoffs.get(handoff.id)  # type: ignore[arg-type]
    assert still is not None and still.status == HandoffStatus.TAKEN
    assert still.taken_by == AGENT.id and still.outcome is None


def test_error_messages_are_for_the_agent() -> None:
    assert CallNotLive().detail == ("That call has ended or is not connected, so it cannot be "
                                    "transferred.")
    assert CallControlUnavailable().detail.startswith("The phone system did not accept")


def test_the_ticket_is_never_logged(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    ticket = world.start(handoff_id=world.handoff().id)
    world.calls.fail = CallControlUnavailable()
    with pytest.raises(CallControlUnavailable):
        world.start()
    world.service.redeem(ticket, SID)
    assert caplog.records
    assert ticket not in caplog.text and "ticket=" not in caplog.text


# --- redeem -----------------------------------------------------------------------------------


def test_redeem_gives_the_ticket_once(world: World) -> None:
    handoff = world.handoff()
    ticket = world.start(handoff_id=handoff.id, language="es", verified_by="customer_and_bill")
    assert world.service.redeem(ticket, SID) == TransferTicket(
        account_id=world.account.id, account_number=world.account.account_number,  # type: ignore[arg-type]
        call_sid=SID, agent_id="r.alvarez", verified_by="customer_and_bill",
        handoff_id=handoff.id, language="es")
    with pytest.raises(TransferNotUsable):
        world.service.redeem(ticket, SID)


def test_another_call_cannot_use_the_ticket_and_does_not_use_it_up(world: World) -> None:
    ticket = world.start()
    with pytest.raises(TransferNotUsable):
        world.service.redeem(ticket, OTHER_SID)
    with pytest.raises(TransferNotUsable):
        world.service.redeem(ticket, "")
    assert world.service.redeem(ticket, SID).call_sid == SID


def test_an_expired_ticket_is_refused(world: World) -> None:
    ticket = world.start()
    world.clock.advance(seconds=TICKET_TTL.total_seconds() + 1)
    with pytest.raises(TransferNotUsable):
        world.service.redeem(ticket, SID)


@pytest.mark.parametrize("ticket", ["", "nonsense", "x" * 500])
def test_garbage_is_refused(world: World, ticket: str) -> None:
    world.start()
    with pytest.raises(TransferNotUsable):
        world.service.redeem(ticket, SID)


def test_other_one_time_links_are_not_tickets(world: World) -> None:
    pay_link = LinkService(world.links, world.clock).issue(
        LinkPurpose.PAY, world.account.id, AGENT, payload={"call_sid": SID})  # type: ignore[arg-type]
    with pytest.raises(TransferNotUsable):
        world.service.redeem(pay_link, SID)


def test_an_account_locked_since_the_transfer_is_refused(world: World) -> None:
    ticket = world.start()
    # The fake unit of work restores copies on rollback: lock the stored account.
    (stored,) = world.uow.store.accounts
    stored.register_failed_verification(world.clock.now(), 1)
    with pytest.raises(TransferNotUsable):
        world.service.redeem(ticket, SID)
