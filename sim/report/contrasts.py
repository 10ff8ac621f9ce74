"""The key findings of a parameter sweep (e.g. the policy sweep), on its first screen: each
value of the first swept parameter against a reference value on the shared seeds, with
intervals; ties named; and the revoking provider's own outcomes beside innovation and trust."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from markupsafe import Markup

from sim.analysis.contrasts import reference_differences, ties
from sim.analysis.estimates import FEW_PAIRS, run_outcomes
from sim.analysis.names import (
    INNOVATION,
    INNOVATION_WORDS,
    display_scale,
    metric_name,
    metric_unit,
    param_label,
    value_label,
)
from sim.config import Config
from sim.report.html import FigureEmbedder, render
from sim.viz.forest import forest_figure

TRUST = "developer_trust"


def revoker(events: pd.DataFrame, config: Config) -> str:
    """The provider that revoked most often over the sweep (the first lab-owned provider
    when nobody revoked): whose own outcomes the report shows."""
    if len(events) and {"kind", "provider"} <= set(events.columns):
        counts = events.loc[events["kind"] == "revocation", "provider"].value_counts()
        if len(counts):
            return str(counts.index[0])
    owned = [n for n, p in config.providers.items() if p.owner]
    return owned[0] if owned else next(iter(config.providers))


def contrast_metrics(config: Config, provider: str) -> tuple[list[str], list[str]]:
    """The outcomes compared: (read at the final month, averaged over months). Innovation
    and trust, then the revoking provider's lead (of its owner), revenue from developers
    and payoff."""
    owner = config.providers[provider].owner or provider
    return (
        [TRUST, f"lead__{owner}"],
        [INNOVATION, f"payoff__{provider}", f"developer_revenue__{provider}"],
    )


def contrast_html(
    results: pd.DataFrame,
    events: pd.DataFrame,
    config: Config,
    manifest: Mapping[str, Any],
    swept: Sequence[str],
    orders: Mapping[str, Sequence[str]],
    figures: FigureEmbedder,
    seed: int,
    question: Markup,
    labels: Mapping[str, str],
) -> tuple[Markup, list[list[str]]]:
    """The key findings section and the ties it found (groups of tied values)."""
    group, rest = swept[0], list(swept[1:])
    provider = revoker(events, config)
    final, mean = contrast_metrics(config, provider)
    final = [m for m in final if m in results.columns]
    mean = [m for m in mean if m in results.columns]
    outcomes = run_outcomes(results, final, mean)
    metrics = [f"mean_{mean[0]}", *final[:1], *final[1:], *[f"mean_{m}" for m in mean[1:]]]
    order = [str(v) for v in orders.get(group) or []] or sorted(
        outcomes[group].astype(str).unique()
    )
    order = [v for v in order if v in set(outcomes[group].astype(str))]
    reference = order[0]
    table = reference_differences(outcomes, group, metrics, reference, rest, seed=seed)
    tied = [sorted(t, key=order.index) for t in ties(outcomes, group, metrics, rest)]
    quiet = _no_revocations(results, group, tied)
    for m in metrics:
        at = table["metric"] == m
        cols = ["reference", "level", "difference", "ci_low", "ci_high"]
        table.loc[at, cols] = table.loc[at, cols] * display_scale(m)
    ranks = {"_g": table["group"].map(order.index), "_m": table["metric"].map(metrics.index)}
    table = table.assign(**ranks).sort_values(["_g", "_m"]).drop(columns=list(ranks))
    table = table.reset_index(drop=True)
    seeds = outcomes["seed"].nunique()
    what = param_label(group)
    forest = figures.embed(
        forest_figure(
            table,
            title=f"Each {what} against {value_label(group, reference)}, on shared seeds",
            labels=labels,
            series="group",
            series_label="{}",
            baseline=f"the level under {value_label(group, reference)}",
        ),
        "forest",
        f"Each {what} minus {value_label(group, reference)}, as a change in % of the level "
        f"under {value_label(group, reference)}, with its 95% CI; zero marks no difference.",
        data=table,
    )
    sentences = [
        {
            "id": g,
            "label": value_label(group, g),
            "rows": list(table[table["group"] == g].itertuples()),
            "tie": any(g in t and reference in t for t in tied),
        }
        for g in order[1:]
    ]
    shown = pd.DataFrame(
        {
            what: [value_label(group, g) for g in table["group"]],
            "outcome": [metric_name(str(m), labels) for m in table["metric"]],
            "unit": [metric_unit(str(m)) for m in table["metric"]],
            f"level under {value_label(group, reference)}": table["reference"],
            "level": table["level"],
            "difference": table["difference"],
            "CI low": table["ci_low"],
            "CI high": table["ci_high"],
            "change %": table["change_pct"],
            "pairs": table["n_pairs"].astype(int),
        }
    ).reset_index(drop=True)
    numeric = [c for c in shown.columns if c not in (what, "outcome", "unit", "pairs")]
    ids = table[["group", "metric"]].astype(str).reset_index(drop=True)
    html = render(
        "contrasts.html.j2",
        question=question,
        reference=value_label(group, reference),
        what=what,
        caveat=_caveat(table, seeds, rest, value_label(group, reference)),
        ties=[
            {"names": [value_label(group, g) for g in t], "quiet": quiet[i]}
            for i, t in enumerate(tied)
        ],
        provider=labels.get(provider, provider),
        innovation=INNOVATION_WORDS,
        groups=sentences,
        names={m: metric_name(m, labels) for m in metrics},
        forest=forest,
        table=figures.table(shown, "differences", numeric, ids.add_prefix("id_")),
    )
    return html, tied


def _no_revocations(results: pd.DataFrame, group: str, tied: list[list[str]]) -> list[bool]:
    """Per tie: whether nobody was revoked in any run of the tied values."""
    if "revocations_total" not in results.columns:
        return [False] * len(tied)
    last = results.loc[results.groupby("run_id")["step"].idxmax()]
    return [
        bool((last.loc[last[group].astype(str).isin(t), "revocations_total"] == 0).all())
        for t in tied
    ]


def _caveat(table: pd.DataFrame, seeds: int, rest: Sequence[str], reference: str) -> str:
    pairs = int(table["n_pairs"].min()) if len(table) else 0
    cells = int(table["cells"].max()) if len(table) else 0
    text = (
        f"What the intervals cover: seed noise only. Each run is paired with the run under "
        f"{reference} at the same seed"
        + (f" and the same {', '.join(param_label(c) for c in rest)}" if rest else "")
        + f": {pairs} pairs ({seeds} seeds x {cells} cells), averaged over the cells with "
        "equal weight; the bootstrap resamples the pairs within each cell. The intervals do "
        "not cover uncertainty about the model's other parameters."
    )
    if seeds < FEW_PAIRS:
        text += (
            f" Only {seeds} seeds per cell: run at least {FEW_PAIRS} replicates "
            "(sweep.replicates) before relying on a difference called clear."
        )
    return text
