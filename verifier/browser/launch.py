"""How to start Chromium on this machine and on a user's.

Playwright's bundled Chromium is used when ``playwright install chromium``
has put it there; otherwise Debian's ``/usr/bin/chromium``. The flags keep a
headless browser from phoning home (component updates, sync, QUIC probes),
which on a closed network costs seconds of refused connections per start.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
)

SYSTEM_CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def find_executable(configured: str | None, bundled: str | None) -> str | None:
    """The browser binary to pass as ``executable_path``; None means Playwright's own."""
    if configured:
        return configured
    if bundled and Path(bundled).exists():
        return None
    for candidate in SYSTEM_CHROMIUM:
        if Path(candidate).exists():
            return candidate
    found = shutil.which("chromium")
    if found:
        return found
    raise RuntimeError(
        "no Chromium found: run 'playwright install chromium' (with internet) "
        "or 'apt-get install chromium', or set VERIFIER_CHROMIUM"
    )


def launch_options(configured: str | None, bundled: str | None,
                   no_sandbox: bool = False) -> dict[str, Any]:
    args = list(QUIET_FLAGS)
    if no_sandbox or (hasattr(os, "geteuid") and os.geteuid() == 0):
        # Chromium's sandbox refuses to run as root; only then do we drop it.
        args.append("--no-sandbox")
    options: dict[str, Any] = {"headless": True, "args": args}
    executable = find_executable(configured, bundled)
    if executable:
        options["executable_path"] = executable
    return options
