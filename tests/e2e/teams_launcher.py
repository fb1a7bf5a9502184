"""Runs the `sendbot` command with the Agents SDK and msal pointed at a fake sign-in service.

    python -m tests.e2e.teams_launcher <identity base url> <ca file> -- run

Test-only. Two lookups in the SDK and msal have no setting (see tests/fakes/teams_sdk.py), so a
`sendbot run` child process against FakeIdentity needs the same redirects the in-process tests
use; this applies them (the very same code, `sdk_redirected`) and then calls `bot.cli.main()`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.cli import main as sendbot
from tests.e2e.process import ROOT, Running, free_port
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
    """`sendbot run` in workdir with these settings, pointed at the identity; once healthy.

    As tests/e2e/process.start, with the launcher in front of the command."""
    port = free_port()
    settings = {"HOST": "127.0.0.1", "PORT": str(port), "LOG_LEVEL": "INFO"} | env
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "DEMO"))}
    log_path = workdir / f"sendbot-{port}.log"
    process = subprocess.Popen(
        command(identity, "run"),
        cwd=workdir,
        env=inherited | settings | {"PYTHONPATH": str(ROOT)},
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )
    running = Running(process, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"sendbot exited early:\n{running.log()}")
        try:
            if httpx.get(f"{running.base_url}/healthz", timeout=2).status_code == 200:
                return running
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    running.stop(signal.SIGKILL)
    raise AssertionError(f"sendbot did not become healthy:\n{running.log()}")


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
