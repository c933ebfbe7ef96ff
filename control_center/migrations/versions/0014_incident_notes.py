"""free-text notes on incidents and the shift handover (issue 17)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-24 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from control_center.core.db import BigId, UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident_notes",
        sa.Column("id", BigId, primary_key=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_incident_notes_incident_id", "incident_notes", ["incident_id"])
    op.create_index("ix_incident_notes_at", "incident_notes", ["at"])
    op.create_index("ix_incident_notes_author", "incident_notes", ["author"])


def downgrade() -> None:
    op.drop_table("incident_notes")
