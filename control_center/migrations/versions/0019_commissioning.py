"""commissioning, test mode and installers (issue 18)

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-24 22:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import control_center.core.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, control_center.core.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # Premises from before commissioning existed are active: they have been worked all along.
    with op.batch_alter_table("premises") as batch:
        batch.add_column(sa.Column("installer", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("status", sa.String(length=16), server_default="active", nullable=False))
        batch.add_column(_time("commissioning_since"))
        batch.add_column(_time("commissioned_at"))
        batch.create_index(batch.f("ix_premises_installer"), ["installer"], unique=False)
    op.create_table(
        "premises_zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["premises_id"], ["premises.id"], name=op.f("fk_premises_zones_premises_id_premises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_premises_zones")),
        sa.UniqueConstraint("premises_id", "zone", name=op.f("uq_premises_zones_premises_id")),
    )
    op.create_index(op.f("ix_premises_zones_premises_id"), "premises_zones", ["premises_id"], unique=False)
    op.create_table(
        "test_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("premises_id", sa.Integer(), nullable=False),
        _time("starts_at", nullable=False),
        _time("ends_at", nullable=False),
        sa.Column("zones", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("technician", sa.String(length=100), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        _time("created_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["premises_id"], ["premises.id"], name=op.f("fk_test_periods_premises_id_premises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_periods")),
    )
    op.create_index(op.f("ix_test_periods_premises_id"), "test_periods", ["premises_id"], unique=False)
    op.create_index(op.f("ix_test_periods_ends_at"), "test_periods", ["ends_at"], unique=False)
    op.create_table(
        "test_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("premises_id", sa.Integer(), nullable=False),
        sa.Column("test_period_id", sa.Integer(), nullable=True),
        sa.Column("signal_id", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("zone", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("service_type", sa.String(length=1), nullable=True),
        sa.Column("description", sa.String(length=100), nullable=False),
        _time("received_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["premises_id"], ["premises.id"], name=op.f("fk_test_signals_premises_id_premises")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_signals")),
        sa.UniqueConstraint("signal_id", name=op.f("uq_test_signals_signal_id")),
    )
    op.create_index(
        "ix_test_signals_premises_received", "test_signals", ["premises_id", "received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_test_signals_premises_received", table_name="test_signals")
    op.drop_table("test_signals")
    op.drop_index(op.f("ix_test_periods_ends_at"), table_name="test_periods")
    op.drop_index(op.f("ix_test_periods_premises_id"), table_name="test_periods")
    op.drop_table("test_periods")
    op.drop_index(op.f("ix_premises_zones_premises_id"), table_name="premises_zones")
    op.drop_table("premises_zones")
    with op.batch_alter_table("premises") as batch:
        batch.drop_index(batch.f("ix_premises_installer"))
        batch.drop_column("commissioned_at")
        batch.drop_column("commissioning_since")
        batch.drop_column("status")
        batch.drop_column("installer")
