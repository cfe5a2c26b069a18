"""One-time links sent to a verified resident: finish paperless enrollment on the web, or a
secure pay link (docs/architecture.md §5). Short-lived, single-use, and stored only as a hash."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import timedelta
from typing import Any

from domain.errors import LinkNotUsable
from domain.model import Actor, LinkPurpose, OneTimeLink
from domain.ports import Clock, LinkStore

DEFAULT_TTL = timedelta(minutes=30)
_MAX_TOKEN = 100


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class LinkService:
    def __init__(self, store: LinkStore, clock: Clock, ttl: timedelta = DEFAULT_TTL) -> None:
        self._store = store
        self._clock = clock
        self._ttl = ttl

    def issue(self, purpose: LinkPurpose, account_id: int, actor: Actor,
              payload: dict[str, Any] | None = None, ttl: timedelta | None = None) -> str:
        """Returns the token (URL-safe, 256 bits); only its hash is kept."""
        token = secrets.token_urlsafe(32)
        now = self._clock.now()
        self._store.add(OneTimeLink(
            token_hash=hash_token(token), purpose=LinkPurpose(purpose), account_id=account_id,
            channel=actor.channel, created_by=str(actor)[:100], created_at=now,
            expires_at=now + (ttl or self._ttl), payload=json.dumps(payload or {})))
        return token

    def peek(self, token: str, purpose: LinkPurpose) -> OneTimeLink:
        """The link, if it can still be used (showing its page does not use it up)."""
        if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN:
            raise LinkNotUsable()
        link = self._store.by_hash(hash_token(token))
        if link is None or link.purpose != purpose or not link.usable(self._clock.now()):
            raise LinkNotUsable()
        return link

    def redeem(self, token: str, purpose: LinkPurpose) -> OneTimeLink:
        """Use the link up; a second redeem (a double submit, a replay) raises LinkNotUsable."""
        link = self.peek(token, purpose)
        if not self._store.use(link.id, self._clock.now()):  # type: ignore[arg-type]
            raise LinkNotUsable()
        return link


def payload_of(link: OneTimeLink) -> dict[str, Any]:
    try:
        value = json.loads(link.payload or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
