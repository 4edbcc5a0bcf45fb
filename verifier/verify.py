"""Verify one proof, given warm resources: the core of the product.

This module knows nothing of queues. The worker builds one ``Verifier`` at
start-up (browser, OCR engine, store) and calls ``verify`` per proof; the CLI's
``verify`` command does the same in-process.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx

from verifier import __version__
from verifier.browser.pool import BrowserPool
from verifier.budget import Budget, not_run
from verifier.evidence import EvidenceStore
from verifier.forensics.accounts import account_checks
from verifier.forensics.duplicates import duplicate_checks
from verifier.forensics.images import ImageProblem, LoadedImage, load_screenshots
from verifier.forensics.ocr import OcrEngine, OcrResult
from verifier.forensics.ocr_api import deadline as ocr_deadline
from verifier.forensics.screenshots import screenshot_checks
from verifier.forensics.tamper import tamper_check
from verifier.models import Check, Proof, Verdict
from verifier.platforms import LiveEnv, Target, TargetError, get_adapter
from verifier.policy import Policy
from verifier.politeness import Politeness
from verifier.settings import Settings
from verifier.sites import sites_for
from verifier.store import Store
from verifier.urlguard import UrlGuard

log = logging.getLogger(__name__)


def sandbox_web_hosts(sandbox: str) -> frozenset[str]:
    """The web targets a sandbox world declares (contract §2: "any web target
    host that the world lists"); the sandbox is the one declared exception to
    the allow-list, so its word is taken for them."""
    try:
        response = httpx.get(f"{sandbox.rstrip('/')}/__admin/hosts", timeout=5)
        response.raise_for_status()
        hosts = response.json().get("web", [])
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        log.warning("could not read the sandbox's web hosts: %s", exc)
        return frozenset()
    return frozenset(str(h).lower() for h in hosts)


_NAME = re.compile(r"@?[A-Za-z0-9_.-]+")


def owner_shown(proof: Proof, earlier: list[Check]) -> str | None:
    """The name the live check saw the target's owner shown by (a video's channel
    title): a watch page names the channel, never its ``@handle``, so the
    screenshot checks look for this name and place the state beside it."""
    live = next((c for c in earlier if c.name == f"live.{proof.task.action}"), None)
    return live.shown_owner if live else None


def shown_name(target: Target) -> str | None:
    """The name a screenshot of the target shows: the post's author when the URL
    names it, else an account's or group's handle. Never a post id, an app
    package or a numeric id: no page prints those, so looking for one failed
    every honest screenshot of an Instagram post, a YouTube video, a Reddit
    post or a Facebook group (proof.target is skipped there instead)."""
    if target.owner:
        return target.owner
    if target.kind in ("account", "group") and _NAME.fullmatch(target.key) \
            and not target.key.isdigit():
        return target.key
    return None


def build_guard(settings: Settings) -> UrlGuard:
    web = settings.web_host_set | sites_for(settings).hosts  # the operator's declared sites
    if settings.sandbox:
        web |= sandbox_web_hosts(settings.sandbox)
    return UrlGuard(web_hosts=web, image_hosts=settings.image_host_set,
                    sandboxed=bool(settings.sandbox))


class Verifier:
    """Holds the warm browser, OCR engine and store for many proofs."""

    def __init__(self, settings: Settings, store: Store | None = None,
                 pool: BrowserPool | None = None, ocr: OcrEngine | None = None,
                 policy: Policy | None = None, politeness: Politeness | None = None) -> None:
        self.settings = settings
        self.guard = build_guard(settings)
        self.store = store or Store(settings.db_url)
        self.store.create_schema()
        self.evidence = EvidenceStore(settings.evidence_dir)
        self.pool = pool or BrowserPool(settings, self.guard)
        self.pool.guard = self.guard  # a shared warm pool follows this verifier's allow-list
        self.ocr = ocr or OcrEngine()
        self.policy = policy or Policy.load(settings.policy_file)
        # In-process limits unless a caller with Redis (a queue worker) shares its own.
        self.politeness = politeness or Politeness.from_settings(settings)
        self.env = LiveEnv(pool=self.pool, evidence=self.evidence, settings=settings, ocr=self.ocr,
                           store=self.store, politeness=self.politeness)
        self._proof_budget = Budget(settings.proof_budget_s)

    def close(self) -> None:
        self.pool.close()
        self.ocr.close()

    def __enter__(self) -> Verifier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------
    def verify(self, proof: Proof, kind: str = "initial", *, may_defer: bool = False
               ) -> Verdict:
        """Run every check, decide, store; returns the verdict of this attempt.

        With ``may_defer`` (the queue has a later attempt to give), a proof that would
        be flagged only for unknowns the policy retries stays ``pending``: the attempt
        is recorded and the caller schedules the next one.
        """
        self.store.add_proof(proof)  # idempotent: the queue path added it already
        self._proof_budget = Budget(self.settings.proof_budget_s)
        checks: list[Check] = []
        target = self._target(proof, checks)
        if target is not None:
            checks.append(self._live(proof, target))
            checks.extend(self._budgeted(f"{proof.task.platform}.proof",
                                         lambda: self._platform_proof_checks(proof, target),
                                         browser=True))
        checks.extend(self._proof_checks(proof, target, checks))
        status, reasons = self.policy.decide(proof, checks)
        if status == "flagged" and may_defer:
            why = self.policy.retry_reason(proof.task.platform, checks)
            if why is not None:
                status = "pending"
                reasons = [f"to be checked again later ({why}): {r}" for r in reasons]
        verdict = Verdict(
            proof_id=proof.id, status=status, checks=checks, reasons=reasons,
            verified_at=datetime.now(UTC), verifier_version=__version__,
        )
        self.store.decide(verdict, kind=kind)
        # The store keeps the first decision as the proof's verdict; this
        # attempt's own result is what the caller asked for.
        verdict.attempts = len(self.store.attempts(proof.id))
        return verdict

    def live_checks(self, proof: Proof) -> list[Check]:
        """The target and the live check of the action alone: what a re-check looks at.

        Proof forensics are not run again: the screenshot has not changed, and a
        duplicate submitted since must not turn an action that still holds into a drop.
        """
        checks: list[Check] = []
        target = self._target(proof, checks)
        if target is not None:
            checks.append(self._live(proof, target))
        return checks

    def _target(self, proof: Proof, checks: list[Check]) -> Target | None:
        adapter = get_adapter(proof.task.platform)
        if adapter is None:
            checks.append(Check(
                name=f"live.{proof.task.action}", outcome="unknown",
                detail=f"no live check for {proof.task.platform} exists in this version"))
            return None
        try:
            target = adapter.resolve_target(proof.task.target, self.env)
        except TargetError as exc:
            checks.append(Check(name="task.target", outcome="fail", detail=str(exc)))
            return None
        checks.append(Check(name="task.target", outcome="pass",
                            detail=f"{target.platform} {target.kind} {target.key}"))
        return target

    def _check_budget(self) -> Budget:
        """One check's budget: VERIFIER_CHECK_BUDGET_S, or what the proof has left."""
        return Budget(min(self.settings.check_budget_s, self._proof_budget.remaining))

    def _live(self, proof: Proof, target: Target) -> Check:
        """The live check under its budget; run once more on a fresh browser when the
        browser died under it (a crash, not the budget's watchdog), since that says
        nothing about the page."""
        name = f"live.{proof.task.action}"
        check = not_run(name, self.settings.proof_budget_s)
        for attempt in (1, 2):
            if self._proof_budget.expired:
                return check if attempt > 1 else not_run(name, self.settings.proof_budget_s)
            budget = self._check_budget()
            with self.pool.watch(budget):
                check = self._live_once(proof, target, name)
            if budget.expired:
                return budget.overrun(name)
            if check.outcome != "unknown" or self.pool.alive() or attempt > 1:
                return check
            log.warning("the browser died during the live check of %s (%s); once more on a "
                        "fresh browser", proof.id, check.detail)
        return check

    def _live_once(self, proof: Proof, target: Target, name: str) -> Check:
        adapter = get_adapter(proof.task.platform)
        assert adapter is not None
        try:
            return adapter.run_live(proof, target, self.env)
        except Exception as exc:  # a broken page must not crash the worker
            log.exception("live check crashed for %s", proof.id)
            return Check(name=name, outcome="unknown",
                         detail=f"the live check stopped with an error: {exc}")

    def _budgeted(self, name: str, run: Callable[[], list[Check]],
                  browser: bool = False) -> list[Check]:
        """A check of what the worker submitted, within its budget: not started once the
        proof's budget is spent, and ``unknown`` (each check it gave) when it overran.
        OCR is stopped inside Tesseract at the deadline; a check that may open pages
        (``browser``) is under the pool's watchdog as well."""
        if self._proof_budget.expired:
            return [not_run(name, self.settings.proof_budget_s)]
        budget = self._check_budget()
        # OCR stops inside Tesseract when the budget runs out (ocr_api.deadline).
        with ocr_deadline(time.monotonic() + budget.remaining):
            if browser:
                with self.pool.watch(budget):
                    checks = run()
            else:
                checks = run()
        if budget.expired:
            return [budget.overrun(c.name) for c in checks] or [budget.overrun(name)]
        return checks

    def _platform_proof_checks(self, proof: Proof, target: Target) -> list[Check]:
        adapter = get_adapter(proof.task.platform)
        assert adapter is not None
        try:
            return adapter.proof_checks(proof, target, self.env)
        except Exception as exc:  # same rule as the live check: never crash the worker
            log.exception("platform proof checks crashed for %s", proof.id)
            return [Check(name=f"{proof.task.platform}.proof", outcome="unknown",
                          detail=f"checking the submitted proof stopped with an error: {exc}")]

    def _proof_checks(self, proof: Proof, target: Target | None,
                      earlier: list[Check] | None = None) -> list[Check]:
        """Screenshot forensics, duplicates, tampering hints and account sharing.

        ``earlier`` holds the checks already run (the live check among them),
        which the tampering hints compare the screenshot with.
        """
        shots = proof.evidence.screenshots if proof.evidence else []
        loaded: list[LoadedImage | ImageProblem] = load_screenshots(
            shots, self.settings, self.guard)
        target_handle = shown_name(target) if target else None
        target_name = owner_shown(proof, earlier or [])
        checks: list[Check] = []

        def screenshots() -> list[Check]:
            try:
                return screenshot_checks(proof, loaded, self.ocr, self.evidence,
                                         target_handle, target_name)
            except Exception as exc:
                log.exception("screenshot checks crashed for %s", proof.id)
                return [Check(name="proof.screenshot", outcome="unknown",
                              detail=f"reading the screenshot failed: {exc}")]

        checks.extend(self._budgeted("proof.screenshot", screenshots))
        good = [img for img in loaded if isinstance(img, LoadedImage)]
        texts = self._ocr_results(proof, good) if not self._proof_budget.expired else {}
        if shots:
            checks.extend(self._budgeted("proof.duplicate", lambda: [self._guarded(
                "proof.duplicate", proof, lambda: duplicate_checks(
                    proof, good, self.store, texts, self.policy.duplicates, self.evidence)[0])]))
        by_name = {c.name: c for c in [*(earlier or []), *checks]}
        live = by_name.get(f"live.{proof.task.action}")
        checks.extend(self._budgeted("proof.tamper", lambda: [self._guarded(
            "proof.tamper", proof, lambda: tamper_check(
                proof, loaded, texts, live, by_name.get("proof.state")))]))
        checks.extend(self._budgeted("proof.account", lambda: account_checks(proof, self.store)))
        return checks

    def _ocr_results(self, proof: Proof, images: list[LoadedImage]) -> dict[str, OcrResult]:
        """What OCR read in each image: the engine remembers the reads forensics made."""
        texts: dict[str, OcrResult] = {}
        for image in images:
            try:
                texts[image.sha256] = self.ocr.read_auto(image.image)
            except Exception:  # forensics already said the image could not be read
                log.exception("OCR failed for a screenshot of %s", proof.id)
        return texts

    @staticmethod
    def _guarded(name: str, proof: Proof, run: Callable[[], Check]) -> Check:
        """A crashing check is ``unknown`` with the error, never a crashed worker."""
        try:
            return run()
        except Exception as exc:
            log.exception("%s crashed for %s", name, proof.id)
            return Check(name=name, outcome="unknown",
                         detail=f"the {name} check stopped with an error: {exc}")


def verdict_line(verdict: Verdict) -> dict[str, Any]:
    return verdict.to_json()
