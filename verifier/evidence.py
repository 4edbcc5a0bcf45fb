"""Content-addressed evidence files (captures, OCR text, matched snippets).

A reference is ``sha256:HEX.EXT``; the file lives at ``DIR/HE/X....EXT``.
Content addressing makes writes idempotent (a retried job stores nothing
twice) and lets a moderator's page and a re-verification share one capture.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


class EvidenceStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, data: bytes, ext: str) -> str:
        digest = hashlib.sha256(data).hexdigest()
        ref = f"sha256:{digest}.{ext.lstrip('.')}"
        path = self.path(ref)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        return ref

    def put_text(self, text: str) -> str:
        return self.put(text.encode("utf-8"), "txt")

    def put_json(self, obj: Any) -> str:
        return self.put(json.dumps(obj, ensure_ascii=False, sort_keys=True).encode(), "json")

    def path(self, ref: str) -> Path:
        if not ref.startswith("sha256:"):
            raise ValueError(f"not an evidence reference: {ref!r}")
        name = ref.removeprefix("sha256:")
        digest = name.split(".", 1)[0]
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"not an evidence reference: {ref!r}")
        return self.root / digest[:2] / name

    def read(self, ref: str) -> bytes:
        return self.path(ref).read_bytes()
