"""key_checks: the fingerprint of the secret key the database was sealed with (core/key_check.py)

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-24 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_checks",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("key_checks")
