"""`sendbot teams package`: the Teams app package for the school's Teams admin."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated

import typer

from bot.chat.teams.package import PackageError, app_id_for, build_manifest, package_bytes
from bot.config import load_settings


def register(app: typer.Typer) -> None:
    """Add the teams command group."""
    teams_app = typer.Typer(help="sendbot on Microsoft Teams.", no_args_is_help=True)

    @teams_app.command("package")
    def package_command(
        output: Annotated[
            Path, typer.Option("--output", "-o", help="Where to write the zip.")
        ] = Path("sendbot-teams.zip"),
    ) -> None:
        """Write the Teams app package (manifest and icons) to upload in the Teams admin centre."""
        settings = load_settings(platform_checks=False)
        if not settings.teams_client_id:
            print(
                "Setting TEAMS_CLIENT_ID is missing: set it to the Entra app registration's"
                " Application (client) ID, then run this again.",
                file=sys.stderr,
            )
            raise typer.Exit(1)
        client_id = settings.teams_client_id.strip()
        app_id = app_id_for(client_id)
        try:
            manifest = build_manifest(
                client_id=client_id,
                app_id=app_id,
                public_url=settings.base_url,
                version=_app_version(),
            )
        except PackageError as exc:
            print(exc, file=sys.stderr)
            raise typer.Exit(1) from None
        try:
            output.write_bytes(package_bytes(manifest))
        except OSError as exc:
            print(f"Could not write {output}: {exc.strerror or exc}.", file=sys.stderr)
            raise typer.Exit(1) from None
        typer.echo(f"Wrote {output}: the Teams app for bot {manifest['bots'][0]['botId']}.")
        typer.echo(
            f"App id in the manifest: {manifest['id']} (made from TEAMS_CLIENT_ID, so it is the"
            " same each time; the Teams admin centre calls it the External app ID)."
        )
        typer.echo(f"Messages reach sendbot at {settings.base_url}/api/messages.")
        typer.echo(
            "Next: Teams admin centre > Teams apps > Manage apps > Upload new app; then, to"
            " install it for staff, set TEAMS_APP_ID to the App ID shown there."
        )

    app.add_typer(teams_app, name="teams")


def _app_version() -> str:
    """The app's version is sendbot's, so a package from a newer sendbot updates the app."""
    try:
        return version("sendbot")
    except PackageNotFoundError:
        return "0.0.0"
