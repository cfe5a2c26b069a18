"""The sandbox's stand-in for Twilio's "redirect a live call" REST API (SQLAlchemy Core)."""

from __future__ import annotations

import sqlalchemy as sa

from domain.adapters.metadata import metadata
from domain.adapters.orm import UtcDateTime

sandbox_call_redirects = sa.Table(
    "sandbox_call_redirects",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("call_sid", sa.String(64), nullable=False, index=True),
    sa.Column("url", sa.String(500), nullable=False),
    sa.Column("method", sa.String(4), nullable=False),
    sa.Column("requested_at", UtcDateTime(), nullable=False),
    sa.Column("delivered_at", UtcDateTime(), nullable=True),
)
