"""Alembic environment for Payline.

Run by domain.adapters.database.upgrade() (Config built in code, URL in
config.attributes["database_url"]) or by the alembic CLI with domain/migrations/alembic.ini
(URL from PAYLINE_DATABASE_URL). A caller may also hand over an open connection in
config.attributes["connection"].

Several processes may start at once on a fresh database (web and action server): on
PostgreSQL an advisory lock, on SQLite BEGIN IMMEDIATE, makes them migrate one after the
other; the later ones then find the database at head and do nothing.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection, text

from domain.adapters.database import SQLITE_BEGIN_OPTION, create_engine_for, schema_metadata

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    # Only for the CLI: a programmatic upgrade() must not reset the app's logging.
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# orm.py, plus the sandbox processor and outbox tables when those modules exist.
target_metadata = schema_metadata()

# pg_advisory_xact_lock key: any constant; this one spells "payl".
_MIGRATION_LOCK_KEY = 0x7061796C


def _database_url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if url:
        return str(url)
    from domain.config import Settings

    return Settings.from_env().database_url


def run_migrations_offline() -> None:
    url = _database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    is_sqlite = connection.dialect.name == "sqlite"
    if is_sqlite and not connection.in_transaction():
        # Take the write lock before reading the current revision.
        connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite,  # SQLite cannot ALTER most things; batch copies the table
        transactional_ddl=True,  # both databases roll DDL back; all or nothing
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": _MIGRATION_LOCK_KEY})
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine_for(_database_url())
    try:
        with engine.connect() as connection:
            _run(connection)
            if connection.in_transaction():
                connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
