"""Turn checks into a decision, failing closed, under rules the operator edits.

The verifier decides only ``approved`` or ``flagged``. Approval needs positive
ground (a live check that passed, a check the platform counts as one, such
as a web site's completion code, or, where the operator's policy allows it
for an action nobody can see live, the proof checks it names) and nothing
that failed or could not run: an ``unknown`` never approves.

The rules live in a YAML file: the bundled ``verifier/policy.yaml`` (read by
``Policy.load(None)``, documented inline) under the operator's own file
(``VERIFIER_POLICY``), which only needs the settings it changes.  A key this
version does not know is an error naming it: a misspelt rule silently
ignored would be a rule nobody enforces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from verifier.forensics.copytext import SAME_TEXT
from verifier.forensics.duplicates import NEAR_DISTANCE, DuplicateRules
from verifier.models import ACTIONS, PLATFORMS, Check, Proof, Status
from verifier.unknowns import unknown_reason

BUNDLED_POLICY = Path(__file__).with_name("policy.yaml")
TOP_KEYS = ("required", "proof_only", "duplicates", "retry_unknown")
PROOF_CHECKS = ("proof.screenshot", "proof.handle", "proof.target", "proof.state",
                "proof.duplicate", "proof.tamper", "proof.account")
KNOWN_CHECKS = frozenset((*PROOF_CHECKS, "task.target", "code.valid",
                          *(f"live.{action}" for action in ACTIONS)))
# What a moderator would look for in a screenshot when the operator allows
# proof-only approval without naming the checks.
DEFAULT_PROOF_ONLY = ("proof.screenshot", "proof.handle", "proof.target", "proof.state",
                      "proof.duplicate", "proof.tamper", "proof.account")
# Why a check can end ``unknown``; the queue retries the ones ``retry_unknown`` lists.
UNKNOWN_REASONS = ("rate_limit", "timeout", "network", "login", "captcha", "layout_changed",
                   "error")
MAX_NEAR_DISTANCE = 15  # from 16 bits on, every duplicate search scans all images

# Checks that confirm an action the way a passing live check does, per
# platform: a web site's completion code is made for one worker and campaign
# with a secret only the site and the operator hold (DESIGN table: web).
POSITIVE_GROUND: dict[str, tuple[str, ...]] = {"web": ("code.valid",)}

_CELL = re.compile(r"^(?:(?P<platform>[a-z]+)\.)?(?P<action>[a-z]+)$")


class PolicyError(ValueError):
    """The policy file is wrong; the message names the file and the key."""


@dataclass
class Policy:
    """The operator's rules. Code defaults equal the bundled file's: nothing proof-only."""

    # Cell ("like" or "x.like") -> proof checks that must pass; None: explicitly not allowed.
    proof_only: dict[str, list[str] | None] = field(default_factory=dict)
    required: dict[str, list[str]] = field(default_factory=dict)
    duplicates: DuplicateRules = field(default_factory=DuplicateRules)
    retry_unknown: tuple[str, ...] = ("rate_limit", "timeout")

    @classmethod
    def load(cls, path: Path | str | None) -> Policy:
        """The bundled policy with the operator's file (if any) laid over it.

        A cell or setting the operator writes replaces the bundled one; what
        they leave out keeps its bundled value.
        """
        data = _parse(_read(BUNDLED_POLICY), BUNDLED_POLICY)
        if path is not None:
            own = _parse(_read(Path(path)), Path(path))
            for key in ("proof_only", "required", "duplicates"):
                data[key] = {**data[key], **own.get(key, {})}
            if "retry_unknown" in own:
                data["retry_unknown"] = own["retry_unknown"]
        return cls(
            proof_only=data["proof_only"], required=data["required"],
            duplicates=DuplicateRules(**data["duplicates"]),
            retry_unknown=tuple(data["retry_unknown"]),
        )

    def proof_only_rule(self, platform: str, action: str) -> list[str] | None:
        """The proof checks that allow approval without a live check, or None."""
        key = f"{platform}.{action}"
        if key in self.proof_only:
            return self.proof_only[key]
        return self.proof_only.get(action)

    def retry_reason(self, platform: str, checks: list[Check]) -> str | None:
        """Why a proof that would be flagged is worth checking again later, or None.

        Only when nothing failed and every ``unknown`` check ended so for a reason
        the operator lists in ``retry_unknown``: a fail never waits, and neither
        does an unknown that time will not change.
        """
        if any(c.outcome == "fail" for c in checks):
            return None
        reasons = [unknown_reason(platform, c) for c in checks if c.outcome == "unknown"]
        if not reasons or any(r is None or r not in self.retry_unknown for r in reasons):
            return None
        return ", ".join(dict.fromkeys(r for r in reasons if r))

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
            proof_only = self.proof_only_rule(proof.task.platform, action)
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


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy file: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path}: not valid YAML: {exc}") from exc


def _parse(raw: Any, path: Path) -> dict[str, Any]:
    """Validated, normalised settings of one file (only the keys it has)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: the policy must be a mapping of {', '.join(TOP_KEYS)}")
    for key in raw:
        if key not in TOP_KEYS:
            raise PolicyError(f"{path}: unknown key '{key}' (the policy knows "
                              f"{', '.join(TOP_KEYS)})")
    out: dict[str, Any] = {}
    if "required" in raw:
        out["required"] = {
            _cell(cell, f"required.{cell}", path): _checks(names, f"required.{cell}", path)
            for cell, names in _mapping(raw["required"], "required", path).items()}
    if "proof_only" in raw:
        out["proof_only"] = {
            _cell(cell, f"proof_only.{cell}", path): _proof_only(rule, f"proof_only.{cell}", path)
            for cell, rule in _mapping(raw["proof_only"], "proof_only", path).items()}
    if "duplicates" in raw:
        out["duplicates"] = _duplicates(_mapping(raw["duplicates"], "duplicates", path), path)
    if "retry_unknown" in raw:
        reasons = raw["retry_unknown"] or []
        if not isinstance(reasons, list):
            raise PolicyError(f"{path}: retry_unknown must be a list of reasons")
        for reason in reasons:
            if reason not in UNKNOWN_REASONS:
                raise PolicyError(f"{path}: retry_unknown: unknown reason '{reason}' (known: "
                                  f"{', '.join(UNKNOWN_REASONS)})")
        out["retry_unknown"] = list(dict.fromkeys(reasons))
    return out


def _mapping(value: Any, where: str, path: Path) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PolicyError(f"{path}: {where} must be a mapping")
    return value


def _cell(key: Any, where: str, path: Path) -> str:
    """``action`` or ``platform.action``, both known to this version."""
    found = _CELL.match(str(key))
    if not found:
        raise PolicyError(f"{path}: {where}: a rule is keyed by an action or platform.action")
    platform, action = found.group("platform"), found.group("action")
    if platform is not None and platform not in PLATFORMS:
        raise PolicyError(f"{path}: {where}: unknown platform '{platform}'")
    if action not in ACTIONS:
        raise PolicyError(f"{path}: {where}: unknown action '{action}'")
    return str(key)


def _checks(names: Any, where: str, path: Path) -> list[str]:
    if names is None:
        return []
    if not isinstance(names, list):
        raise PolicyError(f"{path}: {where} must be a list of check names")
    for name in names:
        if name not in KNOWN_CHECKS:
            raise PolicyError(f"{path}: {where}: unknown check '{name}'")
    return list(dict.fromkeys(names))


def _proof_only(rule: Any, where: str, path: Path) -> list[str] | None:
    """``false``, a list of checks, or ``{allowed: bool, require: [checks]}``."""
    if rule is False or rule is None:
        return None
    if rule is True:
        return list(DEFAULT_PROOF_ONLY)
    if isinstance(rule, list):
        require = _checks(rule, where, path)
    elif isinstance(rule, dict):
        for key in rule:
            if key not in ("allowed", "require"):
                raise PolicyError(f"{path}: {where}: unknown key '{key}' (allowed, require)")
        allowed = rule.get("allowed", False)
        if not isinstance(allowed, bool):
            raise PolicyError(f"{path}: {where}.allowed must be true or false")
        if not allowed:
            return None
        require = (_checks(rule["require"], f"{where}.require", path) if "require" in rule
                   else list(DEFAULT_PROOF_ONLY))
    else:
        raise PolicyError(f"{path}: {where} must be false, a list of checks or "
                          "{allowed, require}")
    if not require:
        raise PolicyError(f"{path}: {where}: proof-only approval with no check to pass "
                          "would approve any claim")
    return require


def _duplicates(raw: dict[Any, Any], path: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "near_distance":
            if (not isinstance(value, int) or isinstance(value, bool)
                    or not 0 <= value <= MAX_NEAR_DISTANCE):
                raise PolicyError(f"{path}: duplicates.near_distance must be a whole number "
                                  f"of bits from 0 to {MAX_NEAR_DISTANCE} (default "
                                  f"{NEAR_DISTANCE})")
            out[key] = value
        elif key == "same_text":
            if (not isinstance(value, int | float) or isinstance(value, bool)
                    or not 0 <= value <= 1):
                raise PolicyError(f"{path}: duplicates.same_text must be a share from 0 to 1 "
                                  f"(default {SAME_TEXT})")
            out[key] = float(value)
        else:
            raise PolicyError(f"{path}: unknown key 'duplicates.{key}' (near_distance, "
                              "same_text)")
    return out


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
