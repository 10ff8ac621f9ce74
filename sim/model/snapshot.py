"""A copy of a running model that continues exactly as the original would.

A paired sweep's two arms share every month before the intervention (sim.experiment.pairing),
so that prefix is run once and each arm continues from its own copy. The copy is a pickle
round trip of the model: the developers live in numpy arrays (sim.model.population), which
pickle copies as flat buffers, and Mesa's events and agent sets define how they are pickled
(their callbacks' weak references are restored to the copied callbacks), so the copy owns
its rng streams (bit-generator state included), access graph, agents and event list and
shares nothing mutable with the original. On a 10,000-developer model it costs about a third
of `copy.deepcopy`, which walks the same objects one Python call at a time
(benchmarks/bench_pairs.py prints both).
"""

from __future__ import annotations

import pickle

from sim.config import Config
from sim.model.events import schedule
from sim.model.model import AccessModel


def snapshot(model: AccessModel) -> AccessModel:
    """An independent copy of `model` in its current state."""
    copy: AccessModel = pickle.loads(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    return copy


def reschedule(model: AccessModel, config: Config) -> None:
    """Make `model` continue under `config`, whose scenario events may differ from the
    model's in events not yet fired: every pending scenario event is withdrawn and
    `config`'s events still to come are put on the event list in the config's order (the
    order, and so the firing order within a month, that a run built from `config` has).
    `config` must otherwise equal the model's config (sim.experiment.pairing checks)."""
    now = float(model.time)
    fired = []
    for scheduled in model._scheduled:
        if scheduled.handle.time > now:
            scheduled.handle.cancel()
        else:
            fired.append(scheduled)
    future = tuple(ev for ev in config.scenario.events if ev.at - 0.5 > now)
    model.config = config
    model._scheduled = fired + schedule(model, future)
