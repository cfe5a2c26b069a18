"""One-time links in the `one_time_links` table (SQLAlchemy Core)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from domain.adapters.metadata import metadata
from domain.adapters.orm import UtcDateTime
from domain.model import Channel, LinkPurpose, OneTimeLink
from domain.ports import LinkStore

one_time_links = sa.Table(
    "one_time_links",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("purpose", sa.String(20), nullable=False),
    sa.Column("account_id", sa.Integer, sa.ForeignKey("accounts.id"), nullable=False),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
    sa.Column("used_at", UtcDateTime(), nullable=True),
    sa.Column("payload", sa.Text, nullable=False),
)


class SqlLinkStore(LinkStore):
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def add(self, link: OneTimeLink) -> OneTimeLink:
        with self._engine.begin() as conn:
            link.id = conn.execute(one_time_links.insert().values(
                token_hash=link.token_hash, purpose=str(link.purpose),
                account_id=link.account_id, channel=str(link.channel),
                created_by=link.created_by, created_at=link.created_at,
                expires_at=link.expires_at, used_at=link.used_at, payload=link.payload,
            ).returning(one_time_links.c.id)).scalar_one()
        return link

    def by_hash(self, token_hash: str) -> OneTimeLink | None:
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(one_time_links)
                               .where(one_time_links.c.token_hash == token_hash)
                               ).mappings().first()
        if row is None:
            return None
        return OneTimeLink(
            id=row["id"], token_hash=row["token_hash"], purpose=LinkPurpose(row["purpose"]),
            account_id=row["account_id"], channel=Channel(row["channel"]),
            created_by=row["created_by"], created_at=row["created_at"],
            expires_at=row["expires_at"], used_at=row["used_at"], payload=row["payload"])

    def use(self, link_id: int, at: datetime) -> bool:
        # A conditional UPDATE is atomic on every database: of two concurrent submits,
        # exactly one sees rowcount 1.
        with self._engine.begin() as conn:
            result = conn.execute(one_time_links.update()
                                  .where(one_time_links.c.id == link_id,
                                         one_time_links.c.used_at.is_(None))
                                  .values(used_at=at))
            return result.rowcount == 1
