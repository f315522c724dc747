"""Reading a user's Django project: what it is, what it needs, what it says about itself.

Pure (no ``docker``, nothing runs): ``detect`` gathers a `SourceProject` from the pieces
here — ``layout`` (``manage.py``, settings, WSGI/ASGI), ``settings_scan`` (what the
settings read, without running them), ``backing_services`` (the databases and caches it
needs), ``compose_hints`` (what its own compose file says), ``projectconfig``
(``[tool.dockdjango]``), ``pythons`` (which Python, and why), ``syspkgs`` (Debian packages
its dependencies need), ``buildcompat`` (old source distributions), and the user's own
Dockerfile read with ``dockerfile_syntax`` and ``base_refs``; the ``dependencies`` room
reads requirements files, manifests and lock files. Modules here import
``dockdjango.compose`` and ``dockdjango.errors`` only; ``images`` and the floors above
import them.
"""
