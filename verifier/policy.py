"""Turn checks into a decision, failing closed.

The verifier decides only ``approved`` or ``flagged``. Approval needs positive
ground (a live check that passed, a check the platform counts as one, such
as a web site's completion code, or, where the operator's policy allows it
for an action nobody can see live, the proof checks it names) and nothing
that failed or could not run: an ``unknown`` never approves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from verifier.models import Check, Proof, Status

DEFAULT_POLICY: dict[str, Any] = {
    # Proof-only approval for actions the platform hides from third parties.
    # Off by default: a moderator looks at those screenshots.
    "proof_only": {},
    # Checks that must have passed for an action, beyond "no failure".
    "required": {},
}

# Checks that confirm an action the way a passing live check does, per
# platform: a web site's completion code is made for one worker and campaign
# with a secret only the site and the operator hold (DESIGN table: web).
POSITIVE_GROUND: dict[str, tuple[str, ...]] = {"web": ("code.valid",)}


@dataclass
class Policy:
    proof_only: dict[str, list[str]] = field(default_factory=dict)
    required: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None) -> Policy:
        data = dict(DEFAULT_POLICY)
        if path is not None:
            with Path(path).open(encoding="utf-8") as fh:
                loaded = yaml.safe_load(fh) or {}
            if not isinstance(loaded, dict):
                raise ValueError(f"{path}: the policy must be a mapping")
            unknown = set(loaded) - set(DEFAULT_POLICY)
            if unknown:
                raise ValueError(f"{path}: unknown policy keys {sorted(unknown)}")
            data.update(loaded)
        return cls(proof_only=dict(data["proof_only"]), required=dict(data["required"]))

    def decide(self, proof: Proof, checks: list[Check]) -> tuple[Status, list[str]]:
        reasons: list[str] = []
        for check in checks:
            if check.outcome == "fail":
                reasons.append(check.detail or f"{check.name} failed")
        for check in checks:
            if check.outcome == "unknown":
                reasons.append(f"could not be checked: {check.detail or check.name}")
        action = proof.task.action
        key = f"{proof.task.platform}.{action}"
        by_name = {c.name: c for c in checks}
        live = [c for c in checks if c.name.startswith("live.")]
        grounds = [by_name[n] for n in POSITIVE_GROUND.get(proof.task.platform, ())
                   if n in by_name]
        live_passed = any(c.outcome == "pass" for c in [*live, *grounds])
        for name in self.required.get(key, []) + self.required.get(action, []):
            required = by_name.get(name)
            if required is None or required.outcome != "pass":
                reasons.append(f"the policy requires {name} to pass for {key} tasks")
        if not live_passed:
            proof_only = self.proof_only.get(key) or self.proof_only.get(action)
            skipped_live = any(c.outcome == "skipped" for c in live)
            if proof_only and skipped_live:
                missing = [n for n in proof_only
                           if n not in by_name or by_name[n].outcome != "pass"]
                if missing:
                    reasons.append("proof-only approval needs " + ", ".join(missing) + " to pass")
            elif skipped_live and not reasons:
                detail = next(c.detail for c in live if c.outcome == "skipped")
                reasons.append(f"{detail}; a moderator has to judge the proof")
            elif not live and not reasons:
                reasons.append("no live check could confirm the action")
        if reasons:
            return "flagged", _dedupe(reasons)
        return "approved", []


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
