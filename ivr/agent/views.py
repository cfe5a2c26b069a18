"""/agent: the 311 agent console (docs/architecture.md §6).

Sign in; the handoff queue with each resident's context; find an account (account number,
customer ID + bill number, name + address, phone number); the account view; unlock a locked
account (reason required); transfer a live caller into self-service payment. Supervisors also
see what agents did (/agent/audit).

Views stay thin: they read the form, call a domain service, and redirect with a message
(post/redirect/get, so a reload never repeats an action). Searches are POSTs, so account and
phone numbers never sit in a URL, a browser history or an access log. Every page is
`no-store` and unframeable.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse

from domain.errors import CodeRejected, DomainError, LoginThrottled, SignInExpired
from domain.model import Channel, Handoff, HandoffStatus
from domain.phone import mask_phone, national_format
from domain.ports import ConcurrencyConflict
from domain.services.account_lookup import SEARCH_LABELS, AccountSearch, SearchBy
from domain.services.agent_auth import (
    MAX_PASSWORD_LENGTH,
    MAX_USERNAME_LENGTH,
    MfaEnrolment,
    PendingSignIn,
    SecondFactorNeeded,
)
from domain.services.handoffs import INTENTS, OUTCOMES, REASONS
from domain.services.transfers import VERIFICATION_METHODS
from ivr.agent.auth import (
    CSRF_FIELD,
    auth_service,
    clear_session_cookie,
    clear_step_cookie,
    csrf_token,
    current_session,
    requires_agent,
    requires_supervisor,
    safe_next,
    session_token,
    set_session_cookie,
    set_step_cookie,
    step_token,
)
from ivr.agent.qr import qr_svg
from ivr.bootstrap import Container
from ivr.settings import ChannelSettings
from ivr.voice.engine import transfer_entry_url
from ivr.web.pages import MAX_ROW_ID, csrf_matches, page_context, row_id, security_headers
from ivr.web.pages import csrf_token as login_csrf_token

log = logging.getLogger(__name__)

agent = Blueprint("agent", __name__, url_prefix="/agent", static_folder="static",
                  template_folder="templates", static_url_path="/static")

LOGIN_CSRF_KEY = "agent_login_csrf"
MAX_BODY = 16 * 1024
MAX_FIELD = 200
# A number no id column can hold is no id: routes and form fields stop it first.
ID = f"int(min=1, max={MAX_ROW_ID})"  # the URL converter for an id in a console route
LANGUAGES = {"en": "English", "es": "Spanish"}


def _container() -> Container:
    return current_app.extensions["payline"]


def _channels() -> ChannelSettings:
    return current_app.extensions["payline.channels"]


def _field(name: str) -> str:
    return " ".join(request.form.get(name, "").split())[:MAX_FIELD]


@agent.before_request
def _limit_body() -> None:
    request.max_content_length = MAX_BODY


@agent.after_request
def _headers(response: Response) -> Response:
    response.headers.update(security_headers())
    return response


@agent.errorhandler(RequestEntityTooLarge)
def _too_large(_: RequestEntityTooLarge) -> tuple[str, int]:
    return render_template("agent/problem.html",
                           message="That form was too large to read."), 413


@agent.errorhandler(Exception)
def _unexpected(error: Exception) -> Any:
    if isinstance(error, HTTPException):
        return error  # 404s and other HTTP errors keep their own answer
    log.error("agent console failed on %s: %s", request.endpoint, type(error).__name__)
    return render_template("agent/problem.html", message="Something went wrong on our side. "
                           "Nothing was changed. Please try again."), 500


@agent.app_template_filter("citytime")
def _city_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(_container().settings.timezone).strftime("%b %-d, %Y %-I:%M %p")


@agent.app_template_filter("phone")
def _phone(value: str | None) -> str:
    return national_format(value) if value else ""


@agent.context_processor
def _context() -> dict[str, Any]:
    session = current_session() if session_token() else None
    return {**page_context(_container().settings), "policy": _container().settings.agents,
            "agent": session.agent if session else None,
            "csrf_field": CSRF_FIELD, "csrf": csrf_token() if session else "",
            "mask_phone": mask_phone, "max_username": MAX_USERNAME_LENGTH,
            "max_password": MAX_PASSWORD_LENGTH}


# --- signing in and out ------------------------------------------------------------------

@agent.get("/login")
def login() -> Any:
    if current_session() is not None:
        return redirect(safe_next(request.args.get("next")))
    idle = _container().settings.agents.idle_minutes
    notice = (f"Your session ended ({idle} minutes without activity, or you signed out "
              "elsewhere). Please sign in again." if request.args.get("ended")
              else SignInExpired().detail if request.args.get("step") else None)
    return render_template("agent/login.html", notice=notice,
                           login_csrf=login_csrf_token(LOGIN_CSRF_KEY),
                           next=request.args.get("next", ""))


@agent.post("/login")
def login_submit() -> Any:
    nxt = request.form.get("next", "")
    if not csrf_matches(LOGIN_CSRF_KEY, request.form.get(CSRF_FIELD)):
        return _login_again("This sign-in form expired. Please try again.", nxt, 400)
    try:
        # Passed whole: the service refuses what is too long, a cut-down password could match.
        token, _ = auth_service().log_in(request.form.get("username", ""),
                                         request.form.get("password", ""),
                                         request.remote_addr or "unknown")
    except SecondFactorNeeded as step:
        response = redirect(url_for("agent.code", next=_next_or_none(nxt)))
        set_step_cookie(response, step.challenge)
        return response
    except LoginThrottled as exc:
        return _login_again(exc.detail, nxt, 429)
    except DomainError as exc:
        return _login_again(exc.detail, nxt, 401)
    return _signed_in(token, nxt)


def _signed_in(token: str, nxt: str) -> WerkzeugResponse:
    response = redirect(safe_next(nxt))
    set_session_cookie(response, token)
    clear_step_cookie(response)
    return response


def _login_again(error: str, nxt: str, status: int) -> tuple[str, int]:
    return render_template("agent/login.html", error=error, next=nxt,
                           login_csrf=login_csrf_token(LOGIN_CSRF_KEY),
                           username=request.form.get("username", "")[:MAX_USERNAME_LENGTH]), status


def _next_or_none(nxt: str) -> str | None:
    target = safe_next(nxt)
    return target if target != url_for("agent.home") else None


# --- the one-time code after the password --------------------------------------------------

@agent.get("/login/code")
def code() -> Any:
    nxt = request.args.get("next", "")
    try:
        pending = auth_service().pending_sign_in(step_token())
    except SignInExpired:
        return _step_over(nxt)
    return _code_page(pending, nxt, None, 200)


@agent.post("/login/code")
def code_submit() -> Any:
    nxt = request.form.get("next", "")
    service = auth_service()
    try:
        pending = service.pending_sign_in(step_token())
        if not csrf_matches(LOGIN_CSRF_KEY, request.form.get(CSRF_FIELD)):
            return _code_page(pending, nxt, "This form expired. Please type the code again.",
                              400)
        token, _ = service.complete_sign_in(step_token(), request.form.get("code", ""),
                                            request.remote_addr or "unknown")
    except SignInExpired:
        return _step_over(nxt)
    except LoginThrottled as exc:
        return _code_page(pending, nxt, exc.detail, 429)
    except CodeRejected as exc:
        return _code_page(pending, nxt, exc.detail, 401)
    return _signed_in(token, nxt)


def _code_page(pending: PendingSignIn, nxt: str, error: str | None,
               status: int) -> tuple[str, int]:
    enrolment = pending.enrolment
    return render_template(
        "agent/code.html", pending=pending, enrolment=enrolment, error=error,
        qr=_qr(enrolment) if enrolment else None, next=_next_or_none(nxt) or "",
        login_csrf=login_csrf_token(LOGIN_CSRF_KEY)), status


def _step_over(nxt: str) -> WerkzeugResponse:
    response = redirect(url_for("agent.login", next=_next_or_none(nxt), step="over"))
    clear_step_cookie(response)
    return response


def _qr(enrolment: MfaEnrolment) -> Markup:
    return qr_svg(enrolment.uri, "QR code to scan with your authenticator app")


# --- setting up one-time codes while signed in ---------------------------------------------

@agent.get("/mfa")
@requires_agent
def mfa() -> str:
    return render_template("agent/mfa.html")


@agent.post("/mfa/start")
@requires_agent
def mfa_start() -> Any:
    try:
        challenge, _ = auth_service().start_enrolment(_actor())
    except DomainError as exc:
        flash(exc.detail, "error")
        return redirect(url_for("agent.mfa"))
    response = redirect(url_for("agent.mfa_setup"))
    set_step_cookie(response, challenge)
    return response


@agent.get("/mfa/setup")
@requires_agent
def mfa_setup() -> Any:
    try:
        enrolment = auth_service().enrolment(_actor(), step_token())
    except SignInExpired:
        flash("That set-up took too long. Please start again.", "error")
        return redirect(url_for("agent.mfa"))
    return render_template("agent/mfa_setup.html", enrolment=enrolment, qr=_qr(enrolment))


@agent.post("/mfa/setup")
@requires_agent
def mfa_confirm() -> Any:
    try:
        auth_service().confirm_enrolment(_actor(), step_token(), request.form.get("code", ""))
    except SignInExpired:
        flash("That set-up took too long. Please start again.", "error")
        return redirect(url_for("agent.mfa"))
    except CodeRejected as exc:
        flash(exc.detail, "error")
        return redirect(url_for("agent.mfa_setup"))
    flash("One-time codes are on: from your next sign-in, type the code your app shows after "
          "your password.", "success")
    response = redirect(url_for("agent.mfa"))
    clear_step_cookie(response)
    return response


@agent.post("/logout")
@requires_agent
def logout() -> Any:
    auth_service().log_out(session_token())
    flash("You are signed out.", "info")
    response = redirect(url_for("agent.login"))
    clear_session_cookie(response)
    return response


# --- the queue and handoffs ----------------------------------------------------------------

@agent.get("")
@requires_agent
def home() -> str:
    queue = _container().handoff_service().queue()
    now = _container().clock.now()
    return render_template("agent/home.html", queue=queue, now=now, waited=_waited,
                           search_labels=SEARCH_LABELS, describe=_describe)


@agent.get(f"/handoffs/<{ID}:handoff_id>")
@requires_agent
def handoff(handoff_id: int) -> Any:
    found = _container().handoff_service().get(handoff_id)
    if found is None:
        return render_template("agent/problem.html",
                               message="No handoff has that reference."), 404
    return render_template("agent/handoff.html", handoff=found, describe=_describe,
                           waited=_waited(found, _container().clock.now()),
                           call_live=_call_live(found), outcomes=OUTCOMES,
                           search_labels=SEARCH_LABELS)


@agent.post(f"/handoffs/<{ID}:handoff_id>/take")
@requires_agent
def take_handoff(handoff_id: int) -> Any:
    return _act(lambda: _container().handoff_service().take(handoff_id, _actor()),
                f"You have handoff {handoff_id}.", url_for("agent.handoff", handoff_id=handoff_id))


@agent.post(f"/handoffs/<{ID}:handoff_id>/close")
@requires_agent
def close_handoff(handoff_id: int) -> Any:
    outcome = request.form.get("outcome", "")
    return _act(lambda: _container().handoff_service().close(handoff_id, _actor(), outcome),
                f"Handoff {handoff_id} is closed.", url_for("agent.home"),
                back=url_for("agent.handoff", handoff_id=handoff_id))


@agent.post("/handoffs/find")
@requires_agent
def find_handoff() -> Any:
    """A resident who texted or chatted calls 311 and reads out their reference number."""
    reference = row_id(_field("reference").lstrip("#"))
    if reference is not None and _container().handoff_service().get(reference) is not None:
        return redirect(url_for("agent.handoff", handoff_id=reference))
    flash("No handoff has that reference. Check the number with the resident.", "error")
    return redirect(url_for("agent.home"))


# --- accounts --------------------------------------------------------------------------------

@agent.post("/search")
@requires_agent
def search() -> Any:
    by = request.form.get("by", "")
    handoff_id = row_id(request.form.get("handoff"))
    if by not in SearchBy.__members__.values():
        return _search_page([], None, "Choose how to search.", handoff_id, 400)
    query = AccountSearch(by=SearchBy(by), account_number=_field("account_number"),
                          customer_id=_field("customer_id"), bill_number=_field("bill_number"),
                          name=_field("name"), address=_field("address"),
                          phone=_field("phone"))
    try:
        matches = _container().account_lookup_service().search(query, _actor())
    except DomainError as exc:
        return _search_page([], query, exc.detail, handoff_id, 400)
    if len(matches) == 1:
        return redirect(url_for("agent.account", account_id=matches[0].account_id,
                                handoff=handoff_id))
    return _search_page(matches, query, None, handoff_id, 200)


def _search_page(matches: list[Any], query: AccountSearch | None, error: str | None,
                 handoff_id: int | None, status: int) -> tuple[str, int]:
    return render_template("agent/search.html", matches=matches, query=query, error=error,
                           handoff_id=handoff_id, search_labels=SEARCH_LABELS), status


@agent.get(f"/accounts/<{ID}:account_id>")
@requires_agent
def account(account_id: int) -> Any:
    try:
        overview = _container().account_lookup_service().overview(account_id, _actor())
    except DomainError as exc:
        return render_template("agent/problem.html", message=exc.detail), 404
    handoff_id = row_id(request.args.get("handoff"))
    from_handoff = _container().handoff_service().get(handoff_id) if handoff_id else None
    handoffs = _container().handoff_service().for_account(account_id)
    session = current_session()
    refundable = (_container().refund_service().refundable(account_id)
                  if session is not None and session.agent.is_supervisor else {})
    return render_template(
        "agent/account.html", account=overview, handoffs=handoffs, from_handoff=from_handoff,
        refundable=refundable,
        call_sid=_transfer_call_sid(from_handoff), methods=VERIFICATION_METHODS,
        languages=LANGUAGES, describe=_describe)


@agent.post(f"/accounts/<{ID}:account_id>/unlock")
@requires_agent
def unlock(account_id: int) -> Any:
    handoff_id = row_id(request.form.get("handoff"))
    page = url_for("agent.account", account_id=account_id, handoff=handoff_id)

    def unlock_it() -> object:
        number = _container().account_lookup_service().account_number(account_id)
        return _container().account_service().unlock(number, _actor(), _field("reason"))

    return _act(unlock_it, "The account is unlocked. The caller can use self-service again.",
                page)


@agent.post(f"/accounts/<{ID}:account_id>/transfer")
@requires_agent
def transfer(account_id: int) -> Any:
    handoff_id = row_id(request.form.get("handoff"))
    page = url_for("agent.account", account_id=account_id, handoff=handoff_id)
    if request.form.get("confirmed") != "yes":
        flash("Confirm that you verified the caller by the city's rules before transferring.",
              "error")
        return redirect(page)
    language = request.form.get("language", "en")

    def start() -> object:
        service = _container().transfer_service(transfer_entry_url(_channels().public_url))
        service.start(_actor(), account_id=account_id, call_sid=_field("call_sid"),
                      verified_by=request.form.get("verified_by", ""), handoff_id=handoff_id,
                      language=language if language in LANGUAGES else "en")
        return None

    return _act(start, "The caller is in self-service payment now, and you are off the call "
                "while they enter card or bank details. If they need help, they press 0 and "
                "come back to the queue.", page)


# --- supervisors -----------------------------------------------------------------------------

@agent.get("/audit")
@requires_supervisor
def audit() -> str:
    events = _container().account_lookup_service().agent_activity()
    return render_template("agent/audit.html", events=events)


# --- helpers ---------------------------------------------------------------------------------

def _actor() -> Any:
    session = current_session()
    assert session is not None  # requires_agent ran
    return session.agent.actor


def _act(action: Any, done: str, page: str, back: str | None = None) -> Any:
    try:
        action()
    except DomainError as exc:
        flash(exc.detail, "error")
        return redirect(back or page)
    except ConcurrencyConflict:
        flash("Someone else changed this at the same moment. Check the page and try again.",
              "error")
        return redirect(back or page)
    flash(done, "success")
    return redirect(page)



def _waited(handoff: Handoff, now: datetime) -> str:
    minutes = int((now - handoff.created_at).total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h"


def _describe(handoff: Handoff) -> dict[str, str]:
    return {"reason": REASONS.get(handoff.reason, handoff.reason.replace("_", " ")),
            "intent": INTENTS.get(handoff.intent, handoff.intent.replace("_", " ")),
            "channel": {"voice": "Phone", "sms": "Text", "chat": "Web chat"}.get(
                str(handoff.channel), str(handoff.channel)),
            "language": LANGUAGES.get(handoff.language, handoff.language),
            "status": {"open": "Waiting", "taken": f"With {handoff.taken_by}",
                       "closed": "Closed"}.get(str(handoff.status), str(handoff.status)),
            "outcome": OUTCOMES.get(handoff.outcome or "", handoff.outcome or "")}


def _call_live(handoff: Handoff) -> bool:
    if handoff.channel != Channel.VOICE:
        return False
    return _container().channel_sessions().is_live("voice", handoff.session_key)


def _transfer_call_sid(handoff: Handoff | None) -> str:
    if handoff is None or handoff.channel != Channel.VOICE \
            or handoff.status == HandoffStatus.CLOSED:
        return ""
    return handoff.session_key


# The finance office's pages, and the refund and dispute pages, add their routes to this
# blueprint from modules of their own.
from ivr.agent import finance as _finance  # noqa: E402, F401
from ivr.agent import refunds as _refunds  # noqa: E402,F401
