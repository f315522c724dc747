"""Which Python a project's image runs: what the project asks for, what can be had, and why.

A project asks in two strengths:

- **hard constraints** -- ``requires-python`` (PEP 621), Poetry's ``python = "^3.9"`` and
  the Python versions its pinned Django release runs on -- are never broken silently: no
  offered version satisfies them -> an error naming the versions on offer, unless the
  user overrides (``--python`` / ``[tool.dockdjango] python``), which is then said;
- **soft hints** -- ``.python-version``, ``runtime.txt``, Pipfile's ``python_version``, a
  Dockerfile's ``FROM python:X`` -- are honoured when that minor version is on offer;
  when it is not, the nearest newer one that meets the hard constraints is given (else the
  nearest older one), with a line saying what was asked and what is given.

Without any request the default is 3.11. What is on offer: the official ``python:X-slim``
where a registry answers, and without one the Pythons of Debian's suites, bootstrapped
from its mirror (:data:`DEBIAN_PYTHONS`, measured).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from dockdjango.errors import DockdjangoError

#: Python minor version -> the Debian suite whose ``python3`` it is (deb.debian.org).
DEBIAN_PYTHONS: dict[str, str] = {"3.11": "bookworm", "3.13": "trixie", "3.14": "sid"}
DEFAULT_PYTHON = "3.11"
#: CPython minors a registry's ``python:X-slim`` could give, oldest first.
KNOWN_MINORS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")

#: Django series -> (oldest, newest) Python minor it officially supports.
DJANGO_PYTHONS: dict[str, tuple[str, str]] = {
    "1.8": ("2.7", "3.5"),
    "1.11": ("2.7", "3.7"),
    "2.0": ("3.4", "3.7"),
    "2.1": ("3.5", "3.7"),
    "2.2": ("3.5", "3.9"),
    "3.0": ("3.6", "3.9"),
    "3.1": ("3.6", "3.9"),
    "3.2": ("3.6", "3.10"),
    "4.0": ("3.8", "3.10"),
    "4.1": ("3.8", "3.11"),
    "4.2": ("3.8", "3.12"),
    "5.0": ("3.10", "3.12"),
    "5.1": ("3.10", "3.13"),
    "5.2": ("3.10", "3.14"),
    "6.0": ("3.12", "3.14"),
    "6.1": ("3.12", "3.14"),
}
#: Django releases older than this import ``collections.Mapping``/``Iterator`` (gone in
#: Python 3.10) and ``imp``-era machinery: they cannot start on any Python >= 3.10.
DJANGO_BREAKS_FROM = {"before": "2.0", "python": "3.10"}


@dataclass(frozen=True)
class PythonRequest:
    """What a project asks for, and where each request was found."""

    #: PEP 440 specifier (``>=3.12``, ``==3.12.*``) and where it came from.
    hard: str | None = None
    hard_source: str | None = None
    #: A minor version (``3.12``) and where it came from.
    soft: str | None = None
    soft_source: str | None = None
    #: The Django release the dependencies pin or allow at most (``1.11.29``, ``6.0``).
    django: str | None = None
    django_source: str | None = None
    #: An explicit choice (CLI ``--python`` or ``[tool.dockdjango] python``).
    override: str | None = None
    override_source: str | None = None


@dataclass(frozen=True)
class PythonChoice:
    """The Python an image will run, and every sentence the user should hear about it."""

    version: str
    #: ``official`` (python:X-slim) or a Debian suite name (``trixie``)
    provider: str
    notes: tuple[str, ...] = field(default=())

    @property
    def image_hint(self) -> str:
        """``python:3.13-slim`` or ``dockdjango/python:3.13-trixie``."""
        if self.provider == "official":
            return f"python:{self.version}-slim"
        return f"dockdjango/python:{self.version}-{self.provider}"


def minor_of(text: str) -> str | None:
    """``3.12`` from ``3.12.4``, ``python-3.12.1``, ``3.12`` ..."""
    m = re.search(r"(\d+)\.(\d+)", text)
    return f"{m.group(1)}.{m.group(2)}" if m else None


def django_series(version: str) -> str | None:
    """``1.11`` from ``1.11.29``; ``6.0`` from ``6.0``."""
    return minor_of(version)


def describe_offers(offers: dict[str, str]) -> str:
    """``3.11 (Debian bookworm), 3.13 (Debian trixie), 3.14 (Debian sid)``."""
    parts = []
    for minor in sorted(offers, key=Version):
        provider = offers[minor]
        where = f"python:{minor}-slim" if provider == "official" else f"Debian {provider}"
        parts.append(f"{minor} ({where})")
    return ", ".join(parts)


def choose_python(request: PythonRequest, offers: dict[str, str] | None = None) -> PythonChoice:
    """Pick the Python for ``request`` among ``offers`` (minor -> provider) -- see the
    module's policy. Raises a :class:`DockdjangoError` naming what is on offer when
    nothing fits and the user did not override."""
    offers = dict(DEBIAN_PYTHONS if offers is None else offers)
    if not offers:
        raise DockdjangoError("no Python is on offer (no registry, no Debian mirror)")
    if request.override:
        return _override(request, offers)
    hard = _spec(request.hard)
    notes: list[str] = []
    candidates = [m for m in sorted(offers, key=Version) if hard is None or _fits(hard, m)]
    broken = _django_breaks(request)
    if broken:
        candidates = [m for m in candidates if Version(m) < Version(broken)]
    oldest = _django_oldest(request)
    if oldest:
        candidates = [m for m in candidates if Version(m) >= Version(oldest)]
    if not candidates:
        raise _nothing_fits(request, offers, broken)
    if request.soft and request.soft in candidates:
        choice = request.soft
    elif request.soft:
        newer = [m for m in candidates if Version(m) > Version(request.soft)]
        choice = newer[0] if newer else candidates[-1]
        notes.append(
            f"Python {request.soft} asked ({request.soft_source}) is not available here "
            f"(available: {describe_offers(offers)}): giving {choice}; "
            "pin another with --python or [tool.dockdjango] python"
        )
    elif DEFAULT_PYTHON in candidates:
        choice = DEFAULT_PYTHON
    else:
        choice = candidates[0]
    if request.hard and (request.soft is None or request.soft != choice):
        notes.append(
            f"Python {choice} satisfies requires-python {request.hard} ({request.hard_source})"
        )
    note = django_support_note(request, choice)
    if note:
        notes.append(note)
    return PythonChoice(choice, offers[choice], tuple(notes))


def _override(request: PythonRequest, offers: dict[str, str]) -> PythonChoice:
    assert request.override is not None
    wanted = minor_of(request.override) or request.override
    if wanted not in offers:
        raise DockdjangoError(
            f"Python {wanted} ({request.override_source}) is not available here",
            hint=f"available: {describe_offers(offers)}",
        )
    notes = [f"Python {wanted} as set by {request.override_source}"]
    hard = _spec(request.hard)
    if hard is not None and not _fits(hard, wanted):
        notes.append(
            f"this overrides requires-python {request.hard} ({request.hard_source}): "
            "dependencies locked for it may not install"
        )
    broken = _django_breaks(request)
    if broken and Version(wanted) >= Version(broken):
        notes.append(
            f"Django {request.django} ({request.django_source}) cannot start on Python "
            f">= {broken}; expect it to fail"
        )
    return PythonChoice(wanted, offers[wanted], tuple(notes))


def _spec(text: str | None) -> SpecifierSet | None:
    if not text:
        return None
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


def _fits(spec: SpecifierSet, minor: str) -> bool:
    # requires-python constrains full versions: ask with the minor's first and a late patch
    return any(v in spec for v in (f"{minor}.0", f"{minor}.99")) or minor in spec


def _exact_patch(text: str | None) -> str | None:
    """``3.11.4`` for a requires-python that pins one patch release (``==3.11.4``)."""
    m = re.fullmatch(r"\s*===?\s*(\d+\.\d+\.\d+)\s*", text or "")
    return m.group(1) if m else None


def _django_oldest(request: PythonRequest) -> str | None:
    """The oldest Python the project's Django installs on (its own requires-python)."""
    series = django_series(request.django or "")
    return DJANGO_PYTHONS[series][0] if series in DJANGO_PYTHONS else None


def _django_breaks(request: PythonRequest) -> str | None:
    """The first Python minor the project's Django cannot start on, if it is that old."""
    series = django_series(request.django or "")
    if series and Version(series) < Version(DJANGO_BREAKS_FROM["before"]):
        return DJANGO_BREAKS_FROM["python"]
    return None


def django_support_note(request: PythonRequest, choice: str) -> str | None:
    """A sentence when ``choice`` is outside the Python range the project's Django supports."""
    series = django_series(request.django or "")
    if not series or series not in DJANGO_PYTHONS:
        return None
    low, high = DJANGO_PYTHONS[series]
    if Version(low) <= Version(choice) <= Version(high):
        return None
    return (
        f"Django {request.django} ({request.django_source}) officially supports Python "
        f"{low}-{high}; Python {choice} is outside that range"
    )


def _nothing_fits(
    request: PythonRequest, offers: dict[str, str], broken: str | None
) -> DockdjangoError:
    available = describe_offers(offers)
    if broken and request.django:
        series = django_series(request.django)
        low, high = DJANGO_PYTHONS.get(series or "", ("?", "?"))
        return DockdjangoError(
            f"this project is too old to run here: Django {request.django} "
            f"({request.django_source}) supports Python {low}-{high} and cannot start on "
            f"Python {broken} or newer; the Pythons available here are {available}",
            hint="upgrade the project to a supported Django (2.2 LTS or newer), or build "
            f"where a registry serves python:{high}-slim",
        )
    patch = _exact_patch(request.hard)
    if patch and minor_of(patch) in offers:
        minor = minor_of(patch)
        return DockdjangoError(
            f"requires-python {request.hard} ({request.hard_source}) pins the patch release "
            f"{patch}; the {minor} here is Debian {offers[str(minor)]}'s, another patch "
            f"release (available: {available})",
            hint=f"relax it to =={minor}.* in {str(request.hard_source).split()[0]} (patch "
            f"releases of {minor} are compatible), or build where a registry serves "
            f"python:{patch}-slim",
        )
    return DockdjangoError(
        f"requires-python {request.hard} ({request.hard_source}): no Python available here "
        f"satisfies it (available: {available})",
        hint="make a registry reachable (python:X-slim), or try another version anyway with "
        '--python X.Y or [tool.dockdjango] python = "X.Y" (said as an override)',
    )
