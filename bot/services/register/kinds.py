"""Outbox delivery kinds of register alerts, shared by the planner, renderer and reminders."""

from __future__ import annotations

# One message to one person for one register import (subject: the ProfileAlert's id).
ALERT = "register_alert"
# The one reminder to someone who has not yet read every profile in their alert.
ALERT_REMINDER = "register_reminder"
