"""gateway_status.progress_at: how far each gateway's intake has got, for link supervision (issue 20)

Revision ID: 0021
Revises: 0019
Create Date: 2026-11-24 23:30:00

A ``control-center gateway`` process records the time up to which it has stored what the panels sent
(``signals/link_supervision.IntakeProgress``); each serve process judges check-in deadlines no later than
the slowest live gateway's, so a backlog in a gateway is never read as thousands of silent panels.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import control_center.core.db

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gateway_status") as batch:
        batch.add_column(
            sa.Column("progress_at", control_center.core.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("gateway_status") as batch:
        batch.drop_column("progress_at")
