"""Database models of the core; feature packages keep their own models."""

from .accounts import Interest, Organisation, User, user_interests
from .discussions import (
    Bookmark,
    Notification,
    Post,
    PostRevision,
    Reaction,
    Thread,
    ThreadVisit,
    WatchSetting,
)
from .groups import Group, GroupMembership, group_interests
from .mail import OutboxMessage
from .network import NetworkSettings

__all__ = [
    "Bookmark",
    "Group",
    "GroupMembership",
    "Notification",
    "Post",
    "PostRevision",
    "Reaction",
    "Thread",
    "ThreadVisit",
    "WatchSetting",
    "group_interests",
    "Interest",
    "NetworkSettings",
    "Organisation",
    "OutboxMessage",
    "User",
    "user_interests",
]
