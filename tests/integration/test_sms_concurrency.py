"""Two YES texts to one payment offer, answered at the same moment by two web workers (two
threads, two MessageSids), on PostgreSQL where row locks are real: one payment, one charge,
and both texts name the same confirmation number."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.e2e.sms_support import SmsCity, Texted, sms_city

pytestmark = pytest.mark.postgres

DANA_PHONE = "+13125550101"


def test_two_yes_texts_at_once_pay_once(postgres_url: str, tmp_path: Path) -> None:
    for city in sms_city(tmp_path, database_url=postgres_url):
        run(city)


def run(city: SmsCity) -> None:
    city.text("BAL", DANA_PHONE)
    city.text("0104200731 1234", DANA_PHONE)
    assert "Reply YES" in city.text("PAY", DANA_PHONE).text
    start = threading.Barrier(2)
    answers: list[Texted] = []

    def say_yes() -> None:
        start.wait()
        answers.append(city.text("YES", DANA_PHONE))

    workers = [threading.Thread(target=say_yes) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert [answer.status for answer in answers] == [200, 200]
    payments = city.payments("0104200731")
    assert len(payments) == 1 and payments[0]._mapping["status"] == "approved"
    confirmation = payments[0]._mapping["confirmation_number"]
    assert all(confirmation in answer.text for answer in answers), answers
    # The processor saw one charge for Dana's balance (with or without the card fee).
    charged = city.rows("SELECT count(*) FROM sandbox_charges "
                        "WHERE amount_cents IN (14657, 14782)")
    assert charged[0][0] == 1
