"""The 311 console through the Flask app on each real database: what the database itself
would refuse (ids larger than its INTEGER columns) must never reach it."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.agent_support import AgentDesk, assert_huge_ids_are_refused_politely
from tests.e2e.voice_support import DANA, voice_city


def test_ids_too_large_for_the_database_are_not_found(database_url: str,
                                                      tmp_path: Path) -> None:
    for city in voice_city(tmp_path, database_url=database_url):
        city.call(["1", "0"])
        (handoff,) = city.rows("SELECT id FROM handoffs")
        (account,) = city.rows("SELECT id FROM accounts WHERE account_number = :n", n=DANA)
        desk = AgentDesk(city.app)
        assert desk.sign_in().status_code == 302
        assert_huge_ids_are_refused_politely(desk, account.id, handoff.id)
