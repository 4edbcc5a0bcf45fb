"""Key paths: which parts of a JSON answer a parser actually reads.

The sandbox-versus-capture shape tests run a parser on a real capture and on
the sandbox's answer with every object wrapped in a dict that notes each key
the parser looks up and finds (``get``, ``[]``, ``in``). Paths are written
``/data/user/result/core/screen_name``, list items as ``[]``. Two rules then
keep the sandbox honest: every path the parser read in the sandbox's answer
exists in the real capture (the sandbox serves no shape the site never sent),
and every path it read in the real capture exists in the sandbox's answer
(the parser cannot pass on the sandbox while missing what the site sends),
but for the parts a case names as absent from the sandbox's world.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


class _Tracked(dict[str, Any]):
    """A dict that adds ``PATH/key`` to ``seen`` whenever a present key is read."""

    def __init__(self, items: dict[str, Any], path: str, seen: set[str]) -> None:
        super().__init__(items)
        self._path, self._seen = path, seen

    def _note(self, key: object) -> None:
        if isinstance(key, str) and dict.__contains__(self, key):
            self._seen.add(f"{self._path}/{key}")

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._note(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self._note(key)
        return super().__contains__(key)


def _wrap(node: Any, path: str, seen: set[str]) -> Any:
    if isinstance(node, dict):
        return _Tracked({k: _wrap(v, f"{path}/{k}", seen) for k, v in node.items()}, path, seen)
    if isinstance(node, list):
        return [_wrap(v, f"{path}/[]", seen) for v in node]
    return node


def read_paths(parse: Callable[[Any], object], document: Any) -> set[str]:
    """The key paths ``parse`` reads (and finds) in ``document``."""
    seen: set[str] = set()
    parse(_wrap(document, "", seen))
    return seen


def all_paths(node: Any, path: str = "") -> set[str]:
    """Every key path in ``node`` (lists as ``[]``)."""
    out: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            out.add(f"{path}/{key}")
            out |= all_paths(value, f"{path}/{key}")
    elif isinstance(node, list):
        for value in node:
            out |= all_paths(value, f"{path}/[]")
    return out


def assert_same_shape(parse: Callable[[Any], object], real: Any, served: Any,
                      not_in_world: Iterable[str] = ()) -> set[str]:
    """Both rules above; ``not_in_world`` are path fragments of real-only content
    (a kind of entry the sandbox's world never produces). Returns the paths the
    parser read in the sandbox's answer, for the caller's own checks."""
    read_real, read_served = read_paths(parse, real), read_paths(parse, served)
    assert read_served, "the parser read nothing in the sandbox's answer"
    invented = read_served - all_paths(real)
    assert not invented, f"the sandbox serves paths the real capture lacks: {sorted(invented)}"
    skipped = tuple(not_in_world)
    missing = {p for p in read_real - all_paths(served) if not any(s in p for s in skipped)}
    assert not missing, f"the sandbox lacks paths the parser reads: {sorted(missing)}"
    return read_served
