"""Google Play: an install is invisible to anyone but the installer.

DESIGN table: install is P. Nobody outside the worker's phone can see that
an app was installed, so the live check can only confirm what the task is
about: that the app page exists, and which app it is. It then returns
``skipped``, naming the app, and the decision falls to the proof forensics
(the worker's screenshot of that app's page with "Open" / "Uninstall") and
the policy. A missing app fails: nobody can install it.

The app's name is read from the page's ``application/ld+json``
SoftwareApplication object (what Google Play itself ships for crawlers),
then from the title heading.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from verifier.models import Check, Proof
from verifier.platforms.base import (
    Adapter,
    LiveEnv,
    Target,
    TargetError,
    action,
    load_platform_data,
)
from verifier.platforms.visit import Refused, Seen, Stop, Visit, Walls

_LD_JSON = re.compile(
    r'<script[^>]*type=["\']application/ld\+json["\'][^>]*>(.*?)</script>', re.S | re.I)
_H1 = re.compile(r'<h1[^>]*itemprop=["\']name["\'][^>]*>(.*?)</h1>', re.S | re.I)
_TAGS = re.compile(r"<[^>]+>")

INVISIBLE = "installs are invisible to a third party"


def app_name(html: str, ld_type: str = "SoftwareApplication") -> str | None:
    """The app's name from the page's ld+json object, else its title heading."""
    for block in _LD_JSON.findall(html):
        try:
            data: Any = json.loads(block)
        except ValueError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and item.get("@type") == ld_type and item.get("name"):
                return str(item["name"])
    heading = _H1.search(html)
    if heading:
        text = html_lib.unescape(_TAGS.sub("", heading.group(1))).strip()
        return text or None
    return None


class PlayStoreAdapter(Adapter):
    platform = "playstore"

    def __init__(self) -> None:
        self.data = load_platform_data("playstore")
        self.hosts = {h.lower() for h in self.data["hosts"]}
        self.package_re = re.compile(self.data["package_pattern"])
        self.walls = Walls(self.data["walls"])

    def parse_target(self, url: str) -> Target:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        expected = f"{self.data['base_url']}{self.data['details_path']}?id=PACKAGE"
        if parts.scheme not in ("http", "https") or host not in self.hosts:
            raise TargetError(f"{url!r} is not a Google Play URL (expected {expected})")
        if parts.path.rstrip("/") != self.data["details_path"]:
            raise TargetError(f"{url!r} is not a Google Play app page (expected {expected})")
        package = (parse_qs(parts.query).get("id") or [""])[0]
        if not self.package_re.match(package):
            raise TargetError(f"{url!r} does not name a valid app package (expected {expected})")
        return Target("playstore", "app", package,
                      f"{self.data['base_url']}{self.data['details_path']}?id={package}")

    def no_handler(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        """No other action is visible either: the app page still says whether it exists."""
        return self.check_app(name, proof, target, env)

    @action("install")
    def check_app(self, name: str, proof: Proof, target: Target, env: LiveEnv) -> Check:
        with Visit(env, "playstore", record_blocked=False) as visit:
            try:
                status, html = visit.document(visit.goto(
                    target.url, label="Google Play", failed="could not be opened: {error}"))
                stop: Stop | None = None
            except Refused as refused:
                status, html, stop = 0, "", refused
            wall = self.walls.match(Seen(urls=[visit.page.url, *visit.blocked], text=html,
                                         status=status))
            visit.shot()
        evidence = visit.evidence
        if wall:
            return self.unknown(name, f"{wall[1]}; the app page could not be checked", evidence)
        if stop is not None or status == 0:
            return self.unknown(name, stop.detail if stop else "Google Play sent nothing",
                                evidence)
        if status == 404:
            return Check(name=name, outcome="fail", evidence=evidence,
                         detail=f"the app page does not exist: Google Play has no app "
                                f"{target.key}")
        if status != 200:
            return self.unknown(name, f"Google Play answered {status} for {target.url}", evidence)
        title = app_name(html, self.data["ld_json_type"])
        if title is None:
            return self.unknown(name, "layout changed: the app page names no app (no "
                                      f"{self.data['ld_json_type']} ld+json, no title)", evidence)
        if proof.task.action != "install":
            return Check(name=name, outcome="skipped", evidence=evidence,
                         detail=f"Google Play has no {proof.task.action} action a third party "
                                f"can see; the app exists: \u201c{title}\u201d")
        return Check(name=name, outcome="skipped", evidence=evidence,
                     detail=f"{INVISIBLE}; the app exists: \u201c{title}\u201d "
                            f"({target.key}); the proof screenshot decides")
