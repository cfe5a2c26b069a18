"""Browser tests: the Flask app served on a free local port, and headless Chromium.

Chromium is Debian's (`make test` installs it when missing: Playwright cannot download its
own browsers here); Playwright drives it through `executable_path`. Locally the browser
tests skip when no chromium is installed; under CI=true they fail instead.

Fixtures (tests/e2e/conftest.py makes them available to every e2e test module):

- `live_app`: a factory. `live_app(rasa_url=..., container=None, settings=None,
  **channel_env)` builds the real app (`create_app`) and serves it from a thread with
  werkzeug on 127.0.0.1 (a free port), returning a `LiveApp` with `.url` and `.app`.
  Without `container` it builds one over a fresh, migrated SQLite database in tmp_path (from
  `settings` when given); pass a seeded container for full-stack tests. PAYLINE_PUBLIC_URL
  is the server's own URL unless `channel_env` says otherwise. Every server it started stops
  at the end of the test.
- `browser`: headless Chromium, one per test module.
- `page`: a fresh browser context (no cookies) and page for one test, 1280x800 unless the
  test resizes it; `errors_of(page)` collects console errors and uncaught exceptions
  (a Content-Security-Policy violation is a console error).

The pages' Content-Security-Policy forbids eval, so wait with locators and `expect`, not with
`page.wait_for_function("...")` (page.evaluate is fine: it does not go through the page's CSP).

A full-stack browser test (real Rasa + action server) needs only the Rasa URL:
`site = live_app(rasa_url="http://127.0.0.1:5005", container=seeded); page.goto(site.url +
"/chat")`.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from domain.adapters.database import upgrade
from domain.config import Settings
from ivr import create_app
from ivr.bootstrap import Container, build_container
from ivr.settings import ChannelSettings

DEFAULT_VIEWPORT = {"width": 1280, "height": 800}
PAGE_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class LiveApp:
    url: str  # e.g. http://127.0.0.1:43127, no trailing slash
    app: Flask


def chromium_executable() -> str:
    """Debian's chromium; skips the test when missing (fails under CI=true)."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "chromium is not installed (make test installs Debian's chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def build_app(tmp_path: Path, *, rasa_url: str, container: Container | None = None,
              settings: Settings | None = None, **channel_env: str) -> tuple[Flask, Container]:
    """The real app talking to `rasa_url` (both languages, unless PAYLINE_RASA_ES_URL says
    otherwise); a container over a fresh SQLite when none given."""
    if container is None:
        if settings is None:
            url = f"sqlite:///{tmp_path / 'payline.db'}"
            settings = Settings.from_env({"PAYLINE_DATABASE_URL": url,
                                          "PAYLINE_VAR_DIR": str(tmp_path)})
        upgrade(settings.database_url)
        container = build_container(settings)
    channels = ChannelSettings.from_env({"PAYLINE_RASA_URL": rasa_url,
                                         "PAYLINE_RASA_ES_URL": rasa_url, **channel_env})
    return create_app(container=container, channel_settings=channels), container


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass  # URLs can hold one-time tokens (/pay/<token>); tests keep output clean


class _AppSlot:
    """The WSGI app a server runs, set once the server's port (and so its URL) is known."""

    app: Flask | None = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        assert self.app is not None
        return self.app(environ, start_response)


@contextmanager
def serve(make: Callable[[str], Flask]) -> Iterator[tuple[str, Flask]]:
    """Serve the app `make(base_url)` builds from a thread on a free local port (the app can
    know its own URL, e.g. as PAYLINE_PUBLIC_URL); yields the base URL and the app."""
    slot = _AppSlot()
    server = make_server("127.0.0.1", 0, slot, threaded=True, request_handler=_QuietHandler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        slot.app = make(url)
    except BaseException:
        server.server_close()
        raise
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield url, slot.app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def serve_app(app: Flask) -> Iterator[str]:
    """Serve a ready `app` from a thread on a free local port; yields its base URL."""
    with serve(lambda url: app) as (url, _):
        yield url


@pytest.fixture
def live_app(tmp_path: Path) -> Iterator[Callable[..., LiveApp]]:
    with ExitStack() as stack:
        def start(*, rasa_url: str, container: Container | None = None,
                  settings: Settings | None = None, **channel_env: str) -> LiveApp:
            def make(url: str) -> Flask:
                app, built = build_app(tmp_path, rasa_url=rasa_url, container=container,
                                       settings=settings,
                                       **{"PAYLINE_PUBLIC_URL": url, **channel_env})
                if container is None:
                    stack.callback(built.dispose)
                return app

            url, app = stack.enter_context(serve(make))
            return LiveApp(url, app)

        yield start


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium for one test module (Playwright's sync API allows one driver per
    thread at a time, so it is never shared across modules)."""
    executable = chromium_executable()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True,
            # Containers often lack the sandbox's kernel features and a big /dev/shm.
            args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DEFAULT_VIEWPORT)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def errors_of(page: Any) -> list[str]:
    """A list that fills with the page's console errors and uncaught exceptions from now on."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(
        message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors
