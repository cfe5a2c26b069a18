"""X-Twilio-Signature checks for every Twilio webhook (voice and SMS), docs/architecture.md §5.

Twilio signs the URL it called plus the POST parameters. Behind a TLS-terminating proxy the
app sees http://internal-host/..., not the https URL Twilio used, so the URL is rebuilt from
the configured public base URL (PAYLINE_PUBLIC_URL) and the request's path and query.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

from ivr.settings import ChannelSettings

F = TypeVar("F", bound=Callable[..., Any])


def public_url_of_request(public_base: str) -> str:
    """The URL Twilio called: public base + path (+ query string, when there is one)."""
    query = request.query_string.decode("latin-1")
    return f"{public_base}{request.path}" + (f"?{query}" if query else "")


def request_is_signed(settings: ChannelSettings) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(settings.twilio_auth_token)
    params = request.form.to_dict(flat=True) if request.form else {}
    return bool(validator.validate(public_url_of_request(settings.public_url), params,
                                   signature))


def twilio_signed(view: F) -> F:
    """403 unless the request carries a valid Twilio signature."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        settings: ChannelSettings = current_app.extensions["payline.channels"]
        if not request_is_signed(settings):
            abort(403)
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]


def sign(url: str, params: dict[str, str], auth_token: str) -> str:
    """The signature Twilio would send for a POST of `params` to `url` (simulators, tests)."""
    return str(RequestValidator(auth_token).compute_signature(url, params))
