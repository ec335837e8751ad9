"""Alembic migrations of the incident store, run by the store when it opens a database."""
