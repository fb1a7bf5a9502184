"""Starts a real `sendbot run` process on a free port, and stops or kills it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Running:
    """A sendbot process and where it listens."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGINT, timeout: float = 15) -> int:
        """Send a signal (Ctrl-C by default) and wait for the process to end."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def start(
    workdir: Path,
    env: dict[str, str],
    wait_healthy: bool = True,
    command: list[str] | None = None,
) -> Running:
    """Run `sendbot run` in workdir with these settings; wait until /healthz says ok.
    `command` replaces `python -m bot.cli run` (a launcher that points SDKs at fakes first)."""
    port = free_port()
    # DEMO_MODE as `make run` sets it, unless the test says otherwise.
    settings = {"HOST": "127.0.0.1", "PORT": str(port), "LOG_LEVEL": "INFO", "DEMO_MODE": "true"}
    settings |= env
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE", "DEMO"))}
    log_path = workdir / f"sendbot-{port}.log"
    process = subprocess.Popen(
        command or [sys.executable, "-m", "bot.cli", "run"],
        cwd=workdir,
        env=full_env | settings | {"PYTHONPATH": str(ROOT)},
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )
    running = Running(process, f"http://127.0.0.1:{port}", log_path)
    if wait_healthy:
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
    return running
