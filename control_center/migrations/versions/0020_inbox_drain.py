"""inbox drain: indexes and structures for set-wise work (issue 20)

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-24 22:45:00
"""

from __future__ import annotations

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
