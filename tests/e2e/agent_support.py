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

    def send_code(self, code: str) -> TestResponse:
        """Type a one-time code on the page a right password led to."""
        page = self.client.get("/agent/login/code")
        assert page.status_code == 200, page.status_code
        return self._keep(self.client.post(
            "/agent/login/code", data={"csrf_token": csrf_of(page), "code": code,
                                       "next": next_of(page)}))

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


def next_of(response: TestResponse) -> str:
    match = re.search(r'name="next" value="([^"]*)"', response.get_data(as_text=True))
    return match.group(1) if match else ""


def secret_on(response: TestResponse) -> str:
    """The one-time-code key an enrolment page shows for typing by hand."""
    match = re.search(r'id="mfa-secret">([A-Z2-7 ]+)</code>', response.get_data(as_text=True))
    assert match, "no one-time-code key on the page"
    return match.group(1).replace(" ", "")


def text_of(response: TestResponse) -> str:
    """The page's text without tags or repeated whitespace, for assertions."""
    html = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.replace("&#39;", "'").replace("&amp;", "&").split())


# Ids no INTEGER column holds: PostgreSQL's is 32-bit, SQLite's overflows above 2**63.
HUGE_IDS = (str(2**31), str(2**63), str(2**64 + 1), "9" * 40)


def assert_huge_ids_are_refused_politely(desk: AgentDesk, account_id: int,
                                         handoff_id: int) -> None:
    """Every console route and form field that carries an id, with ids too large for the
    database: a polite page (404 for a route), never a 500."""
    for huge in HUGE_IDS:
        for path in (f"/agent/handoffs/{huge}", f"/agent/accounts/{huge}"):
            response = desk.get(path)
            assert response.status_code == 404, (path, response.status_code)
        for path in (f"/agent/handoffs/{huge}/take", f"/agent/handoffs/{huge}/close",
                     f"/agent/accounts/{huge}/unlock", f"/agent/accounts/{huge}/transfer"):
            response = desk.post(path, {"outcome": "resolved", "reason": "checked"})
            assert response.status_code == 404, (path, response.status_code)
        page = desk.get(f"/agent/accounts/{account_id}?handoff={huge}")
        assert page.status_code == 200
        for path, form in (
                ("/agent/search", {"by": "account", "account_number": "0104200731",
                                   "handoff": huge}),
                (f"/agent/accounts/{account_id}/unlock", {"reason": "x", "handoff": huge}),
                (f"/agent/accounts/{account_id}/transfer", {"handoff": huge,
                                                           "confirmed": "yes"}),
                ("/agent/handoffs/find", {"reference": huge})):
            response = desk.post(path, form)
            assert response.status_code in (200, 302, 400), (path, response.status_code)
    found = desk.post("/agent/handoffs/find", {"reference": str(handoff_id)})
    assert found.headers["Location"] == f"/agent/handoffs/{handoff_id}"
