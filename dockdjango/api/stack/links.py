"""The URLs a stack's services announce, for ``dockdjango up`` to print once they answer.

A service announces them with a compose extension (Compose ignores ``x-`` keys)::

    x-dockdjango:
      port: 8000            # container port; default: the first in its `ports:` (or in
                            # the `ports:` of the service whose network it shares)
      urls: {site: /, API: /api/, admin: /admin/}
      note: "create a user: dockdjango exec web python manage.py createsuperuser"

A URL is printed only when a GET on it answered 2xx or 3xx (:func:`ask`; a redirect to
the same server is followed once and its target judged instead: Django's ``/`` often only
redirects to a login page, which may answer 500); otherwise
``up`` says what it got and what to do (:func:`explained`: for Django's 400, the
``Invalid HTTP_HOST header`` line the service logged and the host to add to
``ALLOWED_HOSTS``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dockdjango.compose import Project


@dataclass(frozen=True)
class Link:
    """A URL a service announces (``x-dockdjango.urls``), or its ``note`` (label "note")."""

    service: str
    label: str
    url: str


def announced(project: Project, url: Callable[[str, int], str]) -> list[Link]:
    """Every service's announced links; ``url(service, port)`` says where a port is now."""
    out: list[Link] = []
    for name, service in project.services.items():
        ext = service.extensions.get("x-dockdjango") or {}
        urls = ext.get("urls") if isinstance(ext, Mapping) else None
        if not urls:
            continue
        mode = service.network_mode or ""
        owner = mode.partition(":")[2] if mode.startswith("service:") else name
        ports = project.services[owner].ports if owner in project.services else []
        target = ext.get("port") or (ports[0].target if ports else None)
        if target is None:
            continue
        # a service in another's network namespace (network_mode: service:db) is published
        # by that service
        base = url(owner, int(target))
        for label, path in urls.items():
            out.append(Link(name, str(label), base + "/" + str(path).lstrip("/")))
        if ext.get("note"):
            out.append(Link(name, "note", str(ext["note"])))
    return out


@dataclass(frozen=True)
class Answer:
    """What a GET on an announced URL got: its status (None: no answer) and, when it is
    not a usable answer, why and what to do, in a person's words."""

    link: Link
    status: int | None
    #: ``no answer (connection refused)``, ``Invalid HTTP_HOST header: ...``; "" when good
    detail: str = ""
    hint: str = ""
    #: the path the URL redirected to, when ``status`` is that page's (see :func:`get_status`)
    via: str = ""

    @property
    def ok(self) -> bool:
        """A 2xx or 3xx: the URL is worth printing."""
        return self.status is not None and 200 <= self.status < 400

    def line(self) -> str:
        """``site http://127.0.0.1:8000/ answers 400: Invalid HTTP_HOST header ... -- add
        127.0.0.1 to ALLOWED_HOSTS ...`` (what ``up`` prints instead of the URL)."""
        got = f"answers {self.status}" if self.status is not None else "does not answer"
        got = f"redirects to {self.via}, which {got}" if self.via else got
        text = f"{self.link.label} {self.link.url} {got}"
        text += f": {self.detail}" if self.detail else ""
        return text + (f" -- {self.hint}" if self.hint else "")


#: The redirects a browser follows with a GET.
_REDIRECTS = (301, 302, 303, 307, 308)


def get_status(url: str, timeout: float = 5.0) -> tuple[int | None, str, str]:
    """(status, "", "") or (None, why there was no answer, ""); a redirect to the same
    scheme, host and port is followed once, and then the third item is the path it led to
    (whose status it is). A redirect elsewhere is an answer as it is."""
    from urllib.parse import urljoin, urlsplit

    status, why, location = _get(url, timeout)
    if status not in _REDIRECTS or not location:
        return status, why, ""
    target = urljoin(url, location)
    here, there = urlsplit(url), urlsplit(target)
    if (here.scheme, here.netloc) != (there.scheme, there.netloc):
        return status, why, ""
    path = there.path + (f"?{there.query}" if there.query else "")
    if path == here.path:
        return status, why, ""  # a redirect to itself (a cookie check...): as it is
    followed, why, _ = _get(target, timeout)
    return followed, why, path


def _get(url: str, timeout: float) -> tuple[int | None, str, str]:
    """One GET, no redirect followed: (status, "", Location) or (None, why, "")."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = kind(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
        response = conn.getresponse()
        response.read()
        return response.status, "", response.getheader("Location") or ""
    except (OSError, http.client.HTTPException) as exc:
        return None, str(exc) or type(exc).__name__, ""
    finally:
        conn.close()


def ask(link: Link, *, wait: float = 0.0, settle: float = 5.0, poll: float = 0.5) -> Answer:
    """GET ``link`` until it answers below 400: up to ``wait`` seconds for a first answer
    (a server still starting), then ``settle`` seconds for an answer of 400 or more to
    turn good (a reloading server). The last answer is what it got."""
    import time

    start = time.monotonic()
    first_bad: float | None = None
    while True:
        status, why, via = get_status(link.url)
        now = time.monotonic()
        if status is not None and 200 <= status < 400:
            return Answer(link, status, via=via)
        if status is not None and first_bad is None:
            first_bad = now
        limit = (first_bad + settle) if first_bad is not None else (start + wait)
        if now + poll > limit:
            if status is None:
                return Answer(link, None, f"no answer ({why})", _NO_ANSWER_HINT, via)
            return Answer(link, status, via=via)
        time.sleep(poll)


_NO_ANSWER_HINT = "see the service's output: dockdjango logs {service}"
#: Django's own words for a Host not in ALLOWED_HOSTS (django.security.DisallowedHost).
DISALLOWED_HOST = "Invalid HTTP_HOST header"


def explained(answer: Answer, log_lines: Sequence[str]) -> Answer:
    """``answer`` with what it means and what to do: for Django's 400 the DisallowedHost
    line of the service's output, for a 5xx its last error line."""
    service = answer.link.service
    if answer.status is None:
        return replace(answer, hint=answer.hint.format(service=service))
    if answer.ok:
        return answer
    if answer.status == 400:
        found = next((line for line in reversed(log_lines) if DISALLOWED_HOST in line), None)
        if found is not None:
            host = answer.link.url.split("//", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
            return replace(
                answer,
                detail=found[found.index(DISALLOWED_HOST) :].strip(),
                hint=f"add {host} to ALLOWED_HOSTS in the settings the service runs (or to "
                "the variable they read it from, in the environment or .env)",
            )
    if answer.status == 404:
        return replace(
            answer,
            detail="nothing is routed there",
            hint=f"fix x-dockdjango.urls of service {service}, or the project's URLconf",
        )
    if answer.status >= 500:
        errors = [line for line in log_lines if "Error" in line or "Exception" in line]
        detail = errors[-1].strip() if errors else ""
        return replace(answer, detail=detail, hint=f"see its output: dockdjango logs {service}")
    return replace(answer, hint=f"see its output: dockdjango logs {service}")


def check_links(
    links: Sequence[Link],
    logs: Callable[[str], list[str]],
    *,
    wait: float = 0.0,
    settle: float = 5.0,
) -> list[Answer]:
    """Every URL of ``links`` asked at once (:func:`ask`), each answer explained from its
    service's last output (``logs(service)``); notes are left out."""
    from concurrent.futures import ThreadPoolExecutor

    urls = [link for link in links if link.label != "note"]
    if not urls:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(urls))) as pool:
        answers = list(pool.map(lambda link: ask(link, wait=wait, settle=settle), urls))
    output: dict[str, list[str]] = {}
    out = []
    for answer in answers:
        if not answer.ok and answer.link.service not in output:
            output[answer.link.service] = logs(answer.link.service)
        out.append(explained(answer, output.get(answer.link.service, [])))
    return out
