"""A seeded demo city behind the real Flask app, and simulated calls into it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask

from domain.adapters.clock import FixedClock
from domain.adapters.database import upgrade
from domain.config import PROCESSOR_STRIPE, Settings, StripeSettings
from domain.ports import PaymentGateway
from ivr import create_app
from ivr.bootstrap import Container, build_container
from ivr.settings import ChannelSettings
from sandbox.demo_city import DemoCity
from sandbox.demo_seed import seed_demo_city
from sandbox.simulators.phone import FlaskTransport, PhoneCall, Transcript

CITY_TZ = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 23, 10, 30, tzinfo=CITY_TZ)

# The sandbox processor's test instruments (sandbox/processor.py).
APPROVED_CARD = ["4242424242424242", "1230", "123", "60601"]
DECLINED_CARD = ["4000000000000002", "1230", "123", "60601"]
BANK = ["011000015", "000123456789"]

DANA = "0104200731"  # past due, phone +13125550101, SSN last 4 4821, street 1234
LUCIA = "2201458890"  # Spanish, +13125550102, street 507
GRACE = "3300917254"  # paperless, a scheduled payment, +13125550103, street 88
VICTOR = "5512093384"  # locked
AISHA = "6604381127"  # email on file, not paperless, street 19
SAMUEL = "7730264415"  # street 3021


@dataclass
class VoiceCity:
    app: Flask
    container: Container

    @property
    def clock(self) -> FixedClock:
        """The app's clock, which a test moves by hand (e.g. past a time-out)."""
        clock = self.container.clock
        assert isinstance(clock, FixedClock)
        return clock

    def call(self, script: Iterable[str], caller: str = "+13125550199") -> Transcript:
        return PhoneCall(FlaskTransport(self.app), caller=caller).run(list(script))

    def rows(self, query: str, **params: object) -> list[sa.Row]:
        with self.container.engine.connect() as conn:
            return list(conn.execute(sa.text(query), params))

    def payments(self, account_number: str) -> list[sa.Row]:
        """The payments simulated calls made (not the seeded history)."""
        return self.rows(
            "SELECT p.* FROM payments p JOIN accounts a ON a.id = p.account_id "
            "WHERE a.account_number = :n AND p.created_by LIKE 'resident:CA%' ORDER BY p.id",
            n=account_number)

    def audit(self, action_prefix: str) -> list[sa.Row]:
        return self.rows("SELECT * FROM audit_events WHERE channel = 'voice' AND action LIKE "
                         ":p ORDER BY id", p=f"{action_prefix}%")

    def outbox(self, recipient: str) -> list[sa.Row]:
        return self.rows("SELECT * FROM outbox_messages WHERE recipient = :r ORDER BY id",
                         r=recipient)


def voice_city(tmp_path: Path, database_url: str | None = None,
               settings_env: Mapping[str, str] | None = None,
               stripe: StripeSettings | None = None,
               **channel_env: str) -> Iterator[VoiceCity]:
    """`settings_env` adds domain settings (e.g. PAYLINE_CALL_CONTROL); `channel_env` channel
    ones (e.g. TWILIO_AUTH_TOKEN for webhook signatures). `stripe` (e.g. localstripe's
    settings) runs the city in Stripe mode (PAYLINE_PROCESSOR=stripe)."""
    url = database_url or f"sqlite:///{tmp_path / 'payline.db'}"
    upgrade(url)
    settings = Settings.from_env({"PAYLINE_DATABASE_URL": url, "PAYLINE_VAR_DIR": str(tmp_path),
                                  **(settings_env or {})})
    if stripe is not None:
        settings = replace(settings, processor=PROCESSOR_STRIPE, stripe=stripe)
    container = build_container(settings, clock=FixedClock(NOW))
    # The demo's saved methods are sandbox instruments (in Stripe mode: in the bank vault,
    # which is the sandbox processor); no call here pays with them.
    seeder = container.gateway if stripe is None else container.vault
    assert isinstance(seeder, PaymentGateway)
    # No processor history: these tests count the charges their own calls and pages make.
    seed_demo_city(container.engine, DemoCity(size=1, today=NOW.date()), seeder,
                   processor_history=False)
    # The NLU points at a closed port: speech at menus must work on the keyword fallback.
    # One Rasa URL given serves both languages (a stub, or a one-model test), unless the
    # Spanish one is given too.
    rasa = channel_env.get("PAYLINE_RASA_URL", "http://127.0.0.1:9")
    channels = ChannelSettings.from_env({"PAYLINE_RASA_URL": rasa, "PAYLINE_RASA_ES_URL": rasa,
                                         **channel_env})
    app = create_app(container=container, channel_settings=channels)
    yield VoiceCity(app, container)
    container.dispose()
