"""Print the effect table of a paired sweep directory (a query: it writes nothing).

accessrace-effects sweeps/flagship [--after 6 12 24] [--metric capability__rival ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from experiments.outcome import report_effects
from sim.experiment.store import MANIFEST, SweepMismatchError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="accessrace-effects", description=__doc__)
    parser.add_argument("sweep_dir", type=Path)
    parser.add_argument("--after", type=int, nargs="+", help="months after the intervention")
    parser.add_argument("--metric", nargs="+", help="metrics (columns of the time series)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    args = parser.parse_args(argv)
    if not (args.sweep_dir / MANIFEST).exists():
        print(
            f"accessrace-effects: error: {args.sweep_dir} is not a sweep directory (no {MANIFEST})",
            file=sys.stderr,
        )
        return 2
    try:
        print(report_effects(args.sweep_dir, args.after, args.metric, args.seed))
    except (KeyError, ValueError, FileNotFoundError, SweepMismatchError) as err:
        print(f"accessrace-effects: error: {err.args[0]}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
