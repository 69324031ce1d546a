"""Database models of the core; feature packages keep their own models."""

from .accounts import Interest, Organisation, User, user_interests
from .mail import OutboxMessage
from .network import NetworkSettings

__all__ = [
    "Interest",
    "NetworkSettings",
    "Organisation",
    "OutboxMessage",
    "User",
    "user_interests",
]
