"""Proof and verdict, exactly as ``shared/contract/*.schema.json`` defines them.

Marketplaces depend on these shapes, so the models forbid unknown fields and
name the offending field in every error: a refused proof must tell its sender
what to fix.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from verifier.handles import handle_problem
from verifier.settings import Settings

Action = Literal[
    "follow", "like", "comment", "share", "subscribe", "join", "signup", "visit", "install"
]
Platform = Literal[
    "x", "instagram", "facebook", "reddit", "youtube", "tiktok", "telegram", "github", "web",
    "playstore",
]
Outcome = Literal["pass", "fail", "unknown", "skipped"]
Status = Literal["pending", "approved", "flagged", "rejected"]

ACTIONS: tuple[str, ...] = Action.__args__  # type: ignore[attr-defined]
PLATFORMS: tuple[str, ...] = Platform.__args__  # type: ignore[attr-defined]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class Task(_Strict):
    action: Action
    platform: Platform
    target: str = Field(max_length=2048)
    comment_text: str | None = Field(default=None, max_length=2000)
    min_comment_words: int | None = Field(default=None, ge=1, le=200)


class Worker(_Strict):
    id: str = Field(max_length=128)
    handle: str | None = Field(default=None, max_length=256)


class Screenshot(_Strict):
    data: str | None = None
    url: str | None = Field(default=None, max_length=2048)

    @model_validator(mode="after")
    def _exactly_one(self) -> Screenshot:
        if (self.data is None) == (self.url is None):
            raise ValueError("a screenshot needs exactly one of 'data' (base64) or 'url'")
        return self


class Evidence(_Strict):
    screenshots: list[Screenshot] = Field(default_factory=list, max_length=10)
    code: str | None = Field(default=None, max_length=256)
    text: str | None = Field(default=None, max_length=5000)


class Proof(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9._:-]{1,128}$")
    marketplace: str | None = Field(default=None, max_length=64)
    campaign: str | None = Field(default=None, max_length=128)
    task: Task
    worker: Worker
    evidence: Evidence | None = None
    submitted_at: datetime | None = None
    callback_url: str | None = Field(default=None, max_length=2048)

    def to_json(self) -> dict[str, Any]:
        """The proof as the marketplace sent it (no nulls added), for storage."""
        return self.model_dump(mode="json", exclude_none=True)


class Check(BaseModel):
    """One thing the verifier looked at; dotted name such as ``live.follow``."""

    name: str
    outcome: Outcome
    detail: str = ""
    evidence: list[str] = Field(default_factory=list)
    # The name the target's page shows for its owner, learned by a live check (a
    # video's channel title): the screenshot checks look for it where the URL names
    # no account.  Private, so never stored or sent: the verdict keeps its shape.
    _shown_owner: str | None = PrivateAttr(default=None)

    @property
    def shown_owner(self) -> str | None:
        return self._shown_owner

    def owned_by(self, name: str | None) -> Check:
        """This check, recording the owner's shown name (blank names are none)."""
        self._shown_owner = name.strip() if name and name.strip() else None
        return self


class Moderation(BaseModel):
    """A moderator's decision on a proof (verdict schema ``moderation``)."""

    moderator: str
    decision: Literal["approved", "rejected"]
    note: str = ""
    decided_at: datetime | None = None


class Retention(BaseModel):
    """What re-verification found after the decision (verdict schema ``retention``)."""

    state: Literal["held", "dropped", "unknown"]
    checked_at: datetime | None = None
    dropped_at: datetime | None = None
    checks: int = Field(default=0, ge=0)


class Verdict(BaseModel):
    proof_id: str
    status: Status
    checks: list[Check] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    attempts: int = Field(default=0, ge=0)
    verified_at: datetime | None = None
    verifier_version: str | None = None
    retention: Retention | None = None
    moderation: Moderation | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class ProofError(ValueError):
    """A proof the verifier refuses; ``errors`` lists ``field: message`` lines."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


def _field_path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts) or "(proof)"


def base64_limit(max_image_bytes: int) -> int:
    """The longest base64 text that can hold ``max_image_bytes``: 4/3 of it, plus a
    ``data:`` prefix and MIME line breaks (76 characters and CRLF a line)."""
    return -(-4 * -(-max_image_bytes // 3) * 78 // 76) + 64


def _mib(n: int) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 else f"{-(-n // 1024)} KB"


def intake_errors(proof: Proof, max_image_bytes: int) -> list[str]:
    """What the shape allows but intake refuses before anything is stored: a screenshot
    whose base64 could not hold an image under the byte limit, a handle the task's
    platform would not accept (it would also cost the matcher for nothing)."""
    errors: list[str] = []
    limit = base64_limit(max_image_bytes)
    shots = proof.evidence.screenshots if proof.evidence else []
    for n, shot in enumerate(shots):
        if shot.data is not None and len(shot.data) > limit:
            errors.append(f"evidence.screenshots[{n}].data: {_mib(len(shot.data))} of base64 is "
                          f"over the {_mib(limit)} limit (images up to "
                          f"{_mib(max_image_bytes)}, VERIFIER_MAX_IMAGE_BYTES)")
    problem = handle_problem(proof.task.platform, proof.worker.handle)
    if problem:
        errors.append(f"worker.handle: {problem}")
    return errors


def parse_proof(raw: str | bytes | dict[str, Any], max_image_bytes: int | None = None) -> Proof:
    """Validate a proof from JSON text or a decoded object.

    Raises ``ProofError`` whose messages start with the dotted field name
    (``task.action: ...``), the form the HTTP API and the CLI print. Beyond
    the shape, intake limits apply (``intake_errors``); ``max_image_bytes``
    defaults to ``VERIFIER_MAX_IMAGE_BYTES``.
    """
    if isinstance(raw, str | bytes):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ProofError([f"(proof): not valid JSON: {exc.msg} at line {exc.lineno}"]) from exc
    if not isinstance(raw, dict):
        raise ProofError(["(proof): must be a JSON object"])
    try:
        proof = Proof.model_validate(raw)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(x for x in err["loc"] if not str(x).startswith("function-after"))
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown field"
            errors.append(f"{_field_path(loc)}: {msg}")
        raise ProofError(errors) from exc
    if max_image_bytes is None:
        max_image_bytes = Settings().max_image_bytes
    errors = intake_errors(proof, max_image_bytes)
    if errors:
        raise ProofError(errors)
    return proof
