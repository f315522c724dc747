"""The ``com.docker.compose.*`` labels Compose v2 sets and reads, and ours.

Keys and values follow Docker Compose v2.40 (``pkg/api/labels.go`` and what
``docker compose create`` writes, checked against the real binary): with these labels
``docker compose ps/down`` see a dockdjango stack as their own and ``docker compose up``
on the same file recreates nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dockdjango.compose.models import DependsOn

PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"
CONFIG_HASH = "com.docker.compose.config-hash"
CONTAINER_NUMBER = "com.docker.compose.container-number"
ONEOFF = "com.docker.compose.oneoff"
WORKING_DIR = "com.docker.compose.project.working_dir"
CONFIG_FILES = "com.docker.compose.project.config_files"
ENVIRONMENT_FILE = "com.docker.compose.project.environment_file"
IMAGE = "com.docker.compose.image"
DEPENDS_ON = "com.docker.compose.depends_on"
VERSION = "com.docker.compose.version"
NETWORK = "com.docker.compose.network"
VOLUME = "com.docker.compose.volume"
REPLACE = "com.docker.compose.replace"

#: The Compose release whose labels and config hash we reproduce. Compose writes its own
#: version here; we write the version we are compatible with, and our own in DOCKDJANGO.
COMPOSE_VERSION = "2.40.3"

#: Our own labels. Compose ignores labels it does not know.
DOCKDJANGO = "dev.dockdjango.version"
#: Per hashed setting a short digest of its value, compact JSON
#: (``{"command":"3f2a...","environment":"9c1e...",...}``), so a later ``up`` can say which
#: setting changed rather than only that the hash differs. Digests, never values: labels
#: are shown by ``docker ps --format`` and exported by monitoring tools, and a setting
#: such as ``environment`` holds passwords.
CONFIG_DIGESTS = "dev.dockdjango.config-digests"
#: What earlier dockdjango versions wrote instead: the whole hashed configuration, values
#: included. Only read (turned into digests), never written.
OLD_CONFIG = "dev.dockdjango.config"
#: Hex digits kept of each setting's sha256: plenty to notice a change.
DIGEST_LENGTH = 12


def container_labels(
    *,
    project: str,
    service: str,
    number: int,
    config_hash: str,
    image_id: str,
    depends_on: Mapping[str, DependsOn],
    working_dir: str,
    config_files: Sequence[str],
    user_labels: Mapping[str, str],
    hashed_config: Mapping[str, Any] | None = None,
    version: str = "",
) -> dict[str, str]:
    """All labels for one service container, user labels first so ours win."""
    labels = dict(user_labels)
    labels.update(
        {
            PROJECT: project,
            SERVICE: service,
            CONTAINER_NUMBER: str(number),
            ONEOFF: "False",
            CONFIG_HASH: config_hash,
            IMAGE: image_id,
            DEPENDS_ON: depends_on_label(depends_on),
            WORKING_DIR: working_dir,
            CONFIG_FILES: ",".join(config_files),
            VERSION: COMPOSE_VERSION,
        }
    )
    if version:
        labels[DOCKDJANGO] = version
    if hashed_config is not None:
        digests = config_digests(hashed_config)
        labels[CONFIG_DIGESTS] = json.dumps(digests, separators=(",", ":"), sort_keys=True)
    return labels


def config_digests(hashed_config: Mapping[str, Any]) -> dict[str, str]:
    """Each top-level setting of a hashed service config -> a short sha256 of its value.

    The digest is of the value's canonical JSON (sorted keys, compact), so it changes
    exactly when the setting does and tells nothing else about it.
    """
    import hashlib  # here: the commands that only read labels never hash (3 ms of start-up)

    out = {}
    for key, value in hashed_config.items():
        text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        out[str(key)] = hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]
    return out


def recorded_digests(labels: Mapping[str, str]) -> dict[str, str] | None:
    """The per-setting digests a container's labels record, or None when they record none.

    A container made by an older dockdjango carries the whole config instead: its digests
    are computed from that. A label that does not parse counts as no record.
    """
    raw = labels.get(CONFIG_DIGESTS)
    if raw is not None:
        data = _json_object(raw)
        if data is None or not all(isinstance(v, str) for v in data.values()):
            return None
        return {str(k): str(v) for k, v in data.items()}
    old = _json_object(labels.get(OLD_CONFIG) or "")
    return None if old is None else config_digests(old)


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def depends_on_label(depends_on: Mapping[str, DependsOn]) -> str:
    """``db:service_healthy:false,cache:service_started:true`` as Compose writes it."""
    parts = []
    for name in sorted(depends_on):
        dep = depends_on[name]
        parts.append(f"{name}:{dep.condition}:{'true' if dep.restart else 'false'}")
    return ",".join(parts)


def network_labels(
    project: str, key: str, config_hash: str, user: Mapping[str, str]
) -> dict[str, str]:
    """Labels for a network the stack creates."""
    return {
        **dict(user),
        PROJECT: project,
        NETWORK: key,
        CONFIG_HASH: config_hash,
        VERSION: COMPOSE_VERSION,
    }


def volume_labels(
    project: str, key: str, config_hash: str, user: Mapping[str, str]
) -> dict[str, str]:
    """Labels for a named volume the stack creates."""
    return {
        **dict(user),
        PROJECT: project,
        VOLUME: key,
        CONFIG_HASH: config_hash,
        VERSION: COMPOSE_VERSION,
    }


def project_filter(project: str) -> dict[str, list[str]]:
    """An engine list filter selecting one project's objects."""
    return {"label": [f"{PROJECT}={project}"]}


def service_containers(summaries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The service containers among a project's summaries (one-off ``run`` ones left out)."""
    return [c for c in summaries if (c.get("Labels") or {}).get(ONEOFF, "False") != "True"]


def number(container: dict[str, Any]) -> int:
    """A container's ``container-number`` label (0 when missing)."""
    try:
        return int((container.get("Labels") or {}).get(CONTAINER_NUMBER, "0"))
    except ValueError:
        return 0


def short_name(container: dict[str, Any]) -> str:
    """``/proj-web-1`` -> ``proj-web-1``."""
    names = container.get("Names") or [""]
    return str(names[0]).lstrip("/")


def depends_on(container: dict[str, Any]) -> set[str]:
    """The services a container was created to depend on (from Compose's label)."""
    raw = (container.get("Labels") or {}).get(DEPENDS_ON, "")
    return {part.split(":", 1)[0] for part in raw.split(",") if part}


def anonymous_mounts(container: dict[str, Any]) -> list[tuple[str, str]]:
    """(volume name, mount point) of the anonymous volumes a container mounts.

    Anonymous volumes have no name of their own: the engine calls them by a 64-hex id.
    """
    out = []
    for m in container.get("Mounts") or []:
        name = str(m.get("Name") or "")
        if m.get("Type") == "volume" and len(name) == 64 and all(c in _HEX for c in name):
            out.append((name, str(m.get("Destination") or "")))
    return out


_HEX = frozenset("0123456789abcdef")
