"""Production fails closed: each real process Payline runs (the Procfile's web app under
waitress, the action server, Rasa's launcher, the scheduler, process-due) refuses to start in
production mode while a secret is missing, with one line naming every missing secret, exit
status 1 and no traceback; with every secret set it starts. Development needs none."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from domain.adapters.database import upgrade
from ivr import create_app
from sandbox.chatbot_stack import free_port, stop_processes, wait_until
from tests.procfile import procfile_command
from tests.production_support import SANDBOX_MODE_SECRET_NAMES, SECRET_NAMES, production_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROCESSES = {
    # The web app exactly as the Procfile serves it (waitress with its flags).
    "web": procfile_command("web", {"PAYLINE_PORT": "{port}"}),
    "actions": [sys.executable, "-m", "chatbot.action_server", "--port", "{port}"],
    "rasa": [str(BIN / "payline"), "chatbot-run", "--port", "{port}"],
    "scheduler": [str(BIN / "payline"), "scheduler", "--interval", "60"],
    "process-due": [str(BIN / "payline"), "process-due"],
}


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This test's environment: none of the shell's Payline settings, a database of its own."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PAYLINE_", "TWILIO_"))}
    return {**env, "PAYLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'payline.db'}",
            "PAYLINE_VAR_DIR": str(tmp_path), **extra}


def command(name: str, port: int) -> list[str]:
    return [part.replace("{port}", str(port)) for part in PROCESSES[name]]


def run_briefly(name: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(name, free_port()), cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.parametrize("name", list(PROCESSES))
@pytest.mark.parametrize("mode", [{"PAYLINE_ENV": "production"},
                                  {"PAYLINE_PUBLIC_URL": "https://pay.riverton.example.gov"}],
                         ids=["PAYLINE_ENV", "https-public-url"])
def test_without_secrets_it_refuses_to_start_with_one_clear_line(
        tmp_path: Path, name: str, mode: dict[str, str]) -> None:
    result = run_briefly(name, clean_env(tmp_path, **mode))
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "will not start in production mode" in lines[0]
    for secret in SANDBOX_MODE_SECRET_NAMES:
        assert f"{secret} (missing)" in lines[0]
    assert "STRIPE_" not in lines[0]  # Stripe's keys only with PAYLINE_PROCESSOR=stripe


def test_one_development_default_left_is_named_alone(tmp_path: Path) -> None:
    env = clean_env(tmp_path, **{**production_env(),
                                 "PAYLINE_ACTIONS_SECRET": "payline-local-actions-secret"})
    result = run_briefly("actions", env)
    assert result.returncode == 1
    assert result.stderr.strip().endswith(
        "until these secrets are set: PAYLINE_ACTIONS_SECRET (the development default). "
        "Generate each with `python -c \"import secrets; print(secrets.token_urlsafe(32))\"` "
        "(PAYLINE_VAULT_KEY and PAYLINE_AGENT_MFA_KEY: Fernet keys, TWILIO_AUTH_TOKEN: the "
        "Twilio account's auth token).")


def start_and_check(name: str, env: dict[str, str], tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command(name, port), cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: requests.get(f"http://127.0.0.1:{port}/health", timeout=2).ok,
                       [process], name, str(log_path), timeout=90)
        finally:
            stop_processes([process])


@pytest.mark.parametrize("name", ["web", "actions"])
def test_with_every_secret_set_it_starts(tmp_path: Path, name: str) -> None:
    env = clean_env(tmp_path, **production_env())
    upgrade(env["PAYLINE_DATABASE_URL"])
    start_and_check(name, env, tmp_path)


def test_the_scheduler_runs_with_every_secret_set(tmp_path: Path) -> None:
    env = clean_env(tmp_path, **production_env())
    upgrade(env["PAYLINE_DATABASE_URL"])
    result = run_briefly("process-due", env)
    assert result.returncode == 0, result.stderr
    assert "scheduled payment(s) due" in result.stdout


def test_development_starts_with_the_defaults(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    upgrade(env["PAYLINE_DATABASE_URL"])
    start_and_check("web", env, tmp_path)
    assert run_briefly("process-due", env).returncode == 0


def test_create_app_itself_refuses_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whatever builds the app (waitress, a simulator, a script) fails closed the same way.
    monkeypatch.setenv("PAYLINE_ENV", "production")
    for name in SECRET_NAMES:
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="will not start in production mode"):
        create_app()


@pytest.mark.parametrize("name", ["web", "actions", "process-due"])
def test_an_unknown_processor_is_one_clear_line(tmp_path: Path, name: str) -> None:
    result = run_briefly(name, clean_env(tmp_path, PAYLINE_PROCESSOR="paypal"))
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].endswith(
        "PAYLINE_PROCESSOR must be one of sandbox, stripe, not 'paypal'")
