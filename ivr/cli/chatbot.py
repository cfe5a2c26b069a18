"""`payline chatbot-endpoints`: write Rasa's endpoints file from the environment.
`payline chatbot-run`: start the Rasa server (.venv-rasa) the way the Procfile runs it.
`payline chatbot-train`: train one language's model (what `make model` runs).

Both refuse to work in production mode while a secret is missing (domain/production.py):
the endpoints file carries the action server's secret, and Rasa's HTTP API its token.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import click

from domain.config import Settings
from domain.production import check_production_secrets, secret_value
from ivr.bot.rasa_endpoints import rasa_endpoints, render, write
from ivr.cli.support import CliError, friendly_errors

DEFAULT_RASA_HOST = "127.0.0.1"
DEFAULT_RASA_PORT = 5005


def write_endpoints(env: dict[str, str], out: Path) -> None:
    write(rasa_endpoints(env, Settings.from_env(env).var_dir), out)


@click.command("chatbot-endpoints")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the file here (default: print it).")
@friendly_errors
def chatbot_endpoints(out: Path | None) -> None:
    """Rasa's endpoints (action server and its secret, tracker store, lock store) from
    PAYLINE_* settings."""
    env = dict(os.environ)
    check_production_secrets(env)
    if out is None:
        click.echo(render(rasa_endpoints(env, Settings.from_env(env).var_dir)), nl=False)
        return
    write_endpoints(env, out)
    click.echo(f"Wrote {out}", err=True)


@click.command("chatbot-run")
@click.option("--language", type=click.Choice(["en", "es"]), default="en", show_default=True,
              help="Whose model to serve (one Rasa instance per language).")
@click.option("--host", default=None,
              help=f"Address Rasa listens on (default: PAYLINE_RASA_HOST or {DEFAULT_RASA_HOST}).")
@click.option("--port", default=DEFAULT_RASA_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option("--model", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The trained model (default: var/models/payline-<language>.tar.gz).")
@click.option("--endpoints-out", "endpoints_out", default=None,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write Rasa's endpoints "
                   "(default: <PAYLINE_VAR_DIR>/rasa-endpoints.yml).")
@friendly_errors
def chatbot_run(language: str, host: str | None, port: int, model: Path | None,
                endpoints_out: Path | None) -> None:
    """Start `rasa run` with Payline's endpoints, its HTTP API behind PAYLINE_RASA_TOKEN,
    on loopback unless PAYLINE_RASA_HOST says otherwise (replaces this process)."""
    from ivr.bot import rasa_process

    env = dict(os.environ)
    check_production_secrets(env)
    if not rasa_process.RASA.exists():
        raise CliError("The Rasa environment (.venv-rasa) is not installed: run `make bootstrap`.")
    model = model or rasa_process.MODELS[language]
    if not model.exists():
        raise CliError(f"No trained chatbot model at {model}: run `make model`.")
    out = endpoints_out or Settings.from_env(env).var_dir / f"rasa-endpoints-{language}.yml"
    write_endpoints(env, out)
    interface = (host or env.get("PAYLINE_RASA_HOST", "")).strip() or DEFAULT_RASA_HOST
    if interface not in ("127.0.0.1", "::1", "localhost"):
        # The token guards the HTTP API only: the REST channel takes any sender's messages.
        click.echo(f"Rasa listens on {interface}: only the web app may reach port {port} "
                   "(a private network or a firewall).", err=True)
    command = rasa_process.rasa_run_command(
        model, port, auth_token=secret_value(env, "PAYLINE_RASA_TOKEN"), endpoints=out,
        credentials=rasa_process.CREDENTIALS, interface=interface)
    os.execve(command[0], command, rasa_process.rasa_env(env))  # noqa: S606 (our command)


@click.command("chatbot-train")
@click.option("--language", type=click.Choice(["en", "es"]), required=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Where the model goes (default: var/models).")
@friendly_errors
def chatbot_train(language: str, out_dir: Path | None) -> None:
    """Train the language's chatbot model (Rasa prints its progress bars) from its NLU data,
    config and responses plus the shared domain and rules (ivr/bot/rasa_training.py)."""
    from ivr.bot import rasa_process, rasa_training

    if not rasa_process.RASA.exists():
        raise CliError("The Rasa environment (.venv-rasa) is not installed: run `make bootstrap`.")
    var_dir = Settings.from_env(dict(os.environ)).var_dir
    domain = rasa_training.assemble_domain(language, var_dir / "domain" / language)
    out_dir = out_dir or rasa_process.MODELS[language].parent
    click.echo(f"==> training the {language} chatbot model (about 5 minutes on 2 cores, "
               "beside the other language's)", err=True)
    # A fixed hash seed makes training repeatable: the featurizers' vocabulary order follows
    # set iteration, which Python randomizes per process (docs/nlu-report.md).
    env = {**rasa_process.rasa_env(), "PYTHONHASHSEED": "0"}
    done = subprocess.run(rasa_training.train_command(language, domain, out_dir),  # noqa: S603
                          cwd=rasa_process.ROOT, env=env, check=False)
    if done.returncode != 0:
        raise CliError(f"Training the {language} model failed (rasa exited with "
                       f"{done.returncode}; its output is above).")


commands = [chatbot_endpoints, chatbot_run, chatbot_train]
