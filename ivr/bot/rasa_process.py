"""Rasa as a child process: where the Rasa environment and the trained model are, the command
that serves the model on loopback with its HTTP API behind a token, and waiting for (and
stopping) such processes. Used by `payline chatbot-run` and by the test and benchmark stacks
(sandbox/chatbot_stack.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
# One trained model per language (Rasa 3.6 takes one language per model); `make model`
# trains both.
MODELS = {language: ROOT / "var" / "models" / f"payline-{language}.tar.gz"
          for language in ("en", "es")}
MODEL = MODELS["en"]
CREDENTIALS = ROOT / "chatbot" / "credentials.yml"
# Loading a model takes Rasa about a minute on an idle 2-core machine, and over three and a
# half when both models load at once beside other work; waiting longer costs nothing.
START_TIMEOUT_S = 600

# Two CPU cores: more TensorFlow threads than cores only adds contention (as in the Makefile).
RASA_ENV = {
    "TF_INTRA_OP_PARALLELISM_THREADS": "2",
    "TF_INTER_OP_PARALLELISM_THREADS": "2",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "RASA_TELEMETRY_ENABLED": "false",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def missing() -> str | None:
    """Why the stack cannot start here, or None."""
    if not RASA.exists():
        return "the Rasa environment (.venv-rasa) is not installed: run `make bootstrap`"
    absent = [language for language, model in MODELS.items() if not model.exists()]
    if absent:
        return f"no trained chatbot model for {', '.join(absent)}: run `make model`"
    return None


def rasa_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a Rasa process: `base` (default: ours) plus RASA_ENV, with the
    project first on PYTHONPATH: the English pipeline loads chatbot.nlu's featurizer, which a
    Rasa started from another folder would otherwise not find."""
    env = {**(os.environ if base is None else base), **RASA_ENV}
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]])
    return env


def rasa_run_command(model: Path, port: int, *, auth_token: str, endpoints: Path | None = None,
                     credentials: Path | None = None, interface: str = "127.0.0.1") -> list[str]:
    """`rasa run --enable-api` on interface:port (REST channel at /webhooks/rest/webhook),
    its HTTP API (trackers, events, /model/parse, ...) open only with `auth_token`."""
    if not auth_token:
        raise ValueError("Rasa's HTTP API needs an auth token")
    command = [str(RASA), "run", "--enable-api", "--auth-token", auth_token, "--interface",
               interface, "--port", str(port), "--model", str(model)]
    if endpoints is not None:
        command += ["--endpoints", str(endpoints)]
    if credentials is not None:
        command += ["--credentials", str(credentials)]
    return command


def rasa_ready(rasa_url: str, auth_token: str) -> bool:
    """Whether the Rasa server answers /status (an HTTP API route) with a loaded model."""
    status = requests.get(f"{rasa_url}/status", params={"token": auth_token}, timeout=5)
    return status.ok and bool(status.json().get("model_file"))


def wait_until(ready: Callable[[], bool], processes: Sequence[subprocess.Popen[bytes]],
               what: str, logs: str, timeout: float = START_TIMEOUT_S) -> None:
    """Poll `ready()` once a second until it holds; fail early when a process exits.

    `logs` says where the processes' output is, for the error message.
    """
    deadline = time.monotonic() + timeout
    started = datetime.now()
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{what}: a process exited early (status "
                                   f"{process.returncode}); see {logs}")
        try:
            if ready():
                return
        except (requests.RequestException, ValueError):
            pass
        time.sleep(1)
    raise TimeoutError(f"{what} did not start within {timeout:.0f} s (since {started}); "
                       f"see {logs}")


def stop_processes(processes: Sequence[subprocess.Popen[bytes]], timeout: float = 20) -> None:
    """Terminate, then wait (kill whatever has not exited within `timeout`)."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
