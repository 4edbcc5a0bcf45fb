"""The Chromium process a pool launched, found and judged from ``/proc``.

Playwright does not say which process is the browser. The pool tags its
launch with a switch Chromium ignores (``--verifier-pool=TOKEN``), so the one
process carrying it is ours, even when several pools share a driver. Knowing
it lets the pool see a stopped (hung) browser that still looks connected, and
end one that a hostile page or a fault keeps from answering.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

TAG = "--verifier-pool="
PROC = Path("/proc")


def _processes() -> Iterator[tuple[Path, list[bytes]]]:
    """(``/proc`` entry, command line) of every process that can still be read."""
    for entry in PROC.iterdir() if PROC.is_dir() else ():
        if not entry.name.isdigit():
            continue
        try:
            yield entry, (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue


def find_tagged(token: str) -> int | None:
    """The pid of the process launched with ``--verifier-pool=token``, if one runs."""
    wanted = f"{TAG}{token}".encode()
    for entry, args in _processes():
        if wanted in args and not any(a.startswith(b"--type=") for a in args):
            return int(entry.name)
    return None


def state(pid: int) -> str | None:
    """The kernel's one-letter state (R, S, T stopped, Z zombie ...), None when gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def present(pid: int | None) -> bool:
    """Whether the process is still there to end: running, sleeping or stopped, not a
    zombie (a zombie's parent has yet to reap it; signalling it does nothing)."""
    return pid is not None and state(pid) not in (None, "Z", "X")


def usable(pid: int | None) -> bool:
    """Whether the process can still answer: running or sleeping, not stopped or dead."""
    return pid is not None and state(pid) not in (None, "T", "t", "Z", "X")


def kill(pid: int | None) -> bool:
    """SIGKILL (it also ends a stopped process); False when there was nothing to kill."""
    if pid is None:
        return False
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True


def drivers() -> set[int]:
    """Pids of this process's Playwright drivers (``node ... run-driver`` children)."""
    me = str(os.getpid())
    found: set[int] = set()
    for entry, args in _processes():
        if b"run-driver" not in args:
            continue
        try:
            parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
        except (OSError, IndexError):
            continue
        if parent == me:
            found.add(int(entry.name))
    return found
