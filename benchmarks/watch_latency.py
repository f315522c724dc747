"""Benchmark: save-to-visible latency, ``dockdjango watch`` vs ``docker compose watch``.

The time from writing a file in the project to the running Django site serving the change
over HTTP, on the same stack: the Library example's ``web`` service (its generated ``dev``
image, ``runserver`` with its autoreloader, SQLite, run as root so that Compose's sync
works on Docker Engine 20.10), with the same ``develop.watch`` rule (``sync . -> /app``).
Each tool runs its own copy of the project and its own stack, both up for the whole run;
edits alternate between the two. Three kinds of edit:

- ``static``: a line in a CSS file, which WhiteNoise serves straight from the disk in
  DEBUG: visible as soon as the file is in the container (the tools' own latency);
- ``template``: a line in ``books/templates/books/book_list.html`` (Django picks it up at
  its next once-a-second file check, without restarting the server);
- ``view``: a value in ``books/views.py`` (``runserver`` restarts its server process).

Before each edit the script waits a random 0.2-1.2 s, so edits land at every phase of the
dev server's once-a-second file check. Prints the median per tool and kind and the ratio
dockdjango / compose (below 1.0: dockdjango is faster).

    .venv/bin/python benchmarks/watch_latency.py --rounds 10
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "examples" / "library"
# The Go binary itself, not the venv's Python wrapper around it.
COMPOSE = next(
    (ROOT / ".venv" / "lib").glob("python3*/site-packages/compose/docker-compose"),
    ROOT / ".venv" / "bin" / "docker-compose",
)
TOOLS = ("dockdjango", "compose")
KINDS = ("static", "template", "view")
STATIC = Path("books/static/books/benchmark.css")
TEMPLATE = Path("books/templates/books/book_list.html")
VIEW = Path("books/views.py")

STACK = """
name: {project}
services:
  web:
    image: {image}
    init: true
    # root: Compose's sync asks Docker Engine 20.10 to look the image's `app` user up in the
    # host's user database, which fails; dockdjango's does not need this (docs/devloop.md)
    user: root
    command:
      - sh
      - -c
      - python manage.py migrate -v 0 && exec python manage.py runserver 0.0.0.0:8000
    environment:
      DEBUG: "1"
      DATABASE_URL: sqlite:////tmp/library.sqlite3
      ALLOWED_HOSTS: "*"
    ports: ["127.0.0.1::8000"]
    develop:
      watch:
        - action: sync
          path: .
          target: /app
"""

VIEW_SOURCE = """from django.views.generic import ListView

from .models import Book

MARK = "{mark}"


class BookListView(ListView):
    model = Book
    template_name = "books/book_list.html"
    extra_context = {{"benchmark_mark": MARK}}
"""


def prepare_source(where: Path) -> None:
    """The Library's source, with a template line and a view value the edits change."""
    shutil.copytree(
        LIBRARY,
        where,
        ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3", ".venv", "staticfiles"),
    )
    template = where / TEMPLATE
    text = template.read_text()
    template.write_text(text + "\n<!-- view:{{ benchmark_mark }} -->\n<!-- template:start -->\n")
    (where / VIEW).write_text(VIEW_SOURCE.format(mark="start"))
    (where / STATIC).parent.mkdir(parents=True)
    (where / STATIC).write_text("/* static:start */\n")


def edit(project: Path, kind: str, mark: str) -> str:
    """Write one edit; return the text the page shows once it is live."""
    if kind == "view":
        (project / VIEW).write_text(VIEW_SOURCE.format(mark=mark))
        return f"view:{mark}"
    if kind == "static":
        (project / STATIC).write_text(f"/* static:{mark} */\n")
        return f"static:{mark}"
    path = project / TEMPLATE
    lines = path.read_text().splitlines()
    lines[-1] = f"<!-- template:{mark} -->"
    path.write_text("\n".join(lines) + "\n")
    return f"template:{mark}"


def page(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", "replace")
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return ""


class NeverServed(Exception):
    """The page never showed the edit."""


def until_visible(url: str, text: str, timeout: float = 60.0) -> float:
    """Poll every 20 ms; the time at which ``text`` was first served."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if text in page(url):
            return time.perf_counter()
        time.sleep(0.02)
    raise NeverServed(f"{url} never served {text!r}")


class Watcher:
    """One tool's ``watch`` process, output kept for the error message."""

    def __init__(self, tool: str, project: str, workdir: Path) -> None:
        compose_file = str(workdir / "compose.yaml")
        if tool == "compose":
            cmd = [str(COMPOSE), "-f", compose_file, "-p", project, "watch"]
        else:
            cmd = [sys.executable, "-m", "dockdjango", "-f", compose_file, "-p", project, "watch"]
        env = {k: v for k, v in os.environ.items() if k != "DOCKER_HOST"}
        self.proc = subprocess.Popen(
            cmd,
            cwd=workdir,
            env={**env, "CI": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in iter(self.proc.stdout.readline, b""):
            self.lines.append(raw.decode("utf-8", "replace").rstrip())

    def wait_ready(self, marker: str, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(marker in line for line in self.lines):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise SystemExit("watch did not start:\n" + "\n".join(self.lines[-30:]))

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def server_output(project: str) -> str:
    """The last lines the web container wrote, to explain a page that never changed."""
    from dockdjango.api.stack.stack import Stack

    lines = Stack.existing(project).logs("web", tail=30)
    return "\n".join(f"web | {line.text}" for line in lines)


def published_url(project: str) -> str:
    from dockdjango.api.stack.stack import Stack

    host, port = Stack.existing(project).port("web", 8000)
    return f"http://{host}:{port}/"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=10, help="edits of each kind per tool")
    args = parser.parse_args()
    from dockdjango.api.images.project_images import build_project
    from dockdjango.api.stack.stack import down_project

    tag = uuid.uuid4().hex[:6]
    image = f"ddbench-watch-{tag}:dev"
    projects = {tool: f"ddbench-{tag}-{tool[:2]}" for tool in TOOLS}
    times: dict[tuple[str, str], list[float]] = {(t, k): [] for t in TOOLS for k in KINDS}
    watchers: list[Watcher] = []
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "library"
        prepare_source(source)
        print(f"building {image} (the Library's dev stage) ...", flush=True)
        build_project(source, tag=image, target="dev")
        try:
            dirs = {}
            for tool in TOOLS:
                dirs[tool] = Path(tmp) / tool
                shutil.copytree(source, dirs[tool])
                compose_text = STACK.format(project=projects[tool], image=image)
                (dirs[tool] / "compose.yaml").write_text(compose_text)
            urls = {}
            for tool in TOOLS:
                watcher = Watcher(tool, projects[tool], dirs[tool])
                watchers.append(watcher)
                watcher.wait_ready("Watch enabled" if tool == "compose" else "watching")
                urls[tool] = published_url(projects[tool])
                try:
                    until_visible(urls[tool], "template:start", timeout=300)
                except NeverServed as exc:
                    raise SystemExit(f"{tool}: {exc}\n" + "\n".join(watcher.lines[-20:])) from None
            for r in range(args.rounds):
                order = list(TOOLS) if r % 2 == 0 else list(reversed(TOOLS))
                line = []
                for kind in KINDS:
                    for tool in order:
                        time.sleep(random.uniform(0.2, 1.2))
                        mark = f"{kind[0]}{r}-{uuid.uuid4().hex[:6]}"
                        began = time.perf_counter()
                        wanted = edit(dirs[tool], kind, mark)
                        url = urls[tool] + (
                            "static/books/benchmark.css" if kind == "static" else ""
                        )
                        try:
                            took = until_visible(url, wanted) - began
                        except NeverServed as exc:
                            output = "\n".join(watchers[TOOLS.index(tool)].lines[-20:])
                            raise SystemExit(
                                f"{tool}: {exc}\n{output}\n{server_output(projects[tool])}"
                            ) from None
                        times[(tool, kind)].append(took)
                        line.append(f"{tool} {kind} {took:.2f}")
                print(f"round {r + 1}: " + "  ".join(line), flush=True)
        finally:
            for watcher in watchers:
                watcher.stop()
            for project in projects.values():
                down_project(project, volumes=True)
            import docker

            docker.from_env().api.remove_image(image, force=True)
    print(f"\nmedians over {args.rounds} edits each (seconds from the write to the page)")
    print(f"{'edit':<10}{'dockdjango':>12}{'compose':>10}{'ratio':>8}")
    for kind in KINDS:
        ours = statistics.median(times[("dockdjango", kind)])
        theirs = statistics.median(times[("compose", kind)])
        print(f"{kind:<10}{ours:>12.3f}{theirs:>10.3f}{ours / theirs:>8.2f}")
    print("ratio = dockdjango / compose; same image, same develop.watch rule, same machine")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
