"""Alembic environment for the incident store.

The store runs migrations programmatically (see ``seawatch.incidents.store.migrate``) and hands
its own connection, already inside a transaction, through ``config.attributes["connection"]``;
running ``alembic`` from the command line with ``-x url=...`` works too.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from seawatch.incidents.model import Base

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # command line: alembic -x url=sqlite:///incidents.sqlite upgrade head
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
