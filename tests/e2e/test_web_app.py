"""The Flask app as a client sees it: health, polite errors, no stack traces."""

from __future__ import annotations

import pytest

from domain.adapters.database import upgrade
from domain.config import Settings
from ivr import create_app


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path / 'payline.db'}"
    upgrade(url)
    settings = Settings.from_env({"PAYLINE_DATABASE_URL": url, "PAYLINE_VAR_DIR": str(tmp_path)})
    app = create_app(settings, TESTING=False)

    @app.get("/boom")
    def boom():  # a bug in some view
        raise RuntimeError("secret internals /etc/passwd")

    yield app
    app.extensions["payline"].dispose()


def test_health_reports_database_and_schema(app):
    response = app.test_client().get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["schema_revision"]
    assert body["accounts"] == 0
    assert body["timezone"] == "America/Chicago"


def test_health_is_503_when_the_database_is_gone(tmp_path):
    settings = Settings.from_env({"PAYLINE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x"})
    app = create_app(settings)
    response = app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}


def test_unknown_page_and_bugs_answer_politely_without_internals(app):
    client = app.test_client()
    missing = client.get("/nope")
    assert missing.status_code == 404
    crash = client.get("/boom")
    assert crash.status_code == 500
    assert b"Traceback" not in crash.data and b"passwd" not in crash.data
    assert b"Please try again" in crash.data
    assert client.get("/boom", headers={"Accept": "application/json"}).get_json() == {
        "error": "Sorry, something went wrong on our side. Please try again."}


def test_creating_the_app_touches_no_database():
    # The default SQLite file is created lazily: building the app must not connect.
    settings = Settings.from_env({"PAYLINE_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x"})
    create_app(settings)  # would raise if it connected
