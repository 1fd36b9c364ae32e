"""conversation topic: the last procedure or guide shown, and the language the person writes

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-06 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation_states") as batch:
        batch.add_column(sa.Column("topic", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("topic_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversation_states") as batch:
        batch.drop_column("language")
        batch.drop_column("topic_at")
        batch.drop_column("topic")
