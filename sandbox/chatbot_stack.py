"""The real chatbot as local processes: each language's trained model served by its own `rasa
run` (.venv-rasa), both with Payline's action server (`python -m chatbot.action_server`, .venv)
and one shared tracker store, over a seeded demo city in SQLite.

Used by the end-to-end tests (tests/chatbot_stack.py re-exports it; one stack serves a whole
test session) and by `payline benchmark-chat` (sandbox/benchmarks/chat.py). Starting Rasa and
loading the model takes about a minute on 2 cores. Conversations stay apart by their sender
id. Each stack runs with secrets of its own (random, not the development defaults): the
action server's secret, which Rasa sends from the endpoints file ivr/bot/rasa_endpoints.py writes,
and Rasa's HTTP API token, which the stack's own API calls send. `rasa_env()`,
`rasa_run_command()` and `wait_until()` also serve other Rasa processes (`payline
chatbot-run`, the benchmark's stock `rasa init` bot).
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import requests
import sqlalchemy as sa

from conversation.understanding.language import detect_language
from domain.adapters.clock import SystemClock
from domain.adapters.database import upgrade
from domain.config import Settings
from ivr.bootstrap import Container, build_container
from ivr.bot.client import parse_replies
from ivr.bot.rasa_endpoints import rasa_endpoints, sqlite_tracker_path
from ivr.bot.rasa_endpoints import write as write_endpoints
from ivr.bot.rasa_process import (  # noqa: F401  (re-exported for the stacks' users)
    CREDENTIALS,
    MODEL,
    MODELS,
    RASA,
    RASA_ENV,
    ROOT,
    START_TIMEOUT_S,
    free_port,
    missing,
    rasa_env,
    rasa_ready,
    rasa_run_command,
    stop_processes,
    wait_until,
)
from sandbox.demo_city import DemoCity
from sandbox.demo_seed import seed_demo_city


@dataclass
class ChatbotStack:
    rasa_urls: dict[str, str]  # each language's Rasa instance
    action_url: str
    container: Container
    workdir: Path
    rasa_token: str = field(repr=False)  # Rasa's HTTP API token (both instances)
    actions_secret: str = field(repr=False)  # what Rasa sends the action server
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        """The English instance."""
        return self.rasa_urls["en"]

    def channel_env(self) -> dict[str, str]:
        """The app's settings that reach this stack's Rasa instances."""
        return {"PAYLINE_RASA_URL": self.rasa_urls["en"],
                "PAYLINE_RASA_ES_URL": self.rasa_urls.get("es", self.rasa_urls["en"]),
                "PAYLINE_RASA_TOKEN": self.rasa_token}

    def send(self, sender: str, text: str, language: str = "en",
             **metadata: Any) -> list[dict[str, Any]]:
        """One message through the language's Rasa REST channel (the metadata names the
        language, as the app's bot client does); the bot's replies."""
        response = requests.post(f"{self.rasa_urls[language]}/webhooks/rest/webhook",
                                 timeout=60,
                                 json={"sender": sender, "message": text,
                                       "metadata": {"channel": "chat", **metadata,
                                                    "language": language}})
        response.raise_for_status()
        return list(response.json())

    def conversation(self, language: str = "en") -> Conversation:
        return Conversation(self, f"test-{uuid.uuid4().hex[:16]}", language=language)

    @property
    def tracker_store(self) -> Path:
        """Rasa's SQLite tracker store (its `events` table), for tests that inspect it."""
        return sqlite_tracker_path(self.workdir)

    def tracker(self, sender: str) -> dict[str, Any]:
        response = requests.get(f"{self.rasa_url}/conversations/{sender}/tracker",
                                params={"token": self.rasa_token}, timeout=30)
        response.raise_for_status()
        return dict(response.json())

    def rows(self, query: str, **params: object) -> list[sa.Row[Any]]:
        with self.container.engine.connect() as conn:
            return list(conn.execute(sa.text(query), params))

    def stop(self) -> None:
        stop_processes(self.processes)
        for log in self.logs:
            log.close()
        self.container.dispose()


@dataclass
class Conversation:
    stack: ChatbotStack
    sender: str
    language: str = "en"  # which model answers (switchable; follows the bot's move to the
    # account's language on file as the chat page does)
    transcript: list[tuple[str, str]] = field(default_factory=list)
    # Whether the resident has written in a language yet, as the chat page tells the bot
    # (ivr/chat/views.py): verification then keeps it instead of the account's on file.
    language_written: bool = False

    def say(self, text: str) -> str:
        """Sends a message; returns every reply joined (also kept in the transcript)."""
        self.language_written = self.language_written or detect_language(text) is not None
        replies = self.stack.send(self.sender, text, self.language,
                                  language_from_resident=self.language_written)
        self.language = parse_replies(replies).language_to_speak(  # the account's, on file
            self.language, from_resident=self.language_written)
        joined = "\n".join(r.get("text", "") for r in replies if r.get("text"))
        self.transcript += [("resident", text), ("bot", joined)]
        return joined

    def dump(self) -> str:
        return "\n".join(f"{who}: {what}" for who, what in self.transcript)


def start(workdir: Path, timeout: float = START_TIMEOUT_S,
          languages: tuple[str, ...] | None = None) -> ChatbotStack:
    """A fresh demo city (SQLite) in `workdir`, the action server and one Rasa per language
    (default: every language with a trained model) on free loopback ports, sharing an SQLite
    tracker store of their own; returns once every Rasa has loaded its model and the action
    server answers /health. Logs: workdir/*.log."""
    languages = languages or tuple(lang for lang, model in MODELS.items() if model.exists())
    workdir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{workdir / 'payline.db'}"
    upgrade(url)
    action_port = free_port()
    rasa_ports = {language: free_port() for language in languages}
    rasa_token, actions_secret = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    env = {**os.environ, "PAYLINE_DATABASE_URL": url, "PAYLINE_VAR_DIR": str(workdir),
           "PAYLINE_PUBLIC_URL": "http://localhost:5000",
           "PAYLINE_ACTIONS_URL": f"http://127.0.0.1:{action_port}/webhook",
           "PAYLINE_ACTIONS_SECRET": actions_secret, "PAYLINE_RASA_TOKEN": rasa_token}
    settings = Settings.from_env(env)
    container = build_container(settings)
    clock = SystemClock(settings.timezone)
    seed_demo_city(container.engine, DemoCity(size=1, today=clock.today()), container.gateway)

    # The endpoints production uses (the action URL, the secret header, the SQL tracker store
    # in workdir/rasa_tracker.db), written as `payline chatbot-endpoints` writes them.
    endpoints = workdir / "endpoints.yml"
    write_endpoints(rasa_endpoints(env, workdir), endpoints)
    stack = ChatbotStack({language: f"http://127.0.0.1:{port}"
                          for language, port in rasa_ports.items()},
                         f"http://127.0.0.1:{action_port}", container, workdir,
                         rasa_token=rasa_token, actions_secret=actions_secret)
    log_actions = open(workdir / "actions.log", "wb")  # closed by stop()
    stack.logs.append(log_actions)
    stack.processes.append(subprocess.Popen(  # noqa: S603 (our own fixed command)
        [sys.executable, "-m", "chatbot.action_server", "--port", str(action_port)],
        cwd=ROOT, env=env, stdout=log_actions, stderr=subprocess.STDOUT))
    # One endpoints file for every instance: the same action server and tracker store, so a
    # conversation that switches language keeps its state.
    for language, port in rasa_ports.items():
        log_rasa = open(workdir / f"rasa-{language}.log", "wb")  # closed by stop()
        stack.logs.append(log_rasa)
        stack.processes.append(subprocess.Popen(  # noqa: S603 (our own fixed command)
            rasa_run_command(MODELS[language], port, auth_token=rasa_token,
                             endpoints=endpoints, credentials=CREDENTIALS),
            cwd=ROOT, env=rasa_env(env), stdout=log_rasa, stderr=subprocess.STDOUT))

    def ready() -> bool:
        return all(rasa_ready(url, rasa_token) for url in stack.rasa_urls.values()) \
            and requests.get(f"{stack.action_url}/health", timeout=5).ok

    try:
        wait_until(ready, stack.processes, "the chatbot", f"{workdir}/*.log", timeout)
    except Exception:
        stack.stop()
        raise
    return stack
