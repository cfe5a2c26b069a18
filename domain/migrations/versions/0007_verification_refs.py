"""Verification that cannot be used as an oracle: failures on account references that match
no account are counted like a real account's (unknown_account_refs), and the reference a
resident tried is kept only as a keyed hash.

The typed digits already in verification_attempts.account_ref (residents type SSNs, phone
and card numbers at that prompt too) are blanked: the hash key is not available here, and
nothing needs the old values (the lock-out of real accounts lives on the accounts row).

Revision ID: 0007_verification_refs
Revises: 0006_agents
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_verification_refs"
down_revision = "0006_agents"
branch_labels = None
depends_on = None

# Not a hash (those are 64 hex digits), so it never matches a reference tried later.
REDACTED = "redacted-by-0007"


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "unknown_account_refs",
        sa.Column("account_ref", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", _utc(), nullable=False),
        sa.Column("last_failed_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("account_ref", name=op.f("pk_unknown_account_refs")),
    )
    attempts = sa.table("verification_attempts", sa.column("account_ref", sa.String(64)))
    op.execute(attempts.update().values(account_ref=REDACTED))


def downgrade() -> None:
    op.drop_table("unknown_account_refs")
