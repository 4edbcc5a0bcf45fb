"""Proof forensics v1: what the worker's own screenshots show.

OCR of the worker's screenshot is corroboration (DESIGN, truth order): it says
whether the picture is readable, whether the worker's handle and the target
are on it, and which state the button shows (``Following`` or a bare
``Follow``).  Each finding is a ``Check`` with one plain sentence and evidence
references (the screenshot, the OCR text, the matched snippet), so a
moderator sees why without re-opening anything.  Duplicates are judged
elsewhere (``verifier.forensics.duplicates``) from the hashes on ``LoadedImage``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from verifier.evidence import EvidenceStore
from verifier.forensics.images import ImageProblem, LoadedImage
from verifier.forensics.ocr import OcrEngine, OcrResult
from verifier.forensics.ocr_layout import (
    Placed,
    gaps,
    place,
    word_spans,
)
from verifier.forensics.states import (
    AT_HANDLE,
    STATE_WORDS,
    WORDLESS,
    StateReading,
    state_words,
    target_state,
)
from verifier.forensics.textmatch import (
    Match,
    MatchTooCostly,
    find_all,
    find_handle,
    find_handles,
    find_phrase,
    same_handle,
)
from verifier.handles import handle_problem
from verifier.models import Check, Proof


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
    problem = handle_problem(proof.task.platform, proof.worker.handle)
    if proof.worker.handle and proof.worker.handle.strip().lstrip("@") and not problem:
        reads = [_looked_again(r, proof.worker.handle, ocr, evidence) for r in reads]
    checks = [_screenshot_check(reads, problems)]
    if not loaded:
        why = "no submitted screenshot could be read"
        checks += [Check(name="proof.handle", outcome="skipped" if not proof.worker.handle
                         else "unknown", detail=why if proof.worker.handle
                         else "the proof names no worker handle")]
        checks += [Check(name=n, outcome="unknown", detail=why)
                   for n in ("proof.target", "proof.state")]
        return checks
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


def _looked_again(read: _Read, handle: str, ocr: OcrEngine, evidence: EvidenceStore) -> _Read:
    """The read with a second look at the lines its page pass left unread, when the
    worker's handle is not in it: only a doubtful screenshot pays for one."""
    try:
        if find_all(read.ocr.text, handle, "handle"):
            return read
    except MatchTooCostly:  # ``proof.handle`` says so
        return read
    again = ocr.second_look(read.image.image, read.ocr)
    if again.text == read.ocr.text:
        return read
    return replace(read, ocr=again, text_ref=evidence.put_text(again.text))


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
    paired: list[tuple[_Read, Match, str]] = []
    for read in reads:
        match, foreign = _own_handle(read, handle, target_handle)
        if match is None and foreign:
            paired.append((read, foreign[0], foreign[1]))
        if match:
            return Check(name="proof.handle", outcome="pass",
                         detail=f"{read.label} shows the worker's handle {_at(handle)}"
                                f"{_read_as(match, handle)}",
                         evidence=_snippet_refs(read, match, evidence))
    others = [h for r in reads for h in find_handles(r.ocr.text)
              if not (target_handle and same_handle(h, target_handle))]
    label = reads[0].label if len(reads) == 1 else "the screenshots"
    refs = [ref for r in reads for ref in (r.shot_ref, r.text_ref)]
    if paired:
        read, name, other = paired[0]
        return Check(name="proof.handle", outcome="fail",
                     evidence=_snippet_refs(read, name, evidence),
                     detail=f"{read.label} shows '{_flat(name.snippet)}' only as a name, and "
                            f"the account there is {_at(other)}, not the worker's {_at(handle)}")
    if others:
        shown = ", ".join(list(dict.fromkeys(_at(h) for h in others))[:3])
        detail = f"{label} shows the handle {shown}, not the worker's {_at(handle)}"
    else:
        detail = f"the worker's handle {_at(handle)} is not visible in {label}"
    return Check(name="proof.handle", outcome="fail", detail=detail, evidence=refs)


def _own_handle(read: _Read, handle: str, target_handle: str | None
                ) -> tuple[Match | None, tuple[Match, str] | None]:
    """(the worker's handle as shown, or None; a name that says the worker's handle
    over another account's ``@handle``, with that handle).

    An ``@handle`` decides where the app shows the account: a name (or the
    handle without its "@") with another ``@handle`` right under it or after
    it on its line is that other account, whatever the name says; a name
    painted over is the cheapest edit there is.  A bare name with no handle
    beside it is still taken, as before (Facebook shows people by name only).
    """
    text = read.ocr.text
    found = find_all(text, handle, "handle")
    if not found:
        return None, None
    spans = word_spans(read.ocr)
    handles = [(m.group(1), place(spans, m.start(), m.end()))
               for m in AT_HANDLE.finditer(text)]
    foreign: tuple[Match, str] | None = None
    for match in found:
        if match.snippet.lstrip()[:1] in "@\u00a9" or text[max(0, match.start - 1):
                                                           match.start] in ("@", "\u00a9"):
            return match, None
        where = place(spans, match.start, match.end)
        beside = [h for h, box in handles if where and box and _account_pair(where, box)]
        strangers = [h for h in beside if not same_handle(h, handle)
                     and not (target_handle and same_handle(h, target_handle))
                     and not _name_fits(handle, h)]
        if strangers and not any(same_handle(h, handle) for h in beside):
            foreign = foreign or (match, strangers[0])
            continue
        return match, None
    return None, foreign


def _name_fits(name: str, handle: str) -> bool:
    """A proof that names a person ("Rafi Ahmed") over a handle made of that name
    ("@rafi_bd") is the same account; "@nadia.islam" under it is not."""
    if " " not in name.strip():
        return False
    flat = "".join(ch for ch in handle.casefold() if ch.isalnum())
    return any(len(part) >= 3 and part in flat
               for part in ("".join(ch for ch in w if ch.isalnum()) for w in
                            name.casefold().split()))


def _account_pair(name: Placed, at: Placed) -> bool:
    """An ``@handle`` in the place of the account a name stands for: on the next
    line, starting under the name, or right after it on its line."""
    h = max(name.height, 8)
    gx, gy = gaps(name.box, at.box)
    below = at.box[1] - name.box[1] >= 0 and gy <= 1.2 * h and abs(at.box[0] - name.box[0]) <= 2 * h
    after = gy == 0 and at.box[0] >= name.box[2] and gx <= 3 * h
    return below or after


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
    positives = state_words(STATE_WORDS, action)
    if not positives:
        return Check(name="proof.state", outcome="skipped",
                     detail=f"a {action} proof has no state word to read")
    negative: tuple[_Read, StateReading] | None = None
    foreign: list[StateReading] = []
    for read in reads:
        state, theirs = target_state(read.ocr, action, read.image.image.size, target_handle,
                                     target_name, proof.worker.handle)
        foreign += theirs
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
    if foreign and foreign[0].match:
        return Check(name="proof.state", outcome="unknown", evidence=refs,
                     detail=f"{label} shows '{_flat(foreign[0].match.snippet)}' only on "
                            f"another account (a suggestion or a sidebar), and no {action} "
                            f"state on the target's own button")
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
