"""The dispatcher drains the outbox: claim due deliveries, render, send, record."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session, select

from bot.services.chat_port import (
    ChatPort,
    Message,
    NotReachable,
    Recipient,
    Refused,
    SetUpProblem,
    TemporaryFailure,
)
from bot.services.clock import Clock
from bot.services.outbox import (
    SendResult,
    claim_due,
    postpone,
    recent_sends,
    record,
    release,
    renew,
    retry_delay,
)
from bot.services.platform_status import clear_problems, note_problem
from bot.services.renderers import ON_SENT, RENDERERS, absolute_links
from bot.services.send_window import not_now
from bot.storage.database import Database
from bot.storage.staff import ChatIdentity, Staff

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DispatchPolicy:
    """How the dispatcher claims and retries."""

    batch_size: int = 200
    max_attempts: int = 6
    retry_base_seconds: float = 30.0
    lease_seconds: float = 120.0


# A claim is renewed every quarter of its lease while its batch is in flight. A worker sends a
# row only while less than half the lease has passed since the database last confirmed its
# claim, so another worker can take the row (when the lease has run out) only after this one
# has stopped sending it: a single send would have to take half a lease (a minute by default)
# to overlap, far past any platform call's timeout.
RENEW_EVERY = 0.25
SEND_WITHIN = 0.5
# While a platform refuses sendbot itself, its deliveries wait this long between tries; the first
# to go through again ends the pause by itself.
SET_UP_RECHECK = timedelta(minutes=5)


class Sender(Protocol):
    """Whether this process is the one replica that sends on a platform."""

    def held(self) -> bool: ...

    # How many times this process has become the sender (0 where there is only ever one).
    terms: int


@dataclass(frozen=True)
class Job:
    """One claimed delivery, rendered and ready to send."""

    delivery_id: int
    kind: str
    subject_id: int
    attempts: int
    platform: str
    send_key: str
    recipient: Recipient | None
    message: Message | None
    # Why it must no longer go out (withdrawn, the person has left), or "" to send it.
    cancel_reason: str = ""
    # Taken over from a process that stopped mid-send: it may already be in the person's chat.
    maybe_sent: bool = False


@dataclass
class DrainReport:
    """Counts from one drain of the outbox."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, status: str) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1

    @property
    def sent(self) -> int:
        return self.counts.get("sent", 0)


class Dispatcher:
    """Sends what the outbox holds, through whichever chat port each delivery names."""

    def __init__(
        self,
        db: Database,
        ports: Mapping[str, ChatPort],
        clock: Clock,
        policy: DispatchPolicy,
        worker_id: str,
        base_url: str = "",
        senders: Mapping[str, Sender] | None = None,
    ) -> None:
        """`senders` says, for a paced platform, whether this process is the one replica that
        sends on it (bot.storage.sender_lock); without one, it always is."""
        self.db = db
        self.ports = ports
        self.clock = clock
        self.policy = policy
        self.worker_id = worker_id
        # Where links to sendbot's pages in messages point (Settings.base_url).
        self.base_url = base_url
        self.senders = senders or {}
        self.stopping = False
        self._gates: dict[str, asyncio.Semaphore] = {}
        # Claimed rows not yet recorded -> the monotonic time until which they may be sent.
        self._held: dict[int, float] = {}
        self._random = random.Random()
        # Platforms found refusing sendbot itself during this drain: nothing more is sent there.
        self._refused: dict[str, SetUpProblem] = {}
        # Each paced platform's sender term this process last learnt the recent sends of.
        self._terms: dict[str, int] = {}

    async def drain(self, max_batches: int | None = None) -> DrainReport:
        """Send batches until nothing is due (or `max_batches`, or a stop is asked for).

        With a port that sends at a pace (Slack, Teams), two batches overlap: the next is
        claimed and starts going out while the last one's tail is still sending, and each batch
        is recorded while the next sends; a pause between batches is sending time that a
        per-second allowance cannot make up later. A person's sends are chained across
        batches, so their messages still go in order. Without one (the local chat, bound by
        the database), batches take turns, which is faster there."""
        report = DrainReport()
        # Semaphores belong to one event loop; a drain runs inside one, so it makes its own.
        self._gates = {}
        overlap = any(getattr(port, "paced", False) for port in self.ports.values())
        tails: dict[tuple[str, str], asyncio.Future[list[SendResult]]] = {}
        self._refused = {}
        renewing = asyncio.ensure_future(self._keep_claims())
        try:
            return await self._drain(report, overlap, tails, max_batches)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            self._held.clear()

    async def _drain(
        self,
        report: DrainReport,
        overlap: bool,
        tails: dict[tuple[str, str], asyncio.Future[list[SendResult]]],
        max_batches: int | None,
    ) -> DrainReport:
        batches = 0
        jobs = await self._claim_now() if not self.stopping else []
        current = asyncio.ensure_future(self._send_batch(jobs, tails)) if jobs else None
        recording: asyncio.Future[None] | None = None
        unsent: list[Job] = []
        try:
            while current is not None:
                batches += 1
                more = max_batches is None or batches < max_batches
                next_jobs: list[Job] = []
                following: asyncio.Future[list[SendResult]] | None = None
                if overlap and more and not self.stopping:
                    next_jobs = await self._claim_now()
                    if next_jobs and not self.stopping:
                        following = asyncio.ensure_future(self._send_batch(next_jobs, tails))
                results = await current
                if recording is not None:
                    await recording
                done = self.clock.now()
                recording = asyncio.ensure_future(
                    self.db.run(
                        lambda session, j=jobs, r=list(results), t=done: self._record(
                            session, j, r, t
                        )
                    )
                )
                for result in results:
                    report.add(result.status)
                for key in [k for k, tail in tails.items() if tail.done()]:
                    del tails[key]
                if not overlap and more and not self.stopping:
                    await recording
                    next_jobs = await self._claim_now()
                if following is None and next_jobs:
                    if self.stopping:
                        unsent, next_jobs = next_jobs, []
                    else:
                        following = asyncio.ensure_future(self._send_batch(next_jobs, tails))
                jobs, current = next_jobs, following
        finally:
            if recording is not None:
                await recording
        if unsent:
            # Claimed but not tried (a stop was asked for): back to the outbox for whoever
            # runs next, rather than waiting out the lease.
            ids = [job.delivery_id for job in unsent]
            await self.db.run(lambda session: release(session, ids, self.worker_id))
            for delivery_id in ids:
                self._held.pop(delivery_id, None)
        return report

    async def _keep_claims(self) -> None:
        """Renew the claims on rows this worker holds, for as long as the drain runs; a row
        whose claim did not stand is no longer sent by this worker."""
        lease = self.policy.lease_seconds
        while True:
            await asyncio.sleep(lease * RENEW_EVERY)
            ids = sorted(self._held)
            if not ids:
                continue
            asked = time.monotonic()
            until = self.clock.now() + timedelta(seconds=lease)
            try:
                kept = await self.db.run(lambda s, i=ids, u=until: renew(s, i, self.worker_id, u))
            except Exception:  # noqa: BLE001 - unconfirmed claims simply run out below
                log.warning("could not renew the outbox claims", exc_info=True)
                continue
            for delivery_id in ids:
                if delivery_id not in self._held:
                    continue  # recorded meanwhile
                if delivery_id in kept:
                    self._held[delivery_id] = asked + lease * SEND_WITHIN
                else:
                    self._held[delivery_id] = 0.0

    async def _claim_now(self) -> list[Job]:
        platforms, taken_over = await asyncio.to_thread(self._sending_on)
        for platform in taken_over:
            await self._learn_recent_sends(platform)
        if not platforms:
            return []
        now, asked = self.clock.now(), time.monotonic()
        jobs = await self.db.run(lambda session: self._claim(session, now, platforms))
        for job in jobs:
            self._held[job.delivery_id] = asked + self.policy.lease_seconds * SEND_WITHIN
        return jobs

    def _record(
        self, session: Session, jobs: list[Job], results: list[SendResult], now: datetime
    ) -> None:
        record(session, results, now, self.worker_id)
        for job in jobs:
            self._held.pop(job.delivery_id, None)
        for platform, problem in self._refused.items():
            if note_problem(session, platform, problem.reason, problem.fix, now):
                log.error("%s refuses sendbot (%s): %s", platform, problem.reason, problem.fix)
        clear_problems(
            session,
            {j.platform for j, r in zip(jobs, results, strict=True) if r.status == "sent"}
            - self._refused.keys(),
        )
        sent: dict[str, list[int]] = {}
        for job, result in zip(jobs, results, strict=True):
            if result.status == "sent" and job.kind in ON_SENT:
                sent.setdefault(job.kind, []).append(job.subject_id)
        for kind, subject_ids in sent.items():
            ON_SENT[kind](session, subject_ids, now)
        self._remember_addresses(session, jobs, results)

    def _remember_addresses(
        self, session: Session, jobs: list[Job], results: list[SendResult]
    ) -> None:
        """Keep what a platform learnt while sending (a Teams conversation it had to open), so
        the next send need not learn it again."""
        for job, result in zip(jobs, results, strict=True):
            keys = getattr(self.ports.get(job.platform), "remember_keys", ())
            if result.status != "sent" or not keys or job.recipient is None:
                continue
            learnt = {k: result.message_ref[k] for k in keys if k in (result.message_ref or {})}
            if not learnt or all(job.recipient.extra.get(k) == v for k, v in learnt.items()):
                continue
            identity = session.exec(
                select(ChatIdentity).where(
                    ChatIdentity.platform == job.platform,
                    ChatIdentity.platform_user_id == job.recipient.platform_user_id,
                )
            ).first()
            if identity is not None:
                identity.extra = {**identity.extra, **learnt}
                session.add(identity)

    def _sending_on(self) -> tuple[set[str], list[str]]:
        """The platforms this process sends on now: every port, less a paced one another
        replica is the sender for; and those of them it has just become the sender for."""
        platforms, taken_over = set(), []
        for platform in self.ports:
            sender = self.senders.get(platform)
            if sender is not None and not sender.held():
                continue
            platforms.add(platform)
            if sender is not None and self._terms.get(platform, 0) != sender.terms:
                self._terms[platform] = sender.terms
                taken_over.append(platform)
        return platforms, taken_over

    async def _learn_recent_sends(self, platform: str) -> None:
        """This process has just become the sender on `platform`: what the sender before it
        sent in the allowance's window counts against the allowance here too."""
        port = self.ports[platform]
        window = timedelta(seconds=getattr(port, "allowance_window", 0.0))
        if not window:
            return
        now = self.clock.now()
        ages = await self.db.run(
            lambda session: recent_sends(session, platform, now, window, self.worker_id)
        )
        port.remember_sends(ages)  # type: ignore[attr-defined]
        log.info(
            "%d sends on %s in the last %s count against its allowance", len(ages), platform, window
        )

    def _claim(self, session: Session, now: datetime, platforms: set[str]) -> list[Job]:
        lease = timedelta(seconds=self.policy.lease_seconds)
        rows = claim_due(session, now, self.worker_id, lease, self.policy.batch_size, platforms)
        waiting = not_now(session, rows, now)
        if waiting:
            # Checked when it goes, not only when it was planned: a backlog, a retry or a
            # pause must not wake anyone at the weekend or after hours.
            postpone(session, waiting, self.worker_id, now)
            rows = [row for row in rows if row.id not in waiting]
        if not rows:
            return []
        rendered: dict[tuple[str, int], Message | None] = {}
        for kind in {r.kind for r in rows}:
            renderer = RENDERERS[kind]
            subjects = renderer(session, {r.subject_id for r in rows if r.kind == kind})
            rendered |= {
                (kind, subject): absolute_links(message, self.base_url)
                for subject, message in subjects.items()
            }
        identities = {
            (i.staff_id, i.platform): Recipient(i.platform_user_id, dict(i.extra))
            for i in session.exec(
                select(ChatIdentity).where(
                    ChatIdentity.staff_id.in_({r.staff_id for r in rows})  # type: ignore[attr-defined]
                )
            ).all()
        }
        staff_ids = {r.staff_id for r in rows}
        active = set(
            session.exec(
                select(Staff.id).where(Staff.id.in_(staff_ids), Staff.active == True)  # type: ignore[union-attr]  # noqa: E712
            ).all()
        )
        jobs = []
        for r in rows:
            message = rendered.get((r.kind, r.subject_id))
            reason = ""
            if message is None:
                reason = "withdrawn before it was sent"
            elif r.staff_id not in active:
                reason = "the person has left or was deactivated"
            jobs.append(
                Job(
                    delivery_id=r.id,  # type: ignore[arg-type]
                    kind=r.kind,
                    subject_id=r.subject_id,
                    attempts=r.attempts,
                    platform=r.platform,
                    send_key=r.idempotency_key,
                    recipient=identities.get((r.staff_id, r.platform)),
                    message=message,
                    cancel_reason=reason,
                    # Taken over from a stopped process (claim_due leaves the rows' status as it
                    # found it), or tried before without an answer.
                    maybe_sent=r.status == "sending" or r.maybe_sent,
                )
            )
        return jobs

    async def _send_batch(
        self, jobs: list[Job], tails: dict[tuple[str, str], asyncio.Future[list[SendResult]]]
    ) -> list[SendResult]:
        """Send to different people at once, but to each person in order (question 1 before 2)."""
        conversations: dict[tuple[str, str], list[Job]] = {}
        for job in jobs:
            who = job.recipient.platform_user_id if job.recipient else f"#{job.delivery_id}"
            conversations.setdefault((job.platform, who), []).append(job)

        async def in_order(
            queue: list[Job], before: asyncio.Future[list[SendResult]] | None
        ) -> list[SendResult]:
            if before is not None:
                # The person's messages from the batch before go first; how they went does
                # not matter here (each was recorded with its own batch).
                await asyncio.wait([before])
            return [await self._send_within_limit(job) for job in queue]

        queues = []
        for key, queue in conversations.items():
            queues.append(asyncio.ensure_future(in_order(queue, tails.get(key))))
            tails[key] = queues[-1]
        done = await asyncio.gather(*queues)
        by_id = {result.delivery_id: result for results in done for result in results}
        return [by_id[job.delivery_id] for job in jobs]

    async def _send_within_limit(self, job: Job) -> SendResult:
        """Send, keeping at most the port's `max_in_flight` sends open at once."""
        port = self.ports.get(job.platform)
        limit = getattr(port, "max_in_flight", 1)
        gate = self._gates.setdefault(job.platform, asyncio.Semaphore(limit))
        async with gate:
            return await self._send(job)

    async def _send(self, job: Job) -> SendResult:
        if job.cancel_reason or job.message is None:
            return SendResult(job.delivery_id, "cancelled", error=job.cancel_reason)
        port = self.ports.get(job.platform)
        if port is None:
            return SendResult(job.delivery_id, "failed", error=f"{job.platform} is not connected")
        if job.recipient is None:
            return SendResult(
                job.delivery_id, "not_reached", error=f"no {job.platform} account is linked"
            )
        if job.platform in self._refused:
            return self._hold(job, self._refused[job.platform])
        if time.monotonic() >= self._held.get(job.delivery_id, 0.0):
            # The claim may have run out: another worker may be sending this very row.
            return SendResult(job.delivery_id, "lost", error="the claim ran out before sending")
        try:
            ref = await port.send(
                job.recipient, job.message, job.send_key, maybe_sent=job.maybe_sent
            )
        except NotReachable as exc:
            return SendResult(job.delivery_id, "not_reached", error=exc.reason)
        except Refused as exc:
            return SendResult(job.delivery_id, "failed", error=exc.reason)
        except SetUpProblem as exc:
            self._refused.setdefault(job.platform, exc)
            return self._hold(job, exc)
        except TemporaryFailure as exc:
            return self._retry(job, exc.reason, exc.retry_after, exc.may_have_gone)
        except Exception as exc:  # noqa: BLE001 - one bad send must not stop the fan-out
            log.warning("sending delivery %s failed", job.delivery_id, exc_info=True)
            # Nobody can say whether it went: the next try looks before it sends again.
            return self._retry(job, f"{type(exc).__name__}: {exc}", None, True)
        return SendResult(job.delivery_id, "sent", message_ref=ref.data)

    def _hold(self, job: Job, problem: SetUpProblem) -> SendResult:
        """Back to the outbox without counting a try: the fault is sendbot's set-up, not the
        person's, so nobody is marked not reached for it."""
        retry_at = self.clock.now() + SET_UP_RECHECK
        return SendResult(job.delivery_id, "held", error=problem.reason, retry_at=retry_at)

    def _retry(
        self, job: Job, reason: str, retry_after: float | None, may_have_gone: bool = False
    ) -> SendResult:
        if job.attempts >= self.policy.max_attempts:
            return SendResult(
                job.delivery_id, "failed", error=f"gave up after {job.attempts} tries: {reason}"
            )
        delay = retry_delay(
            job.attempts, self.policy.retry_base_seconds, retry_after, self._random.random()
        )
        return SendResult(
            job.delivery_id,
            "retry",
            error=reason,
            retry_at=self.clock.now() + delay,
            maybe_sent=may_have_gone,
        )
