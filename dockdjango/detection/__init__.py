"""Reading a user's Django project: what it is, what it needs, what it says about itself.

Pure (no ``docker``, nothing runs): ``detect`` gathers a `SourceProject` from the pieces
here — ``site`` (where Django runs from, its settings, WSGI/ASGI; ``layout`` finds
``manage.py``, ``entry_points`` the console scripts of projects without one),
``dependency_place`` (where the dependencies are declared: the root, beside manage.py, or
the manifest of the package a sandbox site imports), ``own_package`` (when the project
itself must be installed), ``python_request`` and ``pythons`` (which Python, and why),
``backing_services`` and ``redis_wiring`` (the databases and caches it needs),
``compose_hints`` (what its own compose file says), ``setup_steps`` (copies its docs ask
for), ``projectconfig`` (``[tool.dockdjango]``), ``syspkgs`` (Debian packages its
dependencies need), ``buildcompat`` (old source distributions), and the user's own
Dockerfile read with ``dockerfile_syntax`` and ``base_refs``. Rooms: ``dependencies``
reads requirements files, manifests and lock files; ``django_settings`` decides the settings
module and reads it. Modules here import ``dockdjango.compose`` and ``dockdjango.errors``
only; ``images`` and the floors above import them.
"""
