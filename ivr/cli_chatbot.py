"""`payline chatbot-endpoints`: write Rasa's endpoints file from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import click

from domain.config import Settings
from ivr.rasa_endpoints import rasa_endpoints, render


@click.command("chatbot-endpoints")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the file here (default: print it).")
def chatbot_endpoints(out: Path | None) -> None:
    """Rasa's endpoints (action server, tracker store, lock store) from PAYLINE_* settings."""
    env = dict(os.environ)
    text = render(rasa_endpoints(env, Settings.from_env(env).var_dir))
    if out is None:
        click.echo(text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    # Passwords may be inside: readable by the owner only.
    out.chmod(0o600)
    click.echo(f"Wrote {out}", err=True)


commands = [chatbot_endpoints]
