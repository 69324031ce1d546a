"""Domain errors that carry reasons a member can read."""

from __future__ import annotations


class ValidationFailed(Exception):
    """An action refused its input; ``reasons`` maps a form field (or "") to plain words."""

    def __init__(self, reasons: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k or 'form'}: {v}" for k, v in reasons.items()))
        self.reasons = reasons
