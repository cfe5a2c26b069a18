"""What every `payline` command shares: one-line errors instead of tracebacks, and the
adapters for the current environment. Area modules (ivr/cli_*.py) import from here, and
ivr/cli/main.py adds their commands to the `payline` group."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError, SQLAlchemyError

from domain.config import Settings
from domain.errors import DomainError
from ivr.bootstrap import Container, build_container

P = ParamSpec("P")
R = TypeVar("R")


class CliError(click.ClickException):
    """One line on stderr ("Error: ..."), exit status 1."""


def friendly_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn expected failures into one-line errors instead of tracebacks."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except click.ClickException:
            raise
        except DomainError as exc:
            raise CliError(exc.detail) from None
        except (OperationalError, ProgrammingError) as exc:
            raise CliError(_database_problem(exc)) from None
        except ArgumentError as exc:
            raise CliError(f"PAYLINE_DATABASE_URL is not a valid database URL ({exc}).") from None
        except SQLAlchemyError as exc:
            raise CliError(f"Database error: {_first_line(exc)}") from None
        except ValueError as exc:  # e.g. an unknown PAYLINE_TIMEZONE
            raise CliError(str(exc)) from None

    return wrapper


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0][:200]


def _database_problem(exc: SQLAlchemyError) -> str:
    reason = _first_line(exc)
    if "no such table" in reason or ("relation" in reason and "does not exist" in reason):
        return "The database has no Payline tables yet. Run `payline db upgrade` first."
    return f"Cannot use the database at {safe_url()}: {reason}"


def safe_url() -> str:
    try:
        return make_url(Settings.from_env().database_url).render_as_string(hide_password=True)
    except Exception:  # the URL itself may be what is wrong
        return "PAYLINE_DATABASE_URL"


@contextmanager
def open_container() -> Iterator[Container]:
    container = build_container(Settings.from_env())
    try:
        yield container
    finally:
        container.dispose()
