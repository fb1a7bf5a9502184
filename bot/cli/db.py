"""`sendbot db upgrade`: bring the database schema up to date."""

from __future__ import annotations

import typer

from bot.cli.common import open_app


def register(app: typer.Typer) -> None:
    """Add the db commands."""
    db_app = typer.Typer(help="Look after the database.", no_args_is_help=True)

    @db_app.command("upgrade")
    def upgrade_command() -> None:
        """Apply every migration the database does not have yet (safe to run again)."""
        sendbot = open_app()
        sendbot.db.dispose()
        print("The database is up to date.")

    app.add_typer(db_app, name="db")
