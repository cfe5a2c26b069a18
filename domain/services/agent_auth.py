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
- A one-time code (TOTP, domain/totp.py) follows the password for every agent who set one up,
  and for every agent when the policy requires it (production): one without a code then sets
  it up before the first session opens (a fresh secret for each sign-in, shown once, turned
  on by one right code). The password's attempt stays a failure until the code is right, and
  each code typed is an attempt of its own in the same throttle, so the throttle bounds
  password and code guesses together. A code works once (its time step is recorded
  atomically). `log_in` raises SecondFactorNeeded instead of returning a session, so a caller
  that does not know about codes fails closed.
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
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache

from domain.config import AgentPolicy
from domain.errors import (
    AgentActionError,
    CodeAlreadyUsed,
    CodeRejected,
    InvalidAgentDetails,
    LoginFailed,
    LoginThrottled,
    SignInExpired,
)
from domain.model import Actor, Agent, AgentRole, AgentSession, AuditEvent, Channel, SignInStep
from domain.passwords import hash_password, verify_password
from domain.ports import AgentStore, Clock, UnitOfWork
from domain.services.links import hash_token
from domain.totp import SecretBox, grouped, matching_step, new_secret, provisioning_uri

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


# How long a right password waits for its one-time code (and an enrolment for its first).
SIGN_IN_STEP_TTL = timedelta(minutes=10)


class SecondFactorNeeded(Exception):  # not an error: the sign-in goes on
    """The password was right; the sign-in goes on with a one-time code (`enrol`: the agent
    first sets codes up). `challenge` is the token for the agent's browser."""

    def __init__(self, challenge: str, *, enrol: bool) -> None:
        super().__init__("a one-time code is needed")
        self.challenge = challenge
        self.enrol = enrol


@dataclass(frozen=True)
class MfaEnrolment:
    """What an agent setting up codes sees once: the secret (as a QR code and as text)."""

    secret: str = field(repr=False)
    uri: str = field(repr=False)  # otpauth://totp/...; the QR code carries it

    @property
    def grouped_secret(self) -> str:
        return grouped(self.secret)


@dataclass(frozen=True)
class PendingSignIn:
    agent: Agent
    enrolment: MfaEnrolment | None  # None: the agent types a code from their app


class AgentAuthService:
    def __init__(self, store: AgentStore, uow: Callable[[], UnitOfWork], clock: Clock,
                 policy: AgentPolicy, issuer: str = "311 payment console") -> None:
        self._store = store
        self._uow = uow
        self._clock = clock
        self._policy = policy
        self._box = SecretBox(policy.mfa_key)
        self._issuer = issuer  # how authenticator apps name the console
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
        self._store.end_sign_in_steps_for_agent(_id(agent), now)  # begun with the old one
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
        """Returns (session token, session). Raises LoginThrottled or LoginFailed, or, when
        the password was right but a one-time code must follow, SecondFactorNeeded."""
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
        if agent.mfa_enabled or self._policy.require_mfa:
            enrol = not agent.mfa_enabled
            # Enrolling: a secret of this sign-in's own, so one shown to somebody else who
            # once had the password is never the one the agent turns on.
            pending = self._box.seal(new_secret()) if enrol else None
            challenge = secrets.token_urlsafe(32)
            self._store.add_sign_in_step(hash_token(challenge), _id(agent), now, attempt,
                                         pending, address)
            self._audit("agent.password_accepted", agent.actor, agent.username,
                        f"from {address}; " + ("must set up a one-time code" if enrol
                                               else "one-time code next"))
            raise SecondFactorNeeded(challenge, enrol=enrol)
        return self._new_session(agent, [attempt], address, now)

    # --- the one-time code ----------------------------------------------------------------

    def pending_sign_in(self, challenge: str) -> PendingSignIn:
        """What the code page shows for this sign-in step. Raises SignInExpired."""
        step = self._live_step(challenge)
        return PendingSignIn(agent=step.agent, enrolment=self._enrolment(step))

    def complete_sign_in(self, challenge: str, code: str,
                         remote_addr: str) -> tuple[str, AgentSession]:
        """The one-time code after a right password: returns (session token, session), and
        when enrolling turns codes on. Raises SignInExpired, LoginThrottled, CodeRejected or
        CodeAlreadyUsed (the step stays open for another try, until the throttle stops it)."""
        now = self._clock.now()
        address = _address(remote_addr)
        step = self._live_step(challenge)
        if step.attempt_id is None:  # an enrolment while signed in is no sign-in
            raise SignInExpired()
        agent = step.agent
        attempt = self._count_attempt(agent, agent.username, address, now)
        self._check_code(step, code, address, now)
        if not self._store.end_sign_in_step(step.id, now):
            raise SignInExpired()  # a twin request finished this sign-in first
        if step.pending_secret is not None:
            self._audit("agent.mfa_enabled", agent.actor, agent.username,
                        f"at sign-in from {address}")
        return self._new_session(agent, [step.attempt_id, attempt], address, now)

    def start_enrolment(self, actor: Actor) -> tuple[str, MfaEnrolment]:
        """A signed-in agent sets up one-time codes for themself: returns (step token, what to
        show). Raises AgentActionError if they already have codes on."""
        agent = self._store.by_username(actor.id) if actor.kind == "agent" else None
        if agent is None or not agent.active:
            raise AgentActionError("Only a signed-in 311 agent can set up one-time codes.")
        if agent.mfa_enabled:
            raise AgentActionError("One-time codes are already on for you. A supervisor can "
                                   "reset them (payline agents reset-mfa) if your phone is "
                                   "lost.")
        challenge = secrets.token_urlsafe(32)
        sealed = self._box.seal(new_secret())
        self._store.add_sign_in_step(hash_token(challenge), _id(agent), self._clock.now(),
                                     None, sealed, None)
        step = self._live_step(challenge)
        enrolment = self._enrolment(step)
        assert enrolment is not None
        return challenge, enrolment

    def enrolment(self, actor: Actor, challenge: str) -> MfaEnrolment:
        """The enrolment a signed-in agent started. Raises SignInExpired."""
        step = self._own_enrolment(actor, challenge)
        enrolment = self._enrolment(step)
        assert enrolment is not None
        return enrolment

    def confirm_enrolment(self, actor: Actor, challenge: str, code: str) -> None:
        """One right code from the new secret turns codes on. Raises SignInExpired,
        CodeRejected."""
        now = self._clock.now()
        step = self._own_enrolment(actor, challenge)
        self._check_code(step, code, "(signed in)", now)
        if not self._store.end_sign_in_step(step.id, now):
            raise SignInExpired()
        self._audit("agent.mfa_enabled", step.agent.actor, step.agent.username,
                    "while signed in")

    def reset_mfa(self, username: str, actor: Actor) -> None:
        """Turn an agent's one-time codes off (a lost phone): a system operator (the CLI) or a
        supervisor. Their sessions end; with codes required they set up new ones at their
        next sign-in."""
        agent = self._existing(username)
        self._authorize(actor)
        if actor.kind == "agent" and actor.id == agent.username:
            raise AgentActionError("Another supervisor or an operator must reset your "
                                   "one-time codes.")
        now = self._clock.now()
        if not self._store.reset_mfa(_id(agent)):
            raise InvalidAgentDetails(f"{agent.username} has no one-time codes set up.")
        ended = self._store.end_sessions_for_agent(_id(agent), now)
        self._store.end_sign_in_steps_for_agent(_id(agent), now)
        self._audit("agent.mfa_reset", actor, agent.username,
                    f"{ended} console session(s) ended")

    def _live_step(self, challenge: object) -> SignInStep:
        if (not isinstance(challenge, str) or not challenge or len(challenge) > _MAX_TOKEN
                or not challenge.isascii()):
            raise SignInExpired()
        step = self._store.open_sign_in_step(hash_token(challenge))
        if (step is None or not step.agent.active
                or self._clock.now() - step.created_at > SIGN_IN_STEP_TTL):
            raise SignInExpired()
        return step

    def _own_enrolment(self, actor: Actor, challenge: str) -> SignInStep:
        step = self._live_step(challenge)
        if (step.attempt_id is not None or step.pending_secret is None
                or actor.kind != "agent" or step.agent.username != actor.id):
            raise SignInExpired()
        return step

    def _enrolment(self, step: SignInStep) -> MfaEnrolment | None:
        if step.pending_secret is None:
            return None
        secret = self._box.open(step.pending_secret)
        if secret is None:  # sealed with another key (rotated): start again
            raise SignInExpired()
        return MfaEnrolment(secret=secret, uri=provisioning_uri(
            secret, step.agent.username, self._issuer))

    def _check_code(self, step: SignInStep, code: str, address: str, now: datetime) -> None:
        """Raises CodeRejected or CodeAlreadyUsed unless `code` is the right one, and records
        its step (enrolling: turns codes on with the new secret)."""
        agent = step.agent
        sealed = step.pending_secret if step.pending_secret is not None else agent.mfa_secret
        secret = self._box.open(sealed) if sealed is not None else None
        if secret is None:  # no codes (reset meanwhile), or sealed with another key
            raise SignInExpired()
        matched = matching_step(secret, code, now)
        if matched is None:
            self._audit("agent.code_rejected", agent.actor, agent.username,
                        f"wrong one-time code from {address}")
            raise CodeRejected()
        if step.pending_secret is not None:
            if not self._store.enable_mfa(_id(agent), step.pending_secret, now, matched):
                raise SignInExpired()  # turned on meanwhile by another enrolment
        elif not self._store.use_mfa_step(_id(agent), matched):
            self._audit("agent.code_rejected", agent.actor, agent.username,
                        f"one-time code used again from {address}")
            raise CodeAlreadyUsed()

    def _new_session(self, agent: Agent, attempts: list[int | None], address: str,
                      now: datetime) -> tuple[str, AgentSession]:
        self._store.mark_login_attempts_succeeded([a for a in attempts if a is not None])
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
