"""localstripe, the stateful fake Stripe API the tests and a local trial run against
(PAYLINE_PROCESSOR=stripe with PAYLINE_STRIPE_API_URL=http://127.0.0.1:PORT).

localstripe itself listens on every interface and keeps its state in /tmp/localstripe.pickle,
shared by every instance on the machine. This runner binds it to loopback and gives each
instance its own state file (or none), so two test runs, or a test run and `make run`, never
read each other's charges. It can also register a webhook endpoint at startup: localstripe
then POSTs its events there, signed the way Stripe signs them.

    python -m sandbox.localstripe --port 8420 [--state var/localstripe.pickle]
        [--webhook-url http://127.0.0.1:5000/webhooks/stripe --webhook-secret whsec_…]
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 8420


def serve(port: int, *, state_file: Path | None = None, webhook_url: str | None = None,
          webhook_secret: str | None = None) -> None:
    """Run localstripe in this process until interrupted."""
    from aiohttp import web
    from localstripe import resources, server, webhooks

    store = resources.store
    store.clear()
    if state_file is not None and state_file.exists():
        with state_file.open("rb") as handle:
            store.update(pickle.load(handle))  # noqa: S301 (our own file, written below)

    def dump_to_disk() -> None:
        if state_file is None:
            return
        state_file.parent.mkdir(parents=True, exist_ok=True)
        partial = state_file.with_suffix(".partial")
        with partial.open("wb") as handle:
            pickle.dump(dict(store), handle, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(state_file)

    store.dump_to_disk = dump_to_disk  # type: ignore[method-assign]
    if webhook_url and webhook_secret:
        webhooks.register_webhook("payline", webhook_url, webhook_secret, None)
    print(f"localstripe listening on http://{LOOPBACK}:{port}", flush=True)
    web.run_app(server.app, host=LOOPBACK, port=port, print=None, access_log=None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.localstripe",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--state", type=Path, default=None,
                        help="keep the fake Stripe's data in this file (default: in memory)")
    parser.add_argument("--webhook-url", default=None)
    parser.add_argument("--webhook-secret", default=None)
    args = parser.parse_args(argv)
    serve(args.port, state_file=args.state, webhook_url=args.webhook_url,
          webhook_secret=args.webhook_secret)
    return 0


if __name__ == "__main__":
    sys.exit(main())
