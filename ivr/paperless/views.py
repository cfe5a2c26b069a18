"""GET/POST /paperless/<token>: finish paperless enrollment from a texted one-time link.

A verified caller who wants paperless billing but has no email on file gets a text with a
one-time link (LinkPurpose.PAPERLESS); this page asks for the email address and enrolls the
account. Showing the page does not use the link up (`peek`); a valid submission does
(`redeem`), so a double submit or a replay enrolls once. The email is checked before the link
is used up, so a typo does not cost the resident their link; an address with a card number in
it is refused and not shown back.

The token is in the URL, so responses are `no-store` and send no Referer. The form carries a
CSRF token tied to the Flask session. Every failure is a polite page (no 500, no trace); the
token and the email address are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request

from domain.errors import (
    AccountLocked,
    CardNumberInEmail,
    DomainError,
    InvalidEmail,
    LinkNotUsable,
)
from domain.model import Actor, Channel, LinkPurpose
from domain.services.paperless import MAX_EMAIL_LENGTH, normalize_email
from ivr.bootstrap import Container
from ivr.web.pages import csrf_matches, csrf_token, page_context

paperless_page = Blueprint("paperless_page", __name__, static_folder="static",
                           template_folder="templates", static_url_path="/paperless/static")
log = logging.getLogger(__name__)

CSRF_SESSION_KEY = "paperless_csrf"
CSRF_FIELD = "csrf_token"
INVALID_EMAIL = ("That email address does not look right. Please check it and try again, "
                 "for example name@example.com.")
CARD_IN_EMAIL = ("That looks like a card number, not an email address, so we did not use or keep "
                 "it. Please never type card numbers here. Type your email address, for "
                 "example name@example.com.")
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": ("default-src 'none'; style-src 'self'; form-action 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'"),
}

View = Callable[..., Any]


@dataclass(frozen=True)
class _AccountView:
    last4: str
    locked: bool


def _polite(view: View) -> View:
    """Every failure becomes a page a resident can act on."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except AccountLocked:
            return _locked_page()
        except LinkNotUsable as exc:
            return _problem("This link cannot be used", exc.detail, 410, new_link=True)
        except DomainError:  # e.g. the account is gone: as good as an unusable link
            return _problem("This link cannot be used", LinkNotUsable.message, 410,
                            new_link=True)
        except Exception as exc:  # a bug or an outage; never the token or the email
            log.error("paperless page failed: %s", type(exc).__name__)
            return _problem("Sorry, something went wrong",
                            "We could not finish this right now. Please try again in a few "
                            "minutes.", 503)

    return wrapper


@paperless_page.get("/paperless/<token>")
@_polite
def show_form(token: str) -> Any:
    container = _container()
    link = container.link_service().peek(token, LinkPurpose.PAPERLESS)
    account = _account(container, link.account_id)
    if account.locked:
        raise AccountLocked()
    return _form(account)


@paperless_page.post("/paperless/<token>")
@_polite
def enroll(token: str) -> Any:
    if not _csrf_ok():
        return _problem("Please try again",
                        "This form has expired. Please open the link in your text message "
                        "again and fill in the form once more.", 400)
    container = _container()
    link = container.link_service().peek(token, LinkPurpose.PAPERLESS)
    account = _account(container, link.account_id)
    typed = request.form.get("email", "")[:MAX_EMAIL_LENGTH]
    try:
        email = normalize_email(typed)
    except CardNumberInEmail:  # refused, and not shown back in the form
        return _form(account, error=CARD_IN_EMAIL), 400
    except InvalidEmail:
        return _form(account, email=typed, error=INVALID_EMAIL), 400
    link = container.link_service().redeem(token, LinkPurpose.PAPERLESS)
    status = container.paperless_service().enroll(
        link.account_id, email, Actor.resident(Channel.WEB, f"link:{link.id}"))
    return render_template("paperless_done.html", **_page_context(),
                           last4=account.last4, masked_email=status.masked_email)


@paperless_page.after_request
def _protect(response: Response) -> Response:
    if request.endpoint != "paperless_page.static":  # the stylesheet may be cached
        response.headers.update(SECURITY_HEADERS)
    return response


# --- helpers ---------------------------------------------------------------------------


def _container() -> Container:
    return current_app.extensions["payline"]  # type: ignore[no-any-return]


def _account(container: Container, account_id: int) -> _AccountView:
    with container.uow() as uow:
        account = uow.accounts.get(account_id)
        if account is None:
            raise LinkNotUsable()
        return _AccountView(last4=account.masked_number()[-4:], locked=account.is_locked)


def _form(account: _AccountView, email: str = "", error: str | None = None) -> str:
    return render_template("paperless.html", **_page_context(), last4=account.last4,
                           email=email, error=error, csrf_token=_csrf_token(),
                           csrf_field=CSRF_FIELD)


def _problem(title: str, message: str, status: int,
             new_link: bool = False) -> tuple[str, int]:
    return render_template("paperless_problem.html", **_page_context(), title=title,
                           message=message, new_link=new_link), status


def _locked_page() -> tuple[str, int]:
    return _problem("Please call 311",
                    "For your security this account is locked for self-service. Please call "
                    "311 and an agent can unlock it and help you with paperless billing.", 403)


def _page_context() -> dict[str, str]:
    return page_context(_container().settings)


def _csrf_token() -> str:
    return csrf_token(CSRF_SESSION_KEY)


def _csrf_ok() -> bool:
    return csrf_matches(CSRF_SESSION_KEY, request.form.get(CSRF_FIELD))
