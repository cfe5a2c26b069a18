"""For the pay page tests in Stripe mode: a seeded city whose processor is Stripe (localstripe),
and a switchable front for localstripe.

`stripe_container(tmp_path, api_url)`: a migrated SQLite database with the one-account demo
city, and a container over it with PAYLINE_PROCESSOR=stripe. The demo seed keeps its saved
cards with the sandbox processor (the Stripe gateway takes no card numbers), so it is seeded
through a sandbox container first; the pay page never uses those saved cards.

`StripeFront`: a test can make "Stripe" unreachable or slow for a while, and then bring it
back with everything it holds.

Payline is pointed at the front (PAYLINE_STRIPE_API_URL=front.url); the front forwards every
request to localstripe unchanged. `down()` closes its port (connection refused, as when Stripe
cannot be reached) until `up()`; `slow(predicate, seconds)` forwards the requests the predicate
picks and holds their answers back for `seconds` (longer than Payline's timeout: the request
reached Stripe, the answer never came back).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import requests
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from domain.adapters.clock import FixedClock
from domain.adapters.database import upgrade
from domain.config import Settings
from ivr.bootstrap import Container, build_container
from sandbox.demo_city import DemoCity
from sandbox.demo_seed import seed_demo_city
from tests.e2e.voice_support import NOW
from tests.http_support import closed_port

HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length",
               "content-encoding", "host"}


def stripe_container(tmp_path: Path, api_url: str, **env: str) -> Container:
    """The seeded demo city in Stripe mode (the caller disposes of the container)."""
    url = f"sqlite:///{tmp_path / 'payline.db'}"
    upgrade(url)
    base = {"PAYLINE_DATABASE_URL": url, "PAYLINE_VAR_DIR": str(tmp_path)}
    seeding = build_container(Settings.from_env(base), clock=FixedClock(NOW))
    try:
        seed_demo_city(seeding.engine, DemoCity(size=1, today=NOW.date()), seeding.gateway)
    finally:
        seeding.dispose()
    settings = Settings.from_env({**base, "PAYLINE_PROCESSOR": "stripe",
                                  "PAYLINE_STRIPE_API_URL": api_url, **env})
    return build_container(settings, clock=FixedClock(NOW))


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


class StripeFront:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.port = closed_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._slow: tuple[Callable[[str, str], bool], float] | None = None
        self.seen: list[tuple[str, str]] = []  # (method, path) of every forwarded request

    # --- switches -------------------------------------------------------------------
    def up(self) -> Self:
        if self._server is None:
            self._server = make_server("127.0.0.1", self.port, self._app, threaded=True,
                                       request_handler=_Quiet)
            self._thread = threading.Thread(target=self._server.serve_forever,
                                            kwargs={"poll_interval": 0.05}, daemon=True)
            self._thread.start()
        return self

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
        self._server = self._thread = None

    def slow(self, predicate: Callable[[str, str], bool] | None, seconds: float = 0) -> None:
        """Hold back the answers to requests `predicate(method, path)` picks (None: none)."""
        self._slow = (predicate, seconds) if predicate is not None else None

    def __enter__(self) -> Self:
        return self.up()

    def __exit__(self, *exc: object) -> None:
        self.down()

    # --- the forwarding -----------------------------------------------------------------
    def _app(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        self.seen.append((request.method, request.path))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        answer = requests.request(request.method, self.upstream + request.full_path.rstrip("?"),
                                  headers=headers, data=request.get_data(), timeout=30)
        slow = self._slow
        if slow is not None and slow[0](request.method, request.path):
            time.sleep(slow[1])
        response = Response(answer.content, status=answer.status_code,
                            headers=[(k, v) for k, v in answer.headers.items()
                                     if k.lower() not in HOP_HEADERS])
        return response(environ, start_response)
