"""Signed SMS threads into the real Flask app, as Twilio's Messaging webhook would post them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from domain.adapters.clock import FixedClock
from ivr.settings import ChannelSettings
from ivr.web.twilio_signature import sign
from sandbox.simulators.text import incoming_sms_params
from tests.e2e.voice_support import VoiceCity, voice_city

CITY_NUMBER = "+13125550100"


@dataclass
class Texted:
    status: int
    replies: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.replies)


@dataclass
class SmsCity(VoiceCity):
    """The seeded city of the voice tests (rows, outbox), texted instead of called."""

    sids: list[str] = field(default_factory=list)

    @property
    def clock(self) -> FixedClock:
        clock = self.container.clock
        assert isinstance(clock, FixedClock)
        return clock

    def text(self, body: str, sender: str = "+13125550101", *, sid: str | None = None,
             **extra: str) -> Texted:
        """One text from `sender`; `sid` resends an earlier MessageSid (a Twilio retry)."""
        channels: ChannelSettings = self.app.extensions["payline.channels"]
        params = incoming_sms_params(sender, CITY_NUMBER, body, channels.twilio_account_sid,
                                     message_sid=sid)
        params.update(extra)
        self.sids.append(params["MessageSid"])
        return self.post(params)

    def post(self, params: dict[str, str], *, signed: bool = True) -> Texted:
        channels: ChannelSettings = self.app.extensions["payline.channels"]
        headers = {}
        if signed:
            headers["X-Twilio-Signature"] = sign(f"{channels.public_url}/sms", params,
                                                 channels.twilio_auth_token)
        response = self.app.test_client().post("/sms", data=params, headers=headers)
        replies: list[str] = []
        if response.status_code == 200:
            root = ET.fromstring(response.data)  # noqa: S314 - our own app's answer
            assert root.tag == "Response"
            replies = ["".join(message.itertext()) for message in root.iter("Message")]
        return Texted(response.status_code, replies)

    def payments(self, account_number: str) -> list[sa.Row]:
        """The payments texts made (not the seeded history)."""
        return self.rows(
            "SELECT p.* FROM payments p JOIN accounts a ON a.id = p.account_id "
            "WHERE a.account_number = :n AND p.created_by LIKE 'resident:sms:%' ORDER BY p.id",
            n=account_number)


def sms_city(tmp_path: Path, rasa_url: str = "http://127.0.0.1:9",
             database_url: str | None = None) -> Iterator[SmsCity]:
    for city in voice_city(tmp_path, database_url, PAYLINE_RASA_URL=rasa_url,
                           PAYLINE_BOT_TIMEOUT="2"):
        yield SmsCity(city.app, city.container)
