"""How much of what a screenshot shows the verifier's OCR reads: real and rendered pages.

Why: forensics (``verifier/forensics/screenshots.py``) and duplicate detection lean on
``OcrEngine.read_auto``; this measures, per image, which of the strings a
person sees on it OCR returns, exactly and as ``verifier.forensics.textmatch`` finds
them (OCR slips forgiven, other accounts never accepted).

* Real screenshots: the 19 in ``../shared/realdata/screenshots``; the
  strings each one shows are transcribed from its MANIFEST.md row (handles,
  button words, counts, quoted text), and the script checks that every one
  of them is in that row.
* Rendered pages: the sandbox's X, Instagram and YouTube profile pages in
  en, bn and hi, as a follower's and a non-follower's browser renders them
  (``fixtures/proofgen.py``), desktop and phone.  Expected: the target's
  handle, the viewer's handle and the state label, each only where the
  browser shows it in the viewport (``ProofRenderer.capture`` boxes), and
  the state ``find_state`` reads.

Run:  python bench/ocr_accuracy.py [--real-only | --rendered-only]
Prints one table per set (expected, exact, textmatch, time, misses) and the
totals; figures go into docs/ocr.md.  Times are printed, never asserted.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # as forensics.ocr does, before tesseract loads

import argparse
import io
import platform
import re
import statistics
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fixtures.proofgen import ProofRenderer, Shot  # noqa: E402
from fixtures.sandbox.server import SandboxServer  # noqa: E402
from verifier.forensics.ocr import OcrEngine  # noqa: E402
from verifier.forensics.states import NEGATIVE_WORDS, STATE_WORDS, find_state  # noqa: E402
from verifier.forensics.textmatch import find_handle, find_phrase  # noqa: E402

REALDATA = (REPO / "../shared/realdata").resolve()
# "@name", or a name joined by "_" or "." ("elli.n.q"): compared as a handle.
_HANDLE = re.compile(r"@\S+|[A-Za-z][\w.]*[._][\w.]*")

# What each real screenshot shows, from its MANIFEST.md row ("what it is" and
# "what can be asserted"); handles are marked with a leading "@" when the row
# names them as accounts.
REAL: dict[str, list[str]] = {
    "barinsta_instagram_1.png": ["elli.n.q", "Unfollow", "Mutual", "102", "Posts", "168",
                                 "Followers", "72", "Following"],
    "barinsta_instagram_2.png": ["elyaradine", "Jonathan Hau-Yoon", "Cute animals playing jazz!"],
    "barinsta_instagram_3.png": ["teamlazerbeam", "Cuuuute!", "11:23:49", "darksider_m"],
    "barinsta_instagram_5.png": ["#foss", "126330", "Posts", "Follow"],
    "infinity_reddit_1.png": ["r/GetMotivated", "Unsubscribe", "Subscribers: 15613552",
                              "Online: 11981"],
    "infinity_reddit_6.png": ["AskReddit"],
    "infinity_reddit_7.png": ["r/Futurology", "u/gordonjames62", "u/CivilServantBot"],
    "mobileagent_TikTok_1_4.jpg": ["24.0M", "157.0K"],
    "mobileagent_TikTok_1_5.jpg": ["24.0M"],
    "mobileagent_TikTok_2_11.jpg": ["Wang Junyang", "Ohhhh, so cute cat!", "1s ago",
                                    "157.0K comments", "BUKO AFK"],
    "mobileagent_TikTok_3_3.jpg": ["kitten and flower", "Stack", "116.6K", "2052"],
    "mobileagent_TikTok_3_4.jpg": ["116.6K"],
    "mobileagent_YouTube_2_10.jpg": ["@user-st8mj1di8h",
                                     "Oh, chef, your basketball spirit has always inspired me",
                                     "Comment added"],
    "mobileagent_YouTube_3_7.jpg": ["Game Recap: Warriors 134, Hawks 112", "Motion Station",
                                    "1.1M", "1.2K", "Subscribe", "Comments 35"],
    "mobileagent_YouTube_3_8.jpg": ["1.2K", "Subscribe"],
    "nitter_twitter_profile_framasoft.png": ["@framasoft", "Tweets", "24,425", "Following",
                                             "573", "Followers", "36,327", "Likes", "14,684"],
    "tusky_mastodon_03_profile.png": ["@Tusky@mastodon.social", "Unfollow", "Follows you",
                                      "2,880", "Posts", "21,000", "Followers"],
    "tusky_mastodon_04_favourites.png": ["Nadiyar", "@nadiyar@c.im", "Fediverse Report",
                                         "Mastodon Engineering"],
    "tusky_mastodon_05_reply.png": ["Conny Duck", "1 Boost", "6 Favorites", "Terence Eden",
                                    "@Edent", "Nadiyar", "shork", "Nordnick"],
}

WORLD = """
platforms:
  x:
    locale: {locale}
    accounts:
      - {{handle: acme_bd, name: Acme Bangladesh}}
      - {{handle: rafi_bd, name: Rafi Ahmed, follows: [acme_bd]}}
      - {{handle: karim_bd, name: Karim Uddin}}
  instagram:
    locale: {locale}
    accounts:
      - {{handle: cafe.dhanmondi, name: Cafe Dhanmondi}}
      - {{handle: nusrat.jahan, name: Nusrat Jahan, follows: [cafe.dhanmondi]}}
      - {{handle: rafi_bd, name: Rafi Ahmed}}
  youtube:
    locale: {locale}
    accounts:
      - {{handle: AcmeBD, name: Acme Bangladesh}}
      - {{handle: rafi_bd, name: Rafi Ahmed, follows: [AcmeBD]}}
      - {{handle: karim_bd, name: Karim Uddin}}
"""
# platform, action, target URL, target handle, (follower, non-follower)
PAGES = (
    ("x", "follow", "https://x.com/acme_bd", "acme_bd", ("rafi_bd", "karim_bd")),
    ("instagram", "follow", "https://www.instagram.com/cafe.dhanmondi/", "cafe.dhanmondi",
     ("nusrat.jahan", "rafi_bd")),
    ("youtube", "subscribe", "https://www.youtube.com/@AcmeBD", "AcmeBD",
     ("rafi_bd", "karim_bd")),
)


@dataclass
class Row:
    name: str
    expected: list[str]
    exact: list[bool] = field(default_factory=list)
    matched: list[bool] = field(default_factory=list)
    ms: float = 0.0
    langs: str = ""
    note: str = ""

    @property
    def misses(self) -> list[str]:
        return [e for e, ok in zip(self.expected, self.matched, strict=True) if not ok]


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def score(row: Row, text: str) -> None:
    """Exact: the string verbatim (spaces normalised); textmatch: handle or phrase match."""
    flat = _norm(text)
    for wanted in row.expected:
        row.exact.append(_norm(wanted) in flat)
        found = (find_handle(text, wanted) if _HANDLE.fullmatch(wanted)
                 else find_phrase(text, wanted))
        row.matched.append(found is not None or row.exact[-1])


def manifest_rows() -> dict[str, str]:
    rows: dict[str, str] = {}
    for line in (REALDATA / "MANIFEST.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| `screenshots/"):
            name = line.split("`")[1].removeprefix("screenshots/")
            rows[name] = line
    return rows


def real_rows(engine: OcrEngine) -> list[Row]:
    manifest = manifest_rows()
    rows = []
    for name, expected in REAL.items():
        line = manifest[name].casefold()
        strays = [e for e in expected if e.lstrip("@").casefold() not in line]
        if strays:
            sys.exit(f"{name}: {strays} are not in its MANIFEST.md row")
        image = Image.open(REALDATA / "screenshots" / name).convert("RGB")
        row = Row(name, expected)
        result = engine.read_auto(image)
        row.ms, row.langs = result.seconds * 1000, result.langs
        score(row, result.text)
        rows.append(row)
    return rows


def rendered_rows(engine: OcrEngine, locales: tuple[str, ...]) -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for locale in locales:
            world = Path(tmp) / f"world-{locale}.yaml"
            world.write_text(WORLD.format(locale=locale))
            with SandboxServer(world) as server, ProofRenderer(server.url) as renderer:
                for platform_name, action, url, target, viewers in PAGES:
                    for viewer, done in zip(viewers, (True, False), strict=True):
                        for phone in (False, True):
                            shot = Shot(platform_name, viewer, url, phone=phone)
                            rows.append(_rendered(engine, renderer, shot, locale, action,
                                                  target, done))
    return rows


def _rendered(engine: OcrEngine, renderer: ProofRenderer, shot: Shot, locale: str,
              action: str, target: str, done: bool) -> Row:
    """One page: what the browser shows (its visible text boxes) against what OCR reads."""
    table = STATE_WORDS if done else NEGATIVE_WORDS
    labels = sorted(table[action][locale], key=len, reverse=True)
    handles = [h for h in (target, shot.viewer) if h]
    capture = renderer.capture(shot, find=[*(f"@{h}" for h in handles), *handles, *labels])
    shown = {b.needle for b in capture.boxes}
    expected = [f"@{h}" if f"@{h}" in shown else h for h in handles
                if f"@{h}" in shown or h in shown]
    label = next((w for w in labels if w in shown), None)
    expected += [label] if label else []
    kind = "phone" if shot.phone else "desktop"
    who = "follower" if done else "non-follower"
    row = Row(f"{shot.platform} {locale} {kind} {who}", expected)
    result = engine.read_auto(Image.open(io.BytesIO(capture.png)).convert("RGB"))
    row.ms, row.langs = result.seconds * 1000, result.langs
    score(row, result.text)
    state = find_state(result.text, action).state
    want = "positive" if done else "negative"
    row.note = f"state {state or 'none'}" + ("" if state == want else f" (want {want})")
    if not label:
        row.note += "; no state label on the page"
    return row


def print_table(title: str, rows: list[Row]) -> None:
    print(f"\n## {title}\n")
    print("| image | langs | expected | exact | textmatch | ms | not found / note |")
    print("|---|---|---:|---:|---:|---:|---|")
    for r in rows:
        note = "; ".join(filter(None, [", ".join(f"'{m}'" for m in r.misses), r.note]))
        print(f"| {r.name} | {r.langs} | {len(r.expected)} | {sum(r.exact)} | "
              f"{sum(r.matched)} | {r.ms:.0f} | {note} |")
    total = sum(len(r.expected) for r in rows)
    exact = sum(sum(r.exact) for r in rows)
    matched = sum(sum(r.matched) for r in rows)
    complete = sum(all(r.matched) for r in rows)
    times = [r.ms for r in rows]
    print(f"\nTotal: {total} strings, exact {exact} ({exact / total:.1%}), textmatch "
          f"{matched} ({matched / total:.1%}); images with every string found: "
          f"{complete}/{len(rows)}; read_auto median {statistics.median(times):.0f} ms, "
          f"max {max(times):.0f} ms")
    states = [r for r in rows if r.note.startswith("state")]
    if states:
        right = sum("want" not in r.note for r in states)
        print(f"State read right: {right}/{len(states)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real-only", action="store_true")
    parser.add_argument("--rendered-only", action="store_true")
    parser.add_argument("--locales", default="en,bn,hi")
    args = parser.parse_args()
    print(f"# OCR accuracy ({platform.platform()}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}); OcrEngine.read_auto, one read per image")
    with OcrEngine() as engine:
        if not args.rendered_only:
            print_table("Real screenshots (shared/realdata)", real_rows(engine))
        if not args.real_only:
            locales = tuple(args.locales.split(","))
            print_table(f"Rendered sandbox pages ({', '.join(locales)})",
                        rendered_rows(engine, locales))
    print(f"\n# load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
