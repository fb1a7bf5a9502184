"""`sendbot run`: the one process that serves everything (placeholder until the web app lands)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the run command."""
