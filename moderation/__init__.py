"""Moderation: flags, review queue, moderator actions, audit log and the patient-information guard."""  # noqa: E501
