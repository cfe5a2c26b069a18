"""Rasa's endpoints file built from Payline's own environment variables, so one set of settings
configures every process: the action server's URL and the secret Rasa sends it, the SQL
tracker store (the app's PostgreSQL server in production, an SQLite file of its own in
development) and the lock store (Redis when PAYLINE_REDIS_URL is set, which several Rasa
instances need).

The secret travels as a header of every action call: Rasa 3.6's EndpointConfig keeps the
endpoint's `headers` and its `request()` (which RemoteAction, and so every custom action, form
validation and slot mapping, calls) sends them. The file holds secrets and passwords, so
`payline chatbot-endpoints` writes it readable by its owner only.

Rasa reads this file at start-up (`payline chatbot-endpoints` and `payline chatbot-run` write
it; see the Procfile).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy.engine import make_url

from domain.production import ACTION_SECRET_HEADER, secret_value

# The action server listens on loopback by default (chatbot/action_server.py).
DEFAULT_ACTIONS_URL = "http://127.0.0.1:5055/webhook"


def rasa_endpoints(env: dict[str, str], var_dir: Path) -> dict[str, Any]:
    return {
        "action_endpoint": {
            "url": env.get("PAYLINE_ACTIONS_URL", "").strip() or DEFAULT_ACTIONS_URL,
            "headers": {ACTION_SECRET_HEADER: secret_value(env, "PAYLINE_ACTIONS_SECRET")},
        },
        "tracker_store": _tracker_store(env, var_dir),
        "lock_store": _lock_store(env.get("PAYLINE_REDIS_URL") or None),
    }


def _tracker_store(env: dict[str, str], var_dir: Path) -> dict[str, Any]:
    # A database of its own may be given; otherwise PostgreSQL deployments share the app's
    # server and database (Rasa adds its own "events" table), and development uses a separate
    # SQLite file: two processes writing one SQLite file block each other.
    url_text = env.get("PAYLINE_RASA_TRACKER_URL") or env.get("PAYLINE_DATABASE_URL") or ""
    url = make_url(url_text) if url_text else None
    if url is not None and url.get_backend_name() == "postgresql":
        store: dict[str, Any] = {"type": "SQL", "dialect": "postgresql",
                                 "url": url.host or "localhost", "port": url.port or 5432,
                                 "db": url.database}
        if url.username:
            store["username"] = url.username
        if url.password:
            store["password"] = url.password
        return store
    return {"type": "SQL", "dialect": "sqlite", "db": str(sqlite_tracker_path(var_dir))}


def sqlite_tracker_path(var_dir: Path) -> Path:
    """Development's tracker store: an SQLite file of Rasa's own under the var directory."""
    return var_dir / "rasa_tracker.db"


def _lock_store(redis_url: str | None) -> dict[str, Any]:
    if not redis_url:
        return {"type": "in_memory"}
    parts = urlsplit(redis_url)
    store: dict[str, Any] = {"type": "redis", "url": parts.hostname or "localhost",
                             "port": parts.port or 6379, "key_prefix": "payline",
                             "use_ssl": parts.scheme == "rediss"}
    database = parts.path.lstrip("/")
    store["db"] = int(database) if database.isdigit() else 0
    if parts.password:
        store["password"] = unquote(parts.password)
    return store


def render(config: dict[str, Any]) -> str:
    """JSON is valid YAML, and Rasa's YAML reader takes it."""
    return "# Written by `payline chatbot-endpoints` from the environment; do not edit.\n" + \
        json.dumps(config, indent=2) + "\n"


def write(config: dict[str, Any], out: Path) -> None:
    """The endpoints file at `out`, readable by its owner only from the first byte (it holds
    the action secret and maybe database and Redis passwords)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        os.fchmod(file.fileno(), 0o600)  # an existing file keeps its mode through os.open
        file.write(render(config))
