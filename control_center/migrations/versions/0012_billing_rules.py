"""contract rules of the seed, qualified invoices (issue 21): payments, confirmed cancellations,
premises changes, repairs, arming cards, partial payment of invoices

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import control_center.core.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cards_issued", sa.Integer(), server_default="4", nullable=False))
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paid_amount", sa.Integer(), server_default="0", nullable=False))

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("unapplied", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", control_center.core.db.UTCDateTime(timezone=True), nullable=False),
        _fk("payments", "contract_id", "contracts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_contract_id"), ["contract_id"], unique=False)

    op.create_table(
        "payment_allocations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        _fk("payment_allocations", "payment_id", "payments"),
        _fk("payment_allocations", "invoice_id", "invoices"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_allocations")),
    )
    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_allocations_payment_id"), ["payment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_allocations_invoice_id"), ["invoice_id"], unique=False)

    op.create_table(
        "cancellations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("terminated_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("requested_reason", sa.String(length=20), nullable=False),
        sa.Column("fee", sa.Integer(), nullable=False),
        sa.Column("deposit_kept", sa.Integer(), nullable=False),
        sa.Column("deposit_returned", sa.Integer(), nullable=False),
        sa.Column("removal_cost", sa.Integer(), nullable=False),
        sa.Column("unpaid_fees", sa.Integer(), nullable=False),
        sa.Column("extra_damages", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("confirmed_by", sa.String(length=100), nullable=False),
        sa.Column("confirmed_at", control_center.core.db.UTCDateTime(timezone=True), nullable=False),
        _fk("cancellations", "contract_id", "contracts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancellations")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_cancellations_contract_id")),
    )

    op.create_table(
        "premises_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("change_on", sa.Date(), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=False),
        sa.Column("in_time", sa.Boolean(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        _fk("premises_changes", "contract_id", "contracts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_premises_changes")),
    )
    with op.batch_alter_table("premises_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_premises_changes_contract_id"), ["contract_id"], unique=False)

    op.create_table(
        "repairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("part", sa.String(length=40), nullable=False),
        sa.Column("cause", sa.String(length=30), nullable=False),
        sa.Column("charged", sa.Boolean(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("clause", sa.String(length=200), nullable=False),
        _fk("repairs", "contract_id", "contracts"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repairs")),
    )
    with op.batch_alter_table("repairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repairs_contract_id"), ["contract_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("repairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repairs_contract_id"))
    op.drop_table("repairs")
    with op.batch_alter_table("premises_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_premises_changes_contract_id"))
    op.drop_table("premises_changes")
    op.drop_table("cancellations")
    with op.batch_alter_table("payment_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_allocations_invoice_id"))
        batch_op.drop_index(batch_op.f("ix_payment_allocations_payment_id"))
    op.drop_table("payment_allocations")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_contract_id"))
    op.drop_table("payments")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("paid_amount")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_column("cards_issued")
