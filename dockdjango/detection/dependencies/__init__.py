"""A project's dependencies, from wherever it declares them, for one target environment.

``declared`` picks the source (``uv.lock``, ``poetry.lock``, ``Pipfile``/``Pipfile.lock``,
PEP 621 or setup files via ``manifests``, requirements files via ``requirements``) and
returns one `Dependencies`; ``groups`` splits runtime from dev groups, ``markers`` is the
target environment and PEP 508 markers, ``wheeltags`` says whether a locked wheel fits it.
Pure: modules here import each other, ``detection.pythons`` and ``dockdjango.errors`` only.
"""
