"""311 agents: accounts, passwords, console sign-in sessions and the sign-in throttle.

- Passwords are kept only as scrypt hashes (domain/passwords.py). A session token is 256
  random bits handed to the agent's browser; the store keeps its SHA-256 hash.
- A session ends on sign-out, after `idle_minutes` without a request (each request slides
  that window), after `max_session_hours` in any case (a shift), and when the agent's
  password changes or the agent is deactivated.
- Sign-in is throttled per username (failures since its last successful sign-in) and per
  address (any usernames) within a window. Each attempt is recorded as a failure before it is
  counted and before the password is checked (see _count_attempt), so a right password does
  not help while throttled and parallel guesses cannot slip past the limit. Unknown
  usernames, wrong passwords and deactivated agents get one and the same message, after the
  same scrypt work.
- Every event goes to the audit trail (channel "agent"); no password, nothing typed in the
  password field and no token ever does.
- Managing agents (add, set a password, deactivate) takes a system operator (the CLI) or an
  active supervisor; an agent may also set their own password.
"""

from __future__ import annotations

import ipaddress
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cache

from domain.config import AgentPolicy
from domain.errors import AgentActionError, InvalidAgentDetails, LoginFailed, LoginThrottled
from domain.model import Actor, Agent, AgentRole, AgentSession, AuditEvent, Channel
from domain.passwords import hash_password, verify_password
from domain.ports import AgentStore, Clock, UnitOfWork
from domain.services.links import hash_token

MAX_USERNAME_LENGTH = 40
USERNAME = re.compile(rf"[a-z0-9._-]{{3,{MAX_USERNAME_LENGTH}}}")
MAX_DISPLAY_NAME = 80
# The longest password an agent may have: one limit for setting it (the CLI, the service) and
# for typing it (the sign-in form's maxlength). Longer is refused, never cut short. The least
# is AgentPolicy.min_password_length (12, PCI DSS 4.0 8.3.6).
MAX_PASSWORD_LENGTH = 256
_MAX_TOKEN = 100
_MAX_ADDRESS = 45
# What a sign-in attempt with an impossible username (wrong format) is recorded under: it
# counts for the address throttle only.
_INVALID_USERNAME = "(invalid)"
_UNKNOWN_ADDRESS = "unknown"
_CONSOLE = Actor.system("console")


def normalize_username(text: object) -> str | None:
    """'  R.Alvarez ' -> 'r.alvarez'; None if it cannot be a username."""
    if not isinstance(text, str):
        return None
    name = text.strip()
    # ASCII before lower-casing: "\u212a".lower() is "k" (the Kelvin sign).
    if not name.isascii() or len(name) > MAX_USERNAME_LENGTH:
        return None
    name = name.lower()
    return name if USERNAME.fullmatch(name) else None


class AgentAuthService:
    def __init__(self, store: AgentStore, uow: Callable[[], UnitOfWork], clock: Clock,
                 policy: AgentPolicy) -> None:
        self._store = store
        self._uow = uow
        self._clock = clock
        self._policy = policy
        _dummy_hash()  # computed once per process, so no sign-in pays for it (no timing hint)

    # --- managing agents ------------------------------------------------------------------

    def add_agent(self, username: str, display_name: str, password: str, role: AgentRole,
                  actor: Actor) -> Agent:
        self._authorize(actor)
        name = normalize_username(username)
        if name is None:
            raise InvalidAgentDetails("A username is 3 to 40 characters: lower-case letters, "
                                      "digits, dots, dashes and underscores.")
        display = _display_name(display_name)
        try:
            agent_role = AgentRole(role)
        except ValueError:
            raise InvalidAgentDetails("The role must be agent or supervisor.") from None
        self._check_password(password, name)
        now = self._clock.now()
        agent = Agent(username=name, display_name=display, role=agent_role,
                      password_hash=hash_password(password), created_at=now,
                      password_changed_at=now)
        if not self._store.add(agent):
            raise InvalidAgentDetails(f"The username {name} is already taken.")
        self._audit("agent.added", actor, name, f"{display} ({agent_role})")
        return agent

    def set_password(self, username: str, password: str, actor: Actor) -> None:
        """Set a new password; every session of that agent ends (sign in again)."""
        agent = self._existing(username)
        self._authorize(actor, target=agent.username)
        self._check_password(password, agent.username)
        now = self._clock.now()
        self._store.set_password(_id(agent), hash_password(password), now)
        ended = self._store.end_sessions_for_agent(_id(agent), now)
        self._audit("agent.password_changed", actor, agent.username,
                    f"{ended} console session(s) ended")

    def deactivate(self, username: str, actor: Actor) -> None:
        """The agent can no longer sign in; every session of theirs ends at once."""
        agent = self._existing(username)
        self._authorize(actor)
        now = self._clock.now()
        changed = self._store.set_active(_id(agent), False)
        ended = self._store.end_sessions_for_agent(_id(agent), now)
        if changed or ended:
            self._audit("agent.deactivated", actor, agent.username,
                        f"{ended} console session(s) ended")

    def agents(self) -> list[Agent]:
        return self._store.all()

    # --- signing in and out ---------------------------------------------------------------

    def log_in(self, username: str, password: str, remote_addr: str) -> tuple[str, AgentSession]:
        """Returns (session token, session). Raises LoginThrottled or LoginFailed."""
        now = self._clock.now()
        name = normalize_username(username)
        address = _address(remote_addr)
        typed = password if isinstance(password, str) else ""
        agent = self._store.by_username(name) if name is not None else None
        attempt = self._count_attempt(agent, name, address, now)
        # The same scrypt work whether or not the agent exists: no timing oracle. A password
        # longer than any an agent can have is never cut down to one that matches.
        too_long = len(typed) > MAX_PASSWORD_LENGTH
        stored = agent.password_hash if agent is not None else _dummy_hash()
        matches = verify_password("" if too_long else typed, stored)
        if agent is None or not matches or not agent.active or too_long:
            why = ("unknown username" if agent is None else
                   "deactivated agent" if not agent.active else "wrong password")
            self._sign_in_failed(agent, f"{why} from {address}")  # the attempt stays a failure
            raise LoginFailed()
        self._store.mark_login_attempts_succeeded([attempt])
        self._store.record_login(_id(agent), now)
        token = secrets.token_urlsafe(32)
        session_id = self._store.add_session(hash_token(token), _id(agent), now, address)
        self._audit("agent.signed_in", agent.actor, agent.username, f"from {address}")
        signed_in = replace(agent, last_login_at=now)
        return token, AgentSession(id=session_id, agent=signed_in, created_at=now,
                                   last_seen_at=now)

    def session(self, token: str) -> AgentSession | None:
        """The live session for this token, its idle timer restarted; None if there is none."""
        found = self._open_session(token)
        if found is None:
            return None
        now = self._clock.now()
        why = None
        if not found.agent.active:
            why = "the agent is deactivated"
        elif now - found.created_at > timedelta(hours=self._policy.max_session_hours):
            why = f"signed in more than {self._policy.max_session_hours} hours ago"
        elif now - found.last_seen_at > timedelta(minutes=self._policy.idle_minutes):
            why = f"idle for more than {self._policy.idle_minutes} minutes"
        if why is not None:
            if self._store.end_session(found.id, now):
                self._audit("agent.session_expired", found.agent.actor, found.agent.username,
                            why)
            return None
        self._store.touch_session(found.id, now)
        return replace(found, last_seen_at=max(now, found.last_seen_at))

    def log_out(self, token: str) -> None:
        """End the session (nothing happens for an unknown or already ended one)."""
        found = self._open_session(token)
        if found is not None and self._store.end_session(found.id, self._clock.now()):
            self._audit("agent.signed_out", found.agent.actor, found.agent.username, "")

    # --- helpers --------------------------------------------------------------------------

    def _open_session(self, token: object) -> AgentSession | None:
        if (not isinstance(token, str) or not token or len(token) > _MAX_TOKEN
                or not token.isascii()):
            return None
        return self._store.open_session(hash_token(token))

    def _count_attempt(self, agent: Agent | None, name: str | None, address: str,
                       now: datetime) -> int:
        """Record this attempt as a failure and refuse it (LoginThrottled) if the failures
        before it already reach a limit; returns the attempt's id. Only then may the caller
        check a password or code, and mark the attempt succeeded if it is right.

        Why a burst of parallel guesses cannot get past a limit of L: the store records an
        attempt and counts the ones before it in one turn per username and per address
        (AgentStore.record_login_attempt), so parallel attempts are counted one after the
        other and the k-th sees the k-1 before it. An attempt that goes on to be checked is
        never removed, so exactly the first L are checked and every later one is refused
        until they leave the window. A throttled attempt removes its row afterwards (it was
        no guess, so retrying while throttled does not extend the pause).
        """
        window = timedelta(minutes=self._policy.failure_window_minutes)
        per_username = self._policy.max_failures_per_username
        per_address = self._policy.max_failures_per_address
        recorded = self._store.record_login_attempt(
            name or _INVALID_USERNAME, address, now, since=now - window,
            username_limit=per_username, address_limit=per_address)
        checks = [(recorded.address_failures, per_address, "address")]
        if name is not None:  # an impossible username counts for its address only
            checks.append((recorded.username_failures, per_username, "username"))
        waits = []
        for times, limit, why in checks:
            if len(times) >= limit:
                # Allowed again once the limit-th newest failure has left the window.
                seconds = (times[limit - 1] + window - now).total_seconds()
                waits.append((max(1, math.ceil(seconds / 60)), why))
        if waits:
            self._store.remove_login_attempt(recorded.id)
            minutes, why = max(waits)
            self._sign_in_failed(agent, f"throttled ({why}) from {address}")
            raise LoginThrottled(minutes)
        return recorded.id

    def _check_password(self, password: object, username: str) -> None:
        minimum = self._policy.min_password_length
        if not isinstance(password, str) or len(password) < minimum:
            raise InvalidAgentDetails(f"A password needs at least {minimum} characters.")
        if len(password) > MAX_PASSWORD_LENGTH:
            raise InvalidAgentDetails(f"A password has at most {MAX_PASSWORD_LENGTH} "
                                      "characters.")
        if not password.isprintable() or not password.strip():
            raise InvalidAgentDetails("A password cannot contain control characters or be "
                                      "only spaces.")
        if password.strip().lower() == username or (len(username) >= 4
                                                     and username in password.lower()):
            raise InvalidAgentDetails("A password cannot contain the username.")

    def _existing(self, username: str) -> Agent:
        name = normalize_username(username)
        agent = self._store.by_username(name) if name is not None else None
        if agent is None:
            raise InvalidAgentDetails("No agent has that username.")
        return agent

    def _authorize(self, actor: Actor, target: str | None = None) -> None:
        if actor.kind == "system":
            return
        if actor.kind == "agent":
            manager = self._store.by_username(actor.id)
            if manager is not None and manager.active and (
                    manager.is_supervisor or manager.username == target):
                return
        raise AgentActionError("Only a 311 supervisor can manage agents.")

    def _sign_in_failed(self, agent: Agent | None, detail: str) -> None:
        if agent is None:
            self._audit("agent.sign_in_failed", _CONSOLE, None, detail)
        else:
            self._audit("agent.sign_in_failed", agent.actor, agent.username, detail)

    def _audit(self, action: str, actor: Actor, subject: str | None, detail: str) -> None:
        with self._uow() as uow:
            uow.audit.add(AuditEvent(at=self._clock.now(), action=action, actor=str(actor),
                                     channel=Channel.AGENT, account_id=None, subject=subject,
                                     detail=detail))
            uow.commit()


def _id(agent: Agent) -> int:
    if agent.id is None:  # pragma: no cover - agents come from the store with ids
        raise ValueError("agent has no id")
    return agent.id


def _display_name(text: object) -> str:
    name = " ".join(text.split()) if isinstance(text, str) else ""
    if not name or len(name) > MAX_DISPLAY_NAME or not name.isprintable():
        raise InvalidAgentDetails(f"A display name is 1 to {MAX_DISPLAY_NAME} characters, "
                                  "e.g. Rosa Alvarez.")
    return name


def _address(remote_addr: object) -> str:
    """The client address as recorded and throttled on: an IP address, normalized."""
    if not isinstance(remote_addr, str):
        return _UNKNOWN_ADDRESS
    text = remote_addr.strip()
    try:
        return str(ipaddress.ip_address(text))[:_MAX_ADDRESS]
    except ValueError:
        pass
    if text and text.isascii() and text.isprintable():
        return text[:_MAX_ADDRESS]
    return _UNKNOWN_ADDRESS


@cache
def _dummy_hash() -> str:
    """A hash nobody knows the password of, to verify against for unknown usernames."""
    return hash_password(secrets.token_urlsafe(32))
