"""The batched developer step and the per-agent reference in benchmarks/ agree."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from bench_developer_step import (
    Developer,
    Draws,
    ReferenceDeveloper,
    batch_step,
    build,
    reference_step,
)


def test_batch_and_per_agent_make_the_same_choices() -> None:
    n = 800
    batch, ref = build(n, Developer), build(n, ReferenceDeveloper)
    rng = np.random.default_rng(0)
    options = len(batch.providers) + 1
    switched = 0
    for _ in range(4):
        draws = Draws(
            rng.gumbel(size=(n, options)), rng.random(n) < 0.5, rng.random(options - 1) < 0.3
        )
        before = batch.population.choice.copy()
        batch_step(batch, draws)
        reference_step(ref, draws)
        switched += int((batch.population.choice != before).sum())
        assert np.array_equal(batch.population.choice, ref.population.choice)
        assert np.allclose(batch.population.trust, ref.population.trust, rtol=0, atol=1e-12)
    assert switched > 0, "the comparison must exercise switching"
