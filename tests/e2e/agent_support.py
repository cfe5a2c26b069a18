"""A 311 agent at the console, driven through Flask's test client (the browser test drives
the same pages in Chromium)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

AGENT = ("r.alvarez", "riverton-agent-demo")
SUPERVISOR = ("m.chen", "riverton-supervisor-demo")

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class AgentDesk:
    app: Flask
    client: FlaskClient = field(init=False)
    last: TestResponse | None = None

    def __post_init__(self) -> None:
        self.client = self.app.test_client()

    def sign_in(self, username: str = AGENT[0], password: str = AGENT[1],
                remote_addr: str = "10.0.0.7",
                headers: dict[str, str] | None = None) -> TestResponse:
        page = self.client.get("/agent/login")
        return self._keep(self.client.post(
            "/agent/login", data={"csrf_token": csrf_of(page), "username": username,
                                  "password": password},
            environ_base={"REMOTE_ADDR": remote_addr}, headers=headers))

    def get(self, path: str) -> TestResponse:
        return self._keep(self.client.get(path))

    def post(self, path: str, data: dict[str, str] | None = None, *,
             csrf: str | None = None) -> TestResponse:
        """POST a console form with the CSRF token the console page carries."""
        token = csrf if csrf is not None else csrf_of(self.client.get("/agent"))
        return self._keep(self.client.post(path, data={"csrf_token": token, **(data or {})}))

    def follow(self, response: TestResponse) -> TestResponse:
        assert response.status_code in (302, 303), response.status_code
        return self.get(response.headers["Location"])

    def _keep(self, response: TestResponse) -> TestResponse:
        self.last = response
        return response


def csrf_of(response: TestResponse) -> str:
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, "no CSRF token on the page"
    return match.group(1)


def text_of(response: TestResponse) -> str:
    """The page's text without tags or repeated whitespace, for assertions."""
    html = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.replace("&#39;", "'").replace("&amp;", "&").split())
