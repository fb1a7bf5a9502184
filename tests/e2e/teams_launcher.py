"""Runs the `sendbot` command with the Agents SDK and msal pointed at a fake sign-in service.

    python -m tests.e2e.teams_launcher <identity base url> <ca file> -- run

Test-only. Two lookups in the SDK and msal have no setting (see tests/fakes/teams_sdk.py), so a
`sendbot run` child process against FakeIdentity needs the same redirects the in-process tests
use; this applies them (the very same code, `sdk_redirected`) and then calls `bot.cli.main()`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.cli import main as sendbot
from tests.e2e import process
from tests.e2e.process import Running
from tests.fakes.teams_identity import FakeIdentity
from tests.fakes.teams_sdk import sdk_redirected


def command(identity: FakeIdentity, *sendbot_args: str) -> list[str]:
    """The argv that runs `sendbot <sendbot_args>` pointed at this fake identity."""
    return [
        sys.executable,
        "-m",
        "tests.e2e.teams_launcher",
        identity.base_url,
        str(identity.ca_file),
        "--",
        *sendbot_args,
    ]


def start(workdir: Path, env: dict[str, str], identity: FakeIdentity) -> Running:
    """`sendbot run` in workdir with these settings, pointed at the identity; once healthy."""
    return process.start(workdir, env, command=command(identity, "run"))


def main(argv: list[str]) -> None:
    """Apply the redirects named in argv, then run the sendbot command after `--`."""
    if len(argv) < 3 or argv[2] != "--":
        sys.exit("usage: python -m tests.e2e.teams_launcher BASE_URL CA_FILE -- COMMAND...")
    base_url, ca_file = argv[0], Path(argv[1])
    with sdk_redirected(base_url, ca_file):
        sys.argv = ["sendbot", *argv[3:]]
        sendbot()


if __name__ == "__main__":
    main(sys.argv[1:])
