"""extended DC-09 data and unknown signals kept with the signal (issue 16)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # JSON text, not a JSON type: the same on SQLite and PostgreSQL, read only to be shown.
    with op.batch_alter_table("signals") as batch:
        batch.add_column(sa.Column("details", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("signals") as batch:
        batch.drop_column("details")
