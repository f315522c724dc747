"""The merge stage: later files (and extending services) override earlier ones, as Compose does.

Both sides are already in long form, so the rules are short: mappings merge key by key;
``command``, ``entrypoint`` and ``healthcheck.test`` are replaced; ``environment``,
``labels`` and build ``args`` merge by key (they are mappings by now); lists are appended
and de-duplicated (``volumes`` by target, the rest by value); a key tagged ``!reset`` is
removed and one tagged ``!override`` replaces the earlier value outright.
"""

from __future__ import annotations

from typing import Any

from dockdjango.compose.loader.tree import Seq, Tree, copy_tree

_REPLACE = {"command", "entrypoint"}


def merge_files(base: Tree, over: Tree) -> Tree:
    """``over`` (a later ``-f`` file) merged onto ``base``; both canonical trees."""
    return merge_value(base, over, ())  # type: ignore[no-any-return]


def merge_service(base: Tree, over: Tree) -> Tree:
    """A service merged onto the service it ``extends``."""
    return merge_value(base, over, ("services", "*"))  # type: ignore[no-any-return]


def merge_value(base: Any, over: Any, path: tuple[str, ...]) -> Any:
    """Merge ``over`` onto ``base`` at ``path`` (``services``/``*``/key...)."""
    if isinstance(base, dict) and isinstance(over, dict):
        return _merge_mapping(base, over, path)
    if isinstance(base, list) and isinstance(over, list):
        return _merge_list(base, over, path)
    if isinstance(base, dict) and over is None:
        return copy_tree(base)  # `networks: [back]` over `back: {aliases: ...}` keeps it
    return copy_tree(over)


def _merge_mapping(base: dict[Any, Any], over: dict[Any, Any], path: tuple[str, ...]) -> Tree:
    out = Tree(origin=getattr(base, "origin", None) or getattr(over, "origin", None))
    out.update(copy_tree(dict(base)))  # the result shares nothing with either side
    out.origins = dict(getattr(base, "origins", {}))
    resets: set[Any] = getattr(over, "resets", set())
    overrides: set[Any] = getattr(over, "overrides", set())
    for key, value in over.items():
        here = (*path, _pattern(path, key))
        if key in resets:
            out.pop(key, None)
            continue
        if isinstance(over, Tree) and key in over.origins:
            out.origins[key] = over.origins[key]
        if key not in out or key in overrides or _replaced(here):
            out[key] = copy_tree(value)
        else:
            out[key] = merge_value(out[key], value, here)
    return out


def _pattern(path: tuple[str, ...], key: Any) -> str:
    """Service and resource names become ``*`` so rules are written once."""
    if len(path) == 1 and path[0] in ("services", "networks", "volumes"):
        return "*"
    return str(key)


def _replaced(path: tuple[str, ...]) -> bool:
    if len(path) == 3 and path[:2] == ("services", "*") and path[2] in _REPLACE:
        return True
    return path[-2:] == ("healthcheck", "test") and len(path) == 4


def _merge_list(base: list[Any], over: list[Any], path: tuple[str, ...]) -> Seq:
    out = Seq(origin=getattr(base, "origin", None))
    base_origins = list(getattr(base, "origins", [None] * len(base)))
    over_origins = list(getattr(over, "origins", [None] * len(over)))
    if path[-1:] == ("volumes",) and path[:2] == ("services", "*"):
        # a later mount to the same target replaces the earlier one, in its place
        by_target = {m.get("target"): i for i, m in enumerate(base) if isinstance(m, dict)}
        items = [copy_tree(m) for m in base]
        origins = base_origins
        for m, origin in zip(over, over_origins, strict=False):
            target = m.get("target") if isinstance(m, dict) else None
            if target in by_target:
                items[by_target[target]] = copy_tree(m)
                origins[by_target[target]] = origin
            else:
                items.append(copy_tree(m))
                origins.append(origin)
        out.extend(items)
        out.origins = origins
        return out
    seen: list[Any] = []
    for item, origin in zip([*base, *over], [*base_origins, *over_origins], strict=False):
        if item in seen:
            continue
        seen.append(item)
        out.append(copy_tree(item))
        out.origins.append(origin)
    return out
