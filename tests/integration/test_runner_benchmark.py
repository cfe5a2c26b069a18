"""The benchmark tooling: it writes due payments, and its floor leaves no trace."""

from __future__ import annotations

from datetime import datetime

import pytest

from domain.money import Money
from sandbox.benchmarks import runner as runner_benchmark
from sandbox.processor import SandboxProcessor
from tests.integration.conftest import CITY_TZ


def test_prepare_floor_and_outcomes(engine, uow_factory, build):
    with uow_factory() as uow:
        for _ in range(3):
            uow.accounts.add(build.account(bills=[build.bill(unpaid=Money.of("5"))]))
        uow.accounts.add(build.account(bills=[build.bill(unpaid=Money.zero())]))  # owes nothing
        uow.commit()
    now = datetime(2026, 11, 22, 9, 0, tzinfo=CITY_TZ)
    ids = runner_benchmark.prepare(engine, SandboxProcessor(engine), 3, now)
    assert len(ids) == 3
    assert runner_benchmark.outcome_counts(engine) == {"scheduled": 3}
    assert runner_benchmark.floor(engine, ids) > 0
    assert runner_benchmark.outcome_counts(engine) == {"scheduled": 3}  # rolled back
    more = runner_benchmark.prepare(engine, SandboxProcessor(engine), 5, now)  # 3 accounts owe
    assert len(set(more) - set(ids)) == 5


def test_prepare_refuses_when_nobody_owes(engine, uow_factory, build):
    with uow_factory() as uow:
        uow.accounts.add(build.account(bills=[build.bill(unpaid=Money.zero())]))
        uow.commit()
    now = datetime(2026, 11, 22, 9, 0, tzinfo=CITY_TZ)
    with pytest.raises(ValueError, match="no account owes"):
        runner_benchmark.prepare(engine, SandboxProcessor(engine), 1, now)
