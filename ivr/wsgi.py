"""The web process's entry point for waitress (`waitress-serve --call ivr.wsgi:app`, see the
Procfile): the app built from the environment or, when it must not start (production mode
with a secret missing, a setting with a bad value), one line on stderr and exit status 1
instead of a traceback."""

from __future__ import annotations

from flask import Flask

from ivr import create_app


def app() -> Flask:
    try:
        return create_app()
    except ValueError as exc:  # ProductionSecretsMissing and every bad-setting error
        raise SystemExit(f"payline web: {exc}") from None
