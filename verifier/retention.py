"""Re-check one decided proof: is the follow, like, comment or join still there?

Only the live check of the action decides retention. The screenshot has not
changed since the decision, and forensics such as the duplicate search look at
other proofs submitted since: running them again could turn an action that
still holds into a "drop". So a re-check resolves the target and runs the
adapter's live check, nothing else (``Verifier.live_checks``).

``pass`` is held, ``fail`` is dropped. Anything else is ``unknown``, never
dropped: a login wall, an expired checker session, a check that became
``skipped`` (a YouTube subscriptions list made private) or a target that no
longer resolves says nothing about whether the worker undid the action.

Each re-check is recorded as an attempt of kind ``reverify`` (its checks,
evidence and time); the store never lets it change the first decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from verifier import __version__
from verifier.models import Check, Proof, Status, Verdict
from verifier.store.retention import RetentionState
from verifier.verify import Verifier

# What a re-check attempt's own verdict says (the proof's verdict is not touched).
_ATTEMPT_STATUS: dict[RetentionState, Status] = {
    "held": "approved", "dropped": "flagged", "unknown": "pending"}


@dataclass(frozen=True)
class Recheck:
    state: RetentionState
    detail: str
    verdict: Verdict


def state_of(proof: Proof, checks: list[Check]) -> tuple[RetentionState, str]:
    """The retention state the live check of the proof's action gives, with its sentence."""
    name = f"live.{proof.task.action}"
    live = next((c for c in checks if c.name == name), None)
    if live is None:
        target = next((c for c in checks if c.name == "task.target"), None)
        why = target.detail if target is not None else "no live check ran"
        return "unknown", f"the target could not be checked: {why}"
    if live.outcome == "pass":
        return "held", live.detail
    if live.outcome == "fail":
        return "dropped", live.detail
    if live.outcome == "skipped":
        return "unknown", f"the live check no longer applies: {live.detail}"
    return "unknown", live.detail


def _reasons(proof: Proof, state: RetentionState, detail: str) -> list[str]:
    action = proof.task.action
    if state == "held":
        return []
    if state == "dropped":
        return [f"Re-check: the {action} is no longer there ({detail})."]
    return [f"Re-check could not see whether the {action} is still there ({detail})."]


def recheck(verifier: Verifier, proof: Proof) -> Recheck:
    """Run the live check again and record it as a ``reverify`` attempt.

    The caller makes sure the proof was decided: on a pending proof the
    attempt could otherwise become the first decision.
    """
    started = datetime.now(UTC)
    checks = verifier.live_checks(proof)
    state, detail = state_of(proof, checks)
    verdict = Verdict(proof_id=proof.id, status=_ATTEMPT_STATUS[state], checks=checks,
                      reasons=_reasons(proof, state, detail), verified_at=datetime.now(UTC),
                      verifier_version=__version__)
    verifier.store.decide(verdict, kind="reverify", started_at=started)
    return Recheck(state=state, detail=detail, verdict=verdict)
