"""The ``--plot`` chart of ``dockdjango compare``: set-up times and disk use, side by side."""

from __future__ import annotations

import os
from pathlib import Path

from dockdjango.errors import DockdjangoError
from dockdjango.images.comparison import Comparison


def plot(comparison: Comparison, path: str | os.PathLike[str]) -> Path:
    """Draw set-up times and disk use side by side as a PNG or SVG (by ``path``'s suffix)."""
    out = Path(path)
    if out.suffix.lower() not in {".png", ".svg"}:
        raise DockdjangoError(
            f"{out}: the chart must be a .png or .svg file", hint="e.g. --plot compare.svg"
        )
    try:
        import matplotlib
    except ImportError:
        raise DockdjangoError(
            "--plot needs matplotlib, which is not installed",
            hint="pip install 'matplotlib>=3.8' (it comes with dockdjango's dev extra)",
        ) from None
    matplotlib.use("Agg")  # no display needed; must precede pyplot's import
    import matplotlib.pyplot as plt

    v, d = comparison.venv, comparison.docker
    names = ["virtualenv", "docker"]
    colours = ["#4c72b0", "#dd8452"]
    fig, (times, disk) = plt.subplots(1, 2, figsize=(9, 3.6))
    width = 0.38
    for i, (label, values) in enumerate(
        (("cold", (v.setup_cold_s, d.setup_cold_s)), ("warm", (v.setup_warm_s, d.setup_warm_s)))
    ):
        xs = [x + (i - 0.5) * width for x in range(2)]
        bars = times.bar(
            xs, values, width, label=label, alpha=1.0 if i == 0 else 0.55, color=colours
        )
        times.bar_label(bars, fmt="%.1f s", fontsize=8)
    times.set_xticks(range(2), names)
    times.set_ylabel("seconds to a working environment")
    times.set_title("set-up (left bar cold, right bar warm)", fontsize=9)
    sizes = [v.disk_bytes / 1e6, d.disk_bytes / 1e6]
    bars = disk.bar(names, sizes, color=colours)
    disk.bar_label(bars, fmt="%.0f MB", fontsize=8)
    disk.set_ylabel("MB on disk (venv dir / image)")
    disk.set_title("disk", fontsize=9)
    fig.suptitle(f"dockdjango compare: {Path(comparison.project).name}")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out
