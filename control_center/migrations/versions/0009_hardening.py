"""hardening: panel MQTT credentials, DC-09 plain-text transition, bounded dead letters, login throttle

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 08:30:00

One migration for the whole hardening change (issue 15); each part is its own block below.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import control_center.core.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # --- panel identities: MQTT credentials issued by the center, stored hashed ---
    with op.batch_alter_table("panel_accounts") as batch:
        batch.add_column(sa.Column("mqtt_username", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("mqtt_password_hash", sa.String(length=200), nullable=True))
        issued_at = control_center.core.db.UTCDateTime(timezone=True)
        batch.add_column(sa.Column("mqtt_credentials_issued_at", issued_at, nullable=True))
        # --- DC-09: a keyed account may accept plain frames until this moment (transition), else never ---
        batch.add_column(
            sa.Column("dc09_plain_until", control_center.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.create_unique_constraint("uq_panel_accounts_mqtt_username", ["mqtt_username"])
        # --- DC-09: when the key or its transition last changed (receivers look every second) ---
        batch.add_column(
            sa.Column("dc09_key_changed_at", control_center.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch.create_index("ix_panel_accounts_dc09_key_changed_at", ["dc09_key_changed_at"])

    # --- dead letters keep at most a few KiB of the raw input, with its full length and hash ---
    with op.batch_alter_table("dead_letters") as batch:
        batch.add_column(sa.Column("payload_length", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("payload_sha256", sa.String(length=64), nullable=True))

    # --- login throttle: failures counted per scope key (address, login, login+address) ---
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("window_started_at", control_center.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", control_center.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    # The per-user failure count and lock are replaced by the throttle's scopes (one attacker could
    # lock anyone out with them). Native DROP COLUMN (SQLite 3.35+), not a batch copy: copying `users`
    # would drop the old table, and its ON DELETE CASCADE would empty sessions and API tokens.
    op.drop_column("users", "failed_logins")
    op.drop_column("users", "locked_until")

    # --- watchdog: each MQTT gateway's heartbeat (subscribed or why not), read by every serve process ---
    op.create_table(
        "gateway_status",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=200), nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("problem", sa.String(length=300), nullable=True),
        sa.Column("since", control_center.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("beat_at", control_center.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("gateway_status")
    op.add_column("users", sa.Column("locked_until", control_center.core.db.UTCDateTime(timezone=True)))
    op.add_column("users", sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
    op.drop_table("login_throttle")
    with op.batch_alter_table("dead_letters") as batch:
        batch.drop_column("payload_sha256")
        batch.drop_column("payload_length")
    with op.batch_alter_table("panel_accounts") as batch:
        batch.drop_index("ix_panel_accounts_dc09_key_changed_at")
        batch.drop_column("dc09_key_changed_at")
        batch.drop_constraint("uq_panel_accounts_mqtt_username", type_="unique")
        batch.drop_column("dc09_plain_until")
        batch.drop_column("mqtt_credentials_issued_at")
        batch.drop_column("mqtt_password_hash")
        batch.drop_column("mqtt_username")
