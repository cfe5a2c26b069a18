"""`payline ach ...`: send bank debits to the city's bank and apply what it returns.

    payline ach export                      write the NACHA file of pending bank debits
    payline ach returns FILE                apply a returns file (NACHA or CSV)
    payline ach files                       recent files
    payline ach simulate-returns FILE       the sandbox bank's returns (sandbox/cli/bank.py)
"""

from __future__ import annotations

from pathlib import Path

import click

from ivr.cli.support import CliError, friendly_errors, open_container


@click.group()
def ach() -> None:
    """Bank (ACH) debits: NACHA files out, returns in."""


@ach.command("export")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Directory for the file (default: PAYLINE_ACH_DIR or var/ach).")
@friendly_errors
def export(out_dir: Path | None) -> None:
    """Put every pending bank payment not yet sent into one NACHA file."""
    with open_container() as container:
        result = container.ach_service().export(out_dir)
        if result is None:
            click.echo("No pending bank payments to send.")
            return
        ach_file = result.ach_file
        click.echo(f"Wrote {result.path} ({ach_file.entry_count} debit(s), "
                   f"{ach_file.total_debit}, {ach_file.batch_count} batch(es), "
                   f"effective {ach_file.effective_date}).")
        for line in result.skipped:
            click.echo(f"  left out: {line}", err=True)


@ach.command("returns")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@friendly_errors
def returns(path: Path) -> None:
    """Apply the bank's returns file (NACHA return entries, or CSV trace,code,amount)."""
    text = read_file(path)
    with open_container() as container:
        report = container.ach_service().import_returns(text)
    click.echo(f"Returned {report.returned} (reversed after clearing "
               f"{report.reversed_after_clearing}), methods disabled "
               f"{report.methods_disabled}, scheduled payments cancelled "
               f"{report.scheduled_cancelled}, already applied {report.duplicates}.")
    for error in report.errors:
        click.echo(f"  ! {error}", err=True)
    if report.errors:
        raise SystemExit(1)


@ach.command("files")
@friendly_errors
def files() -> None:
    """The most recent NACHA files."""
    with open_container() as container, container.uow() as uow:
        recent = uow.ach_files.recent()
        if not recent:
            click.echo("No ACH files yet.")
        for f in recent:
            click.echo(f"{f.file_name}  {f.entry_count:>5} debit(s)  {f.total_debit!s:>14}"
                       f"  effective {f.effective_date}")


def read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CliError(f"{path} is not a text file.") from None


commands: list[click.Command] = [ach]
