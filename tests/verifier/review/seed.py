"""Seeded proofs for the review tests: real Store.add_proof + Store.decide,
real evidence files, and the API app served by a real uvicorn on 127.0.0.1."""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import uvicorn
from PIL import Image, ImageDraw
from sqlalchemy import update

from verifier.evidence import EvidenceStore
from verifier.models import Check, Verdict, parse_proof
from verifier.settings import Settings
from verifier.store import Store
from verifier.store.schema import proofs as proofs_table


def png(text: str, size: tuple[int, int] = (360, 200), colour: str = "#ffffff") -> bytes:
    image = Image.new("RGB", size, colour)
    ImageDraw.Draw(image).text((12, 12), text, fill="#000000")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed_flagged(store: Store, evidence: EvidenceStore, proof_id: str, *,
                 worker: str = "w-1", handle: str = "rafi_bd", platform: str = "x",
                 action: str = "follow", campaign: str = "eid-2026",
                 marketplace: str = "microworkers", callback_url: str | None = None,
                 created_at: datetime | None = None, shown_handle: str = "@someone_else",
                 ) -> None:
    """A proof the verifier flagged: the screenshot shows another handle, the
    live check could not see the follow; evidence files as the checks write them."""
    shot = png(f"{shown_handle}\nFollowing\nAcme Bangladesh @acme_bd")
    proof = parse_proof({
        "id": proof_id, "marketplace": marketplace, "campaign": campaign,
        "task": {"action": action, "platform": platform,
                 "target": f"https://x.com/acme_bd?p={proof_id}"},
        "worker": {"id": worker, "handle": handle},
        "evidence": {"screenshots": [{"data": base64.b64encode(shot).decode()}]},
        **({"callback_url": callback_url} if callback_url else {}),
    })
    store.add_proof(proof)
    if created_at is not None:
        with store.engine.begin() as conn:
            conn.execute(update(proofs_table).where(proofs_table.c.id == proof_id)
                         .values(created_at=created_at))
    shot_ref = evidence.put(shot, "png")
    text_ref = evidence.put_text(f"{shown_handle}\nFollowing\nAcme Bangladesh @acme_bd")
    live_ref = evidence.put(png(f"x.com/acme_bd followers of {proof_id}", (420, 260),
                                "#eef2ff"), "png")
    verdict = Verdict(
        proof_id=proof_id, status="flagged", verified_at=datetime.now(UTC),
        reasons=[f"The screenshot shows the handle {shown_handle}, not the worker's @{handle}.",
                 f"@{handle} is not among @acme_bd's followers."],
        checks=[
            Check(name="proof.screenshot", outcome="pass", detail="read the screenshot (PNG)",
                  evidence=[shot_ref]),
            Check(name="proof.handle", outcome="fail",
                  detail=f"the screenshot shows the handle {shown_handle}, "
                         f"not the worker's @{handle}",
                  evidence=[shot_ref, text_ref]),
            Check(name="proof.target", outcome="pass",
                  detail="the screenshot shows the target @acme_bd",
                  evidence=[shot_ref, text_ref, evidence.put_text("@acme_bd")]),
            Check(name="live.follow", outcome="fail",
                  detail=f"@{handle} is not among @acme_bd's followers",
                  evidence=[live_ref, evidence.put_json({"followers": []})]),
        ])
    assert store.decide(verdict)


def bind() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


class Served:
    """An ASGI app under uvicorn in a daemon thread on 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        self._sock = bind()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning",
                                                     access_log=False))
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={"sockets": [self._sock]}, daemon=True)

    def __enter__(self) -> Served:
        self._thread.start()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the API did not start")

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


class Receiver:
    """A marketplace's webhook endpoint: records every POST (headers and body)."""

    def __init__(self) -> None:
        received: list[dict[str, Any]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                received.append({"headers": dict(self.headers), "body": body,
                                 "path": self.path})
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def events(self, event: str) -> list[dict[str, Any]]:
        return [r for r in self.received if r["headers"].get("X-Verifier-Event") == event]


def settings_for(home: Any, redis_url: str, **extra: Any) -> Settings:
    return Settings(VERIFIER_HOME=home, REDIS_URL=redis_url, **extra)  # type: ignore[call-arg]


def days_ago(n: float) -> datetime:
    return datetime.now(UTC) - timedelta(days=n)


__all__ = ["Receiver", "Served", "days_ago", "json", "png", "seed_flagged", "settings_for"]
