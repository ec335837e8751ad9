"""API tokens: when each was last used, so operators can tell live tokens from forgotten ones.

Revision ID: web0002
Revises: web0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "web0002"
down_revision = "web0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_api_tokens") as batch:
        batch.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_api_tokens") as batch:
        batch.drop_column("last_used_at")
