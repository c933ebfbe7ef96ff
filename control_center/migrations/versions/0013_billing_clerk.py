"""payments and the clerk's workflow (issue 21): subscribers found by kana, name without spaces, phone digits

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 16:40:00

The folded forms of each subscriber's name, reading and phone (control_center/subscribers/search.py),
filled in here for the rows that exist and kept current by the model from then on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from control_center.subscribers import search

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subscribers") as batch:
        batch.add_column(sa.Column("search_names", sa.String(length=210), nullable=True))
        batch.add_column(sa.Column("search_phone", sa.String(length=20), nullable=True))
    subscribers = sa.table(
        "subscribers",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_kana", sa.String),
        sa.column("phone", sa.String),
        sa.column("search_names", sa.String),
        sa.column("search_phone", sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(subscribers.c.id, subscribers.c.name, subscribers.c.name_kana, subscribers.c.phone)
    ).all()
    for row in rows:
        connection.execute(
            subscribers.update()
            .where(subscribers.c.id == row.id)
            .values(
                search_names=search.names_key(row.name or "", row.name_kana),
                search_phone=search.phone_digits(row.phone or ""),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("search_phone")
        batch.drop_column("search_names")
