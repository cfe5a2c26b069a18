"""Payline's action server: rasa-sdk's app, on loopback by default, running an action only
for a request that carries the secret Rasa sends.

    python -m chatbot.action_server [--host HOST] [--port 5055]

rasa-sdk has no authentication of its own and its CLI listens on every interface, and the
actions trust the tracker they are sent: whoever reached the port could post a forged tracker
(a "verified" account, a confirmed payment) and have it carried out. So here:
- the server listens on 127.0.0.1 unless PAYLINE_ACTIONS_HOST (or --host) names another
  address, for Rasa on a private network;
- every request except GET /health must carry the X-Payline-Action-Secret header equal to
  PAYLINE_ACTIONS_SECRET (compared in constant time): without it 401, with a wrong one 403,
  and no action runs. Rasa sends it (ivr/bot/rasa_endpoints.py writes it into Rasa's endpoints);
- no CORS headers: no browser ever calls the action server;
- in production mode it refuses to start while a secret is missing (domain/production.py).
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import logging
import os
from collections.abc import Sequence
from functools import partial

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sanic.worker.loader import AppLoader

from domain.config import Settings
from domain.production import ACTION_SECRET_HEADER, check_production_secrets, secret_value

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5055
ACTIONS_PACKAGE = "chatbot.actions"
# Reveals nothing but "up": load balancers and the test stack poll it without the secret.
OPEN_PATHS = frozenset({"/health"})
# Before every other request middleware (rasa-sdk's CORS answers OPTIONS itself).
FIRST = 1000


def create_action_app(secret: str, actions_package: str = ACTIONS_PACKAGE) -> Sanic:
    """rasa-sdk's app serving `actions_package`, behind the shared-secret check.

    Module level: with several workers, Sanic pickles this factory for each worker process.
    """
    if not secret:
        raise ValueError("the action server needs a secret")
    executor = ActionExecutor()
    executor.register_package(actions_package)
    app = create_app_for_serve(executor, cors_origins=None)
    expected = secret.encode("utf-8")

    async def require_secret(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS and request.method == "GET":
            return None
        provided = request.headers.get(ACTION_SECRET_HEADER)
        if provided is None:
            log.warning("refused %s %s from %s: no action secret", request.method,
                        request.path, request.ip)
            return response.json({"error": "The action secret is required."}, status=401)
        if not hmac.compare_digest(provided.encode("utf-8", "surrogatepass"), expected):
            log.warning("refused %s %s from %s: wrong action secret", request.method,
                        request.path, request.ip)
            return response.json({"error": "The action secret is wrong."}, status=403)
        return None

    app.register_middleware(require_secret, "request", priority=FIRST)
    return app


def listen_host(option: str | None, env: dict[str, str]) -> str:
    """--host, else PAYLINE_ACTIONS_HOST, else loopback."""
    return (option or env.get("PAYLINE_ACTIONS_HOST", "")).strip() or DEFAULT_HOST


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str, port: int, secret: str, actions_package: str = ACTIONS_PACKAGE) -> None:
    """Run the server until SIGTERM or SIGINT.

    One worker (the default) runs in this very process: Sanic's worker manager, which
    rasa-sdk's own `run` uses, sometimes outlives a SIGTERM by more than 20 seconds and, when
    then killed, leaves its worker behind still holding the port. Several workers
    (ACTION_SERVER_SANIC_WORKERS, as with rasa-sdk) still go through the manager.
    """
    if not _is_loopback(host):
        log.warning("The action server listens on %s: only Rasa may reach it (a private "
                    "network or a firewall); every action call still needs the secret.", host)
    log.info("Action server on http://%s:%s (actions need %s)", host, port,
             ACTION_SECRET_HEADER)
    workers = utils.number_of_sanic_workers()
    if workers == 1:
        app = create_action_app(secret, actions_package)
        app.prepare(host=host, port=port, single_process=True)
        Sanic.serve_single(primary=app)
        return
    loader = AppLoader(factory=partial(create_action_app, secret, actions_package))
    app = loader.load()
    app.prepare(host=host, port=port, workers=workers)
    Sanic.serve(primary=app, app_loader=loader)


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m chatbot.action_server",
                                     description="Payline's chatbot action server.")
    parser.add_argument("--host", default=None,
                        help=f"address to listen on (default: PAYLINE_ACTIONS_HOST or "
                             f"{DEFAULT_HOST})")
    parser.add_argument("-p", "--port", type=int, default=DEFAULT_PORT,
                        help=f"port to listen on (default {DEFAULT_PORT})")
    parser.add_argument("--actions", default=ACTIONS_PACKAGE,
                        help=f"the actions package (default {ACTIONS_PACKAGE})")
    utils.add_logging_level_option_arguments(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = _arguments(argv)
    env = dict(os.environ)
    try:
        check_production_secrets(env)
        # The actions build their services lazily; a bad setting must stop the server now,
        # not fail a resident's first turn.
        Settings.from_env(env)
    except ValueError as exc:  # one line and exit status 1, never a traceback
        raise SystemExit(f"payline action server: {exc}") from None
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME), None,
                                 args.loglevel, None)
    utils.update_sanic_log_level()
    serve(listen_host(args.host, env), args.port, secret_value(env, "PAYLINE_ACTIONS_SECRET"),
          args.actions)


if __name__ == "__main__":
    main()
