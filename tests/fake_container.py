"""A composition root built from fakes: the real services and channel logic over in-memory
ports (tests/fakes.py), so the voice steps, the SMS tasks and the conversation layer are unit
tested without a database, Twilio or Rasa."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.config import Settings
from domain.model import Account
from ivr.bootstrap import Container, Stores
from tests.fakes import (
    FakeCallControl,
    FakeClock,
    FakeConversationStore,
    FakeGateway,
    FakeHandoffLog,
    FakeLinkStore,
    FakeNotifier,
    FakeSmsConsent,
    FakeUnitOfWork,
)


class _Absent:
    """A store the code under test must not touch: any use fails the test loudly."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        raise AssertionError(f"the {self._name} store is not part of this fake container")


@dataclass
class FakeWorld:
    """The container and the fakes behind it, for a test to arrange and inspect."""

    container: Container
    uow: FakeUnitOfWork
    clock: FakeClock
    gateway: FakeGateway
    notifier: FakeNotifier
    handoffs: FakeHandoffLog
    links: FakeLinkStore
    conversations: FakeConversationStore
    sms_consent: FakeSmsConsent
    calls: FakeCallControl
    accounts: list[Account] = field(default_factory=list)

    def add(self, account: Account) -> Account:
        self.uow.accounts.add(account)
        self.accounts.append(account)
        return account


def fake_world(now: datetime, env: dict[str, str] | None = None) -> FakeWorld:
    settings = Settings.from_env({"PAYLINE_VAR_DIR": "/nonexistent-fake-container",
                                  **(env or {})})
    uow, clock = FakeUnitOfWork(), FakeClock(now)
    gateway, notifier = FakeGateway(clock), FakeNotifier()
    stores = Stores(handoffs=FakeHandoffLog(), links=FakeLinkStore(),
                    conversations=FakeConversationStore(),
                    channel_sessions=_Absent("call sessions"),  # type: ignore[arg-type]
                    sms_consent=FakeSmsConsent(),
                    sms_inbox=_Absent("SMS inbox"),  # type: ignore[arg-type]
                    agents=_Absent("agents"),  # type: ignore[arg-type]
                    call_control=FakeCallControl())
    container = Container(settings=settings, uow=lambda: uow, clock=clock, gateway=gateway,
                          vault=_Absent("bank vault"),  # type: ignore[arg-type]
                          notifier=notifier, stores=stores)
    return FakeWorld(container, uow, clock, gateway, notifier,
                     stores.handoffs, stores.links,  # type: ignore[arg-type]
                     stores.conversations, stores.sms_consent,  # type: ignore[arg-type]
                     stores.call_control)  # type: ignore[arg-type]
