"""Tests of the platform adapters (one module per platform and concern)."""
