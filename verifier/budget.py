"""Time budgets: each check of a proof, and the proof as a whole, end in time.

A page chosen by an untrusted person can keep a browser busy forever (a
script that never returns, a response that never ends), and the RQ job
timeout would then kill the whole proof with nothing recorded. A check runs
under a ``Budget``; a check that overruns it is ``unknown`` with "took longer
than N s" (fail closed), whatever it returned. The browser side is enforced
by the pool (timeouts capped to what is left, then a watchdog that ends the
browser); work in this process is measured and its result discarded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from verifier.models import Check


@dataclass
class Budget:
    """``seconds`` from creation; ``killed`` when a watchdog had to end the work."""

    seconds: float
    start: float = field(default_factory=time.monotonic)
    killed: bool = False

    @property
    def remaining(self) -> float:
        return self.seconds - (time.monotonic() - self.start)

    @property
    def expired(self) -> bool:
        return self.killed or self.remaining <= 0

    def overrun(self, name: str) -> Check:
        """The check that replaces whatever ``name`` produced past its budget."""
        return Check(name=name, outcome="unknown",
                     detail=f"the {name} check took longer than {self.seconds:g} s "
                            "(VERIFIER_CHECK_BUDGET_S) and was stopped; what it saw is not used")


def not_run(name: str, seconds: float) -> Check:
    """A check never started because the proof's whole budget was already spent."""
    return Check(name=name, outcome="unknown",
                 detail=f"the {name} check was not run: the proof's {seconds:g} s budget "
                        "(under the job timeout, VERIFIER_JOB_TIMEOUT) was spent")
