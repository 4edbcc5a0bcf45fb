"""Platform adapters by platform name."""

from __future__ import annotations

from functools import cache

from verifier.platforms.base import Adapter, LiveEnv, Target, TargetError
from verifier.platforms.facebook import FacebookAdapter
from verifier.platforms.github import GitHubAdapter
from verifier.platforms.instagram import InstagramAdapter
from verifier.platforms.playstore import PlayStoreAdapter
from verifier.platforms.reddit import RedditAdapter
from verifier.platforms.telegram import TelegramAdapter
from verifier.platforms.tiktok import TikTokAdapter
from verifier.platforms.web import WebAdapter
from verifier.platforms.x import XAdapter
from verifier.platforms.youtube import YouTubeAdapter

__all__ = ["Adapter", "LiveEnv", "Target", "TargetError", "get_adapter"]

_ADAPTERS: dict[str, type[Adapter]] = {
    "facebook": FacebookAdapter,
    "github": GitHubAdapter,
    "reddit": RedditAdapter,
    "instagram": InstagramAdapter,
    "playstore": PlayStoreAdapter,
    "telegram": TelegramAdapter,
    "tiktok": TikTokAdapter,
    "web": WebAdapter,
    "x": XAdapter,
    "youtube": YouTubeAdapter,
}


@cache
def get_adapter(platform: str) -> Adapter | None:
    """The platform's adapter, or None where no live check exists yet."""
    cls = _ADAPTERS.get(platform)
    return cls() if cls else None
