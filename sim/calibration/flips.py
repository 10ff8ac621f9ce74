"""Where the answer flips: a Latin hypercube over the prior ranges of the calibrated and
propagated parameters, each point a pair of history worlds with and without the cutoff;
for each headline effect, the share of its variance each parameter explains on its own
(first-order Sobol indices estimated from the given sample with SALib's delta method) and
PRIM's box on where its sign flips, in words (docs/ODD.md §6.5).

`accessrace experiment=flips` runs it; the result ships as data/calibration/flips.csv and
the flagship report quotes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from SALib.analyze import delta  # type: ignore[import-untyped]

from sim.analysis.discovery import DiscoverySpec, cases, run_discovery
from sim.analysis.estimates import intervention_month
from sim.analysis.factors import Parameter
from sim.analysis.names import metric_name
from sim.analysis.prim import prim
from sim.calibration.fit import CALIBRATED, PROPAGATED, priors
from sim.config import Config, EventKind
from sim.experiment.store import load as load_results
from sim.experiment.store import load_config

HEADLINE = ("trust__anthropic_api", "lab_share__anthropic", "capability__openai")
"""The cutoff's effects on trust in the revoking provider, its share and the revoked lab's
capability."""
COLUMNS = ["metric", "after", "negative_share", "words", "top_parameter", "top_s1", "s1"]
TIE = 1e-9
"""Effects this close to zero count as no change (the pair's runs are identical)."""


def spec(samples: int, after: int, seed: int = 0) -> DiscoverySpec:
    """The design: every calibrated and propagated parameter over its prior range."""
    parameters = tuple(Parameter(p.name, p.low, p.high) for p in priors((*CALIBRATED, *PROPAGATED)))
    return DiscoverySpec(
        parameters=parameters,
        samples=samples,
        intervention=(EventKind.revoke_access.value,),
        metric=HEADLINE[0],
        after=after,
        seed=seed,
    )


def run_flips(config: Config, sweep_dir: Path, design: DiscoverySpec, n_jobs: int = -1) -> int:
    """Run the design's pairs into `sweep_dir` (resumable); returns the runs done now."""
    return run_discovery(config, design, sweep_dir, n_jobs=n_jobs, progress="[flips] runs")


def analyse(
    sweep_dir: Path, after: int, metrics: Sequence[str] = HEADLINE, seed: int = 0
) -> pd.DataFrame:
    """Per headline effect at `after` months past the cutoff: the share of worlds where it
    is negative, PRIM's box on its minority sign in words, and first-order variance shares."""
    results = load_results(sweep_dir)
    treated = results.loc[results["arm"] == "treated", "run_id"]
    config = load_config(sweep_dir, str(treated.iloc[0]))
    step = intervention_month(config, [EventKind.revoke_access]) + after
    names = [p.name for p in priors((*CALIBRATED, *PROPAGATED))]
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [[p.low, p.high] for p in priors((*CALIBRATED, *PROPAGATED))],
    }
    rows = []
    for metric in metrics:
        frame = cases(results, metric, step, threshold=0.0, below=True)
        x, y = frame[names], frame["difference"].to_numpy()
        negative, positive = float(np.mean(y < -TIE)), float(np.mean(y > TIE))
        name = metric_name(metric)
        spread = (
            f"The cutoff lowers the {name} {after} months after it in {negative:.0%} of "
            f"{len(y)} worlds, raises it in {positive:.0%} and leaves it unchanged in "
            f"{1 - negative - positive:.0%}."
        )
        if negative == 1.0 or positive == 1.0:
            words = f"{spread} Its sign does not flip over the prior ranges."
        else:
            lowers = negative >= positive  # the usual sign; the box holds the other one
            box = prim(x, (y > TIE) if lowers else (y < -TIE))
            case = f"the cutoff {'raises' if lowers else 'lowers'} the {name}"
            words = f"{spread} {box.description(case)}"
        indices = delta.analyze(problem, x.to_numpy(), y, seed=seed, method="sobol")
        s1 = dict(zip(names, np.clip(indices["S1"], 0.0, None), strict=True))
        top = max(s1, key=lambda n: s1[n])
        rows.append(
            {
                "metric": metric,
                "after": after,
                "negative_share": negative,
                "words": words,
                "top_parameter": top,
                "top_s1": s1[top],
                "s1": "; ".join(f"{n}={v:.2f}" for n, v in sorted(s1.items(), key=lambda i: -i[1])),
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
