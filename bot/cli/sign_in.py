"""`sendbot sign-in check`: is web sign-in set up so that staff can get in?"""

from __future__ import annotations

import typer

from bot.config import load_settings
from bot.web.auth.check import check_provider
from bot.web.auth.provider import sign_in_provider


def register(app: typer.Typer) -> None:
    """Add the sign-in commands."""
    sign_in_app = typer.Typer(help="Signing in to the web pages.", no_args_is_help=True)

    @sign_in_app.command("check")
    def check_command() -> None:
        """Fetch the provider's discovery document and keys and try sendbot's client id."""
        provider = sign_in_provider(load_settings())
        if provider is None:
            typer.echo(
                "WEB_SIGN_IN is none: nobody can sign in to the web pages outside the demo."
                " Set WEB_SIGN_IN to microsoft, google, slack or oidc (see the README)."
            )
            raise typer.Exit(1)
        typer.echo(f"Checking sign-in with {provider.name} ({provider.issuer})")
        findings = check_provider(provider)
        for finding in findings:
            typer.echo(f"  {'ok ' if finding.ok else 'NO '} {finding.text}")
        if not all(f.ok for f in findings):
            raise typer.Exit(1)

    app.add_typer(sign_in_app, name="sign-in")
