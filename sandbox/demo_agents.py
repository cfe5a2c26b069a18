"""The demo city's 311 agents: two console sign-ins written with the demo data, never
anywhere else (their passwords are public, in docs/demo-identities.md).

    seed_demo_agents(engine, now)   # adds the missing ones; never touches an existing agent

`payline seed` writes them with a new demo city (seed_demo_city calls this), and adds them to
a database seeded before agents existed (demo data but no agents) on the next
`payline seed --if-empty`, i.e. the next `make run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from domain.adapters.agent_store import SqlAgentStore, agents
from domain.adapters.orm import accounts_table, audit_events_table
from domain.model import Agent, AgentRole, Channel
from domain.passwords import hash_password
from sandbox.demo_city import PERSONAS

SEED_ACTOR = "system:demo-seed"


@dataclass(frozen=True)
class DemoAgent:
    username: str
    display_name: str
    role: AgentRole
    password: str
    good_for: str


DEMO_AGENTS: tuple[DemoAgent, ...] = (
    DemoAgent("r.alvarez", "Rosa Alvarez", AgentRole.AGENT, "riverton-agent-demo",
              "The 311 queue: take a handoff, look up and unlock an account, send a caller "
              "into self-service."),
    DemoAgent("m.chen", "Marcus Chen", AgentRole.SUPERVISOR, "riverton-supervisor-demo",
              "Everything an agent does, and managing agents."),
)


def seed_demo_agents(engine: Engine, now: datetime) -> list[str]:
    """Add the demo agents whose usernames are free; returns the usernames added."""
    store = SqlAgentStore(engine)
    added = []
    for demo in DEMO_AGENTS:
        if store.by_username(demo.username) is not None:
            continue  # never reset an agent someone may have changed
        agent = Agent(username=demo.username, display_name=demo.display_name, role=demo.role,
                      password_hash=_demo_hash(demo.password), created_at=now,
                      password_changed_at=now)
        if not store.add(agent):  # a concurrent seeder added it first
            continue
        with engine.begin() as conn:
            conn.execute(audit_events_table.insert().values(
                at=now, action="agent.added", actor=SEED_ACTOR, channel=Channel.AGENT,
                account_id=None, subject=demo.username,
                detail=f"{demo.display_name} ({demo.role}), demo agent"))
        added.append(demo.username)
    return added


def count_agents(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(agents)).scalar_one())


def has_demo_data(engine: Engine) -> bool:
    """Whether the demo city was seeded here (its personas' accounts are there)."""
    numbers = [p.account_number for p in PERSONAS]
    with engine.connect() as conn:
        found = conn.execute(sa.select(sa.func.count()).select_from(accounts_table)
                             .where(accounts_table.c.account_number.in_(numbers))).scalar_one()
    return int(found) == len(numbers)


def demo_agents_markdown() -> str:
    """The section of docs/demo-identities.md about the demo agents."""
    lines = [
        "## 311 agents (console at /agent)",
        "",
        "`payline seed` (and so `make run`) also adds these console sign-ins, for the demo "
        "only: their passwords are public. Sessions end after 15 minutes without a request "
        "(PAYLINE_AGENT_IDLE_MINUTES) and after 12 hours in any case "
        "(PAYLINE_AGENT_SESSION_HOURS); 5 failed sign-ins for a username (20 from one address) "
        "within 15 minutes pause sign-in. Manage agents with `payline agents add | list | "
        "set-password | deactivate`.",
        "",
        "| username | name | role | password | good for |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| `{a.username}` | {a.display_name} | {a.role} | `{a.password}` | "
              f"{a.good_for} |" for a in DEMO_AGENTS]
    return "\n".join(lines) + "\n"


@cache
def _demo_hash(password: str) -> str:
    # Once per process: test suites seed many demo cities, and scrypt is slow on purpose.
    return hash_password(password)
