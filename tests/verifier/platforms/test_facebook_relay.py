"""The Comet relay reader on today's real www.facebook.com captures (current/facebook).

Ground truths from MANIFEST.md; forki stored the ``data`` objects it cut out
of the page's script tags, logged in as its test account (July/Aug 2023).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.contract import CONTRACT
from verifier.platforms.facebook_relay import owner_subscribe_status, read_relay

CURRENT = CONTRACT.parent / "realdata" / "current" / "facebook"


def real(name: str) -> Any:
    path = CURRENT / f"forki_comet_{name}.json"
    assert path.is_file(), f"realdata file missing: {path}"
    return json.loads(path.read_text(encoding="utf-8"))


def fid(post: str) -> str:
    return base64.b64encode(f"feedback:{post}".encode()).decode()


def test_watch_video_394367115960503() -> None:
    fb = read_relay(real("watch_video_394367115960503"))[fid("394367115960503")]
    assert (fb.reactions, fb.comments, fb.viewer_reacted) == (630, 173, False)


def test_video_page_588866298398729() -> None:
    objects = real("video_page_588866298398729")
    feedback = read_relay(objects)
    fb = next(f for f in feedback.values() if f.shares == 485)
    assert (fb.reactions, fb.comments, fb.viewer_reacted) == (58, 46, False)
    texts = {(c.author, c.text) for c in fb.comment_nodes}
    assert ("James DeCosta", "I call bullshit!!") in texts
    assert any(a == "Harry Kaufmann" and t.startswith("Why did Fauci go into hiding")
               for a, t in texts)
    kim = [c for c in fb.comment_nodes if c.author == "Kimberly Moore"]
    assert any(c.text == "When is this from?" and c.depth == 0 for c in kim)
    assert any(c.depth == 1 and c.text.startswith("Kimberly Moore one month ago")
               for c in fb.comment_nodes)
    assert next(c for c in fb.comment_nodes if c.author == "James DeCosta").created == 1589582725
    assert owner_subscribe_status(objects, "100063464591776") == "CAN_SUBSCRIBE"


def test_reel_809749953859034_and_the_next_reel() -> None:
    objects = real("reel_809749953859034")
    feedback = read_relay(objects)
    reel = feedback[fid("3503497553270873")]
    assert (reel.reactions, reel.comments) == (2636, 401)
    authors = {c.author for c in reel.comment_nodes}
    assert {"Frances Victoria Simons", "April C Parsons", "Bruce Smith", "Dan Ault"} <= authors
    nxt = next(f for f in feedback.values() if f.reactions == 51889)
    assert nxt.comments == 1078
    assert any(c.author == "Ram Sagar Pandit" and c.text == "Lovely" for c in nxt.comment_nodes)
    assert not authors & {c.author for c in nxt.comment_nodes if c.author == "Ram Sagar Pandit"}
    assert owner_subscribe_status(objects, "100008319873748") == "CAN_SUBSCRIBE"


def test_an_unknown_shape_reads_as_nothing_not_as_zero() -> None:
    assert read_relay([{"story": {"feedback": {"id": "x", "likers": {"total": 3}}}}]) == {}
    fb = read_relay([{"feedback": {"id": "y", "comment_count": {"total_count": 5}}}])["y"]
    assert fb.comments == 5 and fb.comment_nodes == [] and fb.viewer_reacted is None
