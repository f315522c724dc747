"""What it costs `up` to know an image is not stale, on the Library example's ``web`` image.

Two ways to be sure an existing image still matches the tree, when nothing changed:

- **BuildKit no-op build**: build the image again (everything cached): the whole context
  is packed and sent, BuildKit checks every step's cache key and exports the same image;
- **label comparison** (what ``dockdjango up`` does): read the build inputs recorded on the
  image (:mod:`dockdjango.images.build_inputs`) and compare them with the tree's -- the
  Dockerfile (generated again for the Library), the dependency files, the base image's id.

Builds the image once (warm-up), then times each way N times and prints the medians and
the ratio::

    .venv/bin/python benchmarks/stale_check.py             # 7 runs each
    .venv/bin/python benchmarks/stale_check.py --runs 15 --json

The image is tagged ``ddbench-stale-<8 hex>`` and removed at the end.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "examples" / "library"


def timed(action: Callable[[], object], runs: int) -> list[float]:
    """Wall-clock seconds of ``runs`` calls of ``action``."""
    out = []
    for _ in range(runs):
        began = time.perf_counter()
        action()
        out.append(time.perf_counter() - began)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from dockdjango.api.stack.stack_build import ServiceBuilder
    from dockdjango.compose.models import BuildConfig
    from dockdjango.engine.client import connect
    from dockdjango.engine.image_store import inspect_image
    from dockdjango.engine.progress import ignore

    client = connect()
    tag = f"ddbench-stale-{uuid.uuid4().hex[:8]}"
    build = BuildConfig(context=str(LIBRARY), target="dev")
    builder = ServiceBuilder(client, str(LIBRARY), ignore)
    try:
        builder("web", build, tag)  # warm-up: the image, and BuildKit's cache

        def noop_build() -> None:
            builder("web", build, tag)

        def label_check() -> None:
            image = inspect_image(client, tag) or {}
            if builder.stale("web", build, tag, image) is not None:
                raise SystemExit("the image is stale right after its build: a bug")

        buildkit = timed(noop_build, args.runs)
        labels = timed(label_check, args.runs)
    finally:
        try:
            client.api.remove_image(tag, force=True, noprune=False)
        except Exception:  # still used, or gone
            pass
    result = {
        "runs": args.runs,
        "buildkit_noop_build_s": round(statistics.median(buildkit), 3),
        "label_comparison_s": round(statistics.median(labels), 3),
    }
    result["ratio"] = round(result["buildkit_noop_build_s"] / result["label_comparison_s"], 1)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"Library web image, nothing changed, median of {args.runs} runs:")
        print(f"  BuildKit no-op build   {result['buildkit_noop_build_s']:.3f} s")
        print(f"  label comparison       {result['label_comparison_s']:.3f} s")
        print(f"  the label comparison is {result['ratio']}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
