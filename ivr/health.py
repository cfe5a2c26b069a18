"""GET /health: is the app up and can it reach its database (for load balancers and humans)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from domain.adapters.database import revision_on
from domain.adapters.orm import accounts as accounts_table

health = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@health.get("/health")
def health_check():  # type: ignore[no-untyped-def]
    container = current_app.extensions["payline"]
    try:
        with container.engine.connect() as connection:
            count = select(func.count()).select_from(accounts_table)
            accounts = connection.execute(count).scalar_one()
            revision = revision_on(connection)
    except SQLAlchemyError:
        log.exception("health check: database unreachable")
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok", schema_revision=revision, accounts=accounts,
                   timezone=str(container.settings.timezone))
