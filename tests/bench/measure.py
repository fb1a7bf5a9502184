"""What the chat-platform benchmarks share: starting a real `sendbot run`, posting requests to it
at a steady rate, and summing up the timings (median, p99) and repeated runs (medians)."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

import aiohttp

MET = {True: "yes", False: "NO"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A `sendbot run` child process listening on 127.0.0.1, logging to a file in `folder`."""

    def __init__(self, process: subprocess.Popen[bytes], base_url: str, log: IO[bytes]) -> None:
        self.process, self.base_url, self._log = process, base_url, log

    def stop(self) -> None:
        """Ask it to stop (SIGTERM), and kill it if it has not within ten seconds."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def start_server(
    folder: str, command: Sequence[str], settings: Mapping[str, str], cwd: str | None = None
) -> Server:
    """Run `command` (a `sendbot run`) with only these settings in its environment (plus PATH,
    HOST and a free PORT), away from any .env; return once it answers /healthz."""
    port = free_port()
    env = {"PATH": os.environ.get("PATH", "")} | dict(settings)
    env |= {"HOST": "127.0.0.1", "PORT": str(port)}
    log = open(Path(folder) / f"server-{port}.log", "wb")  # noqa: SIM115 - Server closes it
    process = subprocess.Popen(list(command), env=env, cwd=cwd or folder, stderr=log)
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(server.base_url + "/healthz", timeout=1) as answer:
                if answer.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"sendbot did not start; see {log.name}")


async def fire(
    url: str,
    bodies: Sequence[str],
    headers: Callable[[str], dict[str, str]],
    rate: float,
    accepted: Callable[[int, bytes], bool] = lambda status, _body: status == 200,
) -> tuple[list[float], int, float]:
    """POST the bodies to `url` at `rate` a second (open loop: each goes on time whether or not
    earlier ones were answered), with headers made just before each is sent.

    Returns the seconds each accepted request took, how many were not accepted (or not
    answered within 10 s), and how far behind its schedule the sender fell at most (seconds).
    """
    latencies: list[float] = []
    failures = 0

    async def post(session: aiohttp.ClientSession, body: str) -> None:
        nonlocal failures
        started = time.perf_counter()
        try:
            async with session.post(url, data=body, headers=headers(body)) as answer:
                ok = accepted(answer.status, await answer.read())
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        if ok:
            latencies.append(time.perf_counter() - started)
        else:
            failures += 1

    connector = aiohttp.TCPConnector(limit=500)
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks, lateness = [], 0.0
        start = time.perf_counter()
        for k, body in enumerate(bodies):
            delay = start + k / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            lateness = max(lateness, -delay)
            tasks.append(asyncio.create_task(post(session, body)))
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
    return latencies, failures, lateness


def timings(latencies: Sequence[float]) -> dict[str, float]:
    """Median, 99th percentile and maximum, in milliseconds."""
    if not latencies:
        return {"median_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [latencies[0]] * 99
    return {
        "median_ms": statistics.median(latencies) * 1000,
        "p99_ms": cuts[98] * 1000,
        "max_ms": max(latencies) * 1000,
    }


def medians(runs: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Each figure's median across runs."""
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def wait_until(count: Callable[[], int], expected: int, seconds: float = 30) -> int:
    """Poll `count` until it reaches `expected` or `seconds` pass; its last value."""
    deadline = time.monotonic() + seconds
    found = count()
    while found < expected and time.monotonic() < deadline:
        time.sleep(0.5)
        found = count()
    return found
