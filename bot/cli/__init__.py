"""The `sendbot` command line: each command parses, calls one service, and prints the result."""

from __future__ import annotations

import sys

import typer

from bot.cli import (
    briefing,
    calendar,
    content,
    db,
    quiz,
    register,
    run,
    school,
    sign_in,
    slack,
    staff,
    targets,
    teams,
)
from bot.config import SettingsError

app = typer.Typer(
    name="sendbot",
    help="sendbot keeps a school's SEND training alive in chat.",
    no_args_is_help=True,
    add_completion=False,
)
for module in (
    run,
    db,
    school,
    staff,
    content,
    briefing,
    calendar,
    quiz,
    targets,
    slack,
    teams,
    sign_in,
):
    module.register(app)
# The SEN register: import-register, import-teaching, privacy erase-pupil.
register.register(app)


def main() -> None:
    """Entry point of the console script: a bad setting is one clear line, not a traceback."""
    try:
        app()
    except SettingsError as exc:
        print(f"sendbot cannot start: {exc}", file=sys.stderr)
        sys.exit(2)
