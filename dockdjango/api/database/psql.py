"""SQL run by ``psql`` inside the database container: no driver on the host, no port needed.

Every statement goes through ``docker exec <db> psql`` on the container's local socket
(trusted by the official image and by dockdjango's Debian stand-in), as the service's
``POSTGRES_USER``. Each exec costs about 0.1 s, so statements are batched: one ``-c`` is
one transaction (several statements in it commit or roll back together -- the swap of
two databases relies on that), and several ``-c`` run in one exec, in order, stopping at
the first error. ``CREATE DATABASE`` and ``DROP DATABASE`` cannot share a transaction,
so they get a ``-c`` of their own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dockdjango.engine.project import execs
from dockdjango.errors import DockdjangoError

if TYPE_CHECKING:
    import docker

#: What psql prints on stderr for an error, less its ``ERROR:``/``FATAL:`` prefix
_ERROR = re.compile(r"^(?:psql:[^:]*:\d+: )?(?:ERROR|FATAL):\s+(.*)$", re.M)


class DatabaseError(DockdjangoError):
    """PostgreSQL refused a statement; the message is its own, the hint what to do."""


def ident(name: str) -> str:
    """``name`` quoted as a PostgreSQL identifier: ``"my ""odd"" db"``."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str | None) -> str:
    """``text`` as a SQL string literal (``NULL`` for None)."""
    return "NULL" if text is None else "'" + text.replace("'", "''") + "'"


@dataclass
class Psql:
    """``psql`` in a running container, as ``user`` (``PGPASSWORD`` set in case the socket
    asks for one)."""

    client: docker.DockerClient
    container: str
    user: str
    password: str = ""
    service: str = "db"

    def argv(self, commands: Sequence[str], database: str = "postgres") -> list[str]:
        """The command line: unaligned, tab-separated, no psqlrc, stop at the first error."""
        out = ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
        out += ["-U", self.user, "-d", database]
        for command in commands:
            out += ["-c", command]
        return out

    def run(self, *commands: str, database: str = "postgres") -> list[list[str]]:
        """Run ``commands`` in order (each its own transaction); the rows they printed,
        each a list of column values. Raises :class:`DatabaseError` with PostgreSQL's message."""
        code, out, err = execs.run_captured(
            self.client, self.container, self.argv(commands, database), env=self._env()
        )
        if code != 0:
            raise self.error(err.decode("utf-8", "replace"), code)
        text = out.decode("utf-8", "replace")
        return [line.split("\t") for line in text.splitlines() if line]

    def value(self, query: str, *, database: str = "postgres") -> str:
        """The first column of the first row ``query`` prints ('' when none)."""
        rows = self.run(query, database=database)
        return rows[0][0] if rows and rows[0] else ""

    def start(self, *commands: str, database: str = "postgres") -> None:
        """Start ``commands`` in the container and return at once; they go on without us
        (their errors are not seen: whatever they leave is cleaned up by the next command)."""
        execs.run_detached(
            self.client, self.container, self.argv(commands, database), env=self._env()
        )

    def start_shell(self, argv: list[str]) -> None:
        """Start ``argv`` (not psql) in the container and return at once."""
        execs.run_detached(self.client, self.container, argv)

    def _env(self) -> dict[str, str]:
        return {"PGPASSWORD": self.password} if self.password else {}

    def error(self, stderr: str, code: int) -> DatabaseError:
        """psql's error as one line, with a hint where the cause is known."""
        found = _ERROR.findall(stderr)
        message = found[-1].strip() if found else (stderr.strip().splitlines() or [""])[-1]
        if not message:
            message = f"psql exited with code {code}"
        hint = None
        if "executable file not found" in stderr or "psql: not found" in stderr:
            hint = f"service {self.service} has no psql: is it a PostgreSQL image?"
        elif "role" in message and "does not exist" in message:
            hint = f"set POSTGRES_USER of service {self.service} to the role the server has"
        return DatabaseError(f"{self.service}: {message}", hint=hint)
