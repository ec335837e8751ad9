"""Memory of a process and its children, from /proc (Linux): for the web service's flood test
and benchmark, where the password checks run in a child process."""

from __future__ import annotations

import re
from pathlib import Path


def memory_kib(pid: int, field: str = "VmRSS") -> int:
    """``field`` of /proc/PID/status (VmRSS, VmHWM, ...) summed over ``pid`` and its children."""
    total = 0
    for p in (pid, *children(pid)):
        try:
            text = Path(f"/proc/{p}/status").read_text()
        except FileNotFoundError:
            continue
        total += int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))
    return total


def children(pid: int) -> list[int]:
    """Every descendant of ``pid`` that is still running."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            listed = (task / "children").read_text().split()
        except FileNotFoundError:
            continue
        for child in listed:
            found += [int(child), *children(int(child))]
    return found
