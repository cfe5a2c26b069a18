"""`payline benchmark-runner`: the runner's payments/second beside the database floor."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import click

from domain.adapters import runner_benchmark
from ivr.cli_support import CliError, friendly_errors, open_container

ROOT = Path(__file__).resolve().parent.parent


@click.command("benchmark-runner")
@click.option("--payments", "count", default=10_000, show_default=True,
              type=click.IntRange(min=1))
@click.option("--runners", default=2, show_default=True, type=click.IntRange(1, 16))
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append the result as a Markdown table row to this file.")
@friendly_errors
def benchmark_runner(count: int, runners: int, report: Path | None) -> None:
    """Write COUNT due payments, process them with RUNNERS runner processes, compare with
    COUNT bare UPDATEs in one transaction. Writes test payments: use a benchmark database."""
    with open_container() as container:
        if not container.settings.database_url.startswith("postgresql"):
            raise CliError("The benchmark is meant for PostgreSQL (PAYLINE_DATABASE_URL).")
        with click.progressbar(length=count, label="Writing due payments") as bar:
            ids = runner_benchmark.prepare(container.engine, container.gateway, count,
                                           container.clock.now(), progress=bar.update)
        floor_seconds = runner_benchmark.floor(container.engine, ids)
        click.echo(f"Floor: {count:,} bare UPDATEs in one transaction: {floor_seconds:.1f} s "
                   f"({count / floor_seconds:,.0f}/s).")
        started = time.perf_counter()
        processes = [subprocess.Popen(  # the same command an operator runs
            [sys.executable, "-m", "ivr.cli", "process-due"], cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL)
            for _ in range(runners)]
        codes = [p.wait() for p in processes]
        elapsed = time.perf_counter() - started
        outcomes = runner_benchmark.outcome_counts(container.engine)
    rate = count / elapsed
    click.echo(f"Runner: {runners} process(es), {count:,} payments in {elapsed:.1f} s "
               f"({rate:,.0f}/s); outcomes {outcomes}; exit codes {codes}.")
    click.echo(f"The runner does {count / floor_seconds / rate:,.0f}x the floor's time per "
               "payment (three transactions, a processor call and an audit trail each).")
    if report:
        with report.open("a", encoding="utf-8") as handle:
            handle.write(f"| {time.strftime('%Y-%m-%d')} | {count:,} | {runners} | "
                         f"{elapsed:.0f} s | {rate:,.0f}/s | {floor_seconds:.1f} s | "
                         f"{count / floor_seconds:,.0f}/s |\n")


commands: list[click.Command] = [benchmark_runner]
