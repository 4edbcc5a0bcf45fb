"""Peak memory of a process and everything it started, sampled from /proc.

The bench runs each arm in a child process; its Playwright driver and every
Chromium process are that child's descendants, so the tree's sum is what one
verifier process costs the host. Both sums are kept: RSS (what ``top`` shows;
it counts the pages Chromium's processes share once per process, so it
overstates) and PSS (shared pages split between the sharers; what the host
actually gives up). /proc is read directly: psutil is not a dependency and
this is all it would be needed for.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process now alive."""
    parents: dict[int, int] = {}
    for entry in os.scandir(PROC):
        if not entry.name.isdigit():
            continue
        try:
            stat = (PROC / entry.name / "stat").read_text()
        except OSError:  # gone since the listing
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def tree(root: int) -> list[int]:
    """``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for pid, ppid in _parents().items():
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _kib(path: Path, field: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass  # the process ended, or the kernel has no such file
    return 0


@dataclass
class Peak:
    rss_mib: float | None = None
    pss_mib: float | None = None
    processes: int = 0  # the most processes the tree held at once


class TreeSampler:
    """Samples a process tree's memory in a thread until stopped; keeps the peaks."""

    def __init__(self, root: int, interval: float = 0.2) -> None:
        self.root = root
        self.interval = interval
        self.peak = Peak()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-memory", daemon=True)

    @staticmethod
    def available() -> bool:
        return (PROC / str(os.getpid()) / "status").is_file()

    def sample(self) -> None:
        pids = tree(self.root)
        rss = sum(_kib(PROC / str(p) / "status", "VmRSS:") for p in pids)
        pss = sum(_kib(PROC / str(p) / "smaps_rollup", "Pss:") for p in pids)
        peak = self.peak
        peak.rss_mib = max(peak.rss_mib or 0.0, rss / 1024)
        if pss:
            peak.pss_mib = max(peak.pss_mib or 0.0, pss / 1024)
        peak.processes = max(peak.processes, len(pids))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> TreeSampler:
        if self.available():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
