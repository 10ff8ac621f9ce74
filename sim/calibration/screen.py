"""Which parameters matter for the fit: Morris elementary effects (SALib) of every candidate
parameter on the distance of the history world to the targets.

`python -m sim.calibration.screen` writes `data/calibration/screening.csv`; the
calibrated set (`sim.calibration.fit.CALIBRATED`) is read off it (docs/ODD.md §6).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from SALib.analyze import morris as analyze_morris  # type: ignore[import-untyped]
from SALib.sample import morris as sample_morris  # type: ignore[import-untyped]

from sim.calibration import fit
from sim.calibration.posterior import Prior


def _problem(candidates: Sequence[Prior]) -> dict[str, object]:
    bounds = [
        [math.log10(p.low), math.log10(p.high)] if p.log else [p.low, p.high] for p in candidates
    ]
    return {"num_vars": len(candidates), "names": [p.name for p in candidates], "bounds": bounds}


def _natural(candidates: Sequence[Prior], row: np.ndarray) -> dict[str, float]:
    return {
        p.name: float(10**x) if p.log else float(x) for p, x in zip(candidates, row, strict=True)
    }


def _distance(params: dict[str, float], seeds: Sequence[int]) -> float:
    """Mean distance over seeds; a run the instruments cannot measure counts as far."""
    values = [fit.distance(fit.summaries(params, s)) for s in seeds]
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else 1e3


def screen(
    candidates: Sequence[Prior] = fit.CANDIDATES,
    trajectories: int = 10,
    seeds: int = 2,
    seed: int = 0,
    n_jobs: int = -1,
) -> pd.DataFrame:
    """Morris mu* (mean absolute elementary effect, in units of the scaled distance per
    whole prior range) and sigma of each candidate, largest first."""
    problem = _problem(candidates)
    x = sample_morris.sample(problem, trajectories, num_levels=4, seed=seed)
    seed_list = [seed + k for k in range(seeds)]
    y = Parallel(n_jobs=n_jobs)(
        delayed(_distance)(_natural(candidates, row), seed_list) for row in x
    )
    result = analyze_morris.analyze(problem, x, np.asarray(y), num_levels=4, seed=seed)
    table = pd.DataFrame(
        {
            "parameter": problem["names"],
            "mu_star": result["mu_star"],
            "sigma": result["sigma"],
            "mu_star_conf": result["mu_star_conf"],
        }
    ).sort_values("mu_star", ascending=False, ignore_index=True)
    table["share"] = table["mu_star"] / table["mu_star"].sum()
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    table = screen(trajectories=args.trajectories, seeds=args.seeds)
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(args.out, index=False, float_format="%.6g")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
