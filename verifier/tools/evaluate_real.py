"""Forensics on real screenshots nobody here drew, against their MANIFEST truths.

The corpus is drawn by this project, so it can agree with the verifier for
the wrong reasons.  ``shared/realdata/screenshots`` holds real app captures
(Barinsta, Tusky, Infinity, Nitter, TikTok and YouTube from an agent's
phone); each truth below is transcribed from the screenshot's MANIFEST.md
row: the state its button shows for the account the task would name, and
the people its lists show (the first row included).  ``verifier eval``
prints these figures beside the corpus ones.  The folder is read in place,
never copied (its licenses are the source repositories').
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

# (screenshot, action, target as a task names it, state the MANIFEST gives:
#  positive, negative, or None where no button shows the viewer's state)
STATES: tuple[tuple[str, str, str, str | None], ...] = (
    ("barinsta_instagram_1.png", "follow", "elli.n.q", "positive"),  # Unfollow + Mutual
    ("barinsta_instagram_5.png", "follow", "foss", "negative"),  # hashtag "Follow"
    ("tusky_mastodon_03_profile.png", "follow", "Tusky", "positive"),  # Unfollow
    ("infinity_reddit_1.png", "join", "GetMotivated", "positive"),  # Unsubscribe
    ("mobileagent_YouTube_3_7.jpg", "subscribe", "Motion Station", "negative"),
    ("mobileagent_YouTube_3_8.jpg", "subscribe", "Motion Station", "negative"),
    ("nitter_twitter_profile_framasoft.png", "follow", "framasoft", None),  # counters only
)
# (screenshot, names a list shows, first row first)
ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("barinsta_instagram_3.png", ("teamlazerbeam", "darksider_m")),
    ("mobileagent_TikTok_2_11.jpg", ("Wang Junyang", "BUKO AFK")),
    ("tusky_mastodon_05_reply.png", ("Terence Eden", "Nadiyar", "shork", "Nordnick")),
    ("tusky_mastodon_04_favourites.png", ("Nadiyar", "Fediverse Report",
                                          "Mastodon Engineering")),
    ("infinity_reddit_7.png", ("gordonjames62", "CivilServantBot")),
)


@dataclass(frozen=True)
class RealResult:
    name: str
    what: str  # "state" or "rows"
    expected: str
    found: str
    ok: bool


def realdata_dir() -> Path | None:
    """``VERIFIER_REALDATA``, else ``../shared/realdata`` beside the repository or the cwd."""
    candidates = [Path(p) for p in (os.environ.get("VERIFIER_REALDATA"),) if p]
    candidates += [Path(__file__).resolve().parents[2] / "../shared/realdata",
                   Path.cwd() / "../shared/realdata"]
    for path in candidates:
        if (path / "MANIFEST.md").is_file():
            return path.resolve()
    return None


def run(folder: Path) -> list[RealResult]:
    """Read every listed screenshot once and compare with its truth."""
    from verifier.forensics.ocr import OcrEngine
    from verifier.forensics.states import target_state
    from verifier.forensics.textmatch import find_handle, find_phrase

    results: list[RealResult] = []
    with OcrEngine() as ocr:
        for name, action, target, want in STATES:
            image = Image.open(folder / "screenshots" / name).convert("RGB")
            state, _ = target_state(ocr.read_auto(image), action, image.size, target, target)
            results.append(RealResult(name, "state", str(want), str(state.state),
                                      state.state == want))
        for name, people in ROWS:
            image = Image.open(folder / "screenshots" / name).convert("RGB")
            text = ocr.read_auto(image).text
            missing = [p for p in people  # one word is a username, more a name
                       if not (find_phrase(text, p) if " " in p else find_handle(text, p))]
            results.append(RealResult(name, "rows", ", ".join(people),
                                      "missing " + ", ".join(missing) if missing else "all",
                                      not missing))
    return results


def format_results(results: list[RealResult], folder: Path) -> str:
    states = [r for r in results if r.what == "state"]
    rows = [r for r in results if r.what == "rows"]
    lines = [f"Real screenshots ({folder}, truths from its MANIFEST.md)",
             f"  state of the target's own button: {sum(r.ok for r in states)}/{len(states)} "
             "read as the MANIFEST says",
             f"  list rows (first row included): {sum(r.ok for r in rows)}/{len(rows)} "
             "screenshots with every named row read"]
    lines += [f"    {'ok ' if r.ok else 'BAD'} {r.name}: expected {r.expected}, read {r.found}"
              for r in results]
    return "\n".join(lines)


def report() -> str:
    folder = realdata_dir()
    if folder is None:
        return ("Real screenshots: ../shared/realdata not found (set VERIFIER_REALDATA); "
                "no real-data figures")
    return format_results(run(folder), folder)
