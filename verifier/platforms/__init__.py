"""Platform adapters by platform name.

The registry is the data files: each ``data/PLATFORM.yaml`` names its adapter
class (``adapter: module:Class``), imported the first time it is asked for.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from verifier.platforms.base import Adapter, LiveEnv, Target, TargetError
from verifier.platforms.schema import platform_model, platforms

__all__ = ["Adapter", "LiveEnv", "Target", "TargetError", "adapter_class", "get_adapter"]


def adapter_class(platform: str) -> type[Adapter] | None:
    """The class its data file names, or None (no data file, or no live checks)."""
    if platform not in platforms():
        return None
    where = platform_model(platform).adapter
    if where is None:
        return None
    module, _, name = where.partition(":")
    cls = getattr(import_module(module), name)
    if not (isinstance(cls, type) and issubclass(cls, Adapter)):
        raise TypeError(f"data/{platform}.yaml: adapter {where} is not an Adapter class")
    return cls


@cache
def get_adapter(platform: str) -> Adapter | None:
    """The platform's adapter, or None where no live check exists yet."""
    cls = adapter_class(platform)
    return cls() if cls else None
