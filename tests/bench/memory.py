"""A benchmark process's own peak memory.

`getrusage(RUSAGE_SELF).ru_maxrss` is no good in a child started by a large parent (as
`make bench` starts each engine's run after the platform benchmarks have grown it): Linux keeps
the high-water mark of the memory the child had before exec, which was the parent's. VmHWM in
/proc/self/status belongs to the program as it runs now, so it is read where there is one.
"""

from __future__ import annotations

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started its program, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
