"""Adapters behind the domain ports: SQLAlchemy persistence, sandbox processor, outbox, clock."""
