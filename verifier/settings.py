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
    # Webhooks are signed with each marketplace's own secret (`verifier token create`).
    # Seconds between delivery attempts: 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, 24 h
    # (about 45 hours before giving up; `verifier webhooks redeliver` after that).
    webhook_retry_delays: str = Field(
        default="60,300,1800,7200,21600,43200,86400",
        validation_alias=AliasChoices("VERIFIER_WEBHOOK_RETRY_DELAYS"),
    )
    # Seconds to wait before checking a proof again when its checks were unknown for a
    # reason the policy's retry_unknown lists (a rate limit, a slow page): the proof
    # stays pending meanwhile; after the last, it is flagged as any other unknown.
    retry_unknown_delays: str = Field(
        default="60,300,900",
        validation_alias=AliasChoices("VERIFIER_RETRY_UNKNOWN_DELAYS"),
    )
    webhook_timeout_s: float = Field(
        default=10.0, validation_alias=AliasChoices("VERIFIER_WEBHOOK_TIMEOUT")
    )
    # Callback hosts exempt from the URL guard (`host` or `host:port`): a marketplace
    # on a private network. Everything else must be a public address.
    callback_hosts: str = Field(
        default="", validation_alias=AliasChoices("VERIFIER_CALLBACK_HOSTS")
    )
    webhook_queue_name: str = Field(
        default="webhooks", validation_alias=AliasChoices("VERIFIER_WEBHOOK_QUEUE")
    )
    # The HTTP API refuses bodies over this many bytes with a 413.
    api_max_body_bytes: int = Field(
        default=16 * 1024 * 1024, validation_alias=AliasChoices("VERIFIER_API_MAX_BODY")
    )
    api_max_batch: int = Field(
        default=500, validation_alias=AliasChoices("VERIFIER_API_MAX_BATCH")
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
    # Each check (the live check, each forensics check) ends within this; past it the
    # check is unknown ("took longer than N s"). A proof's checks together stay within
    # proof_budget_s, under the job timeout, so RQ never kills a proof half-recorded.
    check_budget_s: float = Field(
        default=45.0, gt=0, validation_alias=AliasChoices("VERIFIER_CHECK_BUDGET_S")
    )
    max_list_pages: int = Field(
        default=10, validation_alias=AliasChoices("VERIFIER_MAX_LIST_PAGES")
    )
    max_image_bytes: int = Field(
        default=8 * 1024 * 1024, validation_alias=AliasChoices("VERIFIER_MAX_IMAGE_BYTES")
    )
    max_image_pixels: int = Field(
        default=40_000_000, validation_alias=AliasChoices("VERIFIER_MAX_IMAGE_PIXELS")
    )
    # A decoded screenshot is kept at most this big (downscaled on load): a phone
    # (1440x3200) or a desktop (2560x1440) screenshot is read at full size; OCR
    # upscales narrow ones itself.
    max_screenshot_pixels: int = Field(
        default=6_000_000, validation_alias=AliasChoices("VERIFIER_MAX_SCREENSHOT_PIXELS")
    )
    # What one proof's screenshots may cost to decode, counted from their headers:
    # the images past it are not decoded (their check is unknown).
    max_proof_pixels: int = Field(
        default=100_000_000, validation_alias=AliasChoices("VERIFIER_MAX_PROOF_PIXELS")
    )
    # One response the browser's route handler buffers (a page, a script, an API answer).
    max_response_bytes: int = Field(
        default=32 * 1024 * 1024, validation_alias=AliasChoices("VERIFIER_MAX_RESPONSE_BYTES")
    )
    policy_file: Path | None = Field(
        default=None, validation_alias=AliasChoices("VERIFIER_POLICY")
    )
    queue_name: str = Field(default="proofs", validation_alias=AliasChoices("VERIFIER_QUEUE"))
    # The sweeper (run by workers every sweep_interval_s): a proof undecided this long
    # with no live job is re-enqueued, and flagged after max_sweeps such rounds.
    stuck_after_s: int = Field(default=300, validation_alias=AliasChoices("VERIFIER_STUCK_AFTER"))
    max_sweeps: int = Field(default=2, validation_alias=AliasChoices("VERIFIER_MAX_SWEEPS"))
    sweep_interval_s: int = Field(
        default=60, validation_alias=AliasChoices("VERIFIER_SWEEP_INTERVAL")
    )
    # A worker renews a key this long-lived every third of it while it runs; a started job
    # whose worker's key is gone (SIGKILL, a lost host) is no longer live for the sweeper.
    worker_alive_ttl_s: int = Field(
        default=30, ge=3, validation_alias=AliasChoices("VERIFIER_WORKER_ALIVE_TTL")
    )
    # The operator's YouTube Data API v3 key: since the channels tab went (2023) the API's
    # subscriptions.list is the only third-party view of whom a channel subscribes to.
    # Unset: YouTube subscribe checks are "unknown", saying so.
    youtube_api_key: str | None = Field(
        default=None, validation_alias=AliasChoices("VERIFIER_YOUTUBE_API_KEY")
    )
    # The operator's GitHub token, sent only to api.github.com (5,000 requests an hour
    # instead of the 60 an anonymous checker gets).
    github_token: str | None = Field(
        default=None, validation_alias=AliasChoices("VERIFIER_GITHUB_TOKEN")
    )
    # An operator's Reddit app (reddit.com/prefs/apps): Reddit blocks logged-out JSON reads,
    # so comment and account checks read oauth.reddit.com with an app-only token.
    reddit_client_id: str | None = Field(
        default=None, validation_alias=AliasChoices("VERIFIER_REDDIT_CLIENT_ID")
    )
    reddit_client_secret: str | None = Field(
        default=None, validation_alias=AliasChoices("VERIFIER_REDDIT_CLIENT_SECRET")
    )
    # Politeness (verifier/politeness.py): checks per platform for the whole deployment,
    # laid over the defaults (``x=20/min,instagram=10/min,...``; ``off`` for none).
    rate_limits: str = Field(default="", validation_alias=AliasChoices("VERIFIER_RATE_LIMITS"))
    # How long a check waits for its platform's token before it is "rate limited" (unknown).
    rate_wait_s: float = Field(default=30.0, validation_alias=AliasChoices("VERIFIER_RATE_WAIT"))
    # K walls within WINDOW pause the platform for PAUSE, doubling up to MAX.
    wall_backoff: str = Field(
        default="3/10min,5min,6h", validation_alias=AliasChoices("VERIFIER_WALL_BACKOFF")
    )
    # Re-checks wait on their own queue, listened to last, so new proofs always go first.
    reverify_queue_name: str = Field(
        default="reverify", validation_alias=AliasChoices("VERIFIER_REVERIFY_QUEUE")
    )
    # Scheduled re-checks after an approval, in days (fractions allowed; empty: none).
    retention_days: str = Field(
        default="1,7,14", validation_alias=AliasChoices("VERIFIER_RETENTION_DAYS")
    )
    # The same in seconds; when set it replaces VERIFIER_RETENTION_DAYS (tests, short trials).
    retention_delays: str = Field(
        default="", validation_alias=AliasChoices("VERIFIER_RETENTION_DELAYS")
    )

    @cached_property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'verifier.sqlite3'}"

    @property
    def proof_budget_s(self) -> float:
        """What all of one proof's checks may take: the job timeout less a margin for
        storing the verdict (a fifth, at least 10 s)."""
        return max(self.job_timeout_s - max(self.job_timeout_s / 5, 10.0), 1.0)

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
    def callback_host_set(self) -> frozenset[str]:
        return self._hosts(self.callback_hosts)

    @property
    def retry_delays(self) -> tuple[int, ...]:
        """VERIFIER_WEBHOOK_RETRY_DELAYS as seconds; a bad value is an error naming it."""
        return _seconds(self.webhook_retry_delays, "VERIFIER_WEBHOOK_RETRY_DELAYS")

    @property
    def unknown_retry_delays(self) -> tuple[int, ...]:
        """VERIFIER_RETRY_UNKNOWN_DELAYS as seconds; empty: flag at once."""
        return _seconds(self.retry_unknown_delays, "VERIFIER_RETRY_UNKNOWN_DELAYS")

    @property
    def retention_schedule(self) -> tuple[float, ...]:
        """Seconds after an approval at which to re-check: VERIFIER_RETENTION_DELAYS if set,
        else VERIFIER_RETENTION_DAYS; a bad value is an error naming the variable."""
        name, raw, unit = (("VERIFIER_RETENTION_DELAYS", self.retention_delays, 1.0)
                           if self.retention_delays.strip()
                           else ("VERIFIER_RETENTION_DAYS", self.retention_days, 86400.0))
        try:
            delays = tuple(float(x) * unit for x in raw.split(",") if x.strip())
        except ValueError:
            raise ValueError(f"{name} must be comma-separated numbers, not {raw!r}") from None
        if any(d < 0 or d != d for d in delays):
            raise ValueError(f"{name} may not be negative")
        return tuple(sorted(delays))

    @property
    def web_host_set(self) -> frozenset[str]:
        return self._hosts(self.web_hosts)


def get_settings(**overrides: object) -> Settings:
    """Fresh settings from the environment; overrides win (CLI options)."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**clean)  # type: ignore[arg-type]


def _seconds(raw: str, name: str) -> tuple[int, ...]:
    """Comma-separated whole seconds; a bad value is an error naming the variable."""
    try:
        delays = tuple(int(x) for x in raw.split(",") if x.strip())
    except ValueError:
        raise ValueError(f"{name} must be comma-separated whole seconds, not {raw!r}") from None
    if any(d < 0 for d in delays):
        raise ValueError(f"{name} may not be negative")
    return delays
