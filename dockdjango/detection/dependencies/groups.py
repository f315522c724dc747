"""Dependency groups: which ones the runtime image gets, which only the dev target.

Tools name their groups freely (uv/PEP 735 ``[dependency-groups]``, poetry groups, Pipfile's
``[dev-packages]``, ``requirements/dev.txt``). dockdjango sorts them by name:

- the project's own dependencies, and groups named like production (``prod``,
  ``production``, ``deploy``, ``server``, ``web``, ``runtime``, ``main``): the runtime image;
- groups named like development (``dev``, ``test``, ``lint``, ``docs``, ``typing``...): the
  ``dev`` build target only -- the one ``dockdjango up`` runs -- as ``uv sync``, ``poetry
  install`` and ``pipenv install --dev`` would install them on a developer's machine;
- any other group is left out, and said so (name it in ``[tool.dockdjango] groups`` to
  have it installed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_RUNTIME = re.compile(r"^(main|default|prod|production|deploy|deployment|server|web|runtime)$")
_DEV = re.compile(
    r"(^|[-_])(dev|develop|development|test|tests|testing|lint|linting|linters|docs?|typing|"
    r"types|mypy|debug|qa|check|checks|ci|format|style|coverage|bench|benchmarks?)([-_]|$)"
)


def group_kind(name: str) -> str:
    """``runtime``, ``dev`` or ``other`` for a group name."""
    lowered = name.lower()
    if _RUNTIME.match(lowered):
        return "runtime"
    if _DEV.search(lowered):
        return "dev"
    return "other"


@dataclass
class Resolved:
    """The requirements a project's lock or manifest gives for one target environment."""

    #: What the runtime image installs: pinned ``name==version`` lines (or as declared,
    #: without a lock), markers already evaluated for the target.
    runtime: list[str] = field(default_factory=list)
    #: What the dev target adds on top of ``runtime``.
    dev: list[str] = field(default_factory=list)
    #: The groups that went into each, by name (``("prod",)``, ``("dev", "tests")``).
    runtime_groups: list[str] = field(default_factory=list)
    dev_groups: list[str] = field(default_factory=list)
    #: Groups installed nowhere, and lines dropped because their markers do not hold.
    skipped_groups: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    #: Packages the lock has no fitting wheel for: pip builds them from source.
    from_source: list[str] = field(default_factory=list)
    #: True when the lock lists every package's files, so ``from_source`` is exact.
    wheels_known: bool = False
    #: Sentences worth telling the user (what was assumed, what was left out).
    notes: list[str] = field(default_factory=list)


def split_groups(
    names: list[str], *, chosen: tuple[str, ...] = (), default_dev: tuple[str, ...] = ()
) -> tuple[list[str], list[str], list[str]]:
    """(runtime, dev, skipped) group names.

    ``chosen`` (``[tool.dockdjango] groups``) go to the runtime image whatever their name;
    ``default_dev`` are groups the tool installs by default on a developer's machine
    (uv's ``default-groups``), which the dev target gets even with an unusual name.
    """
    runtime: list[str] = []
    dev: list[str] = []
    skipped: list[str] = []
    for name in names:
        kind = "runtime" if name in chosen else group_kind(name)
        if kind == "other" and name in default_dev:
            kind = "dev"
        {"runtime": runtime, "dev": dev, "other": skipped}[kind].append(name)
    return runtime, dev, skipped
