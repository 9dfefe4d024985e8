"""Alembic's migrations (versions/). ``HEAD`` is the newest revision: a database at it needs no migration, which
storage.db sees without loading Alembic (tests/test_migrations_head.py checks it is Alembic's head)."""

HEAD = "0022"
