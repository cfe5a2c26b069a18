"""The real action server (`python -m chatbot.action_server`, as the Procfile starts it) over a
seeded demo city: a forged action call (a tracker that claims a verified account and a
confirmed card payment) is refused without the shared secret and changes nothing; the same
call with the secret runs; the server listens on loopback only unless told otherwise.

Starting the server takes a few seconds (no Rasa here; tests/chatbot/test_trust_boundaries.py
shows Rasa itself sending the secret).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from domain.adapters.clock import SystemClock
from domain.adapters.database import upgrade
from domain.config import Settings
from ivr.bootstrap import Container, build_container
from sandbox.chatbot_stack import free_port, stop_processes, wait_until
from sandbox.demo_city import DemoCity
from sandbox.demo_seed import seed_demo_city
from tests.socket_support import listening_addresses, non_loopback_ipv4, unreachable

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
DANA = "0104200731"  # the demo persona with a saved VISA ending 4242
HEADER = "X-Payline-Action-Secret"


@dataclass
class ActionServer:
    url: str
    port: int
    secret: str
    container: Container
    log: Path
    process: subprocess.Popen[bytes]

    def post(self, body: dict[str, Any], **headers: str) -> requests.Response:
        return requests.post(f"{self.url}/webhook", json=body, headers=headers, timeout=30)

    def scalar(self, query: str, **params: object) -> Any:
        with self.container.engine.connect() as conn:
            return conn.execute(sa.text(query), params).scalar()


def start_server(tmp_path: Path, **extra_env: str) -> Iterator[ActionServer]:
    """The server over a fresh seeded city; its process is `server.process`."""
    url = f"sqlite:///{tmp_path / 'payline.db'}"
    upgrade(url)
    secret = secrets.token_urlsafe(32)
    env = {**os.environ, "PAYLINE_DATABASE_URL": url, "PAYLINE_VAR_DIR": str(tmp_path),
           "PAYLINE_ACTIONS_SECRET": secret, **extra_env}
    if "PAYLINE_ACTIONS_HOST" not in extra_env:  # the default, whatever this shell has
        env.pop("PAYLINE_ACTIONS_HOST", None)
    settings = Settings.from_env(env)
    container = build_container(settings)
    seed_demo_city(container.engine, DemoCity(size=1, today=SystemClock(settings.timezone)
                                              .today()), container.gateway)
    port = free_port()
    host = extra_env.get("PAYLINE_ACTIONS_HOST", "127.0.0.1")
    log_path = tmp_path / "actions.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "chatbot.action_server", "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        server = ActionServer(f"http://{host}:{port}", port, secret, container, log_path,
                              process)
        try:
            wait_until(lambda: requests.get(f"{server.url}/health", timeout=2).ok, [process],
                       "the action server", str(log_path), timeout=90)
            yield server
        finally:
            stop_processes([process])
            container.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionServer]:
    """One server for the tests that compare the money before and after their own calls."""
    yield from start_server(tmp_path_factory.mktemp("actions"))


def forged_payment(server: ActionServer) -> dict[str, Any]:
    """What an attacker who reached the port would post: Dana's account "verified", a
    confirmed $40 payment with her saved card, the form done."""
    account_id = server.scalar("SELECT id FROM accounts WHERE account_number = :n", n=DANA)
    method_id = server.scalar("SELECT m.id FROM payment_methods m WHERE m.account_id = :a "
                              "AND m.last4 = '4242'", a=account_id)
    slots = {"verified_account_id": str(account_id), "pay_confirmed": True, "amount": "40.00",
             "payment_method": f"saved:{method_id}", "active_task": "pay_bill",
             "form_outcome": "done", "account_label": f"the account ending {DANA[-4:]}"}
    message = {"text": "yes", "intent": {"name": "affirm", "confidence": 1.0},
               "entities": [], "message_id": secrets.token_hex(16),
               "metadata": {"channel": "chat"}}
    return {"next_action": "action_finish_task", "sender_id": "attacker", "version": "3.6.21",
            "domain": {}, "tracker": {"sender_id": "attacker", "slots": slots,
                                      "latest_message": message, "events": [],
                                      "paused": False, "followup_action": None,
                                      "active_loop": {}, "latest_action_name": None}}


def money_moved(server: ActionServer) -> tuple[int, int]:
    """(payments made by the chatbot, charges the sandbox processor holds)."""
    payments = server.scalar("SELECT count(*) FROM payments WHERE created_by LIKE "
                             "'resident:chat:%'")
    charges = server.scalar("SELECT count(*) FROM sandbox_charges")
    return int(payments), int(charges)


def test_a_forged_action_call_without_the_secret_changes_nothing(server: ActionServer) -> None:
    before = money_moved(server)
    body = forged_payment(server)

    missing = server.post(body)
    assert missing.status_code == 401
    assert missing.json() == {"error": "The action secret is required."}
    wrong = server.post(body, **{HEADER: server.secret[:-1] + "x"})
    assert wrong.status_code == 403
    empty = server.post(body, **{HEADER: ""})
    assert empty.status_code == 403
    # The development default is not this server's secret either.
    assert server.post(body, **{HEADER: "payline-local-actions-secret"}).status_code == 403

    assert money_moved(server) == before
    assert "Payment approved" not in missing.text + wrong.text + empty.text
    log = server.log.read_text(errors="replace")
    assert "no action secret" in log and "wrong action secret" in log
    assert server.secret not in log


def test_the_same_call_with_the_secret_still_runs(server: ActionServer) -> None:
    payments, charges = money_moved(server)
    answer = server.post(forged_payment(server), **{HEADER: server.secret})
    assert answer.status_code == 200, answer.text
    texts = " ".join(r.get("text") or "" for r in answer.json()["responses"])
    assert "Payment approved: $40.00" in texts
    assert money_moved(server) == (payments + 1, charges + 1)


def test_only_health_is_open(server: ActionServer) -> None:
    assert requests.get(f"{server.url}/health", timeout=5).json() == {"status": "ok"}
    assert requests.get(f"{server.url}/actions", timeout=5).status_code == 401
    listed = requests.get(f"{server.url}/actions", headers={HEADER: server.secret}, timeout=5)
    assert listed.ok and {"name": "action_finish_task"} in listed.json()
    # A browser's preflight gets no CORS grant: no web page may call the action server.
    preflight = requests.options(f"{server.url}/webhook", timeout=5, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_it_listens_on_loopback_only_by_default(server: ActionServer) -> None:
    assert listening_addresses(server.port) == {"127.0.0.1"}
    address = non_loopback_ipv4()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to try")
    assert unreachable(address, server.port)


def test_a_private_network_address_can_be_configured(tmp_path: Path) -> None:
    address = non_loopback_ipv4()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to listen on")
    for configured in start_server(tmp_path, PAYLINE_ACTIONS_HOST=address):
        assert listening_addresses(configured.port) == {address}
        answer = configured.post(forged_payment(configured))
        assert answer.status_code == 401  # off loopback, the secret is still required


def test_sigterm_stops_it_promptly_and_frees_the_port(tmp_path: Path) -> None:
    # honcho (make run's Ctrl-C) and service managers stop it this way; nothing may stay
    # behind listening (a left-over worker would keep the port and every action).
    for server in start_server(tmp_path):
        assert server.post(forged_payment(server)).status_code == 401  # served at least once
        started = time.monotonic()
        server.process.terminate()
        assert server.process.wait(timeout=15) == 0
        assert time.monotonic() - started < 15
        assert listening_addresses(server.port) == set()
