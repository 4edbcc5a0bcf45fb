"""Proof forensics v1: what the worker's own screenshots show.

OCR of the worker's screenshot is corroboration (DESIGN, truth order): it says
whether the picture is readable, whether the worker's handle and the target
are on it, and which state the button shows (``Following`` or a bare
``Follow``).  Each finding is a ``Check`` with one plain sentence and evidence
references (the screenshot, the OCR text, the matched snippet), so a
moderator sees why without re-opening anything.  Duplicates are judged
elsewhere (``verifier.duplicates``) from the hashes on ``LoadedImage``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from verifier.evidence import EvidenceStore
from verifier.handles import handle_problem
from verifier.images import ImageProblem, LoadedImage
from verifier.models import Check, Proof
from verifier.ocr import OcrEngine, OcrResult
from verifier.textmatch import (
    Match,
    MatchTooCostly,
    find_all,
    find_handle,
    find_handles,
    find_phrase,
    same_handle,
)

STATE_WORDS_FILE = Path(__file__).with_name("platforms") / "data" / "state_words.yaml"
LANGS = ("en", "bn", "hi")
_NUMBER = re.compile(r"[\d.,]+[KkMm]?")
WordTable = dict[str, dict[str, tuple[str, ...]]]  # action -> language -> words


def _load_state_words(path: Path = STATE_WORDS_FILE) -> tuple[WordTable, WordTable,
                                                              tuple[str, ...], tuple[str, ...]]:
    """Read the YAML once at import; a malformed file fails loudly at start-up."""
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    positive: WordTable = {}
    negative: WordTable = {}
    for action, entry in data["actions"].items():
        positive[action] = {lang: tuple(map(str, (entry.get("positive") or {}).get(lang, [])))
                            for lang in LANGS}
        negative[action] = {lang: tuple(map(str, (entry.get("negative") or {}).get(lang, [])))
                            for lang in LANGS}
    exclude = tuple(str(w) for lang in LANGS for w in data.get("exclude", {}).get(lang, []))
    stats = tuple(str(w) for lang in LANGS for w in data.get("stat_labels", {}).get(lang, []))
    return positive, negative, exclude, stats


STATE_WORDS, NEGATIVE_WORDS, EXCLUDED_PHRASES, STAT_LABELS = _load_state_words()


def _load_wordless(path: Path = STATE_WORDS_FILE) -> dict[str, frozenset[str]]:
    """action -> platforms whose pages show that state without a word."""
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return {str(action): frozenset(map(str, platforms or []))
            for action, platforms in (data.get("wordless") or {}).items()}


WORDLESS = _load_wordless()


@dataclass(frozen=True)
class StateReading:
    state: Literal["positive", "negative"] | None
    word: str | None = None  # the state word as listed
    match: Match | None = None  # where OCR read it
    lang: str | None = None  # en, bn or hi: the list the word came from


def _words(table: WordTable, action: str) -> list[str]:
    return [w for lang in LANGS for w in table.get(action, {}).get(lang, ())]


def _mask(text: str, phrases: tuple[str, ...]) -> str:
    """Blank out phrases such as "Follows you", keeping every offset in place."""
    chars = list(text)
    for phrase in phrases:
        for m in find_all(text, phrase):
            chars[m.start:m.end] = " " * (m.end - m.start)
    return "".join(chars)


def _is_counter(text: str, match: Match) -> bool:
    """A state word beside a number or another counter label is a counter, not a button."""
    start = text.rfind("\n", 0, match.start) + 1
    end = text.find("\n", match.end)
    line = text[start:end if end >= 0 else len(text)]
    if any(ch.isdigit() for ch in line):
        return True
    above = [ln for ln in text[:start].splitlines() if ln.strip()][-1:]
    if above and all(_NUMBER.fullmatch(tok) for tok in above[0].split()):
        return True  # labels under a row of counts: "168 72" over "Followers Following"
    offset = match.start - start
    return any(
        m.end <= offset or m.start >= offset + (match.end - match.start)
        for label in STAT_LABELS for m in find_all(line, label)
    )


def _is_label(snippet: str) -> bool:
    """Buttons are capitalised ("Follow", "FOLLOW"); "follow" inside a sentence is prose."""
    first = next((ch for ch in snippet if ch.isalpha()), "")
    return not first.islower()


def find_state(text: str, action: str) -> StateReading:
    """Which state the text shows for ``action``: positive beats negative."""
    clean = _mask(text, EXCLUDED_PHRASES)
    tables: tuple[tuple[WordTable, Literal["positive", "negative"]], ...] = (
        (STATE_WORDS, "positive"), (NEGATIVE_WORDS, "negative"))
    for table, state in tables:
        for lang in LANGS:
            for word in table.get(action, {}).get(lang, ()):
                for m in find_all(clean, word):
                    snippet = text[m.start:m.end]
                    if _is_label(snippet) and not _is_counter(clean, m):
                        hit = Match(snippet, m.start, m.end, m.score, m.cost)
                        return StateReading(state, word, hit, lang)
    return StateReading(None)


@dataclass(frozen=True)
class _Read:
    label: str  # "the screenshot" or "screenshot 2"
    image: LoadedImage
    ocr: OcrResult
    shot_ref: str
    text_ref: str


def _at(handle: str) -> str:
    return "@" + handle.strip().lstrip("@")


def _flat(text: str) -> str:
    """OCR snippets can span lines (a wrapped button); a sentence cannot."""
    return " ".join(text.split())


def _quote(words: list[str], limit: int = 2) -> str:
    return " or ".join(f"'{w}'" for w in words[:limit])


def screenshot_checks(proof: Proof, images: list[LoadedImage | ImageProblem], ocr: OcrEngine,
                      evidence: EvidenceStore, target_handle: str | None,
                      target_name: str | None) -> list[Check]:
    """``proof.screenshot``, ``proof.handle``, ``proof.target`` and ``proof.state``."""
    submitted = bool(proof.evidence and proof.evidence.screenshots) or bool(images)
    if not submitted:
        why = "no screenshot was submitted"
        return [Check(name=n, outcome="skipped", detail=why)
                for n in ("proof.screenshot", "proof.handle", "proof.target", "proof.state")]
    loaded = [i for i in images if isinstance(i, LoadedImage)]
    problems = [i for i in images if isinstance(i, ImageProblem)]
    single = len(images) == 1
    reads = [
        _Read("the screenshot" if single else f"screenshot {n}", img, result,
              evidence.put(img.raw, img.ext), evidence.put_text(result.text))
        for n, img in enumerate(images, 1) if isinstance(img, LoadedImage)
        for result in [ocr.read_auto(img.image)]
    ]
    checks = [_screenshot_check(reads, problems)]
    if not loaded:
        why = "no submitted screenshot could be read"
        checks += [Check(name="proof.handle", outcome="skipped" if not proof.worker.handle
                         else "unknown", detail=why if proof.worker.handle
                         else "the proof names no worker handle")]
        checks += [Check(name=n, outcome="unknown", detail=why)
                   for n in ("proof.target", "proof.state")]
        return checks
    problem = handle_problem(proof.task.platform, proof.worker.handle)
    if problem:  # never matched: a handle no platform allows is no account, and costs
        checks.append(Check(name="proof.handle", outcome="fail",
                            detail=f"the worker's handle is not looked for: {problem}"))
    else:
        checks.append(_bounded("proof.handle", lambda: _handle_check(
            proof.worker.handle, target_handle, reads, evidence)))
    checks.append(_bounded("proof.target", lambda: _target_check(
        target_handle, target_name, reads, evidence)))
    checks.append(_bounded("proof.state", lambda: _state_check(
        proof, target_handle, target_name, reads, evidence)))
    return checks


def _bounded(name: str, run: Callable[[], Check]) -> Check:
    """A search over its budget (a hostile text or pattern) is ``unknown``, never a hang."""
    try:
        return run()
    except MatchTooCostly as exc:
        return Check(name=name, outcome="unknown", detail=f"the screenshot was not read: {exc}")


def _screenshot_check(reads: list[_Read], problems: list[ImageProblem]) -> Check:
    refs = [r.shot_ref for r in reads]
    invalid = [p.reason for p in problems if p.kind == "invalid"]
    unavailable = [p.reason for p in problems if p.kind == "unavailable"]
    if invalid:
        return Check(name="proof.screenshot", outcome="fail", detail="; ".join(invalid),
                     evidence=refs)
    if unavailable:
        return Check(name="proof.screenshot", outcome="unknown", detail="; ".join(unavailable),
                     evidence=refs)
    parts = [f"{r.label} ({r.image.format.upper()}, {_size(r.image)}, "
             f"read in {r.ocr.langs}{', dark mode' if r.ocr.inverted else ''})" for r in reads]
    return Check(name="proof.screenshot", outcome="pass",
                 detail="read " + ", ".join(parts), evidence=refs)


def _size(image: LoadedImage) -> str:
    width, height = image.original_size if image.original_size[0] else image.size
    if not image.downscaled or not image.original_size[0]:
        return f"{width}x{height}"
    return f"{width}x{height} read at {image.size[0]}x{image.size[1]}"


def _snippet_refs(read: _Read, match: Match, evidence: EvidenceStore) -> list[str]:
    return [read.shot_ref, read.text_ref, evidence.put_text(match.snippet)]


def _read_as(match: Match, wanted: str) -> str:
    same = match.snippet.strip().lstrip("@©").casefold() == wanted.strip().lstrip("@").casefold()
    return "" if same else f" (read as '{_flat(match.snippet)}')"


def _handle_check(handle: str | None, target_handle: str | None, reads: list[_Read],
                  evidence: EvidenceStore) -> Check:
    if not handle or not handle.strip().lstrip("@"):
        return Check(name="proof.handle", outcome="skipped",
                     detail="the proof names no worker handle")
    for read in reads:
        match = find_handle(read.ocr.text, handle)
        if match:
            return Check(name="proof.handle", outcome="pass",
                         detail=f"{read.label} shows the worker's handle {_at(handle)}"
                                f"{_read_as(match, handle)}",
                         evidence=_snippet_refs(read, match, evidence))
    others = [h for r in reads for h in find_handles(r.ocr.text)
              if not (target_handle and same_handle(h, target_handle))]
    label = reads[0].label if len(reads) == 1 else "the screenshots"
    refs = [ref for r in reads for ref in (r.shot_ref, r.text_ref)]
    if others:
        shown = ", ".join(list(dict.fromkeys(_at(h) for h in others))[:3])
        detail = f"{label} shows the handle {shown}, not the worker's {_at(handle)}"
    else:
        detail = f"the worker's handle {_at(handle)} is not visible in {label}"
    return Check(name="proof.handle", outcome="fail", detail=detail, evidence=refs)


def _find_target(text: str, handle: str | None, name: str | None
                 ) -> tuple[Match, str, str] | None:
    """(match, how a sentence names the target, what was looked for)."""
    if handle:
        match = find_handle(text, handle)
        if match:
            return match, _at(handle), handle
    if name and name.strip():
        match = find_phrase(text, name)
        if match:
            return match, f"'{name.strip()}'", name
    return None


def _target_check(handle: str | None, name: str | None, reads: list[_Read],
                  evidence: EvidenceStore) -> Check:
    if not (handle or (name and name.strip())):
        return Check(name="proof.target", outcome="skipped",
                     detail="the task's target has no handle or name to look for")
    for read in reads:
        found = _find_target(read.ocr.text, handle, name)
        if found:
            match, shown, looked_for = found
            return Check(name="proof.target", outcome="pass",
                         detail=f"{read.label} shows the target {shown}"
                                f"{_read_as(match, looked_for)}",
                         evidence=_snippet_refs(read, match, evidence))
    wanted = [x for x in (handle and _at(handle), name and f"'{name.strip()}'") if x]
    label = reads[0].label if len(reads) == 1 else "the screenshots"
    subject = f"neither {wanted[0]} nor {wanted[1]} is" if len(wanted) == 2 else f"{wanted[0]} is"
    return Check(name="proof.target", outcome="fail",
                 detail=f"the target is not visible in {label}: {subject} there",
                 evidence=[ref for r in reads for ref in (r.shot_ref, r.text_ref)])


def _state_check(proof: Proof, target_handle: str | None, target_name: str | None,
                 reads: list[_Read], evidence: EvidenceStore) -> Check:
    action = proof.task.action
    positives = _words(STATE_WORDS, action)
    if not positives:
        return Check(name="proof.state", outcome="skipped",
                     detail=f"a {action} proof has no state word to read")
    negative: tuple[_Read, StateReading] | None = None
    for read in reads:
        state = find_state(read.ocr.text, action)
        if state.state == "positive" and state.match:
            return Check(name="proof.state", outcome="pass",
                         detail=_positive_detail(proof, state, read, target_handle,
                                                 target_name),
                         evidence=_snippet_refs(read, state.match, evidence))
        if state.state == "negative" and negative is None:
            negative = (read, state)
    refs = [ref for r in reads for ref in (r.shot_ref, r.text_ref)]
    if negative and negative[1].match:
        read, match = negative[0], negative[1].match
        wanted = list(STATE_WORDS[action].get(negative[1].lang or "en", ())) or positives
        return Check(name="proof.state", outcome="fail",
                     detail=f"{read.label} shows '{_flat(match.snippet)}' and no "
                            f"{_quote(wanted)}: the {action} was not done when it was taken",
                     evidence=_snippet_refs(read, match, evidence))
    label = reads[0].label if len(reads) == 1 else "the screenshots"
    platform = proof.task.platform
    if platform in WORDLESS.get(action, frozenset()):
        return Check(name="proof.state", outcome="skipped", evidence=refs,
                     detail=f"{platform} shows a {action} without a word (an icon or a list "
                            f"row), so {label} has no state to read; the live check decides")
    return Check(name="proof.state", outcome="unknown",
                 detail=f"no {action} state ({_quote(positives)}) is readable in {label}",
                 evidence=refs)


def _positive_detail(proof: Proof, state: StateReading, read: _Read, target_handle: str | None,
                     target_name: str | None) -> str:
    """One sentence: "the screenshot shows @rafi_bd and 'Following' on @acme_bd's profile"."""
    assert state.match is not None
    shown = f"'{_flat(state.match.snippet)}'"
    handle = proof.worker.handle
    if handle and not handle_problem(proof.task.platform, handle) \
            and find_handle(read.ocr.text, handle):
        shown = f"{_at(handle)} and {shown}"
    where = ""
    found = _find_target(read.ocr.text, target_handle, target_name)
    if found:
        kind = "profile" if proof.task.action in ("follow", "subscribe") else "page"
        name = found[1]
        where = f" on {name}'s {kind}" if name.startswith("@") else f" on the {kind} of {name}"
    return f"{read.label} shows {shown}{where}"
