"""Never a stack trace, never a bare 500: polite answers for every error the app can hit.

Twilio webhooks get TwiML from their own handlers; these are the last line of defence for
everything else (and for bugs), answered as JSON for API clients and plain text otherwise.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from domain.errors import DomainError

log = logging.getLogger(__name__)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):  # type: ignore[no-untyped-def]
        return _answer(str(error), 400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        return _answer(error.description or error.name, error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):  # type: ignore[no-untyped-def]
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _answer("Sorry, something went wrong on our side. Please try again.", 500)


def _answer(message: str, status: int):  # type: ignore[no-untyped-def]
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify(error=message), status
    return message, status, {"Content-Type": "text/plain; charset=utf-8"}
