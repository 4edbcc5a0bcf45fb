"""``verifier doctor``: is this deployment able to check what it claims, today?

Three questions, per cell of the README's "Platform formats" table (and the
other live cells):

1. **Configuration**: is the checker session the cell needs present, readable
   and not expired by its cookies (``VERIFIER_SESSIONS_DIR/PLATFORM.json``)?
   Is the API key it needs set?
2. **Understanding**: does the adapter still read a known public page? A probe
   is a small proof (a known target, a known account) run through the
   adapter's own target resolution and live check, exactly as a worker runs
   it: an answer (``pass`` or ``fail``, or the expected one when the probe
   names it) means the page was understood.
3. The **status**: ok / needs session / needs key / layout changed /
   unreachable (a wall, a timeout, a pause) / no probe.

A cell is *configured* when what it needs is set up (a session file, a key);
a configured cell that is not ``ok`` is broken, and the command exits 1.
The probes default to well-known public pages of the real sites; an operator
(or a sandbox) gives their own with ``--probes FILE`` (``VERIFIER_DOCTOR_PROBES``).
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from verifier.models import Check, ProofError, parse_proof
from verifier.politeness import wall_kind
from verifier.settings import Settings

log = logging.getLogger(__name__)

OK, NEEDS_SESSION, NEEDS_KEY = "ok", "needs session", "needs key"
LAYOUT, UNREACHABLE, NO_PROBE = "layout changed", "unreachable", "no probe"
# The adapter read the page but no real capture confirms how the action shows on it:
# a known limit (the check stays unknown), not a fault of this deployment.
NOT_CONFIRMED = "format not confirmed"

# The cookie that carries each platform's login (the real sites' names).
SESSION_COOKIES: dict[str, tuple[str, ...]] = {
    "x": ("auth_token",), "instagram": ("sessionid",), "facebook": ("xs", "c_user"),
    "reddit": ("reddit_session",), "tiktok": ("sessionid",), "youtube": ("SID",),
    "github": ("user_session",), "telegram": ("stel_ssid",), "playstore": ("SID",),
}


@dataclass(frozen=True)
class Cell:
    """A (platform, action) and its provenance, as the README's table states it."""

    platform: str
    action: str
    format: str
    source: str  # the real capture it was checked against, with its date
    needs: str  # nothing | session | youtube key | reddit key or session

    @property
    def key(self) -> str:
        return f"{self.platform}.{self.action}"


_X = ("GraphQL lists and replies; 429/88 rate limit, 326 locked",
      "no real 429/326 capture; X's documented errors")
_IG = "pgrimaud captures (2021-01..2022-06); list envelopes: no real capture"
_FB = ("www relay data (feedback counters, the checker's own reaction, Comment nodes)",
       "forki_comet_* (2023-07/08); who reacted, shared or joined: no real capture, so "
       "those cells say format not confirmed")
_EARLIER = "the earlier captures (realdata/)"

# The README's "Platform formats" rows, a row per action, then the other live cells.
CELLS: tuple[Cell, ...] = (
    Cell("youtube", "comment", "youtubei/v1/next commentViewModel + entity payloads",
         "npe_next_comments_* (2026-01/06)", "nothing"),
    Cell("youtube", "like", "likeButtonViewModel (confirms the video only)",
         "npe_next_watch_* (2026-06)", "nothing"),
    Cell("youtube", "subscribe", "Data API subscriptions.list; channel ids from pages",
         "pyyoutube_subscriptions_list_* (2019), npe_browse_channel_* (2026-01)",
         "youtube key"),
    Cell("x", "follow", *_X, "session"),
    Cell("x", "comment", *_X, "session"),
    Cell("x", "share", *_X, "session"),
    Cell("github", "like", "stargazers, star+json {starred_at, user}",
         "GitHub REST docs; no star+json capture", "nothing"),
    Cell("instagram", "follow", "web_profile_info, then friendships lists", _IG, "session"),
    Cell("instagram", "like", "media info, then likers", _IG, "session"),
    Cell("instagram", "comment", "media comments / GraphQL edge_media_to_comment", _IG,
         "nothing"),
    Cell("reddit", "comment", "oauth.reddit.com/comments Listing (t1, more)",
         "praw_oauth_comments_1kh35wk_2025 (2025-05)", "reddit key or session"),
    Cell("reddit", "signup", "oauth.reddit.com/user/NAME/about (t2)",
         "praw_oauth_user_about_Lil_SpazBot_2025 (2025-05)", "reddit key or session"),
    Cell("facebook", "like", *_FB, "session"),
    Cell("facebook", "comment", *_FB, "nothing"),
    Cell("facebook", "share", *_FB, "session"),
    Cell("facebook", "join", "group members list: no real capture of the www page",
         "none: format not confirmed", "session"),
    Cell("tiktok", "follow", "followers list (user list API)", _EARLIER, "session"),
    Cell("tiktok", "comment", "comment list API", _EARLIER, "nothing"),
    Cell("telegram", "comment", "t.me discussion preview", _EARLIER, "nothing"),
    Cell("github", "follow", "/users/W/following/T (204 / 404)", _EARLIER, "nothing"),
    Cell("github", "comment", "issue comments", _EARLIER, "nothing"),
    Cell("github", "join", "public org members", _EARLIER, "nothing"),
    Cell("github", "signup", "/users/NAME", _EARLIER, "nothing"),
)


@dataclass(frozen=True)
class Probe:
    """A proof whose answer is known: ``expect`` (pass / fail), or any answer when None."""

    target: str
    worker: str
    expect: str | None = None
    task: Mapping[str, Any] = field(default_factory=dict)


# Well-known public pages of the real sites. The probe asks a question the page answers
# quickly (short lists); any answer means the adapter still reads the page.
DEFAULT_PROBES: dict[str, Probe] = {
    "x.follow": Probe("https://x.com/XDevelopers", "X"),
    "x.comment": Probe("https://x.com/jack/status/20", "jack"),
    "x.share": Probe("https://x.com/jack/status/20", "jack"),
    "instagram.follow": Probe("https://www.instagram.com/instagram/", "creators"),
    "instagram.like": Probe("https://www.instagram.com/p/BsOGulcndj-/", "instagram"),
    "instagram.comment": Probe("https://www.instagram.com/p/BsOGulcndj-/", "instagram"),
    "facebook.like": Probe("https://www.facebook.com/facebook/posts/10158519151216729",
                           "Meta"),
    "facebook.comment": Probe("https://www.facebook.com/facebook/posts/10158519151216729",
                              "Meta"),
    "facebook.share": Probe("https://www.facebook.com/facebook/posts/10158519151216729",
                            "Meta"),
    "reddit.comment": Probe("https://www.reddit.com/r/redditdev/comments/1kh35wk/", "spez"),
    "reddit.signup": Probe("https://www.reddit.com/register/", "spez", expect="pass"),
    "youtube.comment": Probe("https://www.youtube.com/watch?v=jNQXAC9IVRw", "@jawed"),
    "youtube.like": Probe("https://www.youtube.com/watch?v=jNQXAC9IVRw", "@jawed"),
    "youtube.subscribe": Probe("https://www.youtube.com/@YouTube", "@jawed"),
    "tiktok.follow": Probe("https://www.tiktok.com/@tiktok", "tiktok"),
    "telegram.comment": Probe("https://t.me/durov/1", "durov"),
    "github.follow": Probe("https://github.com/octocat", "torvalds"),
    "github.like": Probe("https://github.com/octocat/Hello-World", "octocat"),
    "github.comment": Probe("https://github.com/octocat/Hello-World/issues/1", "octocat"),
    "github.join": Probe("https://github.com/orgs/github", "octocat"),
    "github.signup": Probe("https://github.com/signup", "octocat", expect="pass"),
}


class ProbeFileError(ValueError):
    """The probes file cannot be read; the message names the file and the entry."""


def load_probes(path: Path | None) -> dict[str, Probe]:
    """The probes of ``path`` (``probes: {platform.action: {target, worker, expect, task}}``),
    or the defaults for the real sites."""
    if path is None:
        return dict(DEFAULT_PROBES)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProbeFileError(f"{path}: cannot read the probes: {exc}") from exc
    entries = raw.get("probes") if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        raise ProbeFileError(f"{path}: expected a mapping 'probes: {{platform.action: ...}}'")
    probes: dict[str, Probe] = {}
    for key, spec in entries.items():
        if not isinstance(spec, dict) or not spec.get("target") or not spec.get("worker"):
            raise ProbeFileError(f"{path}: probes.{key} needs a target and a worker")
        if spec.get("expect") not in (None, "pass", "fail"):
            raise ProbeFileError(f"{path}: probes.{key}.expect must be pass or fail")
        probes[str(key)] = Probe(str(spec["target"]), str(spec["worker"]), spec.get("expect"),
                                 dict(spec.get("task") or {}))
    return probes


# -- configuration ----------------------------------------------------------------------

@dataclass(frozen=True)
class Found:
    """One configured thing (a session file, a key) and what is wrong with it, if anything."""

    name: str
    configured: bool
    problem: str | None = None  # None: usable

    @property
    def usable(self) -> bool:
        return self.configured and self.problem is None

    def describe(self) -> str:
        if not self.configured:
            return "not configured"
        return self.problem or "ok"


def session_state(settings: Settings, platform: str, now: datetime | None = None) -> Found:
    """The checker session of ``platform``: present, parseable, its login cookie not expired."""
    name = f"{platform}.json"
    if settings.sessions_dir is None:
        return Found(name, False)
    path = Path(settings.sessions_dir) / name
    if not path.is_file():
        return Found(name, False)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
        cookies = state["cookies"]
        if not isinstance(cookies, list):
            raise TypeError("cookies is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Found(name, True, f"not a Playwright storage state: {exc}")
    wanted = SESSION_COOKIES.get(platform, ())
    login = [c for c in cookies if isinstance(c, dict) and c.get("name") in wanted]
    if wanted and not login:
        return Found(name, True, f"holds no login cookie ({' or '.join(wanted)})")
    now_s = (now or datetime.now(UTC)).timestamp()
    for cookie in login or [c for c in cookies if isinstance(c, dict)]:
        expires = cookie.get("expires", -1)
        if isinstance(expires, int | float) and 0 < expires <= now_s:
            when = datetime.fromtimestamp(expires, UTC).strftime("%Y-%m-%d %H:%M UTC")
            return Found(name, True, f"its {cookie.get('name')} cookie expired on {when}")
    return Found(name, True)


def key_states(settings: Settings) -> dict[str, Found]:
    reddit_parts = [settings.reddit_client_id, settings.reddit_client_secret]
    reddit = Found("VERIFIER_REDDIT_CLIENT_ID/_SECRET", any(reddit_parts),
                   None if all(reddit_parts) else
                   "only one of VERIFIER_REDDIT_CLIENT_ID and _SECRET is set")
    return {
        "youtube": Found("VERIFIER_YOUTUBE_API_KEY", bool(settings.youtube_api_key)),
        "github": Found("VERIFIER_GITHUB_TOKEN", bool(settings.github_token)),
        "reddit": reddit,
    }


# -- the report ---------------------------------------------------------------------------

@dataclass
class CellReport:
    cell: Cell
    status: str
    detail: str
    configured: bool

    @property
    def broken(self) -> bool:
        return self.configured and self.status not in (OK, NO_PROBE, NOT_CONFIRMED)


@dataclass
class Report:
    cells: list[CellReport]
    sessions: dict[str, Found]
    keys: dict[str, Found]

    @property
    def broken(self) -> list[CellReport]:
        return [c for c in self.cells if c.broken]

    def by_key(self) -> dict[str, CellReport]:
        return {c.cell.key: c for c in self.cells}


def _needs(cell: Cell, sessions: dict[str, Found], keys: dict[str, Found]
           ) -> tuple[str | None, str, bool]:
    """(status when the configuration alone decides, why, configured)."""
    session = sessions[cell.platform]
    if cell.needs == "session":
        if not session.usable:
            return NEEDS_SESSION, f"{session.name}: {session.describe()}", session.configured
        return None, "", True
    if cell.needs == "youtube key":
        if not keys["youtube"].usable:
            return NEEDS_KEY, "VERIFIER_YOUTUBE_API_KEY is not set", False
        return None, "", True
    if cell.needs == "reddit key or session":
        key = keys["reddit"]
        if key.usable or session.usable:
            return None, "", True
        if key.configured:
            return NEEDS_KEY, key.describe(), True
        if session.configured:
            return NEEDS_SESSION, f"{session.name}: {session.describe()}", True
        return NEEDS_KEY, ("VERIFIER_REDDIT_CLIENT_ID and _SECRET are not set (or give a "
                           "reddit checker session)"), False
    return None, "", True


def classify(platform: str, check: Check, expect: str | None) -> tuple[str, str]:
    """What a probe's live check says about the cell."""
    detail = check.detail
    if check.outcome in ("pass", "fail"):
        if expect and check.outcome != expect:
            return LAYOUT, (f"a known answer read wrongly: expected {expect}, got "
                            f"{check.outcome}: {detail}")
        return OK, detail
    if check.outcome == "skipped":
        return OK, detail
    wall = wall_kind(platform, check)
    if wall == "login":
        return NEEDS_SESSION, detail
    if wall is not None or detail.startswith("rate limited by this deployment") \
            or "paused after walls" in detail:
        return UNREACHABLE, detail
    lowered = detail.lower()
    if "format not confirmed" in lowered:
        return NOT_CONFIRMED, detail
    if "no checker session" in lowered or "checker session is configured" in lowered:
        return NEEDS_SESSION, detail
    if "verifier_youtube_api_key" in lowered or "verifier_reddit_client_id" in lowered:
        return NEEDS_KEY, detail
    if any(word in lowered for word in ("could not be opened", "did not answer", "timeout",
                                        "timed out", "fetch failed", "net::")):
        return UNREACHABLE, detail
    return LAYOUT, detail


def run(settings: Settings, probes: Mapping[str, Probe], pool: Any = None,
        politeness: Any = None, now: datetime | None = None) -> Report:
    """Check the configuration, then probe every configured cell that has a probe."""
    from verifier.browser.pool import BrowserPool
    from verifier.evidence import EvidenceStore
    from verifier.platforms import LiveEnv, TargetError, get_adapter
    from verifier.politeness import Politeness
    from verifier.verify import build_guard

    platforms = sorted({c.platform for c in CELLS})
    sessions = {p: session_state(settings, p, now) for p in platforms}
    keys = key_states(settings)
    reports: list[CellReport] = []
    own_pool = pool is None
    with tempfile.TemporaryDirectory(prefix="verifier-doctor-") as tmp:
        guard = build_guard(settings)
        if own_pool:
            pool = BrowserPool(settings, guard)
        else:
            pool.guard = guard
        env = LiveEnv(pool=pool, evidence=EvidenceStore(Path(tmp)), settings=settings,
                      politeness=politeness or Politeness.from_settings(settings))
        try:
            for cell in CELLS:
                status, why, configured = _needs(cell, sessions, keys)
                if status is None:
                    probe = probes.get(cell.key)
                    if probe is None:
                        status, why = NO_PROBE, "no probe for this cell (--probes FILE)"
                    else:
                        status, why = _probe(cell, probe, env, get_adapter, TargetError)
                reports.append(CellReport(cell, status, why, configured))
        finally:
            if own_pool:
                pool.close()
    return Report(reports, sessions, keys)


def _probe(cell: Cell, probe: Probe, env: Any, get_adapter: Any, target_error: Any
           ) -> tuple[str, str]:
    adapter = get_adapter(cell.platform)
    if adapter is None:
        return LAYOUT, f"no adapter for {cell.platform}"
    try:
        proof = parse_proof({"id": f"doctor-{cell.platform}-{cell.action}",
                             "task": {"action": cell.action, "platform": cell.platform,
                                      "target": probe.target, **probe.task},
                             "worker": {"id": "doctor", "handle": probe.worker}})
    except ProofError as exc:
        return LAYOUT, f"the probe is not a valid proof: {'; '.join(exc.errors)}"
    try:
        target = adapter.resolve_target(probe.target, env)
    except target_error as exc:
        return LAYOUT, f"the adapter no longer recognises {probe.target}: {exc}"
    try:
        check = adapter.run_live(proof, target, env)
    except Exception as exc:  # a page the adapter chokes on is reported, never a crash
        log.exception("the %s probe crashed", cell.key)
        return LAYOUT, f"the live check stopped with an error: {exc}"
    return classify(cell.platform, check, probe.expect)


def format_report(report: Report) -> str:
    """The provenance table with a status per cell, then the sessions and keys."""
    rows = [("cell", "status", "needs", "format read", "checked against")]
    rows += [(c.cell.key, c.status, c.cell.needs, c.cell.format, c.cell.source)
             for c in report.cells]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for r in rows:
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(3)) + f"  {r[3]} | {r[4]}")
    lines.append("")
    lines.append("why, per cell not ok:")
    for c in report.cells:
        if c.status != OK:
            mark = "BROKEN " if c.broken else ""
            lines.append(f"  {mark}{c.cell.key}: {c.status}: {c.detail}")
    lines.append("")
    lines.append("checker sessions (VERIFIER_SESSIONS_DIR):")
    for found in report.sessions.values():
        lines.append(f"  {found.name}: {found.describe()}")
    lines.append("API keys:")
    for found in report.keys.values():
        lines.append(f"  {found.name}: {'set' if found.usable else found.describe()}")
    broken = report.broken
    lines.append("")
    lines.append(f"{len(broken)} configured cell(s) broken" if broken
                 else "no configured cell is broken")
    return "\n".join(lines)
