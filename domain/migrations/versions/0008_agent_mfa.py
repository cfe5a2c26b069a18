"""311 agents' second factor: the sealed one-time-code (TOTP) secret on each agent with when it
was turned on and the last code step used (a code works once), and the sign-in steps waiting
for a code (a password that was right, or an enrolment).

Revision ID: 0008_agent_mfa
Revises: 0007_verification_refs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_agent_mfa"
down_revision = "0007_verification_refs"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("mfa_secret", sa.String(255), nullable=True))
        batch.add_column(sa.Column("mfa_enabled_at", _utc(), nullable=True))
        batch.add_column(sa.Column("mfa_last_step", sa.Integer(), nullable=True))
    op.create_table(
        "agent_sign_in_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("pending_secret", sa.String(255), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("ended_at", _utc(), nullable=True),
        sa.Column("remote_addr", sa.String(45), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"],
                                name=op.f("fk_agent_sign_in_steps_agent_id_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_sign_in_steps")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_agent_sign_in_steps_token_hash")),
    )
    op.create_index(op.f("ix_agent_sign_in_steps_agent_id"), "agent_sign_in_steps",
                    ["agent_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_agent_sign_in_steps_agent_id"), table_name="agent_sign_in_steps")
    op.drop_table("agent_sign_in_steps")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("mfa_last_step")
        batch.drop_column("mfa_enabled_at")
        batch.drop_column("mfa_secret")
