"""Typed settings read from ``FIVEC_*`` environment variables."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


def _default_instance_path() -> Path:
    """Keep the instance folder beside the checkout, never inside a package."""
    return Path(__file__).resolve().parents[2] / "instance"


SEARCH_WORKER_MODES = ("thread", "process")


@dataclass(frozen=True)
class Settings:
    """Everything an operator may configure; each field maps to ``FIVEC_<NAME>``."""

    instance_path: Path = field(default_factory=_default_instance_path)
    database_url: str = ""
    secret_key: str = ""
    port: int = 5000
    host: str = "127.0.0.1"
    network_name: str = "FiveC network"
    base_url: str = "http://127.0.0.1:5000"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_sender: str = "FiveC <no-reply@fivec.invalid>"
    secure_cookies: bool = False
    ratelimit_storage_uri: str = "memory://"
    login_limit_per_ip: str = "20 per minute"
    login_limit_per_account: str = "5 per minute"
    message_queue: str = ""
    password_reset_max_age: int = 3600
    # A post flagged by this many different members is hidden until a moderator reviews it
    # (a group may set its own number).
    flags_to_hide: int = 3
    # Who applies queued search-index updates: "thread" (a background thread in each web
    # process: nothing else to run) or "process" (web processes only queue them and
    # `flask --app fivec search worker` applies them, so index work never competes with
    # requests for a web process's interpreter lock).
    search_worker: str = "thread"

    def __post_init__(self) -> None:
        if self.search_worker not in SEARCH_WORKER_MODES:
            raise ValueError(
                f"FIVEC_SEARCH_WORKER={self.search_worker!r} must be one of "
                + " or ".join(repr(mode) for mode in SEARCH_WORKER_MODES)
            )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read ``FIVEC_*`` variables, converting each to its field's type."""
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(f"FIVEC_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _convert(f.name, raw, str(f.type))
        return cls(**values)

    @property
    def sqlalchemy_url(self) -> str:
        """Use PostgreSQL when configured, else the SQLite file in the instance folder."""
        return self.database_url or f"sqlite:///{self.instance_path / 'fivec.sqlite3'}"

    @property
    def search_index_path(self) -> Path:
        return self.instance_path / "search-index"


def _convert(name: str, raw: str, type_name: str) -> Any:
    """Turn an environment string into the field's type, naming the variable on error."""
    try:
        if type_name == "int":
            return int(raw)
        if type_name == "bool":
            lowered = raw.strip().lower()
            if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off", ""}:
                raise ValueError(raw)
            return lowered in {"1", "true", "yes", "on"}
        if type_name == "Path":
            return Path(raw).expanduser().resolve()
    except ValueError:
        raise ValueError(f"FIVEC_{name.upper()}={raw!r} is not a valid {type_name}") from None
    return raw


def load_secret_key(instance_path: Path) -> str:
    """Read the instance's secret key, creating it (owner-readable only) on first run."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race; use its key
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
