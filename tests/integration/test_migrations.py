"""The Alembic migrations on SQLite and PostgreSQL: they build exactly the schema the ORM
describes, are idempotent, reversible, and survive two processes starting at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from domain.adapters import orm
from domain.adapters.database import (
    alembic_config,
    create_engine_for,
    current_revision,
    downgrade,
    head_revision,
    schema_metadata,
    upgrade,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
ORM_TABLES = {t.name for t in orm.metadata.sorted_tables if t.name in {
    "customers", "customer_phones", "accounts", "bills", "payment_methods", "payments",
    "audit_events", "verification_attempts", "idempotency_records"}}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest) -> str:
    """An empty, never migrated database of each kind."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


def _schema_diff(url: str) -> list[object]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, schema_metadata()))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine_for(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_first_revision_is_0001_initial() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    (base,) = script.get_bases()
    assert base == "0001_initial"
    assert script.get_revision("0001_initial").down_revision is None
    assert len(script.get_heads()) == 1  # a linear history: upgrade("head") is unambiguous


def test_upgrade_builds_exactly_the_orm_schema(empty_url: str) -> None:
    assert current_revision(empty_url) is None
    upgrade(empty_url)
    assert current_revision(empty_url) == head_revision()
    assert ORM_TABLES <= _tables(empty_url)
    # Autogenerate finds nothing to do: tables, columns, types, nullability, indexes,
    # unique constraints and foreign keys all match the metadata.
    assert _schema_diff(empty_url) == []


def test_the_comparison_would_notice_a_difference(empty_url: str) -> None:
    # Guards the test above against passing vacuously.
    upgrade(empty_url)
    engine = create_engine_for(empty_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP INDEX ix_payments_status_scheduled_for"))
            connection.execute(text("ALTER TABLE audit_events ADD COLUMN stray INTEGER"))
    finally:
        engine.dispose()
    diff = _schema_diff(empty_url)
    kinds = {entry[0] for entry in diff if isinstance(entry, tuple)}
    assert {"add_index", "remove_column"} <= kinds


def test_upgrade_twice_is_a_no_op(empty_url: str) -> None:
    upgrade(empty_url)
    engine = create_engine_for(empty_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO customers (customer_number, name, mailing_street, mailing_city,"
                " mailing_state, mailing_zip, language) VALUES ('0042', 'Ana', '', '', '', '',"
                " 'en')"))
        upgrade(empty_url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT customer_number FROM customers")).all() == [
                ("0042",)]
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    assert versions == [(head_revision(),)]
    assert _schema_diff(empty_url) == []


def test_downgrade_to_base_and_back(empty_url: str) -> None:
    upgrade(empty_url)
    downgrade(empty_url, "base")
    assert current_revision(empty_url) is None
    assert _tables(empty_url) <= {"alembic_version"}
    upgrade(empty_url)
    assert _schema_diff(empty_url) == []


@pytest.mark.slow
def test_two_processes_upgrading_at_once(empty_url: str) -> None:
    # `make run` starts the web app and the action server together on a fresh database.
    code = "import sys; from domain.adapters.database import upgrade; upgrade(sys.argv[1])"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    processes = [
        subprocess.Popen([sys.executable, "-c", code, empty_url], cwd=REPO_ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    results = [process.communicate(timeout=120) for process in processes]
    for process, (_, stderr) in zip(processes, results, strict=True):
        assert process.returncode == 0, stderr
    assert current_revision(empty_url) == head_revision()
    assert _schema_diff(empty_url) == []


def test_alembic_command_line_uses_the_packaged_ini(sqlite_url: str) -> None:
    # Developers write new revisions with the alembic CLI; it must find env.py and the URL.
    alembic = Path(sys.executable).with_name("alembic")
    if not alembic.exists():
        pytest.skip("alembic console script not installed next to this interpreter")
    env = {**os.environ, "PAYLINE_DATABASE_URL": sqlite_url}
    ini = REPO_ROOT / "domain" / "migrations" / "alembic.ini"
    done = subprocess.run([str(alembic), "-c", str(ini), "upgrade", "head"],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert current_revision(sqlite_url) == head_revision()
