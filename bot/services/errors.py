"""The two kinds of error: one whose text is written for school staff, and everything else."""

from __future__ import annotations

import logging
import uuid

from bot.domain.errors import UserError

log = logging.getLogger(__name__)

__all__ = ["UserError", "apology"]


def apology(context: str) -> str:
    """Log the current exception once with an incident id, and return a short apology to show."""
    incident = uuid.uuid4().hex[:8]
    log.exception("incident %s while %s", incident, context)
    return f"Sorry, something went wrong on our side (incident {incident}). Please try again later."
