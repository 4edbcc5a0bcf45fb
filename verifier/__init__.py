"""microtask-verifier: checks micro-task proofs against the live page."""

__version__ = "0.1.0"
