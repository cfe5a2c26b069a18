"""Clocks answer in the city's time zone; the fixed one moves only when told."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from domain.adapters.clock import FixedClock, SystemClock
from domain.ports import Clock

CHICAGO = ZoneInfo("America/Chicago")


def test_both_clocks_implement_the_port() -> None:
    assert isinstance(SystemClock(CHICAGO), Clock)
    assert isinstance(FixedClock(datetime(2024, 1, 15, 12, tzinfo=CHICAGO)), Clock)


def test_late_evening_in_chicago_is_still_today_there_but_tomorrow_in_utc() -> None:
    # 23:30 at UTC-6 (Chicago in January) is 05:30 UTC the next day.
    evening = datetime(2024, 1, 15, 23, 30, tzinfo=CHICAGO)
    assert evening.utcoffset() == timedelta(hours=-6)
    chicago = FixedClock(evening)
    utc = FixedClock(evening, tz=UTC)
    assert chicago.today() == date(2024, 1, 15)
    assert utc.today() == date(2024, 1, 16)
    assert chicago.now() == utc.now()  # the same instant, seen from two zones


def test_a_utc_instant_seen_from_chicago() -> None:
    clock = FixedClock(datetime(2024, 1, 16, 5, 30, tzinfo=UTC), tz=CHICAGO)
    assert clock.today() == date(2024, 1, 15)
    assert clock.now().tzinfo is CHICAGO
    assert clock.now().hour == 23


def test_fixed_clock_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        FixedClock(datetime(2024, 1, 15, 12))  # naive on purpose
    clock = FixedClock(datetime(2024, 1, 15, 12, tzinfo=CHICAGO))
    with pytest.raises(ValueError):
        clock.set(datetime(2024, 1, 16, 12))  # naive on purpose


def test_fixed_clock_stands_still_until_advanced() -> None:
    clock = FixedClock(datetime(2024, 1, 15, 23, 30, tzinfo=CHICAGO))
    first = clock.now()
    assert clock.now() == first
    after = clock.advance(minutes=45)
    assert after == first + timedelta(minutes=45)
    assert clock.now() == after
    assert clock.today() == date(2024, 1, 16)
    clock.advance(days=-1)
    assert clock.today() == date(2024, 1, 15)


def test_advance_is_elapsed_time_across_dst() -> None:
    # 2024-03-10 01:30 CST + 1 hour = 03:30 CDT (02:30 does not exist that night).
    clock = FixedClock(datetime(2024, 3, 10, 1, 30, tzinfo=CHICAGO))
    clock.advance(hours=1)
    assert clock.now().hour == 3
    assert clock.now().utcoffset() == timedelta(hours=-5)


def test_set_moves_to_any_instant_and_keeps_the_city_zone() -> None:
    clock = FixedClock(datetime(2024, 1, 15, 12, tzinfo=CHICAGO))
    clock.set(datetime(2024, 7, 4, 3, 0, tzinfo=UTC))
    assert clock.now().tzinfo is CHICAGO
    assert clock.today() == date(2024, 7, 3)  # 22:00 CDT on the 3rd


def test_fixed_offset_zone_works_too() -> None:
    minus6 = timezone(timedelta(hours=-6))
    clock = FixedClock(datetime(2024, 1, 15, 23, 30, tzinfo=minus6))
    assert clock.today() == date(2024, 1, 15)
    assert clock.now().astimezone(UTC).date() == date(2024, 1, 16)


def test_system_clock_is_aware_and_in_the_city_zone() -> None:
    clock = SystemClock(CHICAGO)
    before = datetime.now(UTC)
    now = clock.now()
    after = datetime.now(UTC)
    assert now.tzinfo is CHICAGO
    assert before <= now <= after
    assert clock.today() == now.date()
    assert clock.tz is CHICAGO


def test_system_clock_needs_a_zone() -> None:
    with pytest.raises(ValueError):
        SystemClock(None)  # type: ignore[arg-type]
