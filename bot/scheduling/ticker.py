"""APScheduler jobs: plan what has fallen due each tick, and drain the outbox often."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import Session

from bot.services.briefings import plan_due_briefings
from bot.services.clock import Clock
from bot.services.digests import plan_digests
from bot.services.dispatcher import Dispatcher
from bot.services.errors import apology
from bot.services.inbound import Inbound
from bot.services.linking import Directory, link_people
from bot.services.outbox_pruning import prune_outbox
from bot.services.quiz_housekeeping import QuizHousekeeping
from bot.services.register.reminders import plan_register_reminders
from bot.services.register.retention import erase_due
from bot.services.rounds import plan_rounds
from bot.services.web_sessions import purge_expired
from bot.storage.database import Database
from bot.storage.maintenance import forget_erased_bytes

log = logging.getLogger(__name__)
# Staff are matched to chat accounts once at start and then daily.
LINK_SECONDS = 24 * 60 * 60
# Former register pupils whose keep time has passed are erased at start and then daily.
RETENTION_SECONDS = 24 * 60 * 60
# Presses kept by a replica that stopped before recording them are looked for this often.
KEPT_PRESS_SECONDS = 10


@dataclass
class JobHealth:
    """When each job last finished, and whether it failed; /healthz shows this."""

    last_ok: dict[str, datetime] = field(default_factory=dict)
    last_error: dict[str, datetime] = field(default_factory=dict)


class Ticker:
    """Owns the scheduler and the jobs it runs."""

    def __init__(
        self,
        db: Database,
        dispatcher: Dispatcher,
        clock: Clock,
        platform: str,
        tick_seconds: float,
        dispatch_seconds: float,
        directory: Directory | None = None,
        after_link: Callable[[], Awaitable[object]] | None = None,
        outbox_keep_days: int = 400,
        inbound: Inbound | None = None,
    ) -> None:
        """`after_link` runs at the end of each linking job, even one the directory cut
        short (Teams installs the app for the people just matched, and closes its session)."""
        self.db = db
        self.dispatcher = dispatcher
        self.clock = clock
        self.platform = platform
        self.tick_seconds = tick_seconds
        self.dispatch_seconds = dispatch_seconds
        self.directory = directory
        self.after_link = after_link
        self.outbox_keep_days = outbox_keep_days
        self.inbound = inbound
        self.housekeeping = QuizHousekeeping(db, dispatcher.ports, clock, platform)
        self.health = JobHealth()
        self.scheduler = AsyncIOScheduler(timezone="UTC")

    def start(self) -> None:
        """Start ticking at once; must be called inside the running event loop."""
        first = self.clock.now()
        jobs: list[tuple[str, Callable[[], Awaitable[object]], float]] = [
            ("plan", self.plan, self.tick_seconds),
            ("dispatch", self.dispatch, self.dispatch_seconds),
            ("retention", self.erase_former_pupils, RETENTION_SECONDS),
            ("sessions", self.purge_sessions, RETENTION_SECONDS),
            ("outbox", self.prune_outbox, RETENTION_SECONDS),
        ]
        if self.directory is not None:
            jobs.append(("link", self.link, LINK_SECONDS))
        if self.inbound is not None:
            jobs.append(("presses", self.inbound.record_kept, KEPT_PRESS_SECONDS))
        for name, job, seconds in jobs:
            self.scheduler.add_job(
                self.guarded(name, job),
                "interval",
                seconds=seconds,
                id=name,
                next_run_time=first,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
            )
        self.scheduler.start()

    def shutdown(self) -> None:
        self.dispatcher.stopping = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    def guarded(
        self, name: str, job: Callable[[], Awaitable[object]]
    ) -> Callable[[], Awaitable[None]]:
        """Wrap a job so that a failure is logged once and the scheduler carries on."""

        async def run() -> None:
            try:
                await job()
            except Exception:  # noqa: BLE001 - a job must never stop the scheduler
                apology(f"running the {name} job")
                self.health.last_error[name] = self.clock.now()
            else:
                self.health.last_ok[name] = self.clock.now()

        run.__name__ = f"sendbot_{name}"
        return run

    async def plan(self) -> int:
        """Plan briefings, quiz rounds and weekly digests that have fallen due, remind about
        unread register alerts, chase and close unanswered questions, and wake the dispatcher
        if there is anything to send."""
        now = self.clock.now()

        def due(session: Session) -> int:
            return (
                plan_due_briefings(session, now, self.platform)
                + plan_rounds(session, now, self.platform)
                + plan_register_reminders(session, now, self.platform)
                + plan_digests(session, now, self.platform)
            )

        created = await self.db.run(due)
        created += (await self.housekeeping.run()).reminders
        if created:
            log.info("planned %d deliveries", created)
            self.wake_dispatcher()
        return created

    async def link(self) -> None:
        """Match staff to their chat accounts: new people, and everyone again once a day."""
        assert self.directory is not None
        try:
            report = await link_people(self.db, self.directory, self.clock)
        finally:
            if self.after_link is not None:
                await self.after_link()
        if report.looked_up:
            log.info(
                "looked up %d people: %d matched, %d not",
                report.looked_up,
                report.matched,
                len(report.unmatched),
            )

    async def erase_former_pupils(self) -> int:
        """Erase the identifying fields of former register pupils kept as long as allowed."""
        now = self.clock.now()
        erased = await self.db.run(lambda session: erase_due(session, now))
        if erased:
            log.info("erased %d former register pupils", erased)
            # Committed by now, so the old copies in the database files can go.
            await asyncio.to_thread(forget_erased_bytes, self.db.engine)
        return erased

    async def purge_sessions(self) -> int:
        """Delete web sessions that have ended by time (each is refused when used anyway)."""
        now = self.clock.now()
        return await self.db.run(lambda session: purge_expired(session, now))

    async def prune_outbox(self) -> int:
        """Delete finished question deliveries older than OUTBOX_KEEP_DAYS."""
        pruned = await prune_outbox(self.db, self.clock, self.outbox_keep_days)
        if pruned:
            log.info("pruned %d old deliveries from the outbox", pruned)
        return pruned

    async def dispatch(self) -> None:
        report = await self.dispatcher.drain()
        if report.counts:
            log.info("dispatched: %s", report.counts)

    def wake_dispatcher(self) -> None:
        """Run the dispatch job now rather than at its next interval."""
        job = self.scheduler.get_job("dispatch")
        if job is not None:
            job.modify(next_run_time=self.clock.now())
