"""Values that may be secrets, as output and labels may show them.

Build args and environment variables named like ``DB_PASSWORD`` or ``PIP_TOKEN`` are left
out of what dockdjango prints, and a URL keeps its user but not its password
(``https://me:***@pypi.example/simple``): terminals are screen-shared, CI logs are kept,
and image labels travel with the image.
"""

from __future__ import annotations

import re

#: Names that usually hold a secret (``POSTGRES_PASSWORD``, ``API_TOKEN``, ``AWS_SECRET_KEY``).
SECRET_NAME = re.compile(r"PASS|SECRET|TOKEN|KEY|CREDENTIAL|AUTH|PRIVATE", re.IGNORECASE)
_USERINFO = re.compile(r"(://[^/\s:@]*:)[^/\s@]+@")


def without_credentials(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` replaced by ***."""
    return _USERINFO.sub(r"\1***@", text)


def shown_value(name: str, value: str) -> str:
    """``value`` as output may show it: hidden for a secret-like ``name``, else quoted."""
    if SECRET_NAME.search(name):
        return "(value hidden)"
    return repr(without_credentials(value))
