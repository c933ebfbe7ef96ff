"""digital verification links (issue 18)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-24 22:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import control_center.core.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("created_at", control_center.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", control_center.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("settled_at", control_center.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("settled_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_verification_links_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_links")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_verification_links_incident_id")),
    )
    with op.batch_alter_table("verification_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verification_links_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "verification_link_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(length=20), nullable=True),
        sa.Column("answered_at", control_center.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["contact_attempts.id"],
            name=op.f("fk_verification_link_recipients_attempt_id_contact_attempts"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_verification_link_recipients_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["verification_links.id"],
            name=op.f("fk_verification_link_recipients_link_id_verification_links"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_link_recipients")),
    )
    with op.batch_alter_table("verification_link_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verification_link_recipients_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_verification_link_recipients_link_id"), ["link_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("verification_link_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_link_recipients_link_id"))
        batch_op.drop_index(batch_op.f("ix_verification_link_recipients_incident_id"))
    op.drop_table("verification_link_recipients")
    with op.batch_alter_table("verification_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_links_expires_at"))
    op.drop_table("verification_links")
