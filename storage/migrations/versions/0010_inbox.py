"""inbox: inbound updates stored before they are acknowledged

Revision ID: 0010
Revises: 0015
Create Date: 2026-12-06 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("update_key", sa.String(length=160), nullable=False),
        sa.Column("chat_key", sa.String(length=160), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("replies", sa.Text(), nullable=True),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbox")),
    )
    op.create_index("uq_inbox_channel_update", "inbox", ["channel", "update_key"], unique=True)
    op.create_index("ix_inbox_chat", "inbox", ["channel", "chat_key", "id"])
    op.create_index("ix_inbox_state_next_at", "inbox", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_inbox_state_next_at", table_name="inbox")
    op.drop_index("ix_inbox_chat", table_name="inbox")
    op.drop_index("uq_inbox_channel_update", table_name="inbox")
    op.drop_table("inbox")
