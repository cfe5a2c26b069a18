"""A stand-in for the Rasa server's REST channel: a real HTTP server on a free local port.

It records every request exactly as received (raw bytes and parsed JSON), so tests can prove
what did or did not reach "Rasa" (e.g. no card digits), and answers with `respond(body)`:
a list is sent as Rasa's JSON answer; a `StubAnswer` sets the status and raw body instead.

    with StubRasa(respond=lambda body: [{"text": "hi"}]) as rasa:
        BotClient(rasa.url).send("s1", "hello")
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from tests.http_support import LocalHttpServer

WEBHOOK = "/webhooks/rest/webhook"
PARSE = "/model/parse"


@dataclass(frozen=True)
class StubAnswer:
    status: int = 200
    body: bytes = b"[]"
    content_type: str = "application/json"


Respond = Callable[[dict[str, Any]], "list[dict[str, Any]] | StubAnswer"]


def no_intent(body: dict[str, Any]) -> StubAnswer:
    """A /model/parse answer in which no intent fits (Rasa's `"name": null`)."""
    return StubAnswer(200, json.dumps({"text": body.get("text"), "entities": [],
                                       "intent": {"name": None, "confidence": 0.0}}).encode())


def echo(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"recipient_id": body.get("sender"), "text": f"You said: {body.get('message')}"}]


class StubRasa(LocalHttpServer):
    def __init__(self, respond: Respond = echo, delay: float = 0.0,
                 parse: Respond | None = None) -> None:
        """`parse`, when given, answers /model/parse (the NLU) as `respond` answers the REST
        channel; without it /model/parse is a 404, as for any other path."""
        self.respond = respond
        self.parse = parse
        self.delay = delay
        self.requests: list[dict[str, Any]] = []  # parsed JSON bodies, in order
        self.raw: list[bytes] = []
        self.paths: list[str] = []
        self._lock = threading.Lock()
        super().__init__(self._handler())

    @property
    def messages(self) -> list[str]:
        """The "message" of every webhook request received."""
        return [body.get("message") for body in self.requests]

    @property
    def senders(self) -> list[str]:
        return [body.get("sender") for body in self.requests]

    @property
    def parsed(self) -> list[str]:
        """The "text" of every /model/parse request received."""
        return [body.get("text") for path, body in zip(self.paths, self.requests, strict=True)
                if urlsplit(path).path == PARSE]

    def saw(self, fragment: str) -> bool:
        """Whether any request, byte for byte, contained `fragment`."""
        return any(fragment.encode() in raw for raw in self.raw)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {}
                with stub._lock:
                    stub.raw.append(raw)
                    stub.paths.append(self.path)
                    stub.requests.append(body if isinstance(body, dict) else {})
                if stub.delay:
                    time.sleep(stub.delay)
                # Routed by path alone, as Rasa does: /model/parse carries ?token=... .
                respond = {WEBHOOK: stub.respond, PARSE: stub.parse}.get(
                    urlsplit(self.path).path)
                if respond is None:
                    answer = StubAnswer(404, b'{"error": "not found"}')
                else:
                    result = respond(body if isinstance(body, dict) else {})
                    answer = result if isinstance(result, StubAnswer) else StubAnswer(
                        200, json.dumps(result).encode())
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet test output

        return Handler
