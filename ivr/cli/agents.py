"""`payline agents`: the 311 console's sign-ins, from a terminal.

    payline agents add USERNAME --name "Display Name" [--role agent|supervisor] [--password-stdin]
    payline agents list
    payline agents set-password USERNAME [--password-stdin]
    payline agents deactivate USERNAME
    payline agents reset-mfa USERNAME

A password is never an argument (it would stay in the shell history and show in `ps`): it is
read with a hidden prompt typed twice, or with --password-stdin from the first line of
standard input, for scripts. Nothing here prints a password hash or a session token. Changes
are audited as "system:cli:<login>". Expected failures print one line and exit with status 1.
"""

from __future__ import annotations

import getpass
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import click

from domain.config import MIN_AGENT_PASSWORD_LENGTH
from domain.model import Actor, AgentRole
from domain.services.agent_auth import MAX_PASSWORD_LENGTH, normalize_username
from ivr.cli.support import CliError, friendly_errors, open_container

_STDIN_HELP = ("Read the password from the first line of standard input (for "
                        "scripts) instead of prompting.")


@click.group("agents")
def agents() -> None:
    """311 console agents: add them, list them, set a password, deactivate them, reset their
    one-time codes."""


@agents.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True,
              help='The display name, e.g. "Rosa Alvarez".')
@click.option("--role", type=click.Choice([str(r) for r in AgentRole]),
              default=str(AgentRole.AGENT), show_default=True,
              help="A supervisor also manages agents.")
@click.option("--password-stdin", is_flag=True, help=_STDIN_HELP)
@friendly_errors
def agents_add(username: str, display_name: str, role: str, password_stdin: bool) -> None:
    """Add an agent who can sign in to the 311 console."""
    _check_username(username)
    password = _read_password(password_stdin)
    with open_container() as container:
        agent = container.agent_auth_service().add_agent(username, display_name, password,
                                                         AgentRole(role), _actor())
    click.echo(f"Added {agent.role} {agent.username} ({agent.display_name}); they can sign in "
               "to the console now.")


@agents.command("list")
@friendly_errors
def agents_list() -> None:
    """Every agent: username, name, role, whether active, last sign-in."""
    with open_container() as container:
        found = container.agent_auth_service().agents()
        tz = container.settings.timezone
    if not found:
        click.echo("No agents yet. Add one with `payline agents add USERNAME --name NAME`.")
        return
    width = max(len("username"), *(len(a.username) for a in found))
    name_width = max(len("name"), *(len(a.display_name) for a in found))
    click.echo(f"{'username':<{width}}  {'name':<{name_width}}  {'role':<10}  {'active':<6}  "
               "last sign-in")
    for a in found:
        click.echo(f"{a.username:<{width}}  {a.display_name:<{name_width}}  {a.role:<10}  "
                   f"{'yes' if a.active else 'no':<6}  {_when(a.last_login_at, tz)}")


@agents.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help=_STDIN_HELP)
@friendly_errors
def agents_set_password(username: str, password_stdin: bool) -> None:
    """Set an agent's password; their console sessions end (they sign in again)."""
    name = _check_username(username)
    with open_container() as container:
        service = container.agent_auth_service()
        if all(a.username != name for a in service.agents()):
            raise CliError(f"No agent has the username {name}.")
        password = _read_password(password_stdin)
        service.set_password(name, password, _actor())
    click.echo(f"New password set for {name}; any console sessions of theirs have ended.")


@agents.command("deactivate")
@click.argument("username")
@friendly_errors
def agents_deactivate(username: str) -> None:
    """Stop an agent signing in; their console sessions end at once."""
    name = _check_username(username)
    with open_container() as container:
        container.agent_auth_service().deactivate(name, _actor())
    click.echo(f"{name} is deactivated: they can no longer sign in, and their console "
               "sessions have ended.")


@agents.command("reset-mfa")
@click.argument("username")
@friendly_errors
def agents_reset_mfa(username: str) -> None:
    """Turn an agent's one-time codes off (a lost phone); their sessions end, and they set up
    new codes at their next sign-in (required in production)."""
    name = _check_username(username)
    with open_container() as container:
        container.agent_auth_service().reset_mfa(name, _actor())
    click.echo(f"One-time codes reset for {name}: their console sessions have ended; they set "
               "up new codes at their next sign-in.")


def _check_username(text: str) -> str:
    name = normalize_username(text)
    if name is None:
        raise CliError("A username is 3 to 40 characters: lower-case letters, digits, dots, "
                       "dashes and underscores (e.g. r.alvarez).")
    return name


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        typed = sys.stdin.readline().rstrip("\r\n")
        if not typed:
            raise CliError("--password-stdin: standard input has no password on its first line.")
        return typed
    prompted: str = click.prompt(
        f"Password ({MIN_AGENT_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters)",
        hide_input=True, confirmation_prompt=True)
    return prompted


def _actor() -> Actor:
    try:
        login = getpass.getuser()
    except Exception:  # no login name (e.g. a container with no passwd entry)
        login = ""
    login = "".join(c for c in login if c.isalnum() or c in "._-")[:40]
    return Actor.system(f"cli:{login}" if login else "cli")


def _when(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if moment else "never"


commands: list[click.Command] = [agents]
