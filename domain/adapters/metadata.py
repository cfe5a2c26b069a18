"""The one SQLAlchemy MetaData every table of the app (and the sandbox processor) belongs to.

A naming convention keeps constraint names stable across SQLite and PostgreSQL, which Alembic
needs to alter or drop them later.
"""

from sqlalchemy import MetaData

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
