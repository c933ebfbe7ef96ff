"""the AVS-01 alarm level, its reasons, digital verification and agency hand-offs (issue 18)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The level 0–4 (NULL until first assessed) and its reasons as JSON text, the same on both databases;
    # each change is also an incident_events row of kind "alarm_level" (the legal record).
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(sa.Column("alarm_level", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("alarm_level_reasons", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("alarm_level_reasons")
        batch.drop_column("alarm_level")
