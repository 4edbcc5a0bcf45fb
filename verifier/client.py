"""A Python client for marketplace backends, and the webhook check for their receiver.

    from verifier.client import VerifierClient, verify_webhook

    client = VerifierClient("https://verifier.example.com", token="mv_...")
    client.submit(proof_dict)                 # {"id": ..., "status": "pending", ...}
    verdict = client.wait(proof_dict["id"])   # polls until decided

    # in the webhook receiver:
    if not verify_webhook(request_body_bytes, request_headers, webhook_secret):
        return 401
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from verifier.webhooks import SIGNATURE_HEADER, header, verify_signature

__all__ = ["VerifierClient", "VerifierError", "verify_webhook"]


class VerifierError(RuntimeError):
    """The API refused a call; ``status`` and the JSON ``body`` say why."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        lines = [str(body.get("error", "error")), *body.get("errors", [])]
        super().__init__(f"HTTP {status}: " + "; ".join(lines))


def verify_webhook(body: bytes, headers: Mapping[str, str], secret: str) -> bool:
    """True when the webhook's ``X-Verifier-Signature`` signs exactly ``body``.

    Pass the raw request bytes, before any JSON parsing: re-serialised JSON
    does not carry the same signature.
    """
    return verify_signature(body, header(headers, SIGNATURE_HEADER), secret)


class VerifierClient:
    def __init__(self, base_url: str, token: str, *, timeout: float = 30.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), timeout=timeout, transport=transport,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "verifier-client"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> VerifierClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = {"error": response.text[:500]}
        if response.status_code >= 400:
            raise VerifierError(response.status_code, body if isinstance(body, dict) else {})
        return body

    def submit(self, proof: Mapping[str, Any]) -> dict[str, Any]:
        """Submit one proof; the same id again returns the stored record."""
        result: dict[str, Any] = self._call("POST", "/v1/proofs", json=dict(proof))
        return result

    def submit_batch(self, proofs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Submit many in one call; a bad proof refuses the whole batch (nothing stored)."""
        result = self._call("POST", "/v1/proofs", json={"proofs": [dict(p) for p in proofs]})
        out: list[dict[str, Any]] = result["proofs"]
        return out

    def get(self, proof_id: str) -> dict[str, Any]:
        """The current verdict (``status`` pending, approved, flagged or rejected)."""
        result: dict[str, Any] = self._call("GET", f"/v1/proofs/{proof_id}")
        return result

    def wait(self, proof_id: str, timeout: float = 300.0, interval: float = 1.0
             ) -> dict[str, Any]:
        """Poll until the proof is decided; ``TimeoutError`` if it is still pending."""
        deadline = time.monotonic() + timeout
        while True:
            verdict = self.get(proof_id)
            if verdict["status"] != "pending":
                return verdict
            if time.monotonic() >= deadline:
                raise TimeoutError(f"proof {proof_id} still pending after {timeout:.0f}s")
            time.sleep(interval)
