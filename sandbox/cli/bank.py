"""`payline ach simulate-returns`: the returns the sandbox bank would send for a NACHA file."""

from __future__ import annotations

from pathlib import Path

import click

from domain.services.ach import originator_from
from ivr.cli.ach import read_file
from ivr.cli.support import friendly_errors, open_container
from sandbox.bank import simulate_returns


@click.command("simulate-returns")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="Where to write the returns file.")
@friendly_errors
def simulate(path: Path, out_path: Path) -> None:
    """Sandbox only: the returns the city's bank would send for the test accounts."""
    with open_container() as container:
        text, count = simulate_returns(read_file(path), originator_from(container.settings.ach),
                                       today=container.clock.today(), now=container.clock.now())
    if not count:
        click.echo("The sandbox bank returns nothing: every debit clears.")
        return
    out_path.write_text(text, encoding="ascii")
    click.echo(f"Wrote {out_path}: {count} return(s).")


