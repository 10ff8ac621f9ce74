"""Paired runs share their past: the months before the intervention are run once.

A paired sweep's control arm is its treated arm's config with the intervention's events
removed (sim.experiment.run.without), on the same seed. Up to the first month at which a
removed event would fire, the two runs draw the same numbers and do the same things, bit
for bit (tests/test_pairing.py checks it). So the pair is built and run once up to the
month before (the prefix, with the control's config), copied (sim.model.snapshot), and
each arm continues from its own model: the control from the prefix's, the treated from
the copy with the treated config's remaining events scheduled. The results equal those
of running the arms separately. Where the arms cannot share (their configs differ in
anything but removed events, or the intervention acts in month 0 or 1, before any month
could be shared), they run separately.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sim.config import Config
from sim.experiment.store import Arm, RunSpec
from sim.model.model import AccessModel
from sim.model.snapshot import reschedule, snapshot


def fork_month(treated: Config, control: Config) -> int | None:
    """The first month the arms can differ (when the treated arm's first removed event
    fires), or None when they cannot share a prefix: configs differing in more than
    removed scenario events, or no month before the intervention to share."""
    events = treated.scenario.events
    kept = control.scenario.events
    same_world = dataclasses.replace(
        treated, scenario=dataclasses.replace(treated.scenario, events=kept)
    )
    if same_world != control or not is_subsequence(kept, events):
        return None
    removed = list(events)
    for ev in kept:
        removed.remove(ev)
    if not removed:
        return None
    month = min(ev.at for ev in removed)
    return month if month >= 2 else None


def is_subsequence(part: Sequence[object], whole: Sequence[object]) -> bool:
    """Whether `part` is `whole` with some items left out, the rest in the same order."""
    rest = iter(whole)
    return all(any(item == other for other in rest) for item in part)


def simulate_pair(treated: Config, control: Config) -> tuple[AccessModel, AccessModel]:
    """Both arms run to the end: the shared months once when they can be shared."""
    month = fork_month(treated, control)
    if month is None:
        return finish(AccessModel(treated)), finish(AccessModel(control))
    control_model = AccessModel(control)
    finish(control_model, until=month - 1)
    treated_model = snapshot(control_model)
    reschedule(treated_model, treated)
    return finish(treated_model), finish(control_model)


def finish(model: AccessModel, until: int | None = None) -> AccessModel:
    """`model` stepped to month `until` (at most its config's steps; default: the end)."""
    end = model.config.steps if until is None else min(until, model.config.steps)
    while model.steps < end:
        model.step()
    return model


def pairs(specs: Sequence[RunSpec]) -> list[tuple[RunSpec, ...]]:
    """`specs` grouped into work units: a treated spec and the control of its pair
    together, every other spec alone (in the order of their first member)."""
    controls = {s.pair_id: s for s in specs if s.arm is Arm.control}
    units: list[tuple[RunSpec, ...]] = []
    taken: set[str] = set()
    for spec in specs:
        if spec.run_id in taken:
            continue
        partner = controls.get(spec.pair_id) if spec.arm is Arm.treated else None
        unit = (spec,) if partner is None or partner.run_id in taken else (spec, partner)
        taken.update(s.run_id for s in unit)
        units.append(unit)
    return units
