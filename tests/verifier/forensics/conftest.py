"""Fixtures the forensics tests share: settings over a temporary home, an evidence store."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.evidence import EvidenceStore
from verifier.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(VERIFIER_HOME=tmp_path)  # type: ignore[call-arg]


@pytest.fixture
def evidence(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence")
