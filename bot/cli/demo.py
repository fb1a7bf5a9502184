"""Loads the demo school when demo mode is on and the database is empty."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.bootstrap import Sendbot
from bot.services.demo import load_demo

log = logging.getLogger(__name__)


def load_demo_if_empty(sendbot: Sendbot) -> bool:
    """Load the demo school if there is no school yet; True when it was loaded."""
    settings = sendbot.settings
    demo_dir = Path(settings.demo_dir)
    if not (demo_dir / "staff.csv").is_file():
        log.warning("Demo mode is on but %s/staff.csv is missing; no demo school loaded", demo_dir)
        return False
    now = sendbot.clock.now()
    summary = sendbot.db.work(
        lambda s: load_demo(
            s,
            now,
            demo_dir,
            (Path(settings.briefings_dir), Path(settings.quizzes_dir)),
            sendbot.platform,
        )
    )
    if summary is None:
        return False
    log.info(
        "Loaded the demo school: %d staff, %d briefings, %d questions; '%s' is on its way to %d"
        " people now, with %d quiz questions",
        summary.staff,
        summary.briefings,
        summary.questions,
        summary.first_briefing,
        summary.first_deliveries,
        summary.questions_asked,
    )
    return True
