"""One run summarised in a few plain sentences, for the command line."""

from __future__ import annotations

from sim.experiment.run import Result


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def summarize(result: Result, max_events: int = 5) -> str:
    """A few sentences on what happened in one run, in plain words."""
    ts, ev, cfg = result.timeseries, result.events, result.config
    first, last = ts.iloc[0], ts.iloc[-1]
    lines = [
        f"Scenario {cfg.scenario.name}: {len(cfg.labs)} labs, {len(cfg.providers)} providers, "
        f"{cfg.population.n_developers:,} developers, {cfg.steps} months, seed {cfg.seed}."
    ]
    revs = ev[ev["kind"].isin(["revocation", "carve_out"])]
    if revs.empty:
        lines.append("No provider revoked any lab's access.")
    else:
        verb = {"revocation": "revoked", "carve_out": "cut to evaluation only"}
        shown = [
            f"month {r.step}: {r.actor} {verb[str(r.kind)]} {r.target} ({r.reason})"
            for r in revs.head(max_events).itertuples()
        ]
        more = f"; and {len(revs) - max_events} more" if len(revs) > max_events else ""
        lines.append("Revocations - " + "; ".join(shown) + more + ".")
    lines.append(
        f"Frontier capability (mean over domains) grew from {first.frontier_capability:.2f} "
        f"to {last.frontier_capability:.2f}; downstream innovation (quality developers build "
        f"with) from {first.downstream_innovation:.2f} to {last.downstream_innovation:.2f}."
    )
    if not revs.empty:
        r = revs.iloc[0]
        before = ts[ts["step"] == max(int(r.step) - 1, 0)].iloc[0]
        target, actor = str(r.target), str(r.actor)
        caps = {
            c.removeprefix("capability__"): last[c]
            for c in ts.columns
            if c.startswith("capability__") and c.count("__") == 1
        }
        rank = sorted(caps, key=lambda k: -caps[k]).index(target) + 1
        lines.append(
            f"The revoked lab {target} went from capability {before[f'capability__{target}']:.2f} "
            f"just before the first cutoff to {last[f'capability__{target}']:.2f} at the end "
            f"(rank {rank} of {len(caps)})."
        )
        trust = ts[f"trust__{actor}"]
        after = ts[ts["step"] >= r.step]
        low = after.loc[after[f"trust__{actor}"].idxmin()]
        lines.append(
            f"Developer trust in {actor} was {before[f'trust__{actor}']:.2f} before it, fell "
            f"to {low[f'trust__{actor}']:.2f} by month {int(low.step)} and ended at "
            f"{trust.iloc[-1]:.2f}."
        )
    lines.append(
        f"Developers on open weights: {_pct(first.open_weights_share)} at the start, "
        f"{_pct(last.open_weights_share)} at the end; API market concentration (HHI) "
        f"{first.hhi:.2f} -> {last.hhi:.2f}."
    )
    counts = ev["kind"].value_counts()
    tallies = (
        (counts.get("detection", 0), "detection"),
        (counts.get("warning", 0), "warning"),
        (counts.get("throttle", 0), "throttle"),
        (len(revs), "revocation"),
        (counts.get("retaliation", 0), "retaliation"),
        (counts.get("reinstatement", 0), "reinstatement"),
    )
    lines.append("Over the run: " + ", ".join(_count(n, what) for n, what in tallies) + ".")
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    """'1 revocation', '2 revocations'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


__all__ = ["summarize"]
