"""Logging: the proof id on every line logged while a proof is handled.

A ``ContextVar`` carries the id (``bound(proof_id=...)``), a filter copies it
onto each record, and ``VERIFIER_LOG_FORMAT=json`` writes one JSON object a
line for log shippers. Secrets never reach a record: tokens, webhook secrets
and API keys are not logged anywhere, and ``redact`` masks them in URLs that
are.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_context: ContextVar[dict[str, str] | None] = ContextVar("verifier_log_context", default=None)
_SECRET_PARAM = re.compile(r"(?i)([?&](?:key|token|access_token|client_secret|sig)=)[^&#\s]+")


def redact(text: str) -> str:
    """URLs with their credentials masked (``?key=...`` becomes ``?key=***``)."""
    return _SECRET_PARAM.sub(r"\1***", text)


@contextmanager
def bound(**fields: str) -> Iterator[None]:
    """Every record logged inside carries these fields (e.g. ``proof_id``)."""
    token = _context.set({**(_context.get() or {}), **fields})
    try:
        yield
    finally:
        _context.reset(token)


class ContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        fields = _context.get() or {}
        record.context = fields
        record.proof_id = fields.get("proof_id", "-")
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
            **getattr(record, "context", {}),
        }
        if record.exc_info:
            out["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup(level: int = logging.WARNING, fmt: str = "text") -> None:
    """Configure the root logger once per process (CLI entry point and workers)."""
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter(
            "%(asctime)s %(levelname)s %(name)s [proof=%(proof_id)s]: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
