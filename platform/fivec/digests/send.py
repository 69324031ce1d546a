"""Send digests exactly once per member and period, through the outbox.

For each member due: claim a ``DigestDelivery`` row (unique on member and period) in its own
transaction, build and render the digest, queue it in the outbox and link the two in one
commit, then deliver. A re-run skips rows already sent, held or empty; a claimed row whose
outbox message is still queued is delivered, not rebuilt; a claimed row with no message is
built. So a crash at any point, then a re-run, sends everyone exactly one digest.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..clock import utcnow
from ..database import set_read_only_request
from ..extensions import db
from ..mail import deliver, queue_email
from ..models import DigestDelivery, DigestPreference, NetworkSettings, OutboxMessage, User
from .actions import ensure_preference, preference_for, unsubscribe_token
from .build import Digest, Reader, build_digest, load_readers
from .content import PeriodContent, load_content
from .links import Links
from .periods import DEFAULT_TIMEZONE, Period, Schedule, due_period

log = logging.getLogger(__name__)

BATCH_SIZE = 500
# SMTP sessions sending in parallel (``DIGEST_SMTP_CONNECTIONS`` overrides it).
SMTP_CONNECTIONS = 8
# Rendered digests stored (and linked to their delivery rows) per transaction.
STORE_EVERY = 100
DONE = {"sent", "held", "skipped_empty"}
# Deliberately simple: one @, no spaces or separators, a dot in the domain.
_EMAIL = re.compile(r"^[^@\s,;<>()\"\[\]]+@[^@\s,;<>()\"\[\]]+\.[^@\s,;<>()\"\[\]]+$")


@dataclass(frozen=True)
class Network:
    """The network's name and purpose, for the email's header."""

    name: str
    purpose: str


@dataclass
class SendSummary:
    """What a run did: counts, and each failure with its reason."""

    considered: int = 0
    sent: int = 0
    held: int = 0
    skipped_empty: int = 0
    already_done: int = 0
    not_due: int = 0
    would_send: int = 0
    failed: list[tuple[int, str, str]] = field(default_factory=list)

    def fail(self, member: User, reason: str) -> None:
        self.failed.append((member.id, member.email, reason))


def network_info() -> Network:
    """Return the network's name and purpose (settings row, else the configured name)."""
    row = db.session.get(NetworkSettings, 1)
    if row is not None:
        return Network(row.name, row.purpose)
    return Network(current_app.config["FIVEC"].network_name, "")


def email_problem(address: str) -> str | None:
    """Return why ``address`` cannot receive mail, or None when it looks deliverable."""
    if not address or not _EMAIL.match(address) or any(ord(ch) < 32 for ch in address):
        return f"invalid email address {address!r}"
    return None


def digest_subject(network: Network, digest: Digest) -> str:
    if digest.quiet:
        return f"A quiet {'week' if digest.period.kind == 'weekly' else 'day'} in {network.name}"
    return f"Your {digest.period.adjective} digest from {network.name} ({digest.period.label})"


def email_context(
    member: User, digest: Digest, links: Links, network: Network, unsubscribe_url: str
) -> dict[str, Any]:
    """Return what ``email/digest.html`` and ``.txt`` need (also used by the preview)."""
    return {
        "member": member,
        "digest": digest,
        "network": network,
        "home_url": links.url("core.home"),
        "preferences_url": links.url("digests.preferences"),
        "unsubscribe_url": unsubscribe_url,
    }


def queue_digest(
    member: User,
    digest: Digest,
    links: Links,
    network: Network,
    preference: DigestPreference | None = None,
) -> OutboxMessage:
    """Render the digest into the outbox with one-click unsubscribe headers (caller commits)."""
    token = unsubscribe_token(preference or ensure_preference(member.id))
    unsubscribe_url = links.url("digests.unsubscribe", token=token)
    return queue_email(
        member.email,
        digest_subject(network, digest),
        "digest",
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        standalone=True,
        **email_context(member, digest, links, network, unsubscribe_url),
    )


def count_members(member_id: int | None = None) -> int:
    """Return how many members a run will consider (for the progress bar)."""
    query = select(func.count(User.id))
    if member_id is not None:
        query = query.where(User.id == member_id)
    return int(db.session.scalar(query) or 0)


def send_digests(
    period: Period | None = None,
    *,
    dry_run: bool = False,
    member_id: int | None = None,
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> SendSummary:
    """Send every due digest (or ``period``'s, when forced) and return what happened."""
    run = _Run(period, now or utcnow(), member_id, dry_run, progress, Links(), network_info())
    session = db.session()
    expire_on_commit = session.expire_on_commit
    # Each member commits several times; expiring the whole batch on every commit would
    # make a batch cost O(batch size) per member. Reads that matter refresh explicitly.
    session.expire_on_commit = False
    try:
        # Cron has no request: render as an anonymous visitor to the site's base URL.
        with current_app.test_request_context("/", base_url=run.links.base):
            for members, schedules in _batches(member_id, batch_size):
                _send_batch(run, members, schedules)
                # Memory stays flat: every row is clean after this commit, and the
                # session's identity map holds clean rows only weakly.
                db.session.commit()
                del members, schedules
    finally:
        session.expire_on_commit = expire_on_commit
    return run.summary


@dataclass
class _Run:
    period: Period | None
    now: datetime
    member_id: int | None
    dry_run: bool
    progress: Callable[[int], None] | None
    links: Links
    network: Network
    summary: SendSummary = field(default_factory=SendSummary)

    def step(self) -> None:
        if self.progress is not None:
            self.progress(1)


def _send_batch(run: _Run, members: list[User], schedules: dict[int, Schedule]) -> None:
    """Claim, build and queue each due member's digest, then deliver the batch at once."""
    due: dict[str, list[User]] = {}
    periods: dict[str, Period] = {}
    for member in members:
        run.summary.considered += 1
        schedule = schedules.get(member.id, Schedule())
        period = _period_for(schedule, run.period, run.now, run.member_id is not None)
        if period is None:
            run.summary.not_due += 1
            run.step()
        else:
            due.setdefault(period.key, []).append(member)
            periods[period.key] = period
    if not due:
        return
    with _reading():
        readers = load_readers([member for group in due.values() for member in group])
        contents = {key: load_content(p, run.links) for key, p in periods.items()}
    queued: list[tuple[DigestDelivery, User]] = []
    for key, group in due.items():
        if run.dry_run:
            for member in group:
                _check(run, member, contents[key], readers[member.id])
                run.step()
        else:
            queued.extend(_prepare_all(run, group, contents[key], readers))
    if queued:
        _deliver_all(queued, run.summary)


def _check(run: _Run, member: User, content: PeriodContent, reader: Reader) -> None:
    """Dry run: build the member's digest and count what would happen; write nothing."""
    summary = run.summary
    done = db.session.scalar(
        select(DigestDelivery.status).where(
            DigestDelivery.user_id == member.id, DigestDelivery.period_key == content.period.key
        )
    )
    if done in DONE:
        summary.already_done += 1
        return
    with _reading():
        digest = build_digest(member, content.period, content, reader)
    if problem := email_problem(member.email):
        summary.fail(member, problem)
    elif digest is None:
        summary.skipped_empty += 1
    else:
        summary.would_send += 1


def _prepare_all(
    run: _Run, members: list[User], content: PeriodContent, readers: dict[int, Reader]
) -> list[tuple[DigestDelivery, User]]:
    """Claim the members' delivery rows and queue their digests; return what needs sending.

    Claims are one transaction for the batch; building is one read transaction; outbox
    messages and the links to them are then committed together, ``STORE_EVERY`` members
    at a time, so a crash at any point leaves every row either claimed without a message
    (rebuilt by a re-run) or pointing at its one stored message (delivered, not rebuilt,
    by a re-run). Nothing is sent before it is stored.
    """
    period, summary = content.period, run.summary
    deliveries = _claim_all([member.id for member in members], period.key)
    queued: list[tuple[DigestDelivery, User]] = []
    to_build: list[tuple[User, DigestDelivery]] = []
    for member in members:
        delivery = deliveries[member.id]
        if delivery.status in DONE:
            summary.already_done += 1
        elif delivery.outbox_message_id is not None:
            queued.append((delivery, member))  # queued by a run that stopped: deliver it
        elif problem := email_problem(member.email):
            _record_failure(delivery, problem, summary, member)
        else:
            to_build.append((member, delivery))
            continue
        run.step()
    built: list[tuple[User, DigestDelivery, Digest]] = []
    failed: list[tuple[User, DigestDelivery, str]] = []
    with _reading():
        for member, delivery in to_build:
            try:
                digest = build_digest(member, period, content, readers[member.id])
            except Exception as error:  # one member's problem must not stop the batch
                db.session.rollback()
                log.exception("Could not build the digest for member %s", member.id)
                failed.append((member, delivery, f"could not build: {_describe(error)}"))
                continue
            if digest is None:
                delivery.status, delivery.last_error = "skipped_empty", ""
                summary.skipped_empty += 1
                run.step()
            else:
                built.append((member, delivery, digest))
    db.session.commit()  # the skipped_empty marks, together
    for member, delivery, reason in failed:
        _record_failure(delivery, reason, summary, member)
        run.step()
    preferences = _preferences([member.id for member, _, _ in built])
    rendered: list[tuple[User, DigestDelivery, Digest, OutboxMessage]] = []
    try:
        for member, delivery, digest in built:
            try:
                message = queue_digest(
                    member, digest, content.links, run.network, preferences.get(member.id)
                )
            except Exception as error:  # one member's problem must not stop the batch
                _drop_strays(rendered)
                log.exception("Could not queue the digest for member %s", member.id)
                reason = f"could not build: {_describe(error)}"
                delivery.status, delivery.last_error = "failed", reason
                summary.fail(member, reason)
                run.step()
                continue
            rendered.append((member, delivery, digest, message))
            if len(rendered) >= STORE_EVERY:
                queued.extend(_store(run, rendered))
                rendered = []
    except BaseException:
        _drop_strays(rendered)
        _store(run, rendered)  # keep what was rendered before stopping
        raise
    queued.extend(_store(run, rendered))
    return queued


def _store(
    run: _Run, rendered: list[tuple[User, DigestDelivery, Digest, OutboxMessage]]
) -> list[tuple[DigestDelivery, User]]:
    """Insert rendered messages and link each to its delivery row, in one transaction."""
    db.session.flush()  # the outbox rows get their ids (one multi-row insert)
    for _, delivery, digest, message in rendered:
        delivery.outbox_message_id = message.id
        delivery.item_count = digest.item_count
    db.session.commit()
    for _ in rendered:
        run.step()
    return [(delivery, member) for member, delivery, _, _ in rendered]


def _drop_strays(rendered: list[tuple[User, DigestDelivery, Digest, OutboxMessage]]) -> None:
    """Forget outbox rows added by a member whose queueing failed half way (never stored)."""
    keep = {id(message) for *_, message in rendered}
    for row in list(db.session.new):
        if isinstance(row, OutboxMessage) and id(row) not in keep:
            db.session.expunge(row)


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def _preferences(member_ids: list[int]) -> dict[int, DigestPreference]:
    """Return the members' preference rows (their nonces sign the unsubscribe links)."""
    found: dict[int, DigestPreference] = {}
    for start in range(0, len(member_ids), BATCH_SIZE):
        chunk = member_ids[start : start + BATCH_SIZE]
        rows = db.session.scalars(
            select(DigestPreference)
            .where(DigestPreference.user_id.in_(chunk))
            .execution_options(populate_existing=True)
        )
        found.update((row.user_id, row) for row in rows)
    return found


def _batches(
    member_id: int | None, batch_size: int
) -> Iterator[tuple[list[User], dict[int, Schedule]]]:
    last_id = 0
    while True:
        query = (
            select(User)
            .where(User.id > last_id)
            .order_by(User.id)
            .limit(batch_size)
            .execution_options(populate_existing=True)
        )
        if member_id is not None:
            query = query.where(User.id == member_id)
        members = list(db.session.scalars(query))
        if not members:
            return
        rows = db.session.scalars(
            select(DigestPreference).where(DigestPreference.user_id.in_([m.id for m in members]))
        )
        schedules = {
            p.user_id: Schedule(p.frequency, p.send_day, p.send_hour, p.timezone) for p in rows
        }
        last_id = members[-1].id  # read before the caller expunges the batch
        yield members, schedules


def _period_for(
    schedule: Schedule, forced: Period | None, now: datetime, forced_member: bool
) -> Period | None:
    if forced is None:
        return due_period(schedule, now)
    if schedule.frequency == "off":
        return None
    if schedule.frequency != forced.kind and not forced_member:
        return None
    return forced


@contextmanager
def _reading() -> Iterator[None]:
    """Build in a deferred (read) transaction so web writers are not kept waiting."""
    db.session.commit()
    set_read_only_request(True)
    try:
        yield
    finally:
        db.session.commit()
        set_read_only_request(False)


def _claim_all(member_ids: list[int], key: str) -> dict[int, DigestDelivery]:
    """Return each member's delivery row for ``key``, inserting the missing ones together.

    One transaction claims the whole batch (with a preference row for each member who
    has none: its nonce signs the unsubscribe link). If a concurrent run claimed some of
    them meanwhile, the unique constraint refuses the batch and each is claimed alone.
    """
    query = (
        select(DigestDelivery)
        .where(DigestDelivery.user_id.in_(member_ids), DigestDelivery.period_key == key)
        .execution_options(populate_existing=True)  # another run may have moved them on
    )
    found = {delivery.user_id: delivery for delivery in db.session.scalars(query)}
    missing = [member_id for member_id in member_ids if member_id not in found]
    if not missing:
        return found
    with_preference = set(
        db.session.scalars(
            select(DigestPreference.user_id).where(DigestPreference.user_id.in_(missing))
        )
    )
    claimed = {}
    for member_id in missing:
        if member_id not in with_preference:
            db.session.add(
                DigestPreference(user_id=member_id, frequency="weekly", timezone=DEFAULT_TIMEZONE)
            )
        claimed[member_id] = DigestDelivery(user_id=member_id, period_key=key, status="pending")
    db.session.add_all(claimed.values())
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent run claimed (or created) some of them first
        db.session.rollback()
        claimed = {member_id: _claim(member_id, key) for member_id in missing}
    found.update(claimed)
    return found


def _claim(member_id: int, key: str) -> DigestDelivery:
    """Return this member's delivery row for ``key``, inserting (and committing) it first."""
    query = (
        select(DigestDelivery)
        .where(DigestDelivery.user_id == member_id, DigestDelivery.period_key == key)
        .execution_options(populate_existing=True)  # another run may have moved it on
    )
    delivery = db.session.scalar(query)
    if delivery is not None:
        return delivery
    if preference_for(member_id) is None:
        ensure_preference(member_id)  # its nonce signs the unsubscribe link
    delivery = DigestDelivery(user_id=member_id, period_key=key, status="pending")
    db.session.add(delivery)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent run claimed it first
        db.session.rollback()
        delivery = db.session.scalar(query)
        assert delivery is not None
    return delivery


def _deliver_all(queued: list[tuple[DigestDelivery, User]], summary: SendSummary) -> None:
    """Send the batch's outbox messages (several SMTP sessions) and record each outcome."""
    config = current_app.config
    ids = [delivery.outbox_message_id for delivery, _ in queued if delivery.outbox_message_id]
    deliver(
        ids,
        retries=config.get("DIGEST_SMTP_RETRIES", 2),
        backoff=config.get("DIGEST_SMTP_BACKOFF", 0.5),
        connections=config.get("DIGEST_SMTP_CONNECTIONS", SMTP_CONNECTIONS),
    )
    outcomes: dict[int, tuple[str, datetime | None, str]] = {}
    for start in range(0, len(ids), BATCH_SIZE):
        rows = db.session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.status,
                OutboxMessage.sent_at,
                OutboxMessage.last_error,
            ).where(OutboxMessage.id.in_(ids[start : start + BATCH_SIZE]))
        )
        outcomes.update(
            (row_id, (status, sent_at, error)) for row_id, status, sent_at, error in rows
        )
    failures: list[tuple[DigestDelivery, User, str]] = []
    for delivery, member in queued:
        outcome = outcomes.get(delivery.outbox_message_id or 0)
        delivery.attempts += 1
        if outcome is None:
            failures.append((delivery, member, "the outbox message was deleted"))
        elif outcome[0] in {"sent", "held"}:
            status, sent_at, _ = outcome
            delivery.status, delivery.last_error = status, ""
            delivery.sent_at = sent_at or utcnow()
            if status == "sent":
                summary.sent += 1
            else:
                summary.held += 1
        else:
            failures.append((delivery, member, outcome[2] or "SMTP refused the message"))
    for delivery, member, reason in failures:
        delivery.status, delivery.last_error = "failed", reason
        summary.fail(member, reason)
    db.session.commit()


def _record_failure(
    delivery: DigestDelivery, reason: str, summary: SendSummary, member: User
) -> None:
    delivery.status, delivery.last_error = "failed", reason
    db.session.commit()
    summary.fail(member, reason)
