"""The HTTP API (contract §3) for marketplace backends: ``create_app``."""

from verifier.api.app import create_app

__all__ = ["create_app"]
