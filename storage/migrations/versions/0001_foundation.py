"""foundation: contacts, interactions, state, events, roles, teams

Revision ID: 0001
Revises:
Create Date: 2026-11-29 15:11:19.872038
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "app_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_state")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("province_code", sa.String(length=16), nullable=False),
        sa.Column("commune_code", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teams_commune_code"), ["commune_code"], unique=False)

    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("platform_user_id", sa.String(length=128), nullable=False),
        sa.Column("chat_id", sa.String(length=128), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column("province_code", sa.String(length=16), nullable=True),
        sa.Column("commune_code", sa.String(length=16), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("referred_by_id", sa.Integer(), nullable=True),
        sa.Column("referral_code", sa.String(length=64), nullable=True),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("unreachable_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outside_window_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referred_by_id"],
            ["contacts.id"],
            name=op.f("fk_contacts_referred_by_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_contacts_team_id_teams"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contacts_commune_code"), ["commune_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contacts_province_code"), ["province_code"], unique=False
        )
        batch_op.create_index(
            "uq_contacts_channel_user", ["channel", "platform_user_id"], unique=True
        )

    op.create_table(
        "conversation_states",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=64), nullable=True),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("offered", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_conversation_states_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_conversation_states")),
    )
    op.create_table(
        "interactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("platform_message_id", sa.String(length=128), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("handler", sa.String(length=100), nullable=False),
        sa.Column("shown", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_interactions_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_interactions_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index("ix_interactions_created_at", ["created_at"], unique=False)
        batch_op.create_index(
            "uq_interactions_channel_message", ["channel", "platform_message_id"], unique=True
        )

    op.create_table(
        "outreach_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=16), nullable=True),
        sa.Column("commune_code", sa.String(length=16), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("ref", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_outreach_events_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_outreach_events_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outreach_events")),
    )
    with op.batch_alter_table("outreach_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outreach_events_commune_created_at", ["commune_code", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outreach_events_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            "ix_outreach_events_kind_created_at", ["kind", "created_at"], unique=False
        )

    op.create_table(
        "roles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=16), nullable=True),
        sa.Column("commune_code", sa.String(length=16), nullable=True),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_roles_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roles")),
    )
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.create_index("uq_roles_contact_role", ["contact_id", "role"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.drop_index("uq_roles_contact_role")

    op.drop_table("roles")
    with op.batch_alter_table("outreach_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outreach_events_kind_created_at")
        batch_op.drop_index(batch_op.f("ix_outreach_events_contact_id"))
        batch_op.drop_index("ix_outreach_events_commune_created_at")

    op.drop_table("outreach_events")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("uq_interactions_channel_message")
        batch_op.drop_index("ix_interactions_created_at")
        batch_op.drop_index(batch_op.f("ix_interactions_contact_id"))

    op.drop_table("interactions")
    op.drop_table("conversation_states")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index("uq_contacts_channel_user")
        batch_op.drop_index(batch_op.f("ix_contacts_province_code"))
        batch_op.drop_index(batch_op.f("ix_contacts_commune_code"))

    op.drop_table("contacts")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teams_commune_code"))

    op.drop_table("teams")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    op.drop_table("app_state")
