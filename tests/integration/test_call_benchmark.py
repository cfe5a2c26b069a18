"""The voice-call load benchmark: its scripts, its statistics, and a small real run (waitress
subprocesses on PostgreSQL) in which every call must end as its script expects."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from domain.adapters.database import upgrade
from domain.config import Settings
from domain.money import Money
from ivr.bootstrap import build_container
from sandbox.benchmarks import calls as call_benchmark
from sandbox.benchmarks.calls import APP_TARGET, FLOOR_TARGET, Percentiles, percentiles, scripts_for
from sandbox.demo_city import DemoCity
from sandbox.demo_seed import seed_demo_city


def test_percentiles_are_ordered_and_inclusive() -> None:
    samples = [i / 1000 for i in range(1, 101)]  # 1 ms .. 100 ms
    p = percentiles(list(reversed(samples)))
    assert p.p50 == pytest.approx(0.0505)
    assert p.p95 == pytest.approx(0.09505)
    assert p.p99 == pytest.approx(0.09901)
    assert p.max == 0.1
    assert min(samples) <= p.p50 <= p.p95 <= p.p99 <= p.max


def test_percentiles_of_few_samples() -> None:
    assert percentiles([]) == Percentiles(0.0, 0.0, 0.0, 0.0)
    assert percentiles([0.25]) == Percentiles(0.25, 0.25, 0.25, 0.25)
    p = percentiles([0.1, 0.3])
    assert 0.1 <= p.p50 <= p.p95 <= p.p99 <= p.max == 0.3


def test_scripts_deal_the_flows_round_robin_from_unknown_callers() -> None:
    scripts = scripts_for(13)
    assert [s.flow for s in scripts[:6]] == ["balance", "pay-card", "general-balance",
                                            "balance", "pay-card", "no-input"]
    assert scripts[6] == call_benchmark.CallScript(
        "balance", "+13125559006", scripts[0].tokens, scripts[0].expect, scripts[0].ended_by)
    assert len({s.caller for s in scripts}) == 13
    assert all(s.caller.startswith("+13125559") for s in scripts)  # no phone on file
    assert Counter(s.pays_on for s in scripts if s.pays_on) == {call_benchmark.DANA: 2,
                                                                call_benchmark.SAMUEL: 2}
    assert call_benchmark.payments_needed(scripts) == {call_benchmark.DANA: Money.of("2.00"),
                                                       call_benchmark.SAMUEL: Money.of("2.00")}
    pay = scripts[1].tokens
    assert "3" in pay and call_benchmark.PAYMENT_KEYS in pay and "4242424242424242" in pay
    assert scripts_for(1000)[999].caller == "+13125559999"


@pytest.mark.postgres
def test_a_small_run_against_waitress_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    upgrade(postgres_url)
    env = {"PAYLINE_DATABASE_URL": postgres_url, "PAYLINE_VAR_DIR": str(tmp_path)}
    container = build_container(Settings.from_env(env))
    try:
        payable = container.payment_service().payable
        scripts = scripts_for(6)
        assert "payline seed" in call_benchmark.persona_problems(
            container.engine, payable, scripts)[0]
        seed_demo_city(container.engine, DemoCity(size=1, today=container.clock.today()),
                       container.gateway)
        assert call_benchmark.persona_problems(container.engine, payable, scripts) == []
        broke = call_benchmark.persona_problems(container.engine, lambda _id: Money.zero(),
                                                scripts)
        assert len(broke) == 2 and all("left to pay" in line for line in broke)

        with call_benchmark.serve(APP_TARGET, threads=4, env=env) as url:
            assert call_benchmark.health(url)["accounts"] > 0
            result = call_benchmark.run_calls(url, scripts, concurrency=3)
        assert result.failures == [] and result.http_errors == 0
        assert result.calls == 6 and len(result.turns_per_call) == 6
        assert result.turns == sum(result.turns_per_call) >= 6 * 7
        assert result.connector_calls == 2  # the two card payments; not turns
        p = result.percentiles
        assert 0 < p.p50 <= p.p95 <= p.p99 <= p.max
        assert result.turns_per_second > 0
        assert {flow: len(sids) for flow, sids in result.call_sids.items()} == {
            "balance": 2, "pay-card": 2, "general-balance": 1, "no-input": 1}
        assert call_benchmark.approved_payments(container.engine,
                                                result.call_sids["pay-card"]) == 2
        with container.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT a.account_number, p.amount_cents, p.fee_cents FROM payments p "
                "JOIN accounts a ON a.id = p.account_id WHERE p.status = 'approved' "
                "AND p.created_by LIKE 'resident:CA%' ORDER BY a.account_number")).all()
        assert [tuple(r) for r in rows] == [(call_benchmark.DANA, 100, 125),
                                            (call_benchmark.SAMUEL, 100, 125)]

        with call_benchmark.serve(FLOOR_TARGET, threads=2) as floor_url:
            floor = call_benchmark.run_floor(floor_url, result.turns_per_call, concurrency=3)
        assert floor.failures == [] and floor.http_errors == 0
        assert floor.turns == result.turns and floor.turns_per_second > 0
        assert 0 < floor.percentiles.p50 <= floor.percentiles.max
    finally:
        container.dispose()
