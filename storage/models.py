"""Typed SQLAlchemy models; portable types only, so the same models run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.clock import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware datetimes stored as UTC; SQLite hands naive values back, so tag them."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; pass a timezone-aware value")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Contact(Base):
    """A person on one channel. Personal data: platform ids and name; deleted on request."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("uq_contacts_channel_user", "channel", "platform_user_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    platform_user_id: Mapped[str] = mapped_column(String(128))
    chat_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(16))
    province_code: Mapped[str | None] = mapped_column(String(16), index=True)
    commune_code: Mapped[str | None] = mapped_column(String(16), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    referred_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL")
    )
    referral_code: Mapped[str | None] = mapped_column(String(64))
    subscribed: Mapped[bool] = mapped_column(default=True)
    unreachable_at: Mapped[datetime | None]
    outside_window_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class Team(Base):
    """A community digital team (Tổ công nghệ số cộng đồng) of one commune or ward."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    province_code: Mapped[str] = mapped_column(String(16))
    commune_code: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Role(Base):
    """A role beyond citizen (member, officer, admin), optionally scoped to a place."""

    __tablename__ = "roles"
    __table_args__ = (Index("uq_roles_contact_role", "contact_id", "role", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[str | None] = mapped_column(String(16))
    commune_code: Mapped[str | None] = mapped_column(String(16))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who did what to whom: role changes, dashboard logins, exports."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Interaction(Base):
    """One handled incoming message; a platform message id is handled once per channel."""

    __tablename__ = "interactions"
    __table_args__ = (
        Index("uq_interactions_channel_message", "channel", "platform_message_id", unique=True),
        Index("ix_interactions_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    platform_message_id: Mapped[str | None] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    handler: Mapped[str] = mapped_column(String(100))
    shown: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationState(Base):
    """Which step of which flow a contact is on, and the buttons last offered to them."""

    __tablename__ = "conversation_states"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    offered: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # the last procedure, guide or FAQ shown ("proc:1.001193"): what a follow-up is about
    topic: Mapped[str | None] = mapped_column(String(80))
    topic_at: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(8))  # "en" while they write English


class OutreachEvent(Base):
    """A structured outreach fact (first contact, guide completed, search unanswered, ...)."""

    __tablename__ = "outreach_events"
    __table_args__ = (
        Index("ix_outreach_events_kind_created_at", "kind", "created_at"),
        Index("ix_outreach_events_commune_created_at", "commune_code", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[str | None] = mapped_column(String(16))
    commune_code: Mapped[str | None] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    ref: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the person erases their data (contact_id becomes NULL): an opaque negative
    # number, the same for all of one person's events, so per-person funnel counts stay put.
    subject: Mapped[int | None] = mapped_column(Integer)


class SurveyResponse(Base):
    """One person's answers to one survey; complete ones feed the satisfaction rate.

    Invariant the statistics rely on: `counted` is only ever true on a complete response
    (with `completed_at` and `satisfied` set). A repeated answer for the same procedure within
    the repeat period un-counts the earlier one, so each (person, procedure) counts once.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (
        # The month-by-commune table: a range on completed_at, grouped by commune, reading
        # only index columns (covering), so SQLite never touches the table rows.
        Index(
            "ix_survey_responses_completed_commune",
            "completed_at",
            "commune_code",
            "counted",
            "satisfied",
        ),
        Index("ix_survey_responses_contact_procedure", "contact_id", "procedure_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[str] = mapped_column(String(64))
    survey_version: Mapped[str] = mapped_column(String(32))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[str | None] = mapped_column(String(16))
    commune_code: Mapped[str | None] = mapped_column(String(16))
    procedure_code: Mapped[str | None] = mapped_column(String(32))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    source: Mapped[str | None] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="incomplete")
    satisfied: Mapped[bool | None]
    counted: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class KeyValue(Base):
    """Small deployment state: the generated secret, channel tokens, and the like."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# --- Community teams, outreach logs and broadcasts (issue 7) ---


class InviteCode(Base):
    """A random code in a `start=join_<code>` link that makes the person a member of a team."""

    __tablename__ = "invite_codes"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    max_uses: Mapped[int] = mapped_column(default=20)
    uses: Mapped[int] = mapped_column(default=0)


class OutreachSession(Base):
    """One field session a team member logged with /ghinhan (house-to-house, a meeting, ...)."""

    __tablename__ = "outreach_sessions"
    __table_args__ = (Index("ix_outreach_sessions_team_day", "team_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    commune_code: Mapped[str | None] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    households: Mapped[int] = mapped_column(default=0)
    vneid_installs: Mapped[int] = mapped_column(default=0)
    level2: Mapped[int] = mapped_column(default=0)
    portal_logins: Mapped[int] = mapped_column(default=0)
    dossiers_online: Mapped[int] = mapped_column(default=0)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Broadcast(Base):
    """A message sent to a set of people; its rendered message is fixed when it is created."""

    __tablename__ = "broadcasts"
    __table_args__ = (Index("ix_broadcasts_state_send_at", "state", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))  # guide | procedure | text
    ref: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the Reply as sent
    audience: Mapped[str] = mapped_column(String(16))  # commune | team | province
    province_code: Mapped[str | None] = mapped_column(String(16))
    commune_code: Mapped[str | None] = mapped_column(String(16))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    author_label: Mapped[str] = mapped_column(String(200))
    send_at: Mapped[datetime]
    quiet_hours: Mapped[bool] = mapped_column(default=True)
    total: Mapped[int] = mapped_column(default=0)
    progress_reported: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Delivery(Base):
    """One broadcast message to one contact: pending → claimed → in_flight → a final state."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("uq_deliveries_broadcast_contact", "broadcast_id", "contact_id", unique=True),
        Index("ix_deliveries_state_next_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(200))
    claim_epoch: Mapped[int | None]  # the sender leadership's epoch of the claim (its fence)


class SenderLeader(Base):
    """The broadcast sender's fencing token: one row whose epoch goes up at every takeover.

    Every write of a sender checks that its epoch is still the current one, so a leader that
    lost its lock without knowing it changes nothing. It also tells `dvcbot broadcast show`
    how many messages the sender keeps in flight (what a crash could repeat)."""

    __tablename__ = "sender_leader"

    id: Mapped[int] = mapped_column(primary_key=True)
    epoch: Mapped[int] = mapped_column(default=0)
    instance: Mapped[str | None] = mapped_column(String(64))
    since: Mapped[datetime | None]
    in_flight: Mapped[int] = mapped_column(default=0)  # workers sending now, all channels
    round_trip_ms: Mapped[int | None]  # the platforms' recent round trip, as measured
    updated_at: Mapped[datetime | None]


class RateSlot(Base):
    """A rate shared by every instance (replies to citizens): the next free sending slot,
    in seconds of the database's clock (storage/rate_slots.py)."""

    __tablename__ = "rate_slots"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_at: Mapped[float] = mapped_column(default=0.0)


class DashboardLink(Base):
    """A one-time login link to the officers' dashboard; only a hash of its secret is kept."""

    __tablename__ = "dashboard_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class DashboardSession(Base):
    """A signed-in dashboard browser; the cookie holds the token, the table only its hash."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


# --- A person behind the bot: tickets, their messages, outgoing notices (issue 16) ---


class Ticket(Base):
    """A citizen's question for an officer: open → taken → answered → closed.

    Personal data: `question` and the messages are emptied `DVCBOT_TICKET_RETENTION_DAYS`
    after closing (`redacted_at`), keeping only the times and counts the figures need.
    """

    __tablename__ = "tickets"
    __table_args__ = (
        Index("uq_tickets_code", "code", unique=True),
        Index("ix_tickets_contact_state", "contact_id", "state"),
        Index("ix_tickets_state_opened", "state", "opened_at"),
        Index("ix_tickets_commune_opened", "commune_code", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[str | None] = mapped_column(String(16))
    commune_code: Mapped[str | None] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="open")
    question: Mapped[str] = mapped_column(Text, default="")
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    assignee_label: Mapped[str | None] = mapped_column(String(200))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_at: Mapped[datetime | None]
    first_answer_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    rating: Mapped[int | None] = mapped_column(Integer)
    learned_ref: Mapped[str | None] = mapped_column(String(200))
    redacted_at: Mapped[datetime | None]


class TicketMessage(Base):
    """One line of a ticket: the citizen's, an officer's answer, an internal note, or the bot's.

    An officer's answer to a web or console citizen waits with `delivered_at` empty until
    their page asks for it or they type their next line.
    """

    __tablename__ = "ticket_messages"
    __table_args__ = (Index("ix_ticket_messages_ticket_at", "ticket_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(16))  # citizen | officer | note | bot
    author_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    author_label: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class Notice(Base):
    """A message to one chat that a handler or the dashboard decided to send (a ticket's
    notification to officers, an officer's answer, the rating question): pending → claimed →
    sent | failed. Exactly one instance claims each row, so nobody is told twice."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_state_next_at", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    message: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(200))


class LearnedItem(Base):
    """What officers taught the bot: a question linked to a guide/FAQ/procedure (`phrasing`),
    or an officer's answer kept as a draft FAQ (`faq_draft`)."""

    __tablename__ = "learned_items"
    __table_args__ = (Index("uq_learned_items_kind_normalised", "kind", "normalised", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    normalised: Mapped[str] = mapped_column(String(500))
    ref: Mapped[str | None] = mapped_column(String(200))
    answer: Mapped[str | None] = mapped_column(Text)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxItem(Base):
    """An inbound platform update stored before it is acknowledged; deleted once handled.

    pending → answered (handled; the replies wait to be sent) → deleted, or set aside as
    `failed` after too many tries. `payload` is the raw update (personal data): cleared when
    handled. The unique key drops a platform's redelivery while the first copy is here.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        Index("uq_inbox_channel_update", "channel", "update_key", unique=True),
        Index("ix_inbox_chat", "channel", "chat_key", "id"),
        Index("ix_inbox_state_next_at", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_key: Mapped[str] = mapped_column(String(160))
    chat_key: Mapped[str] = mapped_column(String(160))
    payload: Mapped[str | None] = mapped_column(Text)
    replies: Mapped[str | None] = mapped_column(Text)
    sent: Mapped[int] = mapped_column(default=0)  # replies already sent (after a crash: skip)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(300))
    received_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
