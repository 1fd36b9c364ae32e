"""keyed message ids: platform message ids become keyed hashes; stored typed texts redacted

Every `interactions.platform_message_id` written before (`m<chat id>:<message id>` on Telegram,
which contains the person's id; an unsalted hash of the Zalo id for follows) becomes the keyed
hash the core now writes (storage.pseudonym.message_key), so a redelivered message is still
handled once and no stored value can be recomputed from a platform id without the secret.
Typed questions kept for figures and outreach notes are redacted (storage.redaction).

The secret is DVCBOT_SECRET when the caller passes it (storage.db.upgrade), otherwise the one
kept in the database (app_state 'secret'), created here if there is none yet. One way only:
downgrading leaves the hashes.

Revision ID: 0009
Revises: 0011
Create Date: 2026-12-06 01:00:00
"""

import re
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from storage.pseudonym import MESSAGE_LENGTH, MESSAGE_PREFIX, message_key
from storage.redaction import redact

revision: str = "0009"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASHED = re.compile(rf"{MESSAGE_PREFIX}[0-9a-f]{{{MESSAGE_LENGTH}}}")
BATCH = 1000
TYPED_KINDS = ("search_answered", "search_unanswered")

app_state = sa.table(
    "app_state",
    sa.column("key", sa.String),
    sa.column("value", sa.JSON),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
interactions = sa.table(
    "interactions",
    sa.column("id", sa.Integer),
    sa.column("channel", sa.String),
    sa.column("platform_message_id", sa.String),
)
outreach_events = sa.table(
    "outreach_events",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("detail", sa.Text),
)
outreach_sessions = sa.table(
    "outreach_sessions", sa.column("id", sa.Integer), sa.column("note", sa.Text)
)


def _secret(connection: sa.Connection) -> str:
    config = op.get_context().config
    given = config.attributes.get("secret") if config is not None else None
    if given:
        return str(given)
    value = connection.execute(
        sa.select(app_state.c.value).where(app_state.c.key == "secret")
    ).scalar()
    if isinstance(value, dict) and value.get("value"):
        return str(value["value"])
    created = secrets.token_urlsafe(32)
    connection.execute(
        app_state.insert().values(
            key="secret", value={"value": created}, updated_at=datetime.now(UTC)
        )
    )
    return created


def _rewrite(connection: sa.Connection, table: sa.TableClause, column: str, new_value) -> None:
    """Rewrite `column` of every row whose value `new_value` changes, in batches by id."""
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        changes = []
        for row in rows:
            value = getattr(row, column)
            changed = new_value(row) if value is not None else None
            if changed is not None and changed != value:
                changes.append({"row_id": row.id, "value": changed})
        if changes:
            connection.execute(
                table.update()
                .where(table.c.id == sa.bindparam("row_id"))
                .values({column: sa.bindparam("value")}),
                changes,
            )


def upgrade() -> None:
    connection = op.get_bind()
    pending = connection.execute(
        sa.select(sa.func.count()).where(interactions.c.platform_message_id.is_not(None))
    ).scalar()
    if pending:
        secret = _secret(connection)

        def keyed(row: sa.Row) -> str | None:
            value = row.platform_message_id
            if HASHED.fullmatch(value):
                return None
            return message_key(secret, row.channel, value)

        _rewrite(connection, interactions, "platform_message_id", keyed)

    def redacted_question(row: sa.Row) -> str | None:
        return redact(row.detail) if row.kind in TYPED_KINDS else None

    _rewrite(connection, outreach_events, "detail", redacted_question)
    _rewrite(connection, outreach_sessions, "note", lambda row: redact(row.note))


def downgrade() -> None:
    """Nothing to undo: a keyed hash cannot be turned back into the id (which is the point)."""
