"""Web: signup and visit tasks on the employer's own site.

A visit leaves no trace a third party can see, and a signup shows at most a
member page, so the site hands the worker a completion code (contract §4:
``vc-`` + 16 hex digits of an HMAC of campaign and worker) and the verifier
recomputes it with the site's secret: a code made for another worker or
campaign does not match, so codes cannot be shared or reused. Where the
operator declared member pages, a signup is also looked up live.

Which sites exist is the operator's declaration (``verifier.sites``), never a
guess from the URL: a target on an undeclared host is refused.
"""

from __future__ import annotations

import contextlib
import hmac
import re
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from verifier.models import Check, Proof
from verifier.platforms.base import (
    Adapter,
    LiveEnv,
    Target,
    TargetError,
    action,
    load_platform_data,
)
from verifier.platforms.visit import Seen, Visit, Walls
from verifier.sites import (
    CODE_HEX_DIGITS,
    CODE_PREFIX,
    Site,
    Sites,
    SitesError,
    completion_code,
    sites_for,
)

CODE_RE = re.compile(re.escape(CODE_PREFIX) + f"[0-9a-f]{{{CODE_HEX_DIGITS}}}(?![0-9a-f])")
ACTIONS = ("signup", "visit")
LOAD_SETTLE_MS = 3000  # a member page's own load event; past it the page is taken as it is


class WebAdapter(Adapter):
    platform = "web"

    def __init__(self) -> None:
        self.data = load_platform_data("web")
        self.walls = Walls(self.data["walls"])

    # -- targets -----------------------------------------------------------
    def parse_target(self, url: str) -> Target:
        """The URL's form only; whether its site is declared needs the settings."""
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().rstrip(".")
        if parts.scheme not in ("http", "https") or not host:
            raise TargetError(f"{url!r} is not a web address (expected https://HOST/PATH)")
        return Target("web", "site", host, url.strip())

    def resolve_target(self, url: str, env: LiveEnv) -> Target:
        target = self.parse_target(url)
        try:
            sites = sites_for(env.settings)
        except SitesError:
            return target  # the operator's file is broken: the checks say so, not the worker
        if sites.get(target.key) is None:
            raise TargetError(f"{target.key} is not a declared web target: the operator lists "
                              "the sites whose tasks can be checked (VERIFIER_SITES)")
        return target

    def _site(self, target: Target, env: LiveEnv) -> tuple[Site | None, str]:
        try:
            sites: Sites = sites_for(env.settings)
        except SitesError as exc:
            return None, f"the operator's sites file cannot be read: {exc}"
        site = sites.get(target.key)
        if site is None:
            return None, f"{target.key} is not a declared web target"
        return site, ""

    # -- completion code ---------------------------------------------------
    def proof_checks(self, proof: Proof, target: Target, env: LiveEnv) -> list[Check]:
        if proof.task.action not in ACTIONS:
            return []
        return [self.code_check(proof, target, env)]

    def code_check(self, proof: Proof, target: Target, env: LiveEnv) -> Check:
        name = "code.valid"
        site, problem = self._site(target, env)
        raw = (proof.evidence.code if proof.evidence else None) or ""
        if not raw.strip():
            if proof.task.action == "signup" and site is not None and site.member_url:
                return Check(name=name, outcome="skipped",
                             detail="the proof gives no completion code; the member page "
                                    "decides")
            return Check(name=name, outcome="fail",
                         detail=f"the proof gives no completion code, and a {proof.task.action} "
                                f"on {target.key} leaves no other trace to check")
        found = CODE_RE.search(raw.strip().lower())
        if found is None:
            return Check(name=name, outcome="fail",
                         detail=f"the code is malformed: {raw.strip()[:40]!r} is not "
                                f"{CODE_PREFIX} followed by {CODE_HEX_DIGITS} hex digits")
        if site is None:
            return self.unknown(name, problem)
        if site.code_secret is None:
            return self.unknown(name, f"no code secret is configured for {site.host}, so its "
                                      "completion codes cannot be recomputed")
        if not proof.campaign:
            return self.unknown(name, "the proof names no campaign, and a completion code is "
                                      "made from the campaign and the worker id")
        expected = completion_code(site.code_secret, proof.campaign, proof.worker.id)
        if hmac.compare_digest(found.group(0), expected):
            earlier = self._cashed_by(proof, expected, env)
            if earlier:
                return Check(name=name, outcome="fail",
                             detail=f"the completion code was already cashed by proof {earlier} "
                                    f"of worker {proof.worker.id} for the same target in "
                                    f"campaign {proof.campaign}: a code pays once")
            return Check(name=name, outcome="pass",
                         detail=f"the completion code matches {site.host}'s code for worker "
                                f"{proof.worker.id} in campaign {proof.campaign}")
        return Check(name=name, outcome="fail",
                     detail=f"the code belongs to another worker or campaign: {site.host} "
                            f"gives worker {proof.worker.id} in campaign {proof.campaign} a "
                            "different code")

    @staticmethod
    def _cashed_by(proof: Proof, code: str, env: LiveEnv) -> str | None:
        """The id of an earlier proof of the same campaign, worker and target that gave
        this code (one code is one payment), if any."""
        if env.store is None or not proof.campaign:
            return None
        target = _target_key(proof.task.target)
        for proof_id, raw in env.store.earlier_proofs_of_worker(
                proof.id, proof.campaign, proof.worker.id, "web"):
            other = (raw.get("evidence") or {}).get("code") or ""
            found = CODE_RE.search(str(other).strip().lower())
            if found and found.group(0) == code \
                    and _target_key(str(raw.get("task", {}).get("target", ""))) == target:
                return proof_id
        return None

    # -- live checks -----------------------------------------------------------
    @action("visit")
    def check_visit(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return Check(name=name, outcome="skipped",
                     detail="a visit leaves no public trace; the completion code decides")

    def no_handler(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        return self.unknown(name, f"web tasks are signups and visits; {proof.task.action} is "
                                  "not an action on a web site")

    @action("signup")
    def check_signup(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        site, problem = self._site(target, env)
        if site is None:
            return self.unknown(name, problem)
        handle = (proof.worker.handle or "").strip()
        url = site.member_page(handle) if handle else None
        if site.member_url is None:
            return Check(name=name, outcome="skipped",
                         detail=f"{site.host} has no member pages the operator declared; the "
                                "completion code decides")
        if url is None:
            return self.unknown(name, f"the proof names no account (e-mail or username) to look "
                                      f"up on {site.host}")
        if site.members_need_login and env.pool.session_file("web") is None:
            return self.unknown(name, f"{site.host} shows member pages only to a logged-in "
                                      "account and no checker session for web is configured")
        return self._member_page(name, site, handle, url, env)

    def _member_page(self, name: str, site: Site, handle: str, url: str,
                     env: LiveEnv) -> Check:
        spec: dict[str, Any] = self.data["member_page"]
        with Visit(env, "web", record_blocked=False) as visit:
            page, info, evidence = visit.open_page(), visit.info, visit.evidence
            try:
                response = page.goto(url, wait_until="domcontentloaded")
            except PlaywrightTimeout:
                return self.unknown(name, f"{site.host} did not finish sending {url} in time "
                                          f"(or a script on it kept the page from loading)")
            except Exception as exc:
                return self.unknown(name, f"{url} could not be opened: "
                                          f"{_why_not_opened(exc, info.blocked, info.events)}")
            status = response.status if response is not None else 0
            # A member page is small and static: whatever it does on load happens here;
            # one still loading pictures after that is taken as it stands.
            with contextlib.suppress(PlaywrightTimeout):
                page.wait_for_load_state("load", timeout=LOAD_SETTLE_MS)
            try:
                evidence.append(env.evidence.put(page.screenshot(type="png"), "png"))
            except PlaywrightTimeout:
                return self.unknown(name, f"{url} answered {status} but never let itself be "
                                          "captured: a script on it kept the page busy")
            except Exception as exc:  # the page went away under the capture
                moved = _moved_to(page.url, url)
                if not moved and not info.events:
                    return self.unknown(name, f"{url} answered {status} but could not be "
                                              f"captured: {str(exc).splitlines()[0]}")
            evidence.append(env.evidence.put_json({"url": url, "status": status,
                                                   "session": info.session_used,
                                                   "events": info.events}))
            moved = _moved_to(page.url, url)
            wall = None
            if not moved and not info.events:
                wall = self.walls.match(Seen(
                    status=status, has=lambda selector: page.locator(selector).count() > 0))
        if info.events or moved:
            did = [*info.events, *([f"navigated away to {moved}"] if moved else [])]
            return self.unknown(name, f"the member page {url} {'; '.join(did)}: a member page "
                                      "does not do that, so its answer is not taken", evidence)
        if wall:
            return self.unknown(name, f"{wall[1]}; the signup could not be checked", evidence)
        if status in spec["member_statuses"]:
            return Check(name=name, outcome="pass", evidence=evidence,
                         detail=f"{handle} is a member of {site.host}: the member page {url} "
                                f"exists ({status})")
        if status in spec["not_member_statuses"]:
            return Check(name=name, outcome="fail", evidence=evidence,
                         detail=f"{site.host} has no member {handle}: the member page {url} "
                                f"answered {status}")
        return self.unknown(name, f"{site.host} answered {status} for the member page {url}",
                            evidence)


def _why_not_opened(exc: Exception, blocked: list[str], events: list[str]) -> str:
    """Why ``goto`` failed, in words: the guard's refusals, a download, or the error."""
    if "Download is starting" in str(exc):
        return "it is a file download, not a page (nothing was saved)"
    return "; ".join([*blocked, *events]) or str(exc).splitlines()[0]


def _moved_to(now: str, asked: str) -> str | None:
    """Where the page went after loading, when that is not the page asked for
    (a fragment change is the same page)."""
    if now.split("#", 1)[0] == asked.split("#", 1)[0] or now == "about:blank":
        return None
    return now


def _target_key(url: str) -> str:
    """A target as compared for code reuse: host in lower case, no trailing slash."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return f"{(parts.hostname or '').lower()}{path}{'?' + parts.query if parts.query else ''}"
