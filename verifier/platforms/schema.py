"""The schema of ``platforms/data/PLATFORM.yaml``, checked whenever a file is loaded.

The data files are what an operator edits when a site changes, so a typo
(``reson:``, ``url_contain:``) must stop the verifier with the file and the key
named, not quietly turn a wall into "no wall". Each platform's file has its own
model; what every file shares (hosts, the URL guard's domains, walls, the
adapter class) is ``PlatformData``. The platform registry and the URL guard's
allowed hosts are read from these files (``platforms()``, ``guard_hosts()``), so
a new platform is its data file, its handlers and its sandbox pages.

This module imports nothing from the adapters: the URL guard reads it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

DATA_DIR = Path(__file__).with_name("data")
NOT_PLATFORMS = frozenset({"state_words"})  # data files that describe no platform


class DataFileError(ValueError):
    """A data file that does not match its schema; the message names file and key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WallSpec(_Strict):
    """How one wall (login, captcha, rate limit ...) shows itself, and its sentence.

    ``reason`` is the sentence the check's detail carries; ``verifier.politeness``
    recognises the wall by it, so it is required. The other keys are signals; a
    platform uses those its pages give (``verifier.platforms.visit.Walls``).
    """

    reason: str
    url_contains: list[str] = []  # the page landed on (or a refused request) contains this
    status: list[int] = []  # the document's (or, for ``status_alone``, any reply's) status
    status_alone: bool = False  # reddit: the status is a wall without any text
    text: list[str] = []  # shown in the page's text
    title: list[str] = []  # the page's title, whole
    markup: list[str] = []  # found in the raw HTML
    selector: str | None = None  # an element only the wall page has
    headers: dict[str, str] = {}  # github: a header value that makes the status a wall
    messages: list[str] = []  # github: the API error message
    api_status: list[int] = []  # a JSON API answer's status
    api_message: list[str] = []  # instagram: the API error message
    api_type: list[str] = []  # tiktok: the API answer's ``type``
    api_codes: list[int] = []  # tiktok: the API answer's status code
    graphql_status: list[int] = []  # x: the GraphQL answer's status
    graphql_error_codes: list[int] = []  # x: an error code in the GraphQL answer
    bare_status: list[int] = []  # x: a status with no error body
    exhausted_header: str | None = None  # x: the rate budget header said 0
    player_reason: list[str] = []  # youtube: the player's playability reason


class PlatformData(_Strict):
    """What every platform's file holds."""

    adapter: str | None = None  # "module:Class" of the adapter; none: no live checks
    hosts: list[str] = []  # the hosts a target URL may name
    short_hosts: list[str] = []  # short-link hosts (redd.it, fb.watch ...)
    # Domains (with their subdomains) the browser may open for this platform:
    # the URL guard's allow-list (verifier.urlguard.PLATFORM_HOSTS).
    guard_hosts: list[str] = []
    walls: dict[str, WallSpec] = {}


Mapping = dict[str, Any]


class FacebookData(PlatformData):
    base: str
    reserved_paths: list[str]
    pages: dict[str, str]
    wall_paths: dict[str, list[str]]
    not_found: dict[str, list[str]]


class GitHubData(PlatformData):
    base_url: str
    api_base: str
    reserved_paths: list[str]
    signup_paths: list[str]
    thread_kinds: list[str]
    pages: dict[str, str]
    api: dict[str, str]
    fetch_timeout_ms: int
    media_types: dict[str, str]
    json_keys: Mapping = Field(alias="json")
    discussion: dict[str, str]
    reveal: dict[str, str]


class InstagramData(PlatformData):
    base_url: str
    reserved_paths: list[str]
    post_paths: list[str]
    pages: dict[str, str]
    api: Mapping
    json_keys: Mapping = Field(alias="json")
    errors: dict[str, list[str]]
    selectors: dict[str, str]


class PlayStoreData(PlatformData):
    base_url: str
    details_path: str
    package_pattern: str
    ld_json_type: str
    selectors: dict[str, str]


class RedditData(PlatformData):
    base_url: str
    signup_paths: list[str]
    reserved_paths: list[str]
    oauth: dict[str, str]
    pages: dict[str, str]
    json_keys: dict[str, str] = Field(alias="json")
    fetch_timeout_ms: int
    comment_keys: dict[str, str]
    reveal: dict[str, str]
    skipped: dict[str, str]


class TelegramData(PlatformData):
    base_url: str
    username_pattern: str
    reserved_paths: list[str]
    invite_prefix: str
    invite_path: str
    private_post_path: str
    preview_path: str
    discussion_url: str
    classes: dict[str, str]
    selectors: dict[str, str]


class TikTokData(PlatformData):
    base_url: str
    reserved_paths: list[str]
    short_path: str
    rehydration: Mapping
    api: Mapping
    selectors: dict[str, str]


class WebData(PlatformData):
    member_page: dict[str, list[int]]
    screenshot: str


class XData(PlatformData):
    base_url: str
    reserved_paths: list[str]
    graphql: Mapping
    post_pages: dict[str, str]
    selectors: dict[str, str]
    protected: Mapping
    missing_account: dict[str, list[str]]


class YouTubeData(PlatformData):
    base_url: str
    video_id_pattern: str
    video_paths: list[str]
    handle_pattern: str
    channel_id_pattern: str
    legacy_channel_paths: list[str]
    page_vars: dict[str, str]
    json_keys: Mapping = Field(alias="json")
    published_time: Mapping
    data_api: Mapping
    consent_cookie: dict[str, str]
    selectors: dict[str, str]


SCHEMAS: dict[str, type[PlatformData]] = {
    "facebook": FacebookData,
    "github": GitHubData,
    "instagram": InstagramData,
    "playstore": PlayStoreData,
    "reddit": RedditData,
    "telegram": TelegramData,
    "tiktok": TikTokData,
    "web": WebData,
    "x": XData,
    "youtube": YouTubeData,
}


def _where(error: Any) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(top level)"


def validate(path: Path, raw: Any) -> PlatformData:
    """The file's content as its platform's model; ``DataFileError`` naming file and key.

    A platform without a model of its own is held to ``PlatformData`` with its
    other keys allowed, so a new platform needs no change here to load.
    """
    if not isinstance(raw, dict):
        raise DataFileError(f"{path}: expected a mapping")
    model = SCHEMAS.get(path.stem)
    try:
        if model is None:
            known = set(PlatformData.model_fields)
            return PlatformData.model_validate({k: v for k, v in raw.items() if k in known})
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(e)}: {e['msg']}" for e in exc.errors())
        raise DataFileError(f"{path}: {problems}") from None


def read(path: Path) -> tuple[dict[str, Any], PlatformData]:
    """The file's raw mapping (what the adapters index) and its validated model."""
    with path.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh)
    return raw, validate(path, raw)


@cache
def platform_model(platform: str) -> PlatformData:
    """The validated data of one platform (cached: the files do not change at run time)."""
    return read(DATA_DIR / f"{platform}.yaml")[1]


def platforms(data_dir: Path = DATA_DIR) -> tuple[str, ...]:
    """The platforms that have a data file, in name order."""
    return tuple(sorted(p.stem for p in data_dir.glob("*.yaml") if p.stem not in NOT_PLATFORMS))


def guard_hosts(data_dir: Path = DATA_DIR) -> dict[str, tuple[str, ...]]:
    """Per platform, the domains its file lets the browser open (its ``guard_hosts``)."""
    found: dict[str, tuple[str, ...]] = {}
    for platform in platforms(data_dir):
        hosts = read(data_dir / f"{platform}.yaml")[1].guard_hosts
        if hosts:
            found[platform] = tuple(hosts)
    return found
