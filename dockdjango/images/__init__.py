"""What dockdjango writes and builds for a project: pure plans, no ``docker``.

``dockerfile`` (the generated Dockerfile) and ``dockerignore``, ``stackfile`` (the compose
file ``init`` writes), ``context`` (the build context), ``plan`` and ``explain`` (the cache
plan, predicted before a build), ``frontend`` (what the engine's Dockerfile frontend can
build), ``debootstrap`` (registry-free base images), ``standins`` (with ``standin_files/``:
backing services when no registry serves them), ``standin_data`` (data another version
wrote is never opened), ``missing_image`` (the build command of an image nothing serves),
``ca``, ``credentials``, ``redact``, ``install_errors`` and ``comparison`` (the pure half
of ``compare``). Modules here import
``dockdjango.detection`` (the project they write for, and the Dockerfile parser),
``dockdjango.compose`` and ``dockdjango.errors`` only.
"""
