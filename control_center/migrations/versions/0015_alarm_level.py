"""the AVS-01 alarm level, its reasons, digital verification and agency hand-offs (issue 18)

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-24 19:40:00
"""

from __future__ import annotations

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
