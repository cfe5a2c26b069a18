"""The reconciliation page of the agent console through the real Flask app over a seeded demo
city and the sandbox processor: supervisors only, a chosen day (default yesterday), the
mismatches named, and the daily report as a CSV download."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from domain.money import Money
from domain.ports import CardDetails
from sandbox.processor import SandboxProcessor
from tests.e2e.agent_support import SUPERVISOR, AgentDesk, text_of
from tests.e2e.voice_support import VoiceCity, voice_city

CARD = "4242424242424242"


@pytest.fixture
def city(tmp_path: Path) -> Iterator[VoiceCity]:
    yield from voice_city(tmp_path)


@pytest.fixture
def boss(city: VoiceCity) -> AgentDesk:
    return supervisor(city)


def supervisor(city: VoiceCity) -> AgentDesk:
    desk = AgentDesk(city.app)
    assert desk.sign_in(*SUPERVISOR).status_code == 302
    return desk


def two_days_later(city: VoiceCity) -> AgentDesk:
    """Past the seeded history (nothing happened the day before), signed in afresh (the
    console's idle timeout has ended any earlier session)."""
    city.clock.advance(days=2)
    return supervisor(city)


def test_only_supervisors_open_the_reconciliation(city: VoiceCity, boss: AgentDesk) -> None:
    nobody = AgentDesk(city.app)
    for path in ("/agent/finance", "/agent/finance/daily-report.csv"):
        response = nobody.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/agent/login")
    agent = AgentDesk(city.app)
    agent.sign_in()
    for path in ("/agent/finance", "/agent/finance/daily-report.csv?date=2026-11-22"):
        refused = agent.get(path)
        assert refused.status_code == 403
        assert "Only a 311 supervisor can open this page." in text_of(refused)
    assert "Reconciliation" not in text_of(agent.get("/agent"))
    assert 'href="/agent/finance"' in boss.get("/agent").get_data(as_text=True)
    assert boss.get("/agent/finance").status_code == 200


def test_the_page_shows_yesterday_by_default_and_a_quiet_day_is_clean(
        city: VoiceCity, boss: AgentDesk) -> None:
    page = boss.get("/agent/finance")
    yesterday = city.clock.today() - timedelta(days=1)
    assert f"Reconciliation of {yesterday.isoformat()}" in text_of(page)
    assert page.headers["Cache-Control"] == "no-store"
    quiet = two_days_later(city).get("/agent/finance")
    assert quiet.status_code == 200
    assert "Clean: every charge, refund and dispute of the day matches the ledger." in \
        text_of(quiet)


def test_a_charge_behind_the_ledgers_back_is_named_on_the_page(city: VoiceCity) -> None:
    boss = two_days_later(city)
    # Straight at the processor, at the city's (test) time: Payline never hears of it.
    gateway = SandboxProcessor(city.container.engine, clock=city.clock)
    token = gateway.tokenize_card(CardDetails(CARD, 12, 2030, "123")).token
    behind = gateway.charge(token, Money.of("147.82"), "payline-MADE-UP99")
    today = city.clock.today().isoformat()
    page = boss.get(f"/agent/finance?date={today}")
    assert page.status_code == 200
    text = text_of(page)
    assert "1 mismatch:" in text
    assert "charge the ledger lacks" in text and behind.reference in text  # type: ignore[operator]
    assert "$147.82" in text and "MADE-UP99" in text
    assert CARD not in page.get_data(as_text=True) and "4242" not in text


@pytest.mark.parametrize("bad", ["tomorrow", "2026-02-30", "9999-12-31", "x" * 300])
def test_a_bad_date_is_a_polite_400(boss: AgentDesk, bad: str) -> None:
    page = boss.get(f"/agent/finance?date={bad}")
    assert page.status_code == 400
    assert "Choose a date such as" in text_of(page) or "has not happened yet" in text_of(page)
    assert boss.get(f"/agent/finance/daily-report.csv?date={bad}").status_code == 400


def test_the_daily_report_downloads_as_csv(city: VoiceCity, boss: AgentDesk) -> None:
    yesterday = (city.clock.today() - timedelta(days=1)).isoformat()
    page = boss.get(f"/agent/finance?date={yesterday}")
    assert f'href="/agent/finance/daily-report.csv?date={yesterday}"' in \
        page.get_data(as_text=True)
    response = boss.get(f"/agent/finance/daily-report.csv?date={yesterday}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        f'attachment; filename="payline-daily-report-{yesterday}.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["section", "channel", "method", "status", "count", "amount", "fees",
                       "total", "entries"]
    assert rows[-1][0] == "net"


def test_an_unreachable_processor_is_a_polite_503(city: VoiceCity, boss: AgentDesk,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(*args: object) -> None:
        raise ConnectionError("processor unreachable")

    monkeypatch.setattr(city.container.gateway, "charges_between", unreachable)
    page = boss.get("/agent/finance")
    assert page.status_code == 503
    assert "The payment processor could not be reached" in text_of(page)
