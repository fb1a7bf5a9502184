"""The Jinja2 environment shared by every page."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates

from bot.content.quiz.common import area_words
from bot.domain.quiz import Area
from bot.web.auth.forms import csrf_field
from bot.web.navigation import navigation

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _local_time(moment: datetime | None, timezone: str = "Europe/London") -> str:
    if moment is None:
        return ""
    return f"{moment.astimezone(ZoneInfo(timezone)):%a %-d %b %H:%M}"


def area_name(value: str) -> str:
    """An area of need as a heading shows it: "Sensory and/or physical"."""
    try:
        return area_words(Area(value)).capitalize()
    except ValueError:
        return value.replace("_", " ").capitalize()


templates.env.filters["local_time"] = _local_time
templates.env.filters["area_name"] = area_name
templates.env.globals["csrf_field"] = csrf_field
templates.env.globals["navigation"] = navigation
