"""Verification by text that cannot be used as an oracle (issue 14 §2), through signed SMS
threads (the bot down, so the keyword path verifies): the rules are the identity service's,
so they hold across texts, senders and channels exactly as on the phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.sms import texts
from tests.e2e.sms_support import SmsCity, sms_city
from tests.e2e.voice_support import DANA, VICTOR

UNKNOWN = "0104200999"


@pytest.fixture
def city(tmp_path: Path) -> Iterator[SmsCity]:
    yield from sms_city(tmp_path)


def answer(city: SmsCity, identity: str, sender: str) -> str:
    city.text("BAL", sender)
    return city.text(identity, sender).text


def heard(text: str) -> str:
    if text == texts.VERIFY_FAILED:
        return "failed"
    if "locked" in text and "311" in text:
        return "locked"
    return text


def test_a_locked_account_answers_the_right_and_a_wrong_factor_alike(city: SmsCity) -> None:
    right = answer(city, f"{VICTOR} 45", "+13125550181")
    wrong = answer(city, f"{VICTOR} 46", "+13125550182")
    right_ssn = answer(city, f"{VICTOR} SSN 6650", "+13125550183")
    assert right == wrong == right_ssn
    assert heard(right) == "locked" and "you owe" not in right
    assert len(city.rows("SELECT * FROM verification_attempts WHERE NOT succeeded")) == 3


def test_an_unknown_number_locks_on_the_same_text_as_a_real_one_for_every_sender(
        city: SmsCity) -> None:
    answers = {number: [heard(answer(city, f"{number} 1", f"+131255502{i}{n}"))
                        for i in range(4)]
               for n, number in enumerate((DANA, UNKNOWN))}
    assert answers[DANA] == answers[UNKNOWN] == ["failed", "failed", "locked", "locked"]


def test_failures_on_an_unknown_number_count_across_channels(city: SmsCity) -> None:
    # Two wrong tries by phone, then the third by text: locked, as a real account would be.
    for caller in ("+13125550191", "+13125550192"):
        call = city.call(["1", "1", "1", f"{UNKNOWN}#", "1", "1#", "hangup"], caller=caller)
        assert "doesn't match our records" in call.said
    assert heard(answer(city, f"{UNKNOWN} 1", "+13125550193")) == "locked"
