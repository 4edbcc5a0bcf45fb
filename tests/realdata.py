"""Where the shared real-world test material lives.

The screenshots and UI strings in ``shared/realdata`` are third-party data
under their own licenses (see its MANIFEST.md), so they are never copied into
this repository: tests read them in place, from the ``shared`` folder beside
the repository root.  A missing folder is an error, never a skipped test.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def realdata_dir() -> Path:
    """``../shared/realdata`` relative to the repository root; fails loudly if absent."""
    path = (REPO_ROOT / "../shared/realdata").resolve()
    if not (path / "MANIFEST.md").is_file():
        raise FileNotFoundError(
            f"real test data not found at {path}: the tests need the shared/realdata folder "
            "beside the repository root (it is not part of the repository)"
        )
    return path


def screenshot(name: str) -> Path:
    """A real screenshot from ``realdata/screenshots``; fails loudly if missing."""
    path = realdata_dir() / "screenshots" / name
    if not path.is_file():
        raise FileNotFoundError(f"real screenshot {name} not found in {path.parent}")
    return path


def ui_strings(name: str) -> Path:
    path = realdata_dir() / "ui_strings" / name
    if not path.is_file():
        raise FileNotFoundError(f"real UI strings {name} not found in {path.parent}")
    return path
