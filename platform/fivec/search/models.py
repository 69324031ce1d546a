"""The durable retry queue for index writes that failed (the index is derived data)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db

#: What a queued entry asks for: index or remove one post, a thread, or a group.
QUEUE_KINDS = ("post", "thread", "group")


class SearchIndexQueue(db.Model):  # type: ignore[name-defined]
    """An index update that failed (e.g. the index was locked), kept until it succeeds."""

    __tablename__ = "search_index_queue"
    __table_args__ = (Index("ix_search_index_queue_kind_object", "kind", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    object_id: Mapped[int] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=1)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
