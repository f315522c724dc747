"""What ``up`` says of an announced URL: printed once it answered 2xx/3xx, otherwise what it
got and what to do -- asked of a real HTTP server on 127.0.0.1 (no engine needed)."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from dockdjango.api.stack.links import Answer, Link, ask, check_links, explained
from dockdjango.cli.output import answer_lines


class _Site(http.server.BaseHTTPRequestHandler):
    """``/<status>`` answers that status; ``/flaky`` 500 once, then 200; ``/to/<status>``
    redirects to ``/<status>``, ``/away`` to another server, ``/self`` to itself."""

    calls: dict[str, int] = {}
    _MOVED = {"/away": "http://192.0.2.1/", "/self": "/self"}

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
        seen = self.calls[self.path] = self.calls.get(self.path, 0) + 1
        moved = self._MOVED.get(self.path) or (
            self.path[3:] if self.path.startswith("/to/") else None
        )
        if moved is not None:
            self.send_response(302)
            self.send_header("Location", moved)
        else:
            flaky = self.path == "/flaky"
            self.send_response((500 if seen == 1 else 200) if flaky else int(self.path[1:]))
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def link(url: str, label: str = "site") -> Link:
    return Link("web", label, url)


def test_good_answers_are_printed_bad_ones_said(site: str) -> None:
    links = [link(f"{site}/200"), link(f"{site}/302", "admin"), link(f"{site}/404", "API")]
    links.append(Link("web", "note", "create a user: dockdjango exec web ..."))
    answers = check_links(links, lambda service: [], settle=0.2)
    assert [a.status for a in answers] == [200, 302, 404]
    out, err = answer_lines("demo", links, answers)
    assert out == [
        "demo is up:",
        f"  site   {site}/200",
        f"  admin  {site}/302",
        "  create a user: dockdjango exec web ...",
    ]
    assert err == [
        f"warning: API {site}/404 answers 404: nothing is routed there -- fix "
        "x-dockdjango.urls of service web, or the project's URLconf"
    ]


def test_a_bad_answer_may_turn_good_while_it_settles(site: str) -> None:
    assert ask(link(f"{site}/flaky"), settle=3.0, poll=0.1).status == 200


def test_no_answer_is_said_with_the_reason() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    answer = explained(ask(link(f"http://127.0.0.1:{port}/"), wait=0.3, poll=0.1), [])
    assert answer.status is None and not answer.ok
    assert answer.line().startswith(f"site http://127.0.0.1:{port}/ does not answer: no answer (")
    assert answer.line().endswith("-- see the service's output: dockdjango logs web")


DJANGO_400 = [
    "Invalid HTTP_HOST header: '127.0.0.1:8000'. You may need to add '127.0.0.1' to ALLOWED_HOSTS.",
    "Bad Request: /",
    '[07/Dec/2026 15:19:11] "GET / HTTP/1.1" 400 59',
]


def test_djangos_400_quotes_its_line_and_names_the_host_to_add() -> None:
    answer = explained(Answer(link("http://127.0.0.1:18020/"), 400), DJANGO_400)
    assert answer.detail == DJANGO_400[0]
    assert answer.hint.startswith("add 127.0.0.1 to ALLOWED_HOSTS")
    failing = explained(
        Answer(link("http://127.0.0.1:1/"), 502), ["Traceback", "KeyError: 'x'", "done"]
    )
    assert failing.detail == "KeyError: 'x'" and "dockdjango logs web" in failing.hint


def test_a_redirect_to_the_same_server_is_judged_by_its_target(site: str) -> None:
    """Django's `/` redirecting to a login page that answers 500 is not a site to print;
    one that leads to a page answering 200 is."""
    bad, good = ask(link(f"{site}/to/500"), settle=0.2, poll=0.1), ask(link(f"{site}/to/200"))
    assert (bad.status, bad.via, bad.ok) == (500, "/500", False)
    assert bad.line() == f"site {site}/to/500 redirects to /500, which answers 500"
    assert (good.status, good.via, good.ok) == (200, "/200", True)


def test_a_redirect_elsewhere_or_to_itself_is_an_answer_as_it_is(site: str) -> None:
    for path in ("/away", "/self"):
        answer = ask(link(f"{site}{path}"))
        assert (answer.status, answer.via, answer.ok) == (302, "", True), path
