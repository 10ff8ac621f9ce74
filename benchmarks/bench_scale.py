"""Performance at scale, measured side by side in one run (numbers are ratios where possible).

1. a whole default run vs a bare-numpy kernel doing the same developer arithmetic on the
   same arrays for the same number of steps (target: run <= 2x kernel);
2. time per developer-step at 10,000, 100,000 and 1,000,000 developers (target: within
   1.5x of the 10,000 figure);
3. peak RSS of 1,000,000 developers x 60 months, in a child process (target <= 4 GB);
4. import time of `sim` and of the command line;
5. a cProfile of the default run, top functions.

    .venv/bin/python benchmarks/bench_scale.py [--skip-million]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import subprocess
import sys
import time

import numpy as np

import sim
from sim.config import PopulationConfig
from sim.model.market import best_alternative_lead
from sim.model.model import AccessModel
from sim.model.population import QUALITY_FLOOR, row_pick


def kernel(model: AccessModel, steps: int, rng: np.random.Generator) -> None:
    """The developers' monthly arithmetic in straight-line numpy on the model's own arrays,
    in the model's own formulation, without the model around it (no Mesa, no labs or
    providers, no phases, no data collection).

    Every developer output of the model's month: the quality of each option and the lab
    behind it, logit choice with switching cost (waived for the month's entrants), who
    switched, utility and quality of the chosen option, its lead over the best alternative
    and the spend it pays for it, the lab each developer builds on, option shares and the
    marketplace's split of its users by lab (money), trust in two parts (satisfaction
    learning from this month's observed service, reputation; both recovering toward the
    starting mean) recombined, and the month's recorded means over developers
    (trust overall and per provider, hedging, switching, quality, utility). News spreading
    is left out: a default run has no revocations.

    Long on purpose: straight-line numpy, so its time is the floor the model is measured
    against; split into functions it would pay the calls the comparison leaves out.
    """
    pop, cfg = model.population, model.config.population
    n, p = pop.n, len(model.providers)
    hosted = model.hosted_indices
    discount = model.config.market.selfhost_discount
    lead_premium = model.config.market.lead_premium
    models = np.array(
        [lab.served_or_zero for lab in model.labs] + [discount * model.best_open_model()]
    )
    option_model = np.array([h[0] for h in hosted] + [len(model.labs)])
    option_lab = np.array([h[0] for h in hosted] + [-1])
    reliability = np.array([q.reliability for q in model.providers])
    prices = model.option_prices()
    needs, choice = pop.needs, pop.choice.copy()
    satisfaction, reputation = pop.satisfaction.copy(), pop.reputation.copy()
    trust = np.empty_like(satisfaction)
    sens = pop.price_sensitivity[:, None]
    options = np.arange(p + 1)
    marketplaces = [k for k, q in enumerate(model.providers) if q.owner is None]
    w = cfg.satisfaction_weight
    for month in range(1, steps + 1):
        outage = rng.random(p) >= reliability
        serving = np.flatnonzero(choice < p)
        used = choice[serving]
        before = satisfaction[serving, used]
        satisfaction += cfg.trust_recovery * (cfg.initial_trust - satisfaction)
        reputation += cfg.trust_recovery * (cfg.initial_trust - reputation)
        observed = 1.0 - outage[used]
        satisfaction[serving, used] = before + cfg.trust_learning * (observed - before)
        np.multiply(satisfaction, w, out=trust)
        trust += (1.0 - w) * reputation

        per_model = needs @ models.T
        quality = per_model[:, option_model]
        picks = {}
        for k, labs in enumerate(hosted):
            if len(labs) > 1:
                best, which = quality[:, k], np.full(n, labs[0])
                for lab in labs[1:]:
                    which[per_model[:, lab] > best] = lab
                    np.maximum(best, per_model[:, lab], out=best)
                picks[k] = which
        full = np.empty_like(quality)
        full[:, :p] = trust
        full[:, p] = 1.0
        utility = (
            cfg.quality_weight * np.log(np.maximum(quality, QUALITY_FLOOR))
            - sens * prices
            + cfg.trust_weight * full
        )
        revising = np.flatnonzero(rng.random(n) < cfg.revision_rate)
        first = (pop.enters >= month) & (pop.enters > 0)
        cost = np.where(first[revising], 0.0, cfg.switching_cost)
        noisy = (
            utility[revising]
            - cost[:, None] * (options != choice[revising, None])
            + cfg.choice_noise * rng.gumbel(size=(revising.size, p + 1))
        )
        new_choice = choice.copy()
        new_choice[revising] = noisy.argmax(axis=1)
        switched = (new_choice != choice) & ~first
        choice = new_choice
        chosen_utility = row_pick(utility, choice)
        counts = np.bincount(choice, minlength=p + 1)
        chosen_quality = row_pick(quality, choice)
        lead = best_alternative_lead(quality, choice, chosen_quality)
        premium = 1.0 + lead_premium * np.maximum(lead, 0.0)
        _spend = np.bincount(choice, weights=prices[choice] * premium, minlength=p + 1)
        model_lab = option_lab[choice]
        for k, which in picks.items():
            on_k = choice == k
            model_lab[on_k] = which[on_k]
        for k in marketplaces:
            if counts[k]:
                _split = np.bincount(model_lab[choice == k], minlength=len(model.labs)) / counts[k]
        _recorded = (
            trust.mean(),
            np.full(n, 1.0 / n) @ trust,
            np.count_nonzero(
                (choice < p) & (row_pick(trust, np.minimum(choice, p - 1)) < cfg.hedge_threshold)
            )
            / n,
            switched.mean(),
            chosen_quality.mean(),
            chosen_utility.mean(),
            counts / n,
        )


def best_of(repeats: int, fn: object) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def run_time(n: int, steps: int = 60) -> float:
    config = sim.Config(population=PopulationConfig(n_developers=n), steps=steps)
    start = time.perf_counter()
    sim.run(config, figures=False)
    return time.perf_counter() - start


def import_time(code: str) -> float:
    cmd = [
        sys.executable,
        "-c",
        f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)",
    ]
    return min(
        float(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        for _ in range(3)
    )


MILLION = """
import resource, time, sim
from sim.config import PopulationConfig
start = time.perf_counter()
sim.run(sim.Config(population=PopulationConfig(n_developers=1_000_000)), figures=False)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-million", action="store_true")
    args = parser.parse_args()

    print("1. whole default run vs bare-numpy developer kernel (10,000 developers, 60 months)")
    model = AccessModel(sim.Config())
    runs: list[float] = []
    kernels: list[float] = []
    for _ in range(8):  # alternated, so both meet the same state of the machine and heap
        runs.append(run_time(10_000))
        kernels.append(best_of(1, lambda: kernel(model, 60, np.random.default_rng(0))))
    runs, kernels = runs[1:], kernels[1:]  # the first of each warms up
    whole, bare = min(runs), min(kernels)
    print(
        f"   whole run {whole:.3f} s, kernel {bare:.3f} s: ratio {whole / bare:.2f}x (target <= 2x)"
        f"; medians {np.median(runs):.3f} s / {np.median(kernels):.3f} s = "
        f"{np.median(runs) / np.median(kernels):.2f}x"
    )

    print("2. time per developer-step (whole run incl. set-up, 60 months)")
    sizes = [10_000, 100_000] + ([] if args.skip_million else [1_000_000])
    per: dict[int, float] = {}
    for n in sizes:
        t = best_of(2 if n < 1_000_000 else 1, lambda n=n: run_time(n))
        per[n] = t / (n * 60)
        print(
            f"   {n:>9,} developers: {t:7.2f} s, {1e9 * per[n]:7.1f} ns per developer-step, "
            f"{per[n] / per[10_000]:.2f}x the 10,000 figure (target <= 1.5x)"
        )

    if not args.skip_million:
        print("3. memory of 1,000,000 developers x 60 months (child process)")
        out = subprocess.run(
            [sys.executable, "-c", MILLION], capture_output=True, text=True, check=True
        ).stdout.split()
        print(f"   {float(out[0]):.1f} s, peak RSS {int(out[1]) / 1024**2:.2f} GB (target <= 4 GB)")

    print("4. start-up")
    print(
        f"   import sim: {import_time('import sim'):.2f} s; "
        f"import experiments.main (the CLI): {import_time('import experiments.main'):.2f} s"
    )

    print("5. profile of the default run (top 15 by own time)")
    profiler = cProfile.Profile()
    profiler.enable()
    sim.run(sim.Config(), figures=False)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(15)
    print("\n".join("   " + line for line in text.getvalue().splitlines()[4:26]))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this process peak RSS {peak:.0f} MB)")


if __name__ == "__main__":
    main()
