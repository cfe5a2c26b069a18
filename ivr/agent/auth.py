"""Who is signed in to the agent console, and the checks every console request passes.

The browser holds only a random session token in an HttpOnly, SameSite=Strict cookie scoped
to /agent; the database holds its hash, so signing out (or an idle timeout, a password
change, a deactivated agent) ends the session on the server, not just in the browser. Forms
carry a CSRF token derived from the session token with the app's secret key, so nothing
else has to be stored for it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from domain.model import AgentSession
from domain.services.agent_auth import AgentAuthService

COOKIE = "payline_agent"
# A sign-in waiting for its one-time code (or an enrolment): its token, for 10 minutes.
STEP_COOKIE = "payline_agent_step"
STEP_COOKIE_SECONDS = 600
CSRF_FIELD = "csrf_token"
_MAX_NEXT = 500

View = Callable[..., Any]


def auth_service() -> AgentAuthService:
    return current_app.extensions["payline"].agent_auth_service()


def session_token() -> str:
    token = request.cookies.get(COOKIE, "")
    return token if 0 < len(token) <= 100 else ""


def current_session() -> AgentSession | None:
    """The signed-in agent's session (looked up once per request; each lookup slides the
    idle timeout)."""
    if "agent_session" not in g:
        token = session_token()
        g.agent_session = auth_service().session(token) if token else None
    return g.agent_session


def csrf_token() -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"agent-csrf:" + session_token().encode(), hashlib.sha256).hexdigest()


def csrf_ok() -> bool:
    sent = request.form.get(CSRF_FIELD, "")
    return bool(session_token()) and hmac.compare_digest(sent.encode(), csrf_token().encode())


def set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/agent",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/agent")


def step_token() -> str:
    token = request.cookies.get(STEP_COOKIE, "")
    return token if 0 < len(token) <= 100 else ""


def set_step_cookie(response: Response, token: str) -> None:
    response.set_cookie(STEP_COOKIE, token, httponly=True, samesite="Strict", path="/agent",
                        max_age=STEP_COOKIE_SECONDS,
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))


def clear_step_cookie(response: Response) -> None:
    response.delete_cookie(STEP_COOKIE, path="/agent")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path inside the console, never another site (an
    open redirect) and never a control character, typed or %-encoded (a CR/LF would split
    the Location header); anything else goes to the queue."""
    home = url_for("agent.home")
    if not isinstance(target, str) or not target or len(target) > _MAX_NEXT:
        return home
    decoded = unquote(target)
    if not (target.isascii() and target.isprintable()) or not decoded.isprintable():
        return home  # isprintable() is False for CR, LF, NUL, DEL, U+2028, NBSP, ...
    parts = urlsplit(target)
    path = unquote(parts.path)
    if (parts.scheme or parts.netloc or not (path == "/agent" or path.startswith("/agent/"))
            or "\\" in decoded or "//" in path or "/." in path):
        return home
    return target


def requires_agent(view: View) -> View:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_session() is None:
            ended = "ended" if session_token() else None
            nxt = request.full_path.rstrip("?") if request.method == "GET" else None
            response = redirect(url_for("agent.login", next=nxt, ended=ended))
            if ended:
                clear_session_cookie(response)
            return response
        if request.method == "POST" and not csrf_ok():
            return _refused("This form has expired. Please go back, reload the page and "
                            "try again.", 400)
        return view(*args, **kwargs)

    return wrapper


def requires_supervisor(view: View) -> View:
    @requires_agent
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        session = current_session()
        if session is None or not session.agent.is_supervisor:
            return _refused("Only a 311 supervisor can open this page.", 403)
        return view(*args, **kwargs)

    return wrapper


def _refused(message: str, status: int) -> tuple[str, int]:
    return render_template("agent/problem.html", message=message), status
