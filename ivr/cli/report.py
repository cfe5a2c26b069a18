"""`payline report daily [--date YYYY-MM-DD] [--format text|csv]`: the finance office's daily
report (domain/services/daily_report.py) of one of the city's days (default yesterday in its
time zone): payments by channel, method and status with fees, refunds, disputes, ACH files
sent and returns received, with totals that tie out. CSV goes to standard output for a
spreadsheet (`> 2026-11-22.csv`). Only amounts, counts and statuses, never card digits.
"""

from __future__ import annotations

import click

from domain.services.daily_report import csv_text, text_lines
from ivr.cli.reconciliation import parse_day
from ivr.cli.support import friendly_errors, open_container


@click.group("report")
def report() -> None:
    """Reports for the finance office."""


@report.command("daily")
@click.option("--date", "day_text", default=None, metavar="YYYY-MM-DD",
              help="The city's day (default: yesterday in the city's time zone).")
@click.option("--format", "output_format", type=click.Choice(["text", "csv"]), default="text",
              show_default=True, help="text for reading, csv for a spreadsheet.")
@friendly_errors
def daily(day_text: str | None, output_format: str) -> None:
    """The day's payments, fees, refunds, disputes and ACH, with totals that tie out."""
    with open_container() as container:
        day = parse_day(day_text, container.clock)
        result = container.daily_report_service().report(day)
    if output_format == "csv":
        click.echo(csv_text(result), nl=False)
    else:
        click.echo("\n".join(text_lines(result)))


commands: list[click.Command] = [report]
