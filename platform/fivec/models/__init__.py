"""Database models of the core; feature packages keep their own models."""

from .accounts import Interest, Organisation, User, user_interests
from .digests import DigestDelivery, DigestGroupSetting, DigestPick, DigestPreference
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
    "DigestDelivery",
    "DigestGroupSetting",
    "DigestPick",
    "DigestPreference",
    "Group",
    "GroupMembership",
    "Interest",
    "NetworkSettings",
    "Notification",
    "Organisation",
    "OutboxMessage",
    "Post",
    "PostRevision",
    "Reaction",
    "Thread",
    "ThreadVisit",
    "User",
    "WatchSetting",
    "group_interests",
    "user_interests",
]
