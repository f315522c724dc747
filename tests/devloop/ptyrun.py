"""Drive a command under a pseudo-terminal, as a person at a keyboard would."""

from __future__ import annotations

import os
import pty
import select
import signal
import time


class Terminal:
    """A child process on a pty: ``expect`` its output, ``send`` keys, ``wait`` for it."""

    def __init__(self, argv: list[str], cwd: str | None = None, env: dict | None = None) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            if cwd:
                os.chdir(cwd)
            os.execvpe(argv[0], argv, env or os.environ)
        self.output = b""

    def expect(self, text: str, timeout: float = 300.0) -> str:
        """Read until ``text`` appears; return everything read so far."""
        wanted = text.encode()
        deadline = time.monotonic() + timeout
        while wanted not in self.output:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"never saw {text!r}; got:\n{self.output.decode(errors='replace')}"
                )
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(
                        f"ended before {text!r}; got:\n{self.output.decode(errors='replace')}"
                    )
                self.output += chunk
        return self.output.decode(errors="replace")

    def send(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def wait(self, timeout: float = 300.0) -> int:
        """The exit code (draining output meanwhile); kills the child on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self._drain()
                return os.waitstatus_to_exitcode(status)
            self._drain(0.1)
        self.kill()
        raise AssertionError(
            f"still running after {timeout} s:\n{self.output.decode(errors='replace')}"
        )

    def _drain(self, wait: float = 0.0) -> None:
        while True:
            ready, _, _ = select.select([self.fd], [], [], wait)
            if not ready:
                return
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                return
            if not chunk:
                return
            self.output += chunk

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass

    def close(self) -> None:
        self.kill()
        try:
            os.close(self.fd)
        except OSError:
            pass
