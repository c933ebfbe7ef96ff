"""contract rules of the seed, qualified invoices (issue 21)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 16:40:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
