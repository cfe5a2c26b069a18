"""Engines, sessions and schema migrations.

    engine = create_engine_for(settings.database_url)
    upgrade(settings.database_url)                  # Alembic `upgrade head`, no alembic.ini
    uow = SqlAlchemyUnitOfWork(make_session_factory(engine))

SQLite (the embedded default) is tuned for several processes sharing one file: WAL journal,
a 30 s busy timeout, foreign keys enforced, and real transactions around SELECTs too (the
sqlite3 driver's legacy mode does not BEGIN before a SELECT, so a read-then-write would not
be isolated). PostgreSQL (production) gets pre-ping so a restarted server costs no request.
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from domain.adapters.metadata import metadata

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# Modules that add tables to the shared metadata besides orm.py. They may not exist yet in a
# given checkout; when they do, their tables belong to the schema and its migrations.
OPTIONAL_TABLE_MODULES = ("sandbox.processor", "domain.adapters.outbox",
                          "domain.adapters.handoff_log", "domain.adapters.link_store",
                          "domain.adapters.channel_sessions", "domain.adapters.sms_consent",
                          "domain.adapters.sms_inbox", "domain.adapters.agent_store",
                          "sandbox.call_redirects")

# Execution option naming how the next transaction on a SQLite connection begins.
SQLITE_BEGIN_OPTION = "payline_sqlite_begin"
_SQLITE_BEGIN_MODES = {"DEFERRED", "IMMEDIATE", "EXCLUSIVE"}


def create_engine_for(url: str) -> Engine:
    """An Engine for a SQLAlchemy URL, configured for SQLite or PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)

    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or parsed.query.get("mode") == "memory"
    kwargs: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": 30},
    }
    if in_memory:
        # One shared connection, or every pooled connection would see its own empty database.
        kwargs["poolclass"] = StaticPool
    elif not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **kwargs)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # Take BEGIN away from the sqlite3 driver (see _sqlite_on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 30000")  # first, so the WAL switch can wait
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")  # readers never block the writer
    finally:
        cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # The SQLAlchemy-documented recipe: emit BEGIN ourselves so SELECTs are inside the
    # transaction. IMMEDIATE (via execution option) takes the write lock up front.
    mode = str(connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")).upper()
    if mode not in _SQLITE_BEGIN_MODES:
        raise ValueError(f"unknown SQLite BEGIN mode {mode!r}")
    connection.exec_driver_sql(f"BEGIN {mode}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A Session factory for the unit of work. Maps the domain classes on first use."""
    from domain.adapters.orm import start_mappers

    start_mappers()
    # expire_on_commit=False: services hand loaded objects to channels after the commit.
    return sessionmaker(bind=engine, expire_on_commit=False)


# --- schema / migrations ---------------------------------------------------------------


def schema_metadata() -> MetaData:
    """The shared metadata with every table of the app registered on it."""
    import domain.adapters.orm  # noqa: F401  (registers its tables)

    for name in OPTIONAL_TABLE_MODULES:
        # find_spec, not a blanket `except ImportError`: a module that exists but fails to
        # import must fail loudly, not silently drop its tables from the schema.
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    return metadata


def alembic_config(url: str | None = None) -> Config:
    """An Alembic Config built in code, pointing at domain/migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if url is not None:
        # Passed as an attribute, not a main option: ConfigParser would choke on '%' in it.
        config.attributes["database_url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database to `revision` (default: the newest). Safe to run concurrently
    from several processes; a database already at head is left untouched."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    """The revision the database is at, or None if it was never migrated."""
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return revision_on(connection)
    finally:
        engine.dispose()


def revision_on(connection: Connection) -> str | None:
    """current_revision on a connection the caller already has (e.g. a health check)."""
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest revision among the migration scripts."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
