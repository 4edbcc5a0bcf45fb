"""What the proof page shows, gathered from the stored verdict and evidence.

The verifier's checks carry evidence references in a known order: a
``proof.*`` check lists the screenshot, the OCR text read from it and (when
it passed) the matched snippet; a ``live.*`` check lists the page capture
and what the page fetched. From those the page rebuilds the two images side
by side and the OCR text with what matched (and what was looked for and not
found) marked, without re-running anything.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from pathlib import Path

from verifier.evidence import EvidenceStore
from verifier.models import Check, Proof, Verdict

IMAGE_EXTS = ("png", "jpg", "jpeg", "webp", "gif")
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"GIF8", "image/gif"))
# A handle or a quoted word in a failed check's sentence: what was looked for.
_LOOKED_FOR = re.compile(r"@[\w.]+|'([^']{2,60})'")
_OTHER_PROOF = re.compile(r"for proof ([A-Za-z0-9._:-]{1,128})")


def _ext(ref: str) -> str:
    return ref.rsplit(".", 1)[-1].lower() if "." in ref else ""


def is_image_ref(ref: str) -> bool:
    return ref.startswith("sha256:") and _ext(ref) in IMAGE_EXTS


def image_type(data: bytes) -> str | None:
    """A content type from the bytes themselves (never from a name)."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def submitted_image(proof: Proof, n: int) -> bytes | None:
    """The worker's n-th screenshot (1-based) when it was sent inline as base64."""
    shots = proof.evidence.screenshots if proof.evidence else []
    if not 1 <= n <= len(shots) or shots[n - 1].data is None:
        return None
    data = shots[n - 1].data or ""
    if data.startswith("data:") and "," in data:
        data = data.split(",", 1)[1]
    try:
        raw = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        return None
    return raw if image_type(raw) else None


@dataclass
class Segment:
    text: str
    mark: str = ""  # "", "ok" (matched) or "bad" (looked for / contradicting)


@dataclass
class OcrView:
    image_ref: str
    segments: list[Segment]


@dataclass
class ProofView:
    worker_images: list[str] = field(default_factory=list)  # URLs under /review
    worker_urls: list[str] = field(default_factory=list)  # sent by URL; shown as text only
    live_images: list[str] = field(default_factory=list)
    ocr: list[OcrView] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # looked for, not in the text
    duplicates: list[str] = field(default_factory=list)


def highlight(text: str, good: list[str], bad: list[str]) -> list[Segment]:
    """Split ``text`` into plain and marked runs; matches win over contradictions."""
    marks = [""] * len(text)
    for words, kind in ((bad, "bad"), (good, "ok")):
        for word in words:
            word = word.strip()
            if len(word) < 2:
                continue
            for m in re.finditer(re.escape(word), text, flags=re.IGNORECASE):
                for i in range(m.start(), m.end()):
                    marks[i] = kind
    segments: list[Segment] = []
    for ch, mark in zip(text, marks, strict=True):
        if segments and segments[-1].mark == mark:
            segments[-1].text += ch
        else:
            segments.append(Segment(ch, mark))
    return segments


def _read_text(evidence: EvidenceStore, ref: str, limit: int = 20_000) -> str | None:
    try:
        return evidence.read(ref)[:limit].decode("utf-8", "replace")
    except (OSError, ValueError):
        return None


def _looked_for(check: Check) -> list[str]:
    return [m.group(1) or m.group(0) for m in _LOOKED_FOR.finditer(check.detail)]


def build(proof: Proof, verdict: Verdict, evidence: EvidenceStore,
          evidence_url: str, shot_url: str) -> ProofView:
    """The page's images, OCR text and duplicates; URLs are formatted with
    ``evidence_url.format(ref=...)`` and ``shot_url.format(n=...)``."""
    view = ProofView()
    exists = {}

    def present(ref: str) -> bool:
        if ref not in exists:
            try:
                exists[ref] = Path(evidence.path(ref)).is_file()
            except ValueError:
                exists[ref] = False
        return exists[ref]

    texts: dict[str, str] = {}  # image ref -> OCR text ref
    good: list[str] = []
    bad: list[str] = []
    for check in verdict.checks:
        refs = check.evidence
        # proof.duplicate also lists the other proofs' images: not this worker's.
        if check.name.startswith("proof.") and check.name != "proof.duplicate":
            for i, ref in enumerate(refs):
                if is_image_ref(ref) and present(ref):
                    if ref not in view.worker_images:
                        view.worker_images.append(ref)
                    nxt = refs[i + 1] if i + 1 < len(refs) else ""
                    if nxt.endswith(".txt"):
                        texts.setdefault(ref, nxt)
            if check.outcome == "pass" and len(refs) >= 3 and refs[2].endswith(".txt"):
                snippet = _read_text(evidence, refs[2], 500)
                if snippet:
                    good.append(snippet.strip())
            if check.outcome == "fail":
                bad.extend(_looked_for(check))
        elif check.name.startswith("live.") or check.name.startswith("code."):
            view.live_images += [r for r in refs if is_image_ref(r) and present(r)
                                 and r not in view.live_images]
        if check.name == "proof.duplicate" and check.outcome == "fail":
            view.duplicates += [p for p in _OTHER_PROOF.findall(check.detail)
                                if p != proof.id and p not in view.duplicates]
    worker_refs = view.worker_images
    view.worker_images = [evidence_url.format(ref=r) for r in worker_refs]
    if not worker_refs and proof.evidence:
        for n, shot in enumerate(proof.evidence.screenshots, 1):
            if shot.data is not None:
                view.worker_images.append(shot_url.format(n=n))
            elif shot.url:
                view.worker_urls.append(shot.url)
    view.live_images = [evidence_url.format(ref=r) for r in view.live_images]
    all_text = ""
    for image_ref in worker_refs:
        text_ref = texts.get(image_ref)
        text = _read_text(evidence, text_ref) if text_ref else None
        if text is None:
            continue
        all_text += "\n" + text
        view.ocr.append(OcrView(evidence_url.format(ref=image_ref), highlight(text, good, bad)))
    view.missing = [w for w in dict.fromkeys(bad) if w.casefold() not in all_text.casefold()]
    return view
