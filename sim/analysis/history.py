"""A run's world at any month, rebuilt from its event log and config: who may call whose
API, and how much the labs trust each other. Figures and reports use it to draw a run's
lab network without a live model."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sim.config import Config

ACCESS_TRANSITIONS = {
    "throttle": "throttled",
    "carve_out": "evaluation_only",
    "revocation": "revoked",
    "reinstatement": "allowed",
}
"""How an event changes the state of a lab -> provider access edge (actor = provider)."""


def access_states(events: pd.DataFrame, config: Config, month: int) -> pd.DataFrame:
    """The access graph of one run at the end of `month`: one row per (lab, provider) pair
    except an API and its owner, with the provider's owner (None for a marketplace) and the
    state (allowed, throttled, evaluation_only or revoked), replaying throttles, carve-outs,
    revocations and reinstatements in the order they were logged."""
    state = {
        (lab, name): "allowed"
        for name, p in config.providers.items()
        for lab in config.labs
        if lab != p.owner
    }
    relevant = events[(events["step"] <= month) & events["kind"].isin(list(ACCESS_TRANSITIONS))]
    for row in relevant.sort_values("step", kind="stable").itertuples():
        key = (str(row.target), str(row.actor))
        if key in state:
            state[key] = ACCESS_TRANSITIONS[str(row.kind)]
    return pd.DataFrame(
        [
            {"lab": lab, "provider": p, "owner": config.providers[p].owner, "state": s}
            for (lab, p), s in state.items()
        ],
        columns=["lab", "provider", "owner", "state"],
    )


def lab_trust_at(events: pd.DataFrame, config: Config, month: int) -> pd.DataFrame:
    """Each lab's trust in each other lab at the end of `month`, rebuilt from the run's
    revocations and the relations parameters (ODD §7.2): a revocation by a lab's own API
    cuts the revoked lab's trust in that lab by `revocation_hit` and every other lab's by
    `witness_hit` (a carve-out by `strategic.carveout_provocation` of that); every month all
    trust recovers toward `initial_lab_trust`. Restrictions in force from month 0 are
    standing terms, not news, and hit nobody."""
    rel = config.relations
    labs = list(config.labs)
    weight = {(a, b): rel.initial_lab_trust for a in labs for b in labs if a != b}
    kinds = events["kind"].isin(["revocation", "carve_out"])
    revs = events[kinds & (events["step"] <= month)]
    revs = revs.sort_values("step", kind="stable")
    by_step: dict[int, list[Any]] = {}
    steps = revs["step"].to_numpy(dtype=int).tolist()
    for step, row in zip(steps, revs.itertuples(), strict=True):
        by_step.setdefault(step, []).append(row)
    for step in range(1, month + 1):
        for row in by_step.get(step, []):
            owner = config.providers[str(row.actor)].owner
            if owner is None:
                continue
            scale = config.strategic.carveout_provocation if row.kind == "carve_out" else 1.0
            for other in labs:
                if other != owner:
                    hit = rel.revocation_hit if other == row.target else rel.witness_hit
                    weight[other, owner] *= 1.0 - hit * scale
        for key, w in weight.items():
            weight[key] = w + rel.recovery * (rel.initial_lab_trust - w)
    return pd.DataFrame(
        [{"truster": a, "trusted": b, "weight": w} for (a, b), w in weight.items()],
        columns=["truster", "trusted", "weight"],
    )
