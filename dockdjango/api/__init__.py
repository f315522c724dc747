"""The Python API a script imports: typed objects over ``compose``, ``detection``, ``images``,
``cluster`` and ``engine``; the CLI and the pytest plugin call nothing else.

The top holds ``connection`` (the engine a script talks to), ``compose_project`` (a project
resolved once from Compose's options -- ``ProjectOptions`` -- then loaded, printed and
hashed without an engine), ``deploy`` (Swarm and Kubernetes) and
``locks``. The rooms: ``api.stack`` (`Stack` and what its methods need), ``api.images``
(detect, write, explain, build, base images), ``api.testing`` (containers, PostgreSQL and
stacks for test sessions) and ``api.compare`` (a virtualenv and an image side by side).
Modules here import every floor below (``docker`` itself only for type annotations, under
``TYPE_CHECKING``), never ``cli`` or ``pytest_plugin``; rooms import the top and the rooms
before them (``images`` <- ``stack`` <- ``testing`` <- ``compare``). The common names are
also importable from ``dockdjango`` itself.
"""
