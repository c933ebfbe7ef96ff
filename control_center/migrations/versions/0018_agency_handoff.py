"""agency hand-off packs and replies (issue 18)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-24 22:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from control_center.core.db import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency_handoffs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("task_id", sa.Integer, sa.ForeignKey("incident_tasks.id"), nullable=False),
        sa.Column("agency", sa.String(length=20), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False, unique=True),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_by", sa.String(length=100), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("evidence_url", sa.String(length=300)),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("agency_reference", sa.String(length=100)),
        sa.Column("reject_reason", sa.String(length=300)),
        sa.Column("fallback_due_at", UTCDateTime(timezone=True)),
        sa.Column("fallback_started_at", UTCDateTime(timezone=True)),
        sa.Column("fallback_at", UTCDateTime(timezone=True)),
        sa.Column("voice_reference", sa.String(length=100)),
    )
    op.create_index("ix_agency_handoffs_incident_id", "agency_handoffs", ["incident_id"])
    op.create_index("ix_agency_handoffs_task_id", "agency_handoffs", ["task_id"])
    op.create_index("ix_agency_handoffs_fallback_due_at", "agency_handoffs", ["fallback_due_at"])
    op.create_table(
        "agency_replies",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("handoff_id", sa.Integer, sa.ForeignKey("agency_handoffs.id"), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False, unique=True),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("agency_reference", sa.String(length=100)),
        sa.Column("reason", sa.String(length=300)),
    )
    op.create_index("ix_agency_replies_handoff_id", "agency_replies", ["handoff_id"])
    op.create_table(
        "premises_directions",
        sa.Column(
            "premises_id", sa.Integer, sa.ForeignKey("premises.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("directions", sa.String(length=300)),
        sa.Column("landmarks", sa.String(length=300)),
    )


def downgrade() -> None:
    op.drop_table("premises_directions")
    op.drop_table("agency_replies")
    op.drop_table("agency_handoffs")
