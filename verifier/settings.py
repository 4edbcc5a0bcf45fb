"""Typed settings read from the environment (contract §2 names), with defaults
that let ``verifier demo`` and ``verifier verify`` run with nothing configured.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    redis_url: str | None = Field(default=None, validation_alias=AliasChoices("REDIS_URL"))
    home: Path = Field(
        default=Path.home() / ".verifier", validation_alias=AliasChoices("VERIFIER_HOME")
    )
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("VERIFIER_DATABASE_URL")
    )
    sandbox: str | None = Field(default=None, validation_alias=AliasChoices("VERIFIER_SANDBOX"))
    sessions_dir: Path | None = Field(
        default=None, validation_alias=AliasChoices("VERIFIER_SESSIONS_DIR")
    )
    # Hosts that may serve worker screenshots by URL (a marketplace CDN); comma separated.
    image_hosts: str = Field(default="", validation_alias=AliasChoices("VERIFIER_IMAGE_HOSTS"))
    # Web targets (signup / visit sites) an operator declares outside any sandbox world.
    web_hosts: str = Field(default="", validation_alias=AliasChoices("VERIFIER_WEB_HOSTS"))
    # The operator's sites file (hosts, code secrets, member pages; see verifier/sites.py);
    # unset: VERIFIER_SESSIONS_DIR/sites.yaml when present.
    sites_file: Path | None = Field(default=None, validation_alias=AliasChoices("VERIFIER_SITES"))
    webhook_secret: str = Field(
        default="change-me", validation_alias=AliasChoices("VERIFIER_WEBHOOK_SECRET")
    )
    chromium_path: str | None = Field(
        default=None, validation_alias=AliasChoices("VERIFIER_CHROMIUM")
    )
    # Chromium's own sandbox is dropped automatically only when running as root;
    # set this where the host forbids user namespaces (some container runtimes).
    chromium_no_sandbox: bool = Field(
        default=False, validation_alias=AliasChoices("VERIFIER_CHROMIUM_NO_SANDBOX")
    )
    # A browser is retired after this many proofs: Chromium's memory creeps otherwise.
    browser_max_proofs: int = Field(
        default=100, validation_alias=AliasChoices("VERIFIER_BROWSER_MAX_PROOFS")
    )
    navigation_timeout_ms: int = Field(
        default=20_000, validation_alias=AliasChoices("VERIFIER_NAV_TIMEOUT_MS")
    )
    action_timeout_ms: int = Field(
        default=8_000, validation_alias=AliasChoices("VERIFIER_ACTION_TIMEOUT_MS")
    )
    # RQ kills a job after this; browser timeouts above stay well under it.
    job_timeout_s: int = Field(default=180, validation_alias=AliasChoices("VERIFIER_JOB_TIMEOUT"))
    max_list_pages: int = Field(
        default=10, validation_alias=AliasChoices("VERIFIER_MAX_LIST_PAGES")
    )
    max_image_bytes: int = Field(
        default=8 * 1024 * 1024, validation_alias=AliasChoices("VERIFIER_MAX_IMAGE_BYTES")
    )
    max_image_pixels: int = Field(
        default=40_000_000, validation_alias=AliasChoices("VERIFIER_MAX_IMAGE_PIXELS")
    )
    policy_file: Path | None = Field(
        default=None, validation_alias=AliasChoices("VERIFIER_POLICY")
    )
    queue_name: str = Field(default="proofs", validation_alias=AliasChoices("VERIFIER_QUEUE"))
    # An operator's Reddit app (reddit.com/prefs/apps): Reddit blocks logged-out JSON reads,
    # so comment and account checks read oauth.reddit.com with an app-only token.
    reddit_client_id: str | None = Field(
        default=None, validation_alias=AliasChoices("VERIFIER_REDDIT_CLIENT_ID")
    )
    reddit_client_secret: str | None = Field(
        default=None, validation_alias=AliasChoices("VERIFIER_REDDIT_CLIENT_SECRET")
    )

    @cached_property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'verifier.sqlite3'}"

    @property
    def evidence_dir(self) -> Path:
        return self.home / "evidence"

    @staticmethod
    def _hosts(raw: str) -> frozenset[str]:
        return frozenset(h.strip().lower() for h in raw.split(",") if h.strip())

    @property
    def image_host_set(self) -> frozenset[str]:
        return self._hosts(self.image_hosts)

    @property
    def web_host_set(self) -> frozenset[str]:
        return self._hosts(self.web_hosts)


def get_settings(**overrides: object) -> Settings:
    """Fresh settings from the environment; overrides win (CLI options)."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]
