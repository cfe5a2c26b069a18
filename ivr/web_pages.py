"""What the web pages share: the city and 311 in every page's context, a CSRF token tied to
the Flask session (one session key per page family), and the security headers."""

from __future__ import annotations

import hmac
import secrets

from flask import session

from domain.config import Settings
from domain.phone import national_format


def page_context(settings: Settings) -> dict[str, str]:
    phone = settings.phone_311
    return {"city": settings.city_name.removeprefix("the "), "phone_311": phone,
            "phone_311_display": national_format(phone)}


def csrf_token(session_key: str) -> str:
    token = session.get(session_key)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[session_key] = token
    return token


def csrf_matches(session_key: str, sent: str | None) -> bool:
    expected = session.get(session_key)
    if not isinstance(expected, str) or not expected or not sent:
        return False
    return hmac.compare_digest(expected.encode(), sent.encode())


def security_headers(form_action: str = "'self'") -> dict[str, str]:
    return {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": ("default-src 'none'; style-src 'self'; "
                                    f"form-action {form_action}; frame-ancestors 'none'; "
                                    "base-uri 'none'"),
    }
