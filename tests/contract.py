"""Where the shared contract lives: beside the repository, never copied in."""

from __future__ import annotations

from pathlib import Path

CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "contract"


def contract_dir() -> Path:
    if not (CONTRACT / "proof.schema.json").is_file():
        raise FileNotFoundError(f"the shared contract is missing at {CONTRACT}")
    return CONTRACT
