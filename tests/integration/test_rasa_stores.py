"""The endpoints `payline chatbot-endpoints` writes for production, opened by Rasa itself
(.venv-rasa): the SQL tracker store on PostgreSQL keeps a conversation, and the Redis lock
store serialises it (several Rasa instances behind a load balancer need both)."""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from pathlib import Path

import pytest

from ivr.bot.rasa_endpoints import rasa_endpoints, render

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
REDIS_URL = os.environ.get("PAYLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")

# Runs inside .venv-rasa with Rasa's own classes: nothing of Payline is imported there.
RASA_SCRIPT = """
import asyncio, sys
from rasa.core.utils import AvailableEndpoints
from rasa.core.tracker_store import TrackerStore
from rasa.core.lock_store import LockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

async def main(path, sender):
    endpoints = AvailableEndpoints.read_endpoints(path)
    store = TrackerStore.create(endpoints.tracker_store, domain=Domain.empty())
    assert type(store).__name__ == "SQLTrackerStore", type(store)
    assert store.engine.dialect.name == "postgresql", store.engine.dialect.name
    tracker = DialogueStateTracker.from_events(sender, [UserUttered("what's my balance")])
    await store.save(tracker)
    again = await store.retrieve(sender)
    assert again is not None and again.latest_message.text == "what's my balance"
    locks = LockStore.create(endpoints.lock_store)
    assert type(locks).__name__ == "RedisLockStore", type(locks)
    async with locks.lock(sender, wait_time_in_seconds=0.05):
        assert locks.get_lock(sender) is not None
    print("stores ok")

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def _redis_answers(url: str) -> bool:
    host_port = url.split("//", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    host, _, port = host_port.partition(":")
    try:
        with socket.create_connection((host, int(port or 6379)), timeout=2):
            return True
    except OSError:
        return False


@pytest.mark.postgres
@pytest.mark.slow
def test_rasa_opens_the_generated_postgres_tracker_and_redis_lock_stores(
        postgres_server_url: str, tmp_path: Path) -> None:
    if not RASA_PYTHON.exists():
        pytest.skip("the Rasa environment (.venv-rasa) is not installed")
    if not _redis_answers(REDIS_URL):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis not reachable at {REDIS_URL}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}")
    endpoints = tmp_path / "rasa-endpoints.yml"
    endpoints.write_text(render(rasa_endpoints(
        {"PAYLINE_DATABASE_URL": postgres_server_url, "PAYLINE_REDIS_URL": REDIS_URL},
        tmp_path)))
    sender = f"test-{uuid.uuid4().hex}"
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", RASA_SCRIPT, str(endpoints), sender],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert "stores ok" in result.stdout
