"""GET /health: is the app up and can it reach its database (for load balancers and humans).

Anyone may ask, and anyone learns only "ok" (200) or "error" (503). The details (database,
schema revision, number of accounts, time zone) describe the deployment to an attacker, so
they go only to an operator: a request with `Authorization: Bearer <PAYLINE_HEALTH_TOKEN>`
(compared in constant time), or one made on this host. A request counts as made on this host
only when it comes from a loopback address AND carries no forwarding header: behind a reverse
proxy on the same host every request arrives from loopback, but the proxy adds
X-Forwarded-For (or Forwarded, X-Real-IP), so a resident's request through it never qualifies,
whether or not ProxyFix has rewritten the remote address from those headers.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

from flask import Blueprint, Request, current_app, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from domain.adapters.database import revision_on
from domain.adapters.orm import accounts as accounts_table

health = Blueprint("health", __name__)
log = logging.getLogger(__name__)

# Headers a proxy adds for the client it forwards (standard and common vendor ones).
FORWARDING_HEADERS = ("Forwarded", "X-Real-IP", "X-Client-IP", "True-Client-IP",
                      "CF-Connecting-IP", "Fastly-Client-IP", "X-Cluster-Client-IP")
FORWARDED_PREFIX = "X-Forwarded-"
BEARER = "bearer "


@health.get("/health")
def health_check():  # type: ignore[no-untyped-def]
    container = current_app.extensions["payline"]
    details = is_operator(request, current_app.extensions["payline.channels"].health_token)
    try:
        with container.engine.connect() as connection:
            count = select(func.count()).select_from(accounts_table)
            accounts = connection.execute(count).scalar_one()
            revision = revision_on(connection)
    except SQLAlchemyError:
        log.exception("health check: database unreachable")
        if details:
            return jsonify(status="error", database="unreachable"), 503
        return jsonify(status="error"), 503
    if not details:
        return jsonify(status="ok")
    return jsonify(status="ok", database="ok", schema_revision=revision, accounts=accounts,
                   timezone=str(container.settings.timezone))


def is_operator(req: Request, token: str) -> bool:
    """Whether this request may see the details: the operator token, or made on this host."""
    return _has_token(req, token) or (_from_loopback(req) and not _forwarded(req))


def _has_token(req: Request, token: str) -> bool:
    header = req.headers.get("Authorization", "")
    if not token or not header[:len(BEARER)].lower() == BEARER:
        return False
    given = header[len(BEARER):].strip()
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), token.encode("utf-8"))


def _from_loopback(req: Request) -> bool:
    try:
        address = ipaddress.ip_address(req.remote_addr or "")
    except ValueError:  # no address (a unix socket) or not an IP: not provably local
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _forwarded(req: Request) -> bool:
    # ProxyFix rewrites the remote address but leaves the headers in place.
    return any(name in req.headers for name in FORWARDING_HEADERS) or any(
        name.lower().startswith(FORWARDED_PREFIX.lower()) for name in req.headers.keys())
