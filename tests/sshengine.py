"""This machine's Docker engine reached over ssh, as an engine on another machine is.

An sshd of the tests' own (a free port of 127.0.0.1, host and client keys made for the
session, only the user ``ddremote`` let in, by key) and a client ``HOME`` whose
``.ssh/config`` and ``known_hosts`` name it, as a user's would: then
``DOCKER_HOST=ssh://ddremote@127.0.0.1:PORT`` is what a user types, and dockdjango takes the
engine for a remote one (it cannot see this checkout: its files must be copied in).
``scripts/ensure-ssh-engine.sh`` installs OpenSSH and adds the user, once per machine.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

USER = os.environ.get("DOCKDJANGO_SSH_USER", "ddremote")
SSHD = "/usr/sbin/sshd"
SETUP = "scripts/ensure-ssh-engine.sh"


@dataclass
class SshEngine:
    """A running sshd in front of the local engine: what a client needs to use it."""

    docker_host: str
    home: str
    pid: int
    workdir: str

    def environ(self) -> dict[str, str]:
        """The variables a process uses to reach the engine over ssh."""
        return {"DOCKER_HOST": self.docker_host, "HOME": self.home}

    def stop(self) -> None:
        """Stop the sshd (its pid only) and remove the keys."""
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        shutil.rmtree(self.workdir, ignore_errors=True)


def missing() -> str:
    """Why an ssh engine cannot be started here, "" when it can."""
    if os.geteuid() != 0:
        return "starting an sshd for another user needs root"
    if not os.path.exists(SSHD):
        return f"OpenSSH's server is not installed (run {SETUP})"
    try:
        pwd.getpwnam(USER)
    except KeyError:
        return f"no user {USER} (run {SETUP})"
    try:
        import paramiko  # noqa: F401
    except ImportError:
        return "paramiko is not installed (pip install 'dockdjango[ssh]')"
    return ""


def start() -> SshEngine:
    """Start an sshd for :data:`USER` on a free port of 127.0.0.1; return how to reach it."""
    work = Path(tempfile.mkdtemp(prefix="dd-sshd-"))
    work.chmod(0o755)  # the user reads authorized_keys from here
    home = work / "home"
    (home / ".ssh").mkdir(parents=True, mode=0o700)
    for name in ("host_key", "client_key"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / name)], check=True
        )
    (work / "authorized_keys").write_text((work / "client_key.pub").read_text())
    (work / "authorized_keys").chmod(0o644)
    port = _free_port()
    (work / "sshd_config").write_text(_config(work, port))
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
    subprocess.run([SSHD, "-t", "-f", str(work / "sshd_config")], check=True)
    subprocess.run(
        [SSHD, "-f", str(work / "sshd_config"), "-E", str(work / "sshd.log")], check=True
    )
    pid = _wait_pid(work / "sshd.pid")
    _wait_port(port)
    keys = subprocess.run(
        ["ssh-keyscan", "-p", str(port), "127.0.0.1"], capture_output=True, text=True, check=True
    )
    (home / ".ssh" / "known_hosts").write_text(keys.stdout)
    (home / ".ssh" / "config").write_text(
        f"Host 127.0.0.1\n  User {USER}\n  Port {port}\n"
        f"  IdentityFile {work / 'client_key'}\n  IdentitiesOnly yes\n"
    )
    return SshEngine(f"ssh://{USER}@127.0.0.1:{port}", str(home), pid, str(work))


def _config(work: Path, port: int) -> str:
    return "\n".join(
        [
            f"Port {port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {work / 'host_key'}",
            f"PidFile {work / 'sshd.pid'}",
            f"AuthorizedKeysFile {work / 'authorized_keys'}",
            "StrictModes no",  # the keys live in a temporary directory, not the user's home
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PubkeyAuthentication yes",
            "PermitRootLogin no",
            f"AllowUsers {USER}",
            "UsePAM no",
            # one connection per client, but parallel requests open many channels
            "MaxSessions 100",
            "MaxStartups 100:30:200",
            "",
        ]
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_pid(path: Path) -> int:
    for _ in range(100):
        if path.exists() and path.read_text().strip():
            return int(path.read_text().strip())
        time.sleep(0.05)
    raise RuntimeError(f"sshd wrote no pid file {path}")


def _wait_port(port: int) -> None:
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sshd does not answer on 127.0.0.1:{port}")
