"""`make run`'s localstripe process (PAYLINE_PROCESSOR=stripe, local trial), run from the Procfile
line itself: it listens on loopback only, keeps its data across a restart in its state file,
and sends its events to the configured webhook URL signed with the configured secret (so the
app's /webhooks/stripe can check them exactly as it checks Stripe's)."""

from __future__ import annotations

import queue
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import requests
import stripe

from tests.http_support import LocalHttpServer, closed_port
from tests.procfile import ROOT, procfile_command
from tests.socket_support import listening_addresses

SECRET = "whsec_process_test"


@contextmanager
def _localstripe(port: int, state: Path, webhook_port: int) -> Iterator[str]:
    env = {"PAYLINE_LOCALSTRIPE_PORT": str(port), "PAYLINE_LOCALSTRIPE_STATE": str(state),
           "PAYLINE_PORT": str(webhook_port), "STRIPE_WEBHOOK_SECRET": SECRET}
    process = subprocess.Popen(procfile_command("localstripe", env), cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{url}/js.stripe.com/v3/", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, "localstripe exited"
                assert time.monotonic() < deadline, "localstripe did not start"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


class _Receiver(LocalHttpServer):
    def __init__(self) -> None:
        self.received: queue.Queue[tuple[bytes, str]] = queue.Queue()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.put((body, self.headers.get("Stripe-Signature", "")))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(Handler)


def _charge(url: str) -> str:
    client = stripe.StripeClient("sk_test_process", base_addresses={"api": url},
                                 max_network_retries=0)
    method = client.v1.payment_methods.create(params={"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}})
    intent = client.v1.payment_intents.create(params={
        "amount": 500, "currency": "usd", "payment_method": method.id, "confirm": True,
        "off_session": True})
    return str(intent.id)


def test_loopback_signed_webhooks_and_state_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "localstripe.pickle"
    with _Receiver() as receiver:
        webhook_port = int(receiver.url.rsplit(":", 1)[1])
        port = closed_port()
        with _localstripe(port, state, webhook_port) as url:
            assert listening_addresses(port) == {"127.0.0.1"}
            intent_id = _charge(url)
            body, signature = receiver.received.get(timeout=15)
            event = stripe.Webhook.construct_event(body.decode(), signature, SECRET)
            assert event["type"] == "payment_intent.succeeded"
            assert event["data"]["object"]["id"] == intent_id
        with _localstripe(port, state, webhook_port) as url:
            client = stripe.StripeClient("sk_test_process", base_addresses={"api": url})
            assert client.v1.payment_intents.retrieve(intent_id).status == "succeeded"
