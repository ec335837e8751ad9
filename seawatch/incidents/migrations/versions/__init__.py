"""Alembic revision scripts (one module per schema version)."""
