"""surveys and statistics: survey responses, detached-subject column on outreach events

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-29 15:25:38.634393
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.String(length=64), nullable=False),
        sa.Column("survey_version", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("province_code", sa.String(length=16), nullable=True),
        sa.Column("commune_code", sa.String(length=16), nullable=True),
        sa.Column("procedure_code", sa.String(length=32), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_survey_responses_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_survey_responses_team_id_teams"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
    )
    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_survey_responses_completed_commune",
            ["completed_at", "commune_code", "counted", "satisfied"],
            unique=False,
        )
        batch_op.create_index(
            "ix_survey_responses_contact_procedure", ["contact_id", "procedure_code"], unique=False
        )

    with op.batch_alter_table("outreach_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outreach_events", schema=None) as batch_op:
        batch_op.drop_column("subject")

    with op.batch_alter_table("survey_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_responses_contact_procedure")
        batch_op.drop_index("ix_survey_responses_completed_commune")

    op.drop_table("survey_responses")
