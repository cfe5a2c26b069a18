"""Alembic migrations of the app's schema. Run them with domain.adapters.database.upgrade()."""
