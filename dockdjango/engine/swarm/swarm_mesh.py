"""Can Swarm's routing mesh work on this engine, and does a published port answer?

The routing mesh (ingress publishing, service virtual IPs) needs the kernel's IPVS.
Where the engine runs on this machine's own kernel (Linux, the same release the engine
reports), whether IPVS is there can be read before deploying: ``/proc/net/ip_vs`` (the
module loaded), ``/sys/module/ip_vs`` (built in or loaded) or the module among the
kernel's modules (the engine loads it when a swarm needs it). Anywhere else (a remote
engine, Docker Desktop's VM) it cannot be told in advance, and the published ports are
asked after the deploy instead (:func:`accepts`).
"""

from __future__ import annotations

import platform
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import docker

from dockdjango.engine.address import engine_address


def local_kernel(client: docker.DockerClient) -> bool:
    """True when the engine runs on this machine's kernel (a Linux engine whose kernel
    release is this machine's, reached over a unix socket)."""
    if not sys.platform.startswith("linux") or not engine_address().startswith("unix://"):
        return False
    return str(client.info().get("KernelVersion") or "") == platform.release()


def has_ipvs(release: str | None = None, root: Path = Path("/")) -> bool:
    """Whether this machine's kernel offers IPVS (see the module docstring)."""
    release = release or platform.release()
    if (root / "proc/net/ip_vs").exists() or (root / "sys/module/ip_vs").exists():
        return True
    modules = root / "lib/modules" / release
    for listing in ("modules.builtin", "modules.dep"):
        path = modules / listing
        if path.is_file() and "/ip_vs.ko" in path.read_text(errors="replace"):
            return True
    return False


def mesh_support(client: docker.DockerClient) -> bool | None:
    """True/False when it can be told whether the routing mesh works here; None when not."""
    if not local_kernel(client):
        return None
    return has_ipvs()


def published_host(client: docker.DockerClient) -> str | None:
    """Where this machine reaches the engine's published ports: 127.0.0.1 for an engine on
    this machine, the host of a ``tcp://`` address; None when it cannot be told (ssh)."""
    address = engine_address()
    if address.startswith("unix://") or address.startswith("npipe://"):
        return "127.0.0.1"
    if address.startswith("tcp://"):
        host = urlsplit(address).hostname
        return host or None
    return None


def accepts(host: str, port: int, *, within: float = 10.0, poll: float = 0.5) -> bool:
    """True once a TCP connection to ``host:port`` is accepted, trying for ``within``
    seconds (a task that just started may need a moment)."""
    deadline = time.monotonic() + within
    while True:
        try:
            with socket.create_connection((host, port), timeout=2):
                return True
        except OSError:
            if time.monotonic() + poll > deadline:
                return False
            time.sleep(poll)
