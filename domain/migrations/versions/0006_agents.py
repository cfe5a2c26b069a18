"""311 agents: agent logins and their sessions, login attempts (for the throttle), handoffs
that an agent closes (with what came of them), and the sandbox's record of call redirects
(the stand-in for Twilio's "update a live call" REST API).

Revision ID: 0006_agents
Revises: 0005_sms
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_agents"
down_revision = "0005_sms"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(40), nullable=False),
        sa.Column("display_name", sa.String(80), nullable=False),
        sa.Column("role", sa.String(12), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("password_changed_at", _utc(), nullable=False),
        sa.Column("last_login_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("username", name=op.f("uq_agents_username")),
    )
    op.create_table(
        "agent_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("last_seen_at", _utc(), nullable=False),
        sa.Column("ended_at", _utc(), nullable=True),
        sa.Column("remote_addr", sa.String(45), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"],
                                name=op.f("fk_agent_sessions_agent_id_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_agent_sessions_token_hash")),
    )
    op.create_index(op.f("ix_agent_sessions_agent_id"), "agent_sessions", ["agent_id"])
    op.create_table(
        "agent_login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("username", sa.String(40), nullable=False),
        sa.Column("remote_addr", sa.String(45), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_login_attempts")),
    )
    op.create_index(op.f("ix_agent_login_attempts_at"), "agent_login_attempts", ["at"])
    op.create_index(op.f("ix_agent_login_attempts_username"), "agent_login_attempts",
                    ["username"])
    op.create_index(op.f("ix_agent_login_attempts_remote_addr"), "agent_login_attempts",
                    ["remote_addr"])
    op.create_table(
        "sandbox_call_redirects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("url", sa.String(500), nullable=False),
        sa.Column("method", sa.String(4), nullable=False),
        sa.Column("requested_at", _utc(), nullable=False),
        sa.Column("delivered_at", _utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_call_redirects")),
    )
    op.create_index(op.f("ix_sandbox_call_redirects_call_sid"), "sandbox_call_redirects",
                    ["call_sid"])
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("closed_at", _utc(), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("outcome")
        batch.drop_column("closed_at")
    op.drop_index(op.f("ix_sandbox_call_redirects_call_sid"),
                  table_name="sandbox_call_redirects")
    op.drop_table("sandbox_call_redirects")
    op.drop_index(op.f("ix_agent_login_attempts_remote_addr"), table_name="agent_login_attempts")
    op.drop_index(op.f("ix_agent_login_attempts_username"), table_name="agent_login_attempts")
    op.drop_index(op.f("ix_agent_login_attempts_at"), table_name="agent_login_attempts")
    op.drop_table("agent_login_attempts")
    op.drop_index(op.f("ix_agent_sessions_agent_id"), table_name="agent_sessions")
    op.drop_table("agent_sessions")
    op.drop_table("agents")
