"""Random draws keyed by what they are for: the model's seed, a phase, the month and ids.

A phase stream (sim.model.model.STREAMS) hands out its draws in order, so once a paired
run's two arms differ in how many draws a phase takes (more developers revise, one more
news item spreads), every later draw of that phase shifts between the arms. A keyed
generator is made afresh from its key instead: the arms draw the same numbers for the
same key whatever else happened, which keeps their common random numbers (docs/ODD.md §4,
stochasticity). It is made from the model's seed sequence (so from `config.seed`) and the
key alone, so it needs no state of its own and a pickled model (sim.model.snapshot)
continues with the same draws.

A generator costs ~30 µs to make (a SeedSequence hashing the key, then PCG64; Philox is
no faster to make and ~10% slower to draw); the model makes one a month for the choice,
one per provider for wrongful flags and one per live news item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

KEYED = 0x4B455944
"""First word of every keyed spawn key ("KEYD"), after the model's own: the phase
streams are the model's first children (spawn keys 0, 1, ...), which never reach it."""


class Phase(IntEnum):
    """The phases that draw keyed (new ones are added at the end)."""

    choice = 0
    """Developers' revision uniforms and Gumbel taste shocks, keyed by month."""
    news = 1
    """A news item's announcement and spreading, keyed by the item and the month."""
    appeals = 2
    """Wrongful flags and their appeals, keyed by month and provider."""


def generator(
    entropy: int | Sequence[int] | None,
    spawn_key: tuple[int, ...],
    phase: Phase,
    month: int,
    *ids: int,
) -> np.random.Generator:
    """The generator of (`phase`, `month`, `ids`) under the seed sequence (`entropy`,
    `spawn_key`): the same key always gives the same draws. Ids are whole numbers >= 0."""
    seq = np.random.SeedSequence(entropy, spawn_key=(*spawn_key, KEYED, phase, month, *ids))
    return np.random.Generator(np.random.PCG64(seq))


@dataclass(frozen=True)
class Keys:
    """The model's seed sequence, from which every keyed generator is made."""

    entropy: int | Sequence[int] | None
    spawn_key: tuple[int, ...] = ()

    @classmethod
    def of(cls, rng: np.random.Generator) -> Keys:
        """The keys of the model's `rng` (made from its seed, so from `config.seed`)."""
        seq = rng.bit_generator.seed_seq
        if not isinstance(seq, np.random.SeedSequence):
            raise TypeError(f"the model's rng has no SeedSequence to key draws by: {seq!r}")
        return cls(seq.entropy, tuple(seq.spawn_key))

    def __call__(self, phase: Phase, month: int, *ids: int) -> np.random.Generator:
        return generator(self.entropy, self.spawn_key, phase, month, *ids)
