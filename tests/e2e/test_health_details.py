"""GET /health tells the public only ok / not ok; the details need the operator token or a
request made on this host (loopback and no forwarding header), with or without ProxyFix in
front of the app, and also on a real socket."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import make_server

from domain.adapters.database import upgrade
from domain.config import Settings
from ivr import create_app
from ivr.settings import ChannelSettings
from tests.socket_support import non_loopback_ipv4

TOKEN = "operator-health-token-0123456789abcdef"
RESIDENT = {"REMOTE_ADDR": "203.0.113.7"}
LOCAL = {"REMOTE_ADDR": "127.0.0.1"}
DETAILS = {"database", "schema_revision", "accounts", "timezone"}


def build(tmp_path: Path, database_url: str | None = None, **channel_env: str) -> Flask:
    url = database_url or f"sqlite:///{tmp_path / 'payline.db'}"
    if database_url is None:
        upgrade(url)
    settings = Settings.from_env({"PAYLINE_DATABASE_URL": url, "PAYLINE_VAR_DIR": str(tmp_path)})
    return create_app(settings, ChannelSettings.from_env(channel_env))


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return build(tmp_path, PAYLINE_HEALTH_TOKEN=TOKEN)


def get(app: Flask, environ: dict[str, str], **headers: str) -> tuple[int, dict[str, object]]:
    response = app.test_client().get("/health", environ_base=environ, headers=headers)
    return response.status_code, response.get_json()


def test_the_public_learns_only_ok(app: Flask) -> None:
    assert get(app, RESIDENT) == (200, {"status": "ok"})


def test_the_operator_token_shows_the_details(app: Flask) -> None:
    status, body = get(app, RESIDENT, Authorization=f"Bearer {TOKEN}")
    assert status == 200 and DETAILS <= set(body) and body["database"] == "ok"
    assert get(app, RESIDENT, Authorization=f"bearer {TOKEN}")[1].keys() >= DETAILS


@pytest.mark.parametrize("authorization", [f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x",
                                           "Bearer ", TOKEN, f"Basic {TOKEN}", "Bearer \u00e9"])
def test_a_wrong_token_shows_nothing_more(app: Flask, authorization: str) -> None:
    assert get(app, RESIDENT, Authorization=authorization) == (200, {"status": "ok"})


def test_without_a_configured_token_no_bearer_value_opens_the_details(tmp_path: Path) -> None:
    app = build(tmp_path)
    assert get(app, RESIDENT, Authorization="Bearer ") == (200, {"status": "ok"})
    assert get(app, RESIDENT, Authorization="Bearer None") == (200, {"status": "ok"})


def test_loopback_sees_the_details(app: Flask) -> None:
    status, body = get(app, LOCAL)
    assert status == 200 and DETAILS <= set(body)
    assert DETAILS <= set(get(app, {"REMOTE_ADDR": "::1"})[1])
    assert DETAILS <= set(get(app, {"REMOTE_ADDR": "::ffff:127.0.0.1"})[1])


@pytest.mark.parametrize("header", [
    {"X-Forwarded-For": "203.0.113.7"},
    {"X-Forwarded-For": "127.0.0.1"},  # a spoofed "local" client through the proxy
    {"Forwarded": "for=203.0.113.7;proto=https"},
    {"X-Real-IP": "203.0.113.7"},
    {"X-Forwarded-Proto": "https"},
])
def test_a_request_through_a_proxy_on_this_host_is_not_local(
        app: Flask, header: dict[str, str]) -> None:
    assert get(app, LOCAL, **header) == (200, {"status": "ok"})
    # The operator's token still works through the proxy.
    assert DETAILS <= set(get(app, LOCAL, **header, Authorization=f"Bearer {TOKEN}")[1])


def test_the_rule_holds_with_proxy_fix_in_front(app: Flask) -> None:
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # type: ignore[method-assign]
    # ProxyFix makes the remote address the forwarded one: a spoofed 127.0.0.1 behind a
    # proxy on this host must not turn into "local".
    assert get(app, LOCAL, **{"X-Forwarded-For": "127.0.0.1"}) == (200, {"status": "ok"})
    assert get(app, LOCAL, **{"X-Forwarded-For": "203.0.113.7"}) == (200, {"status": "ok"})
    assert DETAILS <= set(get(app, LOCAL)[1])  # the operator on the host, no proxy


def test_a_database_failure_is_just_error_to_the_public(tmp_path: Path) -> None:
    app = build(tmp_path, "postgresql+psycopg://nobody@127.0.0.1:1/x",
                PAYLINE_HEALTH_TOKEN=TOKEN)
    assert get(app, RESIDENT) == (503, {"status": "error"})
    assert get(app, RESIDENT, Authorization=f"Bearer {TOKEN}") == (
        503, {"status": "error", "database": "unreachable"})


@pytest.fixture
def on_every_interface(app: Flask) -> Iterator[int]:
    server = make_server("0.0.0.0", 0, app, threaded=True)  # noqa: S104 (the test's point)
    worker = threading.Thread(target=server.serve_forever, daemon=True)
    worker.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        worker.join(5)


def test_over_a_real_socket_only_loopback_sees_the_details(on_every_interface: int) -> None:
    port = on_every_interface
    local = requests.get(f"http://127.0.0.1:{port}/health", timeout=10).json()
    assert DETAILS <= set(local)
    address = non_loopback_ipv4()
    if address is None:
        pytest.skip("this machine has no non-loopback IPv4 address to call from")
    assert requests.get(f"http://{address}:{port}/health", timeout=10).json() == {"status": "ok"}
