"""`make bench`: runs every benchmark and writes BENCHMARKS.md with the figures and the machine.

`python -m tests.bench register` runs only the sections named and keeps the others' figures as
they were; each section says when it was measured."""

from __future__ import annotations

import os
import platform
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.bench import (
    chaos,
    dashboards,
    digest_planning,
    fanout,
    register_import,
    replicas,
    round_planning,
    slack_fanout,
    spacing_sim,
    teams_fanout,
)

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = {
    "fanout": fanout.section,
    "rounds": round_planning.section,
    "digest": digest_planning.section,
    "dashboards": dashboards.section,
    "spacing": spacing_sim.section,
    "slack": slack_fanout.section,
    "teams": teams_fanout.section,
    "register": register_import.section,
    "chaos": chaos.section,
    "replicas": replicas.section,
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


MARK = "<!-- section: {} -->"


def kept_sections(text: str) -> dict[str, str]:
    """The sections of an earlier BENCHMARKS.md, by name, as written."""
    found: dict[str, str] = {}
    pieces = re.split(r"^<!-- section: (\w+) -->\n", text, flags=re.MULTILINE)
    for name, body in zip(pieces[1::2], pieces[2::2], strict=True):
        found[name] = body.rstrip("\n") + "\n"
    return found


def main(names: list[str]) -> None:
    unknown = [name for name in names if name not in SECTIONS]
    if unknown:
        sys.exit(f"No benchmark called {', '.join(unknown)}; there are: {', '.join(SECTIONS)}.")
    path = ROOT / "BENCHMARKS.md"
    command = f"python -m tests.bench {' '.join(names)}" if names else "make bench"
    measured: dict[str, str] = {}
    for name in SECTIONS:
        if name in names or not names:
            print(f"running {name}...", file=sys.stderr)
            stamp = (
                f"_Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, by `{command}`._"
            )
            body = SECTIONS[name]().rstrip("\n")
            heading, _, rest = body.partition("\n")
            measured[name] = f"{heading}\n\n{stamp}\n{rest}\n"
    # Read only now: another run may have written its sections while these were measured.
    kept = kept_sections(path.read_text()) if names and path.exists() else {}
    parts = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`python -m tests.bench [section ...]`); do not edit by hand.",
        "These machines are shared and noisy: read medians, and ratios between engines or",
        "policies. Each section names the machine it was measured on.",
        "",
    ]
    for name in SECTIONS:
        section = measured.get(name) or kept.get(name)
        if section is not None:
            parts += [MARK.format(name), section]
    text = "\n".join(parts)
    path.write_text(text)
    print(text)


if __name__ == "__main__":
    main(sys.argv[1:])
