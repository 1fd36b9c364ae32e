"""tickets, their lines, outgoing notices and learned phrasings (a person behind the bot)

Revision ID: 0011
Revises: 0012 (main's head since the places merge)
Create Date: 2026-12-06 00:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=16), nullable=True),
        sa.Column("commune_code", sa.String(length=16), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("assignee_label", sa.String(length=200), nullable=True),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("taken_at", TZ, nullable=True),
        sa.Column("first_answer_at", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("learned_ref", sa.String(length=200), nullable=True),
        sa.Column("redacted_at", TZ, nullable=True),
        _fk("tickets", "contact_id", "contacts", "SET NULL"),
        _fk("tickets", "assignee_id", "contacts", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
    )
    with op.batch_alter_table("tickets") as batch:
        batch.create_index("uq_tickets_code", ["code"], unique=True)
        batch.create_index("ix_tickets_contact_state", ["contact_id", "state"])
        batch.create_index("ix_tickets_state_opened", ["state", "opened_at"])
        batch.create_index("ix_tickets_commune_opened", ["commune_code", "opened_at"])
        batch.create_index(batch.f("ix_tickets_assignee_id"), ["assignee_id"])
    op.create_table(
        "ticket_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_label", sa.String(length=200), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("delivered_at", TZ, nullable=True),
        _fk("ticket_messages", "ticket_id", "tickets", "CASCADE"),
        _fk("ticket_messages", "author_id", "contacts", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_messages")),
    )
    with op.batch_alter_table("ticket_messages") as batch:
        batch.create_index("ix_ticket_messages_ticket_at", ["ticket_id", "created_at"])
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("message", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        _fk("notices", "ticket_id", "tickets", "CASCADE"),
        _fk("notices", "contact_id", "contacts", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices") as batch:
        batch.create_index("ix_notices_state_next_at", ["state", "next_attempt_at"])
        batch.create_index(batch.f("ix_notices_ticket_id"), ["ticket_id"])
    op.create_table(
        "learned_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("normalised", sa.String(length=500), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        _fk("learned_items", "ticket_id", "tickets", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_items")),
    )
    with op.batch_alter_table("learned_items") as batch:
        batch.create_index("uq_learned_items_kind_normalised", ["kind", "normalised"], unique=True)


def downgrade() -> None:
    op.drop_table("learned_items")
    op.drop_table("notices")
    op.drop_table("ticket_messages")
    op.drop_table("tickets")
