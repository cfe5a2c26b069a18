"""`payline process-due` and `payline scheduler`: the scheduled-payment runner for operators.

process-due runs once (cron-friendly) with a progress bar and a summary; scheduler is the
long-running process `make run` starts, running the same work every --interval seconds, and
checking on each run that every charge the processor made is known to the ledger (an ERROR
log line for any that is not; `payline unmatched-charges` is the same check on demand).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import timedelta
from types import FrameType

import click

from domain.production import check_production_secrets
from domain.services.processing import RunSummary, ScheduledPaymentRunner
from domain.services.reconciliation import ChargeReconciliation, UnmatchedChargeWatch
from ivr.bootstrap import Container
from ivr.cli.support import friendly_errors, open_container
from ivr.logging_setup import configure_logging

# A charge is judged this long after its <Pay> result was due: by then the runner has
# resolved a payment whose result never came, so only real problems remain.
SETTLE_MARGIN = timedelta(minutes=5)


def runner_for(container: Container, stale_after_seconds: int) -> ScheduledPaymentRunner:
    return ScheduledPaymentRunner(
        container.uow, container.clock, container.payment_service(), container.ach_service(),
        stale_after=timedelta(seconds=stale_after_seconds),
        pay_result_timeout=container.settings.payments.pay_result_timeout,
        refunds=container.refund_service())


def charge_watch_for(container: Container) -> UnmatchedChargeWatch:
    reconciliation = ChargeReconciliation(container.uow, container.gateway, container.clock)
    return UnmatchedChargeWatch(
        reconciliation, container.clock,
        settle=container.settings.payments.pay_result_timeout + SETTLE_MARGIN)


@click.command("process-due")
@click.option("--stale-after", "stale_after", default=120, show_default=True, type=int,
              help="Seconds after which a pending card payment is retried (crash recovery).")
@friendly_errors
def process_due(stale_after: int) -> None:
    """Submit every scheduled payment whose date has come, charge cards, clear ACH debits."""
    check_production_secrets(os.environ)  # a missing secret: one line, exit status 1
    with open_container() as container:
        runner = runner_for(container, stale_after)
        due = runner.count_due()
        click.echo(f"{due:,} scheduled payment(s) due as of {container.clock.today()}.")
        started = time.monotonic()
        with click.progressbar(length=due, label="Processing", show_pos=True) as bar:
            summary = runner.run(progress=bar.update)
        _print_summary(summary, time.monotonic() - started)


def _print_summary(summary: RunSummary, seconds: float) -> None:
    for line in summary.lines():
        click.echo(line)
    for error in summary.errors[:20]:
        click.echo(f"  ! {error}", err=True)
    click.echo(f"Done in {seconds:.1f} s.")


@click.command()
@click.option("--interval", default=60, show_default=True, type=click.IntRange(min=1),
              help="Seconds between runs.")
@click.option("--stale-after", "stale_after", default=120, show_default=True, type=int)
@friendly_errors
def scheduler(interval: int, stale_after: int) -> None:
    """Run the payment runner and reminders every --interval seconds until stopped."""
    check_production_secrets(os.environ)  # a missing secret: one line, exit status 1
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    configure_logging()  # the unmatched-charge ERROR lines are what monitoring alerts on
    with open_container() as container:
        runner = runner_for(container, stale_after)
        watch = charge_watch_for(container)
        reminders = container.reminder_service()
        click.echo(f"Scheduler started: every {interval} s.")
        while not stop.is_set():
            started = time.monotonic()
            try:
                summary = runner.run()
                reminded = reminders.send_due_reminders()
            except Exception as exc:  # keep running: the next tick may succeed
                click.echo(f"run failed: {exc}", err=True)
            else:
                if summary.submitted or summary.recovered or summary.cleared or summary.errors:
                    _print_summary(summary, time.monotonic() - started)
                if reminded.sent:
                    click.echo(f"Reminders sent: {reminded.sent}.")
            _check_charges(watch)
            stop.wait(interval)
        click.echo("Scheduler stopped.")


def _check_charges(watch: UnmatchedChargeWatch) -> None:
    try:
        report = watch.check()  # logs an ERROR line for each unmatched charge
    except Exception as exc:  # the processor may be down: the same window is checked next run
        click.echo(f"charge check failed: {exc}", err=True)
        return
    if report is not None and report.unmatched:
        click.echo(f"{len(report.unmatched)} processor charge(s) the ledger does not account "
                   "for: run `payline unmatched-charges` for details.", err=True)


commands: list[click.Command] = [process_due, scheduler]
