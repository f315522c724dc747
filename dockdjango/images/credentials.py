"""Credential files that must never reach an image, and finding them in a build context.

A file in the build context is sent to the engine, and a ``COPY . /app`` bakes it into a
layer for anyone who can pull the image; deleting it in a later step does not take it out of
the earlier layer. The generated ``.dockerignore`` leaves the files below out at any depth;
a project's own ``.dockerignore`` may let them through, so a build warns
(:func:`credential_warning`) when the context it is about to send holds one.

The list names files whose *name* says "secret": SSH, cloud, registry and package-index
credentials, and private keys. Certificates stay in: ``*.crt``/``*.cer`` are public, and a
Django app may need a CA certificate in the image (a database's TLS root, say). ``*.pem`` is
left out even though a CA bundle is sometimes shipped as one (``global-bundle.pem`` for RDS):
the same extension carries private keys (``privkey.pem``, cloud key pairs), and a missing
certificate fails loudly at the first connection while a leaked key fails silently. A project
that needs such a file re-includes it by name (``!certs/rds-ca.pem``) in its
``.dockerignore``; a file named that way is taken as wanted and not warned about.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from functools import cache

from dockdjango.images.dockerignore import CREDENTIAL_LINES, DockerIgnore, Pattern

#: How many paths a warning names before it only counts the rest.
NAMED_IN_WARNING = 5


@cache
def _credentials() -> DockerIgnore:
    return DockerIgnore("\n".join(CREDENTIAL_LINES))


def is_credential(path: str) -> bool:
    """True when the context-relative POSIX ``path`` is a credential file or lies in a
    credential directory (``.ssh/``, ``.aws/`` ...)."""
    return _credentials().ignored(path)


def credential_files(paths: Iterable[str], ignore: DockerIgnore | None = None) -> list[str]:
    """The credential files among a context's ``paths``, in the order given.

    ``ignore`` is the ``.dockerignore`` the context was made with: a file one of its ``!``
    lines re-includes by its own name (not as part of a directory, nor with a bare ``*`` or
    ``**``) is a deliberate choice and is not reported.
    """
    wanted = [p for p in ignore.patterns if p.exclusion and _names_a_file(p)] if ignore else []
    found = []
    for path in paths:
        path = posixpath.normpath(path)
        if not is_credential(path):
            continue
        if any(p.match(path) for p in wanted):
            continue
        found.append(path)
    return found


def _names_a_file(pattern: Pattern) -> bool:
    """True when the pattern's last segment says something beyond "anything" (``*.pem``,
    ``ca.pem``), so a match through it is about this file, not a whole directory's."""
    last = pattern.text.rsplit("/", 1)[-1]
    return last.strip("*?") != ""


def credential_warning(found: list[str], *, named: int = NAMED_IN_WARNING) -> str | None:
    """One line saying which credential files the build context holds, and the fix.

    None when ``found`` is empty. The first ``named`` paths are named, the rest counted.
    """
    if not found:
        return None
    shown = ", ".join(found[:named])
    more = len(found) - named
    if more > 0:
        shown += f" and {more} more"
    if len(found) == 1:
        what, it = f"a credential file, {shown}", "it"
        fix = f"add `{found[0]}` to .dockerignore"
    else:
        what, it = f"{len(found)} credential files ({shown})", "them"
        fix = "add them to .dockerignore"
    return (
        f"the build context holds {what}: sent to the engine, and `COPY .` bakes {it} into "
        f"the image; {fix} (`dockdjango dockerfile --dockerignore` prints dockdjango's list)"
    )
