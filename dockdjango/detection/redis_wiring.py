"""Redis and Celery for a Django project: whether it needs them, and the variables to set.

Redis is needed when a Redis client (or Celery) is a dependency and the settings read a
Redis address (``REDIS_URL``, ``CELERY_BROKER_URL``, ``CACHE_URL``...) or name one
(``redis://redis:6379``). A Celery worker runs the app :func:`find_celery_app` finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from dockdjango.detection.django_settings.settings_scan import SettingsScan

REDIS_CLIENTS = {
    "redis",
    "django-redis",
    "channels-redis",
    "django-redis-cache",
    "hiredis",
    "django-rq",
    "rq",
    "valkey",
    "django-cacheops",
}


def wants_redis(deps: set[str], scan: SettingsScan) -> bool:
    if not deps & (REDIS_CLIENTS | {"celery"}):
        return False
    reads = [n for n in scan.env_reads if "REDIS" in n.upper() or is_broker(n)]
    return bool(reads) or any(u.startswith(("redis://", "rediss://")) for u in scan.urls)


def is_broker(name: str) -> bool:
    return name.upper() in ("CELERY_BROKER_URL", "BROKER_URL", "CELERY_RESULT_BACKEND")


def redis_variables(scan: SettingsScan, given: Mapping[str, str]) -> dict[str, str]:
    """The variables the settings read that reach Redis, set to the ``redis`` service."""
    out: dict[str, str] = {}
    for name in scan.env_reads:
        upper = name.upper()
        if name in given or not ("REDIS" in upper or is_broker(name) or upper == "CACHE_URL"):
            continue
        if upper.endswith("_HOST") or upper == "REDIS_HOST":
            out[name] = "redis"
        elif upper.endswith("_PORT"):
            out[name] = "6379"
        elif upper == "CACHE_URL":
            default = scan.env_defaults.get(name, "")
            if default and not default.startswith("redis"):
                continue
            out[name] = "redis://redis:6379/1"
        elif upper.endswith(("URL", "LOCATION", "BACKEND", "_URI")) or upper == "REDIS":
            out[name] = "redis://redis:6379/0"
        else:
            continue
    return out


def find_celery_app(app_dir: Path) -> str | None:
    """The module ``celery -A`` takes: ``proj`` for proj/celery.py, else the module that
    creates ``Celery(...)`` (``pretalx.celery_app``)."""
    for path in sorted(app_dir.glob("*/celery.py")):
        if "Celery(" in path.read_text(encoding="utf-8", errors="replace"):
            return path.parent.name
    for path in sorted(app_dir.glob("*/*.py")) + sorted(app_dir.glob("*.py")):
        if path.name.startswith("test"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if re.search(r"^\w+\s*=\s*Celery\(", text, re.M):
            rel = path.relative_to(app_dir).with_suffix("")
            return ".".join(rel.parts)
    return None


def schedules_tasks(
    app_dir: Path, celery_app: str, dependency_names: Iterable[str], settings_files: list[Path]
) -> bool:
    """True when the project runs Celery beat: django-celery-beat among its dependencies,
    or a beat schedule in its Celery module (``celery_app``) or settings."""
    if "django-celery-beat" in dependency_names:
        return True
    module = celery_app.replace(".", "/")
    candidates = [app_dir / f"{module}.py", app_dir / module / "celery.py", *settings_files]
    for path in candidates:
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            if "beat_schedule" in text or "CELERY_BEAT_SCHEDULE" in text:
                return True
    return False
