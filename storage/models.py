"""The schema: one typed SQLAlchemy model per stored thing. Every change here needs an Alembic migration."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from storage.clock import system_clock


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Feed(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    # feed (RSS, Atom, RDF or JSON Feed) | telegram (a public channel's web preview) | html (a statement
    # page read with CSS `selectors`); migration 0007
    kind: Mapped[str] = mapped_column(String(16), default="feed", server_default="feed")
    selectors: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # a telegram feed's newest post id at its last poll
    last_post_id: Mapped[int | None] = mapped_column(BigInteger)
    title: Mapped[str | None] = mapped_column(String(500))
    # title given by the OPML file or the admin; wins over the feed's own <title>
    title_override: Mapped[str | None] = mapped_column(String(500))
    language: Mapped[str | None] = mapped_column(String(16))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    body_hash: Mapped[str | None] = mapped_column(String(64))
    # whether the first successful fetch (stored as history, never alerted) has happened
    history_loaded: Mapped[bool] = mapped_column(Boolean, default=False)
    interval_seconds: Mapped[int] = mapped_column(Integer, default=60)
    next_poll_at: Mapped[datetime] = mapped_column(default=system_clock, index=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    failing_since: Mapped[datetime | None]
    failure_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    last_fetched_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_new_item_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=system_clock)
    # polled at the crisis interval until then: it reported on the entities of a P1/P2 story (migration 0012)
    crisis_until: Mapped[datetime | None]
    # whether the last fetch and the last parse were slow (feeds.lanes.Slowness): the next ones take the slow
    # lanes in every process from the first poll on (migration 0016)
    slow_fetch: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    slow_parse: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class FetchLog(Base):
    __tablename__ = "fetch_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=system_clock)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    status_code: Mapped[int | None] = mapped_column(Integer)
    # ok | not_modified | unchanged | error
    outcome: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    new_items: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(100))


class Story(Base):
    __tablename__ = "stories"
    # the public outputs list stories by their last change, and page through them by (updated_at, id)
    __table_args__ = (
        Index("ix_stories_updated_at_id", "updated_at", "id"),
        # the stories merged into one, for /story (migration 0019)
        Index("ix_stories_merged_into_id", "merged_into_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(default=system_clock, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=system_clock)
    # the item that started the story (no foreign key: items point here; migration 0004)
    first_item_id: Mapped[int | None] = mapped_column(Integer)
    # the older story this one turned out to be (its items moved there; migration 0009)
    merged_into_id: Mapped[int | None] = mapped_column(Integer)


class Crisis(Base):
    """Crisis mode for one P1/P2 story: until `ends_at`, the feeds that reported on its entities are polled at
    the crisis interval (those feeds carry `crisis_until`). Migration 0012."""

    __tablename__ = "crises"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), unique=True)
    severity: Mapped[str] = mapped_column(String(2))
    entity_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    feeds: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=system_clock)
    ends_at: Mapped[datetime] = mapped_column(index=True)


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        UniqueConstraint("feed_id", "identity_key", name="uq_items_feed_identity"),
        Index("ix_items_published_at", "published_at"),
        Index("ix_items_feed_content_hash", "feed_id", "content_hash"),
        # a feed's items of the last 24 h, for /feeds (migration 0014)
        Index("ix_items_feed_fetched_at", "feed_id", "fetched_at"),
        # the newest item with a link, for /missed <url> (migration 0018); hash on PostgreSQL, whose btree
        # refuses an entry past about 2.7 KB, so a long link would fail its item's insert
        Index("ix_items_link", "link", postgresql_using="hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"), index=True)
    # sha256 of "guid:…", "link:…" or "content:…": see storage.identity
    identity_key: Mapped[str] = mapped_column(String(64))
    guid: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(16))
    published_at: Mapped[datetime] = mapped_column(default=system_clock)
    # the source gave the day only: published_at is that day's noon and stands for the day (migration 0015)
    published_day_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    fetched_at: Mapped[datetime] = mapped_column(default=system_clock, index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str | None] = mapped_column(String(2))
    # the item was news when it arrived (could alert): the public outputs show stories with such items
    alertable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # why the item joined its story (rule and score), for /story
    story_rule: Mapped[str | None] = mapped_column(String(50))
    story_score: Mapped[float | None] = mapped_column(Float)
    # event types the classifier found, comma-separated (NULL: stored before they were kept; migration 0009)
    events: Mapped[str | None] = mapped_column(String(500))
    # the parts of the signatures that agreed when the item joined its story, comma-separated, for /story
    story_evidence: Mapped[str | None] = mapped_column(Text)


class ItemEntity(Base):
    __tablename__ = "item_entities"
    # an entity's tags in a time range, or its newest ones, or all of them (its public stories), for /status,
    # /chart, /latest and /atom/<entity> (migration 0014)
    __table_args__ = (Index("ix_item_entities_entity_published", "entity_id", "published_at", "item_id"),)

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # [[start, end, "matched text"], …] over the title + "\n" + summary text
    spans: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # the item's published_at, copied by database triggers on insert and when it changes (migration 0014):
    # never set it here
    published_at: Mapped[datetime | None]


class Entity(Base):
    """A tracked entity. Rows seeded from the YAML gazetteer or added in chat; the database rules."""

    __tablename__ = "entities"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    # the full gazetteer definition (aliases per language, rules), as loaded from YAML or built in chat
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    origin: Mapped[str] = mapped_column(String(10), default="yaml")  # yaml | chat
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=system_clock)
    updated_at: Mapped[datetime] = mapped_column(default=system_clock)


class Alias(Base):
    """An alias added in chat with /alias or /track (aliases from YAML live in Entity.definition)."""

    __tablename__ = "aliases"
    __table_args__ = (UniqueConstraint("entity_id", "text", name="uq_aliases_entity_text"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[str] = mapped_column(ForeignKey("entities.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(16))
    # matches only as written (a short acronym confirmed with "/alias …; …; exact"; migration 0005)
    case_sensitive: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=system_clock)


class Chat(Base):
    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(20))  # private | group | supergroup | channel
    title: Mapped[str | None] = mapped_column(String(300))
    # forum topic where /subscribe was sent; alerts go there
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deactivated_reason: Mapped[str | None] = mapped_column(String(200))
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # HH:MM
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    quiet_tz: Mapped[str] = mapped_column(String(64), default="UTC")
    p1_breaks_quiet: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str | None] = mapped_column(String(8))
    # /alerts off: only P1 alerts; /digest daily HH:MM (UTC): one digest a day (migration 0003)
    alerts_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    digest_time: Mapped[str | None] = mapped_column(String(5))
    digest_last_sent_at: Mapped[datetime | None]
    # why the digest was quarantined (it could not be made); NULL while it works (migration 0005)
    digest_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=system_clock)
    # everyone here may press "not about <entity>" on alerts, not only bot admins (migration 0010)
    report_button: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Subscription(Base):
    __tablename__ = "subscriptions"

    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(default=system_clock)


class Delivery(Base):
    """The transactional outbox: one row per story per chat, written with the story, sent by the bot."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("chat_id", "story_id", name="uq_deliveries_chat_story"),
        Index("ix_deliveries_status_due", "status", "next_attempt_at"),
        # a chat's latest sent alert, for /status (migration 0014)
        Index("ix_deliveries_chat_status_sent", "chat_id", "status", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    severity: Mapped[str | None] = mapped_column(String(2))
    # pending | sending | sent | dead | dropped | quarantine (cannot be processed: storage.quarantine)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=system_clock)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=system_clock)
    sent_at: Mapped[datetime | None]
    # what the sent message shows (other sources, severity), so edits and replies go only when it changes
    shown_sources: Mapped[int | None] = mapped_column(Integer)
    shown_severity: Mapped[str | None] = mapped_column(String(2))
    # the process instance sending it while 'sending' (migration 0013): freed as soon as that process dies
    lease_owner: Mapped[str | None] = mapped_column(String(100))


class DeliveryUpdate(Base):
    """An edit ("also reported by …") or a reply (severity rose) to a sent alert, queued with the item."""

    __tablename__ = "delivery_updates"
    __table_args__ = (
        UniqueConstraint("delivery_id", "item_id", name="uq_delivery_updates_delivery_item"),
        Index("ix_delivery_updates_status_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    chat_id: Mapped[int] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"), index=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    # edit | reply | pointer (the alert of a story merged into another becomes "same story as …")
    kind: Mapped[str] = mapped_column(String(10))
    severity: Mapped[str | None] = mapped_column(String(2))
    # pending | sending | sent | skipped (nothing to change, or the message is gone) | dead | dropped |
    # quarantine
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=system_clock)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(BigInteger)  # the reply's message id
    created_at: Mapped[datetime] = mapped_column(default=system_clock)
    sent_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(100))  # as Delivery.lease_owner


class Admin(Base):
    __tablename__ = "admins"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str | None] = mapped_column(String(200))
    added_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=system_clock)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=system_clock, index=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    command: Mapped[str] = mapped_column(String(50))
    arguments: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(20))  # allowed | refused | error
    detail: Mapped[str | None] = mapped_column(Text)
    # refused attempts this entry stands for, and when the last came (NULL: one attempt, at `at`); 0017
    repeats: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (Index("ix_audit_log_user_id_command", "user_id", "command"),)


class Instance(Base):
    """A running borderwatch process (migration 0013): the owner of the leases it holds on feeds and outbox
    rows. Its leases are given back as soon as it is seen dead (feeds.liveness)."""

    __tablename__ = "instances"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    # the machine and PID namespace it runs in, its pid there, and the process's start (Linux clock ticks)
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    process_start: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(default=system_clock)
    heartbeat_at: Mapped[datetime] = mapped_column(default=system_clock)


class NotAboutReport(Base):
    """A press of "not about <entity>" on an alert, open until an admin decides in /review (0010)."""

    __tablename__ = "not_about_reports"
    __table_args__ = (
        UniqueConstraint("item_id", "entity_id", "user_id", name="uq_not_about_reports_item_entity_user"),
        Index("ix_not_about_reports_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    entity_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=system_clock)
    # open | excluded | disabled | dismissed
    status: Mapped[str] = mapped_column(String(12), default="open", server_default="open")
    resolution: Mapped[str | None] = mapped_column(String(300))
    resolved_by: Mapped[int | None] = mapped_column(BigInteger)
    resolved_at: Mapped[datetime | None]


class AliasFix(Base):
    """A decision on one alias of an entity: "disable" it, or "exclude" it when `word` stands near it.
    Applied over the entity definitions whenever the gazetteer is built (migration 0010)."""

    __tablename__ = "alias_fixes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    alias_text: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10))  # disable | exclude
    word: Mapped[str | None] = mapped_column(String(100))
    report_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=system_clock)


class BotState(Base):
    """Small process-wide switches shared through the database (delivery paused, …)."""

    __tablename__ = "bot_state"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# Subscription.entity_id of a chat that subscribed to every entity (`/subscribe all`).
ALL_ENTITIES = "*"
