"""/agent/finance: the finance office's pages of the agent console, for supervisors only.

- GET /agent/finance?date=YYYY-MM-DD: the day's reconciliation of the processor with the
  ledger (default yesterday in the city's time zone): both sides' totals, how they tie out,
  the timing differences and every mismatch, as `payline reconcile` prints them.
- GET /agent/finance/daily-report.csv?date=YYYY-MM-DD: the day's report as CSV, as
  `payline report daily --format csv` writes it.

Both are read-only GETs (a date is no secret), on the console's blueprint so they get its
sign-in, security headers and error pages. Only times, amounts and references are shown.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from flask import Response, current_app, render_template, request

from domain.errors import DomainError
from domain.services.daily_report import csv_text
from ivr.agent.auth import requires_supervisor
from ivr.agent.views import agent
from ivr.bootstrap import Container

log = logging.getLogger(__name__)

MAX_DATE_TEXT = 20


def _container() -> Container:
    return current_app.extensions["payline"]


def _chosen_day() -> tuple[date, str | None]:
    """The ?date= asked for, or yesterday; with an error to show if it was no usable date."""
    today = _container().clock.today()
    yesterday = today - timedelta(days=1)
    text = request.args.get("date", "").strip()
    if not text:
        return yesterday, None
    try:
        day = date.fromisoformat(text[:MAX_DATE_TEXT]) if len(text) <= MAX_DATE_TEXT else None
    except ValueError:
        day = None
    if day is None:
        return yesterday, "Choose a date such as " + today.isoformat() + " (year-month-day)."
    if day > today:
        return yesterday, f"{day.isoformat()} has not happened yet: choose today or earlier."
    return day, None


@agent.get("/finance")
@requires_supervisor
def finance() -> Any:
    container = _container()
    day, error = _chosen_day()
    page: dict[str, Any] = {"day": day, "today": container.clock.today(), "error": error,
                            "result": None, "tz": container.clock.tz}
    if error:
        return render_template("agent/finance.html", **page), 400
    reconciler = container.day_reconciler()
    try:
        page["result"] = reconciler.reconcile(day)
    except (ConnectionError, TimeoutError, OSError, DomainError) as exc:
        log.warning("reconciliation page: the processor could not be reached (%s)",
                    type(exc).__name__)
        page["error"] = ("The payment processor could not be reached, so the day could not "
                         "be reconciled. Nothing was changed; try again in a few minutes.")
        return render_template("agent/finance.html", **page), 503
    return render_template("agent/finance.html", **page)


@agent.get("/finance/daily-report.csv")
@requires_supervisor
def daily_report_csv() -> Any:
    container = _container()
    day, error = _chosen_day()
    if error:
        return render_template("agent/problem.html", message=error), 400
    report = container.daily_report_service().report(day)
    return Response(csv_text(report), mimetype="text/csv", headers={
        "Content-Disposition":
            f'attachment; filename="payline-daily-report-{day.isoformat()}.csv"'})
