"""``dockdjango compare``: a project set up as a virtualenv and as an image, measured side by side.

``side_by_side`` runs both and measures the image side, ``compare_venv`` the virtualenv
side (and where it cannot set a project up), ``compare_common`` what both use,
``compare_chart`` the ``--plot`` chart; the pure half (probe, parsing test output, the
table) is :mod:`dockdjango.images.comparison`. Modules here import the other ``api`` rooms
(images, stack, testing) and the floors below.
``from dockdjango.api.compare import compare_project`` is the public path (re-exported here).
"""

from __future__ import annotations

from dockdjango.api.compare.side_by_side import (
    Comparison,
    Side,
    compare_project,
    default_project,
    dir_size,
    measure_image,
    table_rows,
)

__all__ = [
    "Comparison",
    "Side",
    "compare_project",
    "default_project",
    "dir_size",
    "measure_image",
    "table_rows",
]
