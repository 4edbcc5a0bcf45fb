"""The hostile web site the sandbox serves (``trap.example.com``), shared by the tests of
hostile pages, faults and killed workers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import SandboxWorld

HOST = "trap.example.com"
WORLD = f"""
platforms:
  web:
    sites:
      - {{host: {HOST}, code_secret: s3cret, hostile: true}}
"""


def write_world(root: Path) -> Path:
    """The world file in ``root``, for a sandbox started elsewhere."""
    path = root / "world.yaml"
    path.write_text(WORLD)
    return path


@contextmanager
def hostile_sandbox(root: Path) -> Iterator[SandboxWorld]:
    """A sandbox serving the hostile site, its sessions under ``root``."""
    with SandboxWorld(write_world(root), root / "sessions") as running:
        yield running
