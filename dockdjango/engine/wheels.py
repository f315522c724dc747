"""Fetching wheels in a throw-away container of the ``system`` stage (see images/wheels.py).

The container gets the dependency files and every cached wheel through ``put_archive`` and
returns the wheels it resolved through ``get_archive`` — no bind mounts, so it works with a
remote engine too. pip runs ``--no-index`` first (offline, from the cache alone) and only
when that cannot satisfy the requirements asks the index, still preferring cached files.
"""

from __future__ import annotations

import io
import re
import tarfile
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

import docker
from docker.errors import APIError, NotFound

from dockdjango.errors import BuildError

#: Where the CA bundle goes inside the fetch container.
CA_PATH = "/usr/local/share/dockdjango/ca-bundle.crt"
#: The label put on the fetch container (so a leftover is findable and clearly ours).
LABEL = "dev.dockdjango.wheel-fetch"

_SCRIPT = """set -e
pip=/opt/venv/bin/pip
# (Skipped when some requirement is known to have no cached wheel: it would only fail.)
if [ ! -s /work/.dockdjango-new.txt ] \\
   && $pip wheel --no-index --find-links /cache -w /out -r {req} >/tmp/offline.log 2>&1; then
  echo "dockdjango: every wheel came from the cache"
  exit 0
fi
if [ "{offline}" = "1" ]; then
  cat /tmp/offline.log 2>/dev/null || true
  if [ -s /work/.dockdjango-new.txt ]; then
    missing=$(tr '\\n' ' ' < /work/.dockdjango-new.txt)
  else
    missing=$(grep -h 'No matching distribution' /tmp/offline.log | tail -1 | sed 's/.*for //')
  fi
  echo "dockdjango: offline, and the wheel cache has no wheel for: $missing" >&2
  exit 3
fi
# The cache is served as the *last* index: on a tie (same file on PyPI) pip's resolver takes
# the candidate of the later source, so cached wheels are not downloaded again.
if [ -s /work/.dockdjango-new.txt ]; then
  # Only the requirements the cache has nothing for go online; then the whole set is
  # resolved offline from the cache plus what was just fetched.
  if $pip wheel --extra-index-url file:///cache-index -w /new -r /work/.dockdjango-new.txt \\
     && $pip wheel --no-index --find-links /cache --find-links /new -w /out -r {req}; then
    exit 0
  fi
  echo "dockdjango: resolving the whole requirements set online"
fi
$pip wheel --extra-index-url file:///cache-index -w /out -r {req}
"""


def _tar(files: Mapping[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _simple_index(names: list[str]) -> dict[str, bytes]:
    """A PEP 503 index of the cached wheels: ``cache-index/<project>/index.html``."""
    by_project: dict[str, list[str]] = {}
    for name in names:
        project = re.sub(r"[-_.]+", "-", name.split("-", 1)[0]).lower()
        by_project.setdefault(project, []).append(name)
    pages = {"cache-index/index.html": b"<html><body></body></html>\n"}
    for project, files in sorted(by_project.items()):
        links = "".join(f'<a href="file:///cache/{f}">{f}</a>\n' for f in sorted(files))
        pages[f"cache-index/{project}/index.html"] = (
            f"<html><body>\n{links}</body></html>\n".encode()
        )
    return pages


def fetch_wheels(
    client: docker.DockerClient,
    image: str,
    dependency_files: Mapping[str, bytes],
    requirements_path: str,
    cached: list[Path],
    *,
    offline: bool = False,
    new_requirements: list[str] | None = None,
    ca_bundle: bytes | None = None,
    on_output: Callable[[str], None] | None = None,
) -> dict[str, bytes]:
    """Resolve the requirements into wheels; return ``{wheel name: bytes}`` for all of them.

    ``new_requirements`` are the requirement lines the cache has no wheel for at all: only
    they are resolved against the index (their dependencies still come from the cache), so
    adding one package costs one package's look-ups, not the whole set's.
    ``ca_bundle`` (PEM bytes) is what pip trusts, for a TLS-intercepting proxy; it lives
    only in this throw-away container.
    """
    script = _SCRIPT.format(req=f"/work/{requirements_path}", offline="1" if offline else "0")
    container = None
    try:
        env = {}
        if ca_bundle is not None:
            env = {"PIP_CERT": CA_PATH, "SSL_CERT_FILE": CA_PATH, "REQUESTS_CA_BUNDLE": CA_PATH}
        container = client.api.create_container(
            image,
            command=["sh", "-c", script],
            working_dir="/work",
            user="root",
            environment=env,
            labels={LABEL: "1", "dev.dockdjango.run": uuid.uuid4().hex[:8]},
        )
        cid = container["Id"]
        work = {f"work/{k}": v for k, v in dependency_files.items()}
        work["work/.dockdjango-new.txt"] = "".join(
            f"{r}\n" for r in new_requirements or []
        ).encode()
        client.api.put_archive(cid, "/", _tar(work))
        wheels = {f"cache/{p.name}": p.read_bytes() for p in cached}
        wheels.update(_simple_index([p.name for p in cached]))
        wheels["out/.keep"] = b""
        if ca_bundle is not None:
            wheels[CA_PATH.lstrip("/")] = ca_bundle
        client.api.put_archive(cid, "/", _tar(wheels))
        client.api.start(cid)
        status = client.api.wait(cid)
        logs = client.api.logs(cid, stdout=True, stderr=True).decode("utf-8", "replace")
        # pip warns for every project the local index has no page for: noise, not news.
        lines = [
            line
            for line in logs.splitlines()
            if line.strip() and not ("file:///cache-index/" in line and "is ignored" in line)
        ]
        if on_output:
            for line in lines:
                on_output(line)
        if int(status.get("StatusCode", 1)) != 0:
            raise BuildError(
                f"fetching wheels for {requirements_path} failed: {lines[-1] if lines else ''}",
                step="pip wheel",
                output=lines[-10:],
                hint="offline: run once online to fill the wheel cache"
                if offline
                else "check the requirement names and that PyPI is reachable",
            )
        stream, _ = client.api.get_archive(cid, "/out")
        raw = b"".join(stream)
        out: dict[str, bytes] = {}
        with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
            for member in tar.getmembers():
                if member.isfile() and member.name.endswith(".whl"):
                    fh = tar.extractfile(member)
                    if fh is not None:
                        out[Path(member.name).name] = fh.read()
        return out
    except APIError as exc:
        raise BuildError(f"the wheel-fetch container failed: {exc.explanation or exc}") from None
    finally:
        if container is not None:
            try:
                client.api.remove_container(container["Id"], force=True)
            except (NotFound, APIError):
                pass
