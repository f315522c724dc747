"""This terminal wired to a container's TTY: raw keys in, the container's screen out.

Used by ``exec`` and ``run`` when attached to a terminal. Ctrl-C is a key like any other
here (the container's TTY turns it into SIGINT for the process inside), and a window
resize is passed on as it happens.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

#: Tells the engine the terminal's size: (rows, columns).
Resize = Callable[[int, int], None]


def raw_socket(sock: Any) -> socket.socket:
    """The plain socket under what docker-py returns for a hijacked connection."""
    return getattr(sock, "_sock", sock)


def _send_size(resize: Resize) -> None:
    try:
        size = os.get_terminal_size(sys.stdout.fileno())
    except OSError:
        return
    try:
        resize(size.lines, size.columns)
    except Exception:  # the container may have just exited; a resize is best effort
        pass


def attach_terminal(sock: Any, resize: Resize) -> None:
    """Pass this terminal's keys to ``sock`` and its output to stdout until it closes."""
    import termios
    import tty

    conn = raw_socket(sock)
    conn.settimeout(None)
    _send_size(resize)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGWINCH, lambda *_: _send_size(resize))
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setraw(fd, termios.TCSANOW)  # TCSAFLUSH would drop keys typed ahead
        while True:
            try:
                readable, _, _ = select.select([conn, fd], [], [])
            except InterruptedError:
                continue
            if conn in readable:
                data = conn.recv(65536)
                if not data:
                    break
                os.write(sys.stdout.fileno(), data)
            if fd in readable:
                data = os.read(fd, 1024)
                if not data:
                    break
                conn.sendall(data)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        if previous is not None:
            signal.signal(signal.SIGWINCH, previous)
        conn.close()
