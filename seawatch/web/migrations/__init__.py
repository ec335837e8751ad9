"""Alembic environment of the web service's account tables (``alembic_version_web``)."""
