"""The web app as the Procfile serves it (waitress, over a real socket) behind a reverse proxy
on the same host: what reaches the app of the proxy's X-Forwarded-For decides the console's
per-address throttle (PAYLINE_TRUSTED_PROXIES) and whether /health shows its details. The
Flask test client cannot show this: it is the server in front of the app that may drop or keep
those headers."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from domain.adapters.database import upgrade
from sandbox.chatbot_stack import free_port, stop_processes, wait_until
from tests.procfile import ROOT, procfile_command

pytestmark = pytest.mark.slow

RESIDENT = "203.0.113.7"  # the client the proxy forwards for
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def serve(tmp_path: Path, **settings: str) -> Iterator[str]:
    database = f"sqlite:///{tmp_path / 'payline.db'}"
    upgrade(database)
    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("PAYLINE_", "TWILIO_"))},
           "PAYLINE_DATABASE_URL": database, "PAYLINE_VAR_DIR": str(tmp_path),
           "PAYLINE_PORT": str(port), **settings}
    log_path = tmp_path / "web.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(procfile_command("web", env), cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: requests.get(f"{url}/health", timeout=2).ok, [process], "web",
                       str(log_path), timeout=90)
            yield url
        finally:
            stop_processes([process])


@pytest.fixture
def web(tmp_path: Path) -> Iterator[str]:
    yield from serve(tmp_path)


@pytest.fixture
def web_behind_one_proxy(tmp_path: Path) -> Iterator[str]:
    yield from serve(tmp_path, PAYLINE_TRUSTED_PROXIES="1")


def failed_sign_in_from(url: str, tmp_path: Path, forwarded_for: str) -> str:
    """One wrong password through the proxy; the address the audit trail recorded for it."""
    session = requests.Session()
    page = session.get(f"{url}/agent/login", timeout=10)
    token = _CSRF.search(page.text)
    assert token, page.text
    answer = session.post(f"{url}/agent/login", timeout=30,
                          headers={"X-Forwarded-For": forwarded_for},
                          data={"csrf_token": token.group(1), "username": "nobody-here",
                                "password": "not the password at all"})
    assert answer.status_code in (200, 401), answer.status_code
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'payline.db'}")
    try:
        with engine.connect() as conn:
            details = conn.execute(sa.text(
                "SELECT detail FROM audit_events WHERE action = 'agent.sign_in_failed'")).all()
    finally:
        engine.dispose()
    assert len(details) == 1, details
    return str(details[0].detail).rsplit(" from ", 1)[1]


def test_a_request_through_a_proxy_does_not_see_the_health_details(web: str) -> None:
    assert "schema_revision" in requests.get(f"{web}/health", timeout=10).json()
    proxied = requests.get(f"{web}/health", headers={"X-Forwarded-For": RESIDENT}, timeout=10)
    assert proxied.json() == {"status": "ok"}


def test_without_trusted_proxies_a_forwarded_address_is_not_believed(web: str,
                                                                      tmp_path: Path) -> None:
    assert failed_sign_in_from(web, tmp_path, RESIDENT) == "127.0.0.1"


def test_behind_a_trusted_proxy_the_throttle_sees_the_real_client(web_behind_one_proxy: str,
                                                                   tmp_path: Path) -> None:
    # Only the hop our proxy appended counts: a client's own forged entry before it does not.
    assert failed_sign_in_from(web_behind_one_proxy, tmp_path,
                               f"198.51.100.9, {RESIDENT}") == RESIDENT
