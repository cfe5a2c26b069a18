"""The paperless page a texted one-time link opens: form, CSRF, email check before the link
is used up, single use, expiry, lock-out, and polite pages for every failure."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from domain.adapters.clock import FixedClock
from domain.adapters.database import upgrade
from domain.adapters.outbox import list_messages
from domain.config import Settings
from domain.errors import LinkNotUsable
from domain.model import Actor, Channel, LinkPurpose
from ivr import create_app
from ivr.bootstrap import build_container
from tests.integration.conftest import Builders

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=CHICAGO)
ACCOUNT_NUMBER = "4410020731"
PHONE = "+13125550101"


class City:
    def __init__(self, tmp_path, *, locked: bool = False) -> None:
        url = f"sqlite:///{tmp_path / 'payline.db'}"
        upgrade(url)
        settings = Settings.from_env({"PAYLINE_DATABASE_URL": url,
                                      "PAYLINE_VAR_DIR": str(tmp_path)})
        self.clock = FixedClock(NOW)
        self.container = build_container(settings, clock=self.clock)
        self.app = create_app(container=self.container)
        self.client = self.app.test_client()
        build = Builders()
        account = build.account(build.customer(phones=[build.phone(PHONE)]),
                                account_number=ACCOUNT_NUMBER,
                                locked_at=NOW if locked else None)
        with self.container.uow() as uow:
            uow.accounts.add(account)
            uow.commit()
        self.account_id: int = account.id  # type: ignore[assignment]
        self.token = self.issue()
        self.url = f"/paperless/{self.token}"

    def issue(self, purpose: LinkPurpose = LinkPurpose.PAPERLESS) -> str:
        return self.container.link_service().issue(
            purpose, self.account_id, Actor.resident(Channel.VOICE, "CA0123"))

    def form(self, url: str | None = None) -> str:
        """GET the page; returns its CSRF token."""
        response = self.client.get(url or self.url)
        assert response.status_code == 200
        match = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
        assert match
        return match.group(1)

    def submit(self, email: str, csrf: str | None = None):  # type: ignore[no-untyped-def]
        data = {"email": email}
        if csrf is not None:
            data["csrf_token"] = csrf
        return self.client.post(self.url, data=data)

    def account(self):  # type: ignore[no-untyped-def]
        with self.container.uow() as uow:
            account = uow.accounts.get(self.account_id)
            return account.paperless, account.paperless_email, account.customer.email

    def audit(self):  # type: ignore[no-untyped-def]
        with self.container.uow() as uow:
            return [(e.action, e.channel, e.actor) for e in uow.audit.for_account(self.account_id)]


@pytest.fixture
def city(tmp_path):
    city = City(tmp_path)
    yield city
    city.container.dispose()


class Tags(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str, **attrs: str) -> dict[str, str | None] | None:
        for name, found in self.tags:
            if name == tag and all(found.get(k) == v for k, v in attrs.items()):
                return found
        return None


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_form_shows_the_masked_account_and_is_accessible(city):
    response = city.client.get(city.url)
    assert response.status_code == 200
    page = text_of(response)
    assert "account ending <strong>0731</strong>" in page
    assert ACCOUNT_NUMBER not in page
    assert "City of Riverton" in page
    tags = Tags(response.get_data(as_text=True))
    assert tags.find("html", lang="en")
    assert tags.find("meta", name="viewport")
    assert tags.find("label", **{"for": "email"})
    assert tags.find("input", id="email", type="email", autocomplete="email", name="email")
    assert tags.find("input", type="hidden", name="csrf_token")
    assert tags.find("button", type="submit")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    stylesheet = tags.find("link", rel="stylesheet")
    assert stylesheet and city.client.get(stylesheet["href"]).status_code == 200


def test_showing_the_form_does_not_use_the_link(city):
    city.form()
    city.form()
    assert city.account()[0] is False


def test_a_bad_email_shows_the_form_again_and_the_link_still_works(city):
    csrf = city.form()
    response = city.submit("jane at example", csrf)
    assert response.status_code == 400
    page = text_of(response)
    assert "does not look right" in page
    tags = Tags(response.get_data(as_text=True))
    assert tags.find("input", id="email", value="jane at example", **{"aria-invalid": "true"})
    assert tags.find("p", id="email-error", role="alert")
    assert city.account()[0] is False
    assert city.submit("jane@example.com", csrf).status_code == 200


def test_a_good_email_enrolls_the_account_once(city):
    csrf = city.form()
    response = city.submit("  jane@Example.COM ", csrf)
    assert response.status_code == 200
    page = text_of(response)
    assert "Paperless billing is on" in page
    assert "j***e@example.com" in page and "jane@" not in page
    assert response.headers["Cache-Control"] == "no-store"

    paperless, email, customer_email = city.account()
    assert paperless is True and email == "jane@example.com" and customer_email == email
    [(_action, channel, actor)] = [e for e in city.audit() if e[0] == "paperless.enrolled"]
    assert channel == Channel.WEB and actor.startswith("resident:link:")
    assert city.token not in actor  # the audit names the link, never its token
    sent = {(m.channel, m.recipient, m.kind) for m in list_messages(city.container.engine)}
    assert ("email", "jane@example.com", "paperless.enrolled") in sent
    assert ("sms", PHONE, "paperless.enrolled") in sent

    again = city.submit("other@example.com", csrf)
    assert again.status_code == 410
    assert LinkNotUsable.message in text_of(again).replace("&#39;", "'")
    assert city.account()[1] == "jane@example.com"
    assert city.client.get(city.url).status_code == 410


def test_an_expired_link_is_gone(city):
    csrf = city.form()
    city.clock.advance(minutes=31)
    response = city.client.get(city.url)
    assert response.status_code == 410
    page = text_of(response)
    assert "expired or was already used" in page
    assert "ask for a new one by phone, text or chat" in page
    assert city.submit("jane@example.com", csrf).status_code == 410
    assert city.account()[0] is False


@pytest.mark.parametrize("token", ["nope", "x" * 500, "%00"])
def test_an_unknown_link_is_gone_politely(city, token):
    response = city.client.get(f"/paperless/{token}")
    assert response.status_code == 410
    assert "Traceback" not in response.get_data(as_text=True)
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_pay_link_does_not_open_the_paperless_page(city):
    response = city.client.get(f"/paperless/{city.issue(LinkPurpose.PAY)}")
    assert response.status_code == 410


@pytest.mark.parametrize("csrf", [None, "", "forged"])
def test_a_missing_or_wrong_csrf_token_is_refused_politely(city, csrf):
    city.form()
    response = city.submit("jane@example.com", csrf)
    assert response.status_code == 400
    assert "open the link in your text message again" in text_of(response)
    assert city.account()[0] is False
    assert city.submit("jane@example.com", city.form()).status_code == 200  # link still usable


def test_a_post_without_a_session_is_refused(city):
    csrf = city.form()
    fresh = city.app.test_client()  # another browser: no session cookie
    response = fresh.post(city.url, data={"email": "jane@example.com", "csrf_token": csrf})
    assert response.status_code == 400


def test_a_locked_account_is_sent_to_311(tmp_path):
    city = City(tmp_path, locked=True)
    try:
        response = city.client.get(city.url)
        assert response.status_code == 403
        page = text_of(response)
        assert "call 311" in page.lower() and "(312) 555-0111" in page
        assert 'href="tel:+13125550111"' in page
    finally:
        city.container.dispose()


def test_an_outage_is_a_polite_page_without_internals(city, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)

    def broken():  # type: ignore[no-untyped-def]
        raise RuntimeError(f"database gone /etc/passwd {city.token}")

    monkeypatch.setattr(city.container, "link_service", broken)
    response = city.client.get(city.url)
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "try again" in body and "passwd" not in body and "Traceback" not in body
    assert city.token not in caplog.text
    assert "RuntimeError" in caplog.text


def test_the_token_and_email_are_never_logged(city, caplog):
    caplog.set_level(logging.DEBUG)
    csrf = city.form()
    city.submit("not-an-email", csrf)
    city.submit("jane@example.com", csrf)
    city.submit("jane@example.com", csrf)
    assert city.token not in caplog.text
    assert "jane@example.com" not in caplog.text.lower()
