"""panel paths supervised by EN 50136 category (issue 16)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import control_center.core.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _time(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, control_center.core.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "panel_paths",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("category", sa.String(length=3), nullable=False),
        sa.Column("reporting_seconds", sa.Integer(), nullable=False),
        sa.Column("poll_seconds", sa.Integer(), nullable=False),
        sa.Column("overdue_seconds", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.BigInteger(), nullable=False),
        _time("last_check_in_at"),
        _time("lost_at"),
        _time("commissioned_at", nullable=False),
        sa.CheckConstraint("role IN ('primary','backup')", name=op.f("ck_panel_paths_path_role")),
        sa.CheckConstraint("channel IN ('ip','cellular','serial')", name=op.f("ck_panel_paths_path_channel")),
        sa.ForeignKeyConstraint(
            ["account"], ["panel_accounts.account"], name=op.f("fk_panel_paths_account_panel_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel_paths")),
        sa.UniqueConstraint("account", "role", name="uq_panel_paths_account_role"),
        sa.UniqueConstraint("account", "channel", name="uq_panel_paths_account_channel"),
    )
    op.create_index(op.f("ix_panel_paths_account"), "panel_paths", ["account"], unique=False)
    op.create_index(op.f("ix_panel_paths_deadline"), "panel_paths", ["deadline"], unique=False)
    op.create_table(
        "path_outages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=32), nullable=False),
        sa.Column("path_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=10), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("service_type", sa.String(length=1), nullable=False),
        _time("since", nullable=False),
        _time("detected_at", nullable=False),
        sa.Column("lost_message_id", sa.String(length=64), nullable=False),
        _time("restored_at"),
        sa.Column("restore_message_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_path_outages")),
    )
    op.create_index(op.f("ix_path_outages_account"), "path_outages", ["account"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_path_outages_account"), table_name="path_outages")
    op.drop_table("path_outages")
    op.drop_index(op.f("ix_panel_paths_deadline"), table_name="panel_paths")
    op.drop_index(op.f("ix_panel_paths_account"), table_name="panel_paths")
    op.drop_table("panel_paths")
