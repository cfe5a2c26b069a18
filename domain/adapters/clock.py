"""Clocks: the real one for production, a fixed one that tests move by hand.

Both answer in the city's time zone, so "today" is the city's date: at 23:30 in Chicago it is
still today there even though UTC has already turned over to tomorrow.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

from domain.ports import Clock


def _require_aware(moment: datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError("need a datetime")
    # A naive datetime has no time zone, so which day it is would be a guess.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("need a time-zone-aware datetime")
    return moment


class SystemClock(Clock):
    """The wall clock, in the city's time zone."""

    def __init__(self, tz: tzinfo) -> None:
        if tz is None:
            raise ValueError("SystemClock needs the city's time zone")
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(self.tz)

    def __repr__(self) -> str:
        return f"SystemClock({self.tz!s})"


class FixedClock(Clock):
    """A clock that stands still until a test moves it.

    `now` must be aware. By default the clock answers in `now`'s own time zone; pass `tz` to
    answer in another one (e.g. a UTC instant seen from America/Chicago).
    """

    def __init__(self, now: datetime, tz: tzinfo | None = None) -> None:
        _require_aware(now)
        zone = tz if tz is not None else now.tzinfo
        if zone is None:  # pragma: no cover - _require_aware already refused naive datetimes
            raise ValueError("need a time zone")
        self.tz = zone
        self._now = now

    def now(self) -> datetime:
        return self._now.astimezone(self.tz)

    def set(self, now: datetime) -> None:
        self._now = _require_aware(now)

    def advance(self, **timedelta_kwargs: float) -> datetime:
        """Move forward (or back, with negative values) by timedelta(**kwargs); returns now().

        Elapsed time, not wall-clock time: advancing one hour across a DST change moves the
        instant by one hour, as a real clock would.
        """
        self._now = self._now.astimezone(UTC) + timedelta(**timedelta_kwargs)
        return self.now()

    def __repr__(self) -> str:
        return f"FixedClock({self.now().isoformat()})"
