"""The App Home tab: a person's progress, their team's, and the SENDCO's latest briefings."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.chat.slack.adapter import PLATFORM, SlackChat
from bot.chat.slack.blocks import render_home
from bot.services.chat_port import Link
from bot.services.clock import Clock
from bot.services.errors import apology
from bot.services.summaries import (
    BriefingSummary,
    Home,
    PersonSummary,
    TeamSummary,
    home_for,
)
from bot.services.summary_lines import Line, describe_person, describe_team
from bot.storage.database import Database

log = logging.getLogger(__name__)
NOT_KNOWN = (
    "sendbot does not know your Slack account yet, so there is nothing to show here. "
    "Please ask your SENDCO to add you (with the email address you use in Slack)."
)


@dataclass(frozen=True)
class Wiring:
    """What the Home tab, the /sendbot command and the briefing modal need."""

    chat: SlackChat
    db: Database
    clock: Clock
    base_url: str  # where the web pages are (PUBLIC_URL); empty: no links


async def publish_home(wiring: Wiring, event: Mapping[str, Any]) -> None:
    """Publish the Home tab of the person who opened it; the Messages tab needs nothing."""
    user = event.get("user")
    if not isinstance(user, str) or not user or event.get("tab", "home") != "home":
        return
    now = wiring.clock.now()
    try:
        home = await wiring.db.run(lambda session: home_for(session, PLATFORM, user, now))
        view = home_view(home, wiring.base_url) if home else note_view(NOT_KNOWN)
    except Exception:  # noqa: BLE001 - the person sees an apology, the log the detail
        view = note_view(apology("building a Slack Home tab"))
    try:
        await wiring.chat.client.views_publish(user_id=user, view=view)
    except Exception:  # noqa: BLE001 - Slack shows the last Home until the next opening
        log.warning("could not publish the Home tab for %s", user, exc_info=True)


def home_view(home: Home, base_url: str) -> dict[str, Any]:
    """The Home view: always within Slack's 100 blocks, however big the team."""
    sections = [("Your progress", person_lines(home.person))]
    if home.team is not None:
        sections.append(team_section(home.team))
    if home.briefings is not None:
        sections.append(("Latest briefings", briefing_lines(home.briefings)))
    if base_url:
        sections.append(("", [f"<{base_url}/privacy|How sendbot uses your data>"]))
    return render_home(sections, page_link(home, base_url))


def note_view(text: str) -> dict[str, Any]:
    """A Home view with one short note, for those sendbot cannot show figures to."""
    return render_home([("sendbot", [text])], None)


def page_link(home: Home, base_url: str) -> Link | None:
    """The web page with the whole picture: the team page for those with a team."""
    if not base_url:
        return None
    if home.team is not None:
        return Link(f"{base_url}/team", "Open the team page")
    return Link(f"{base_url}/me", "Open my progress page")


def person_lines(person: PersonSummary) -> list[str]:
    """A person's own figures and what is waiting for them, as mrkdwn lines."""
    return [_mrkdwn(line) for line in describe_person(person)]


def team_section(team: TeamSummary) -> tuple[str, list[str]]:
    """A team's heading and figures, as mrkdwn lines."""
    heading, lines = describe_team(team)
    return heading, [_mrkdwn(line) for line in lines]


def _mrkdwn(line: Line) -> str:
    # Slack's bold needs the asterisks next to the words; callers escape the result.
    text = f"*{line.bold}*{line.text}" if line.bold else line.text
    return f"• {text}" if line.item else text


def briefing_lines(briefings: list[BriefingSummary]) -> list[str]:
    """Each briefing with who has read it and who it did not reach (and why)."""
    if not briefings:
        return ["No briefings yet. Type `/sendbot brief` to write one."]
    lines = []
    for b in briefings:
        # Slack's bold needs the asterisks next to the words.
        head = f"*{b.title.strip()}* ({b.send_on:%-d %b})"
        if b.status == "scheduled":
            lines.append(f"{head}: scheduled, goes out from {b.send_on:%a %-d %b}.")
            continue
        withdrawn = " (withdrawn)" if b.status == "withdrawn" else ""
        lines.append(
            f"{head}{withdrawn}: read by {b.acknowledged} of {b.sent} sent; "
            f"{b.queued} still to send; {b.not_reached_total} not reached."
        )
        if b.not_reached:
            names = "; ".join(f"{name} ({why})" for name, why in b.not_reached)
            more = b.not_reached_total - len(b.not_reached)
            lines.append(f"    Not reached: {names}" + (f"; and {more} more." if more > 0 else "."))
    return lines
