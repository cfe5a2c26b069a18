"""`payline reminders`: send the reminders due before scheduled payments.

Meant for cron (e.g. every hour): running it again, or on two machines at once, never sends a
payment's reminder twice. The lead adds `commands` to the `payline` group in ivr/cli/main.py.
"""

from __future__ import annotations

import click

from domain.services.reminders import MAX_LIMIT
from ivr.cli.support import friendly_errors, open_container


@click.command("reminders")
@click.option("--limit", type=click.IntRange(min=1, max=MAX_LIMIT), default=1000,
              show_default=True, help="At most this many payments per run.")
@friendly_errors
def reminders(limit: int) -> None:
    """Remind residents of scheduled payments due within PAYLINE_REMINDER_DAYS days."""
    with open_container() as container:
        run = container.reminder_service().send_due_reminders(limit=limit)
    click.echo(f"Reminders: {run.sent} sent, {run.failed} failed to send, "
               f"{run.skipped} skipped.")
    if run.failed:
        # At most once: failed reminders are recorded and will not be sent again.
        click.echo("Failed reminders are not retried; see the log for why.", err=True)


commands: list[click.Command] = [reminders]
