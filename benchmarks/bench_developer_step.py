"""The developer step in batch (numpy columns) vs a per-agent Mesa reference.

Both start from the same state and use the same random draws; the benchmark checks
they make the same choices and reach the same trust, then prints the speed ratio at
10,000 developers (target >= 50x) and the wall time of a default run.

    .venv/bin/python benchmarks/bench_developer_step.py [--developers N] [--repeats R]
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass

import numpy as np

import sim
from sim.config import PopulationConfig
from sim.model.developer import Developer


@dataclass
class Draws:
    gumbel: np.ndarray
    revise: np.ndarray
    outage: np.ndarray


class ReferenceDeveloper(Developer):
    """The developer step written the per-agent way: one Python method call per agent."""

    def step_reference(
        self,
        served: list[list[float]],
        hosts: list[list[int]],
        best_open: list[float],
        prices: list[float],
        draws: Draws,
        choice_out: np.ndarray,
    ) -> None:
        model = self.model
        pop, cfg, market = model.population, model.config.population, model.config.market
        i = self.index
        needs = pop.needs[i].tolist()
        trust = pop.trust[i].tolist()
        current = int(pop.choice[i])
        n_prov = len(hosts)
        best_u, best_k = -math.inf, current
        sens = float(pop.price_sensitivity[i])
        revises = bool(draws.revise[i])
        gumbel = draws.gumbel[i]
        utilities = []
        for k in range(n_prov + 1):
            if k < n_prov:
                quality = max(
                    sum(n * c for n, c in zip(needs, served[lab], strict=True)) for lab in hosts[k]
                )
                t = trust[k]
            else:
                quality = market.selfhost_discount * sum(
                    n * c for n, c in zip(needs, best_open, strict=True)
                )
                t = 1.0
            u = (
                cfg.quality_weight * math.log(max(quality, 1e-6))
                - sens * prices[k]
                + cfg.trust_weight * t
            )
            utilities.append(u)
            if revises:  # the others keep their option: no noise to add
                cost = cfg.switching_cost if k != current else 0.0
                noisy = u - cost + cfg.choice_noise * gumbel[k]
                if noisy > best_u:
                    best_u, best_k = noisy, k
        chosen = best_k if revises else current
        choice_out[i] = chosen
        # Satisfaction learns about the provider used and recovers for the others;
        # reputation recovers; trust combines the two.
        sat, rep = pop.satisfaction[i].tolist(), pop.reputation[i].tolist()
        w = cfg.satisfaction_weight
        for k in range(n_prov):
            if k == chosen:
                observed = 0.0 if draws.outage[k] else 1.0
                sat[k] += cfg.trust_learning * (observed - sat[k])
            else:
                sat[k] += cfg.trust_recovery * (cfg.initial_trust - sat[k])
            rep[k] += cfg.trust_recovery * (cfg.initial_trust - rep[k])
            trust[k] = w * sat[k] + (1.0 - w) * rep[k]
        pop.satisfaction[i], pop.reputation[i], pop.trust[i] = sat, rep, trust


def batch_step(model: sim.AccessModel, draws: Draws) -> None:
    """The model's own developer step (phase 6 choice, then the trust update of phase 5)."""
    pop = model.population
    quality, _ = model.option_quality()
    utility = pop.utilities(quality, model.option_prices())
    revising = np.flatnonzero(draws.revise)
    pop.choose(utility, draws.gumbel[revising], revising)
    pop.learn_reliability(draws.outage)


def reference_step(model: sim.AccessModel, draws: Draws) -> None:
    served = [lab.served_or_zero.tolist() for lab in model.labs]
    hosts = [labs.tolist() for labs in model.hosted_indices]
    choice = model.population.choice.copy()
    model.agents_by_type[ReferenceDeveloper].shuffle_do(
        "step_reference",
        served,
        hosts,
        model.best_open_model().tolist(),
        model.option_prices().tolist(),
        draws,
        choice,
    )
    model.population.choice = choice


def build(n: int, developer_cls: type[Developer]) -> sim.AccessModel:
    """A default model whose Developer agents are of `developer_cls`."""
    config = sim.Config(population=PopulationConfig(n_developers=n))
    model = sim.AccessModel(config)
    for agent in list(model.agents_by_type[Developer]):
        agent.remove()
    developer_cls.create_agents(model, n, np.arange(n))
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--developers", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    n = args.developers

    batch_model, ref_model = build(n, Developer), build(n, ReferenceDeveloper)
    n_opt = len(batch_model.providers) + 1
    rng = np.random.default_rng(2024)
    t_batch, t_ref = [], []
    for _ in range(args.repeats):
        draws = Draws(
            rng.gumbel(size=(n, n_opt)), rng.random(n) < 0.25, rng.random(n_opt - 1) < 0.05
        )
        start = time.perf_counter()
        batch_step(batch_model, draws)
        t_batch.append(time.perf_counter() - start)
        start = time.perf_counter()
        reference_step(ref_model, draws)
        t_ref.append(time.perf_counter() - start)
        assert np.array_equal(batch_model.population.choice, ref_model.population.choice), (
            "batch and per-agent choices differ"
        )
        assert np.allclose(
            batch_model.population.trust, ref_model.population.trust, rtol=0, atol=1e-12
        )

    best_batch, best_ref = min(t_batch), min(t_ref)
    print(f"developer step at {n:,} developers, best of {args.repeats} (same draws, same choices)")
    print(f"  batch (numpy columns) : {best_batch * 1e3:9.2f} ms")
    print(f"  per-agent Mesa        : {best_ref * 1e3:9.2f} ms")
    print(f"  speed ratio           : {best_ref / best_batch:9.1f}x   (target >= 50x)")

    times = []
    for _ in range(3):
        start = time.perf_counter()
        sim.run(sim.Config(), figures=False)
        times.append(time.perf_counter() - start)
    print(f"default run (5 labs, 10,000 developers, 60 months): {min(times):.2f} s (best of 3)")


if __name__ == "__main__":
    main()
