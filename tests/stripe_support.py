"""localstripe for the tests: a real (fake) Stripe API in its own process on a free loopback
port, which the official SDK talks to exactly as it talks to Stripe.

`LocalStripe.start()` runs `python -m sandbox.localstripe`; `reset()` empties its data between
tests (localstripe's DELETE /_config/data); `register_webhook(url, secret)` makes it POST its
events to a Payline app, signed the way Stripe signs them. `stripe_settings(url)` is the
StripeSettings that point Payline at it. `sign_event(payload, secret)` signs an event body as
Stripe does, for the events localstripe cannot produce (disputes).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Self

import requests

from domain.config import DEV_STRIPE_WEBHOOK_SECRET, StripeSettings
from sandbox.cli.stripe_trial import signature_header
from tests.http_support import closed_port

REPO_ROOT = Path(__file__).resolve().parents[1]
START_SECONDS = 30


class LocalStripe:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or closed_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "sandbox.localstripe", "--port", str(self.port)],
            cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError("localstripe exited at startup")
            try:
                requests.get(f"{self.url}/js.stripe.com/v3/", timeout=1)
                return self
            except requests.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"localstripe did not answer on {self.url}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None

    def reset(self) -> None:
        """Forget every customer, payment method, intent and refund."""
        requests.delete(f"{self.url}/_config/data", timeout=10).raise_for_status()

    def register_webhook(self, url: str, secret: str = DEV_STRIPE_WEBHOOK_SECRET,
                         events: list[str] | None = None) -> None:
        data: dict[str, Any] = {"url": url, "secret": secret}
        if events:
            data["events[]"] = events
        requests.post(f"{self.url}/_config/webhooks/payline", data=data,
                      timeout=10).raise_for_status()

    def settings(self, **overrides: Any) -> StripeSettings:
        return stripe_settings(self.url, **overrides)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def stripe_settings(api_url: str, **overrides: Any) -> StripeSettings:
    return StripeSettings(api_url=api_url, **overrides)


def sign_event(payload: bytes | str, secret: str = DEV_STRIPE_WEBHOOK_SECRET,
               timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe sends with `payload` (the local trial's signer)."""
    body = payload.encode("utf-8") if isinstance(payload, str) else payload
    return signature_header(body, secret, timestamp)


def event_body(event_id: str, event_type: str, obj: dict[str, Any],
               created: int | None = None) -> bytes:
    """A Stripe event envelope around `obj`, as Stripe's webhooks deliver it."""
    return json.dumps({"id": event_id, "object": "event", "type": event_type,
                       "api_version": "2024-06-20", "livemode": False,
                       "created": int(time.time()) if created is None else created,
                       "data": {"object": obj}}).encode("utf-8")
