"""What the web pages share: the city and 311 in every page's context, a CSRF token tied to
the Flask session (one session key per page family), the security headers, and reading an id
from a URL or a form."""

from __future__ import annotations

import hmac
import secrets

from flask import session

from domain.config import Settings
from domain.phone import national_format

# Ids are INTEGER columns (32-bit on PostgreSQL): a larger number is no id, and asking the
# database for one overflows (PostgreSQL above 2**31, SQLite above 2**63).
MAX_ROW_ID = 2**31 - 1


def row_id(text: str | None) -> int | None:
    """An id carried in a URL or a form: ASCII digits only ("²".isdigit() is True, but
    int("²") fails), within what the database holds; None for anything else."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ROW_ID else None


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
