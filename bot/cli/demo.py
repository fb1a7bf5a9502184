"""The demo school, loaded into an empty database when demo mode is on."""

from __future__ import annotations

from bot.bootstrap import Sendbot


def load_demo_if_empty(sendbot: Sendbot) -> bool:
    """Load the demo school if there is no school yet; True when it was loaded."""
    return False
