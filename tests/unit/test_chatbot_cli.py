"""`payline chatbot-endpoints` and `payline chatbot-run` (the Procfile's Rasa process): the
endpoints file carries the action secret and is the owner's only; Rasa runs on loopback with
its HTTP API behind the token. The command Rasa is started with is recorded here instead of
exec'd (the live stack, tests/chatbot/, starts the real Rasa with the same command builder)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ivr.bot import rasa_process
from ivr.cli import chatbot as cli_chatbot
from ivr.cli.main import main

HEADER = "X-Payline-Action-Secret"


def endpoints_in(path: Path) -> dict[str, Any]:
    body = "\n".join(line for line in path.read_text().splitlines() if not line.startswith("#"))
    return dict(json.loads(body))


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_chatbot_endpoints_writes_the_secret_for_the_owner_only(tmp_path: Path) -> None:
    out = tmp_path / "rasa-endpoints.yml"
    out.write_text("old")
    out.chmod(0o644)
    result = CliRunner().invoke(main, ["chatbot-endpoints", "--out", str(out)],
                                env={"PAYLINE_ACTIONS_SECRET": "from-the-environment",
                                     "PAYLINE_VAR_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert mode_of(out) == 0o600
    action = endpoints_in(out)["action_endpoint"]
    assert action["headers"] == {HEADER: "from-the-environment"}


@pytest.fixture
def exec_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str], dict[str, str]]]:
    calls: list[tuple[str, list[str], dict[str, str]]] = []
    monkeypatch.setattr(cli_chatbot.os, "execve",
                        lambda path, args, env: calls.append((path, list(args), dict(env))))
    if not rasa_process.RASA.exists():
        pytest.skip("the Rasa environment (.venv-rasa) is not installed")
    return calls


def run_rasa(tmp_path: Path, *args: str, **env: str) -> Any:
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"")
    return CliRunner().invoke(main, ["chatbot-run", "--model", str(model), *args],
                              env={"PAYLINE_VAR_DIR": str(tmp_path), **env})


def test_the_spanish_model_runs_on_its_own_port_with_its_own_endpoints_file(
        tmp_path: Path, exec_calls: list[tuple[str, list[str], dict[str, str]]]) -> None:
    result = CliRunner().invoke(main, ["chatbot-run", "--language", "es", "--port", "5006"],
                                env={"PAYLINE_VAR_DIR": str(tmp_path)})
    if not rasa_process.MODELS["es"].exists():
        assert result.exit_code != 0 and "payline-es.tar.gz" in result.output
        return
    assert result.exit_code == 0, result.output
    [(_, args, _)] = exec_calls
    assert args[args.index("--model") + 1] == str(rasa_process.MODELS["es"])
    assert args[args.index("--port") + 1] == "5006"
    assert Path(args[args.index("--endpoints") + 1]) == tmp_path / "rasa-endpoints-es.yml"


def test_chatbot_run_starts_rasa_on_loopback_behind_its_token(
        tmp_path: Path, exec_calls: list[tuple[str, list[str], dict[str, str]]]) -> None:
    result = run_rasa(tmp_path, PAYLINE_RASA_TOKEN="the-api-token",
                      PAYLINE_ACTIONS_SECRET="the-action-secret")
    assert result.exit_code == 0, result.output
    [(path, args, env)] = exec_calls
    assert path == str(rasa_process.RASA) == args[0]
    assert args[1:3] == ["run", "--enable-api"]
    assert args[args.index("--auth-token") + 1] == "the-api-token"
    assert args[args.index("--interface") + 1] == "127.0.0.1"
    assert args[args.index("--port") + 1] == "5005"
    assert args[args.index("--credentials") + 1] == str(rasa_process.CREDENTIALS)
    endpoints = Path(args[args.index("--endpoints") + 1])
    assert endpoints == tmp_path / "rasa-endpoints-en.yml" and mode_of(endpoints) == 0o600
    assert endpoints_in(endpoints)["action_endpoint"]["headers"] == {
        HEADER: "the-action-secret"}
    assert env["RASA_TELEMETRY_ENABLED"] == "false"


def test_chatbot_run_uses_the_development_token_by_default(
        tmp_path: Path, exec_calls: list[tuple[str, list[str], dict[str, str]]]) -> None:
    assert run_rasa(tmp_path).exit_code == 0
    [(_, args, _)] = exec_calls
    assert args[args.index("--auth-token") + 1] == "payline-local-rasa-token"


def test_a_private_network_address_is_configurable_and_warned_about(
        tmp_path: Path, exec_calls: list[tuple[str, list[str], dict[str, str]]]) -> None:
    result = run_rasa(tmp_path, PAYLINE_RASA_HOST="10.0.0.5")
    assert result.exit_code == 0
    [(_, args, _)] = exec_calls
    assert args[args.index("--interface") + 1] == "10.0.0.5"
    assert "only the web app may reach port 5005" in result.stderr


def test_chatbot_run_refuses_production_without_secrets(
        tmp_path: Path, exec_calls: list[tuple[str, list[str], dict[str, str]]]) -> None:
    result = run_rasa(tmp_path, PAYLINE_ENV="production")
    assert result.exit_code == 1
    assert "PAYLINE_RASA_TOKEN (missing)" in result.stderr
    assert exec_calls == []
    assert not (tmp_path / "rasa-endpoints.yml").exists()


def test_a_missing_model_is_one_line(tmp_path: Path,
                                     exec_calls: list[tuple[str, list[str], dict[str, str]]],
                                     ) -> None:
    result = CliRunner().invoke(main, ["chatbot-run", "--model", str(tmp_path / "none.tar.gz")],
                                env={"PAYLINE_VAR_DIR": str(tmp_path)})
    assert result.exit_code == 1 and "make model" in result.stderr and exec_calls == []


def test_rasa_finds_the_project_s_pipeline_components_from_any_folder() -> None:
    env = rasa_process.rasa_env({"PATH": "/bin", "PYTHONPATH": "/opt/extra"})
    assert env["PYTHONPATH"].split(os.pathsep) == [str(rasa_process.ROOT), "/opt/extra"]
    assert rasa_process.rasa_env({"PATH": "/bin"})["PYTHONPATH"] == str(rasa_process.ROOT)
