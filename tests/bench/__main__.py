"""`make bench`: runs every benchmark and writes BENCHMARKS.md with the figures and the machine."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.bench import (
    fanout,
    register_import,
    round_planning,
    slack_fanout,
    spacing_sim,
    teams_fanout,
)

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = {
    "fanout": fanout.section,
    "rounds": round_planning.section,
    "spacing": spacing_sim.section,
    "slack": slack_fanout.section,
    "teams": teams_fanout.section,
    "register": register_import.section,
}


def machine() -> str:
    """This machine, as a reader comparing figures needs to know it."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB memory, "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}"
    )


def main(names: list[str]) -> None:
    chosen = names or list(SECTIONS)
    parts = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m tests.bench`); do not edit by hand. These machines",
        "are shared and noisy: read medians, and ratios between engines or policies.",
        "",
        f"- When: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        "- Command: `make bench`",
        "",
    ]
    for name in chosen:
        print(f"running {name}...", file=sys.stderr)
        parts.append(SECTIONS[name]())
    text = "\n".join(parts)
    (ROOT / "BENCHMARKS.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
