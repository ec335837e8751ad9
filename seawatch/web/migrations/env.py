"""Alembic environment of the account tables.

They share the incident store's database but keep their own version table,
``alembic_version_web``, so the two sets of migrations never see each other. The web service
runs them programmatically (:func:`seawatch.web.accounts.migrate`) and passes its connection in
``config.attributes["connection"]``; ``alembic -x url=...`` works from the command line too.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

VERSION_TABLE = "alembic_version_web"

config = context.config
connection = config.attributes.get("connection")


def _run(conn: sa.Connection) -> None:
    context.configure(connection=conn, target_metadata=None, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


if connection is None:  # command line: alembic -x url=sqlite:///incidents.sqlite upgrade head
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    with sa.create_engine(url).begin() as conn:
        _run(conn)
else:
    _run(connection)
