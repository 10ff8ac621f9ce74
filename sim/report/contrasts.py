"""The key findings of a parameter sweep (e.g. the policy sweep), on its first screen: each
value of the first swept parameter against a reference value on the shared seeds, with
intervals; ties named; and the revoking provider's own outcomes beside innovation and trust."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Contrast:
    """Each value of the swept parameter `group` against `reference` on shared seeds."""

    group: str
    rest: list[str]
    order: list[str]
    """The values in the order the sweep declared them, the reference first."""
    metrics: list[str]
    table: pd.DataFrame
    """reference_differences' table in display units, sorted by value then metric."""
    tied: list[list[str]]
    quiet: list[bool]
    """Per tie: whether nobody was revoked in any of its runs."""
    provider: str
    seeds: int

    @property
    def reference(self) -> str:
        return self.order[0]


def contrast(
    results: pd.DataFrame,
    events: pd.DataFrame,
    config: Config,
    swept: Sequence[str],
    orders: Mapping[str, Sequence[str]],
    seed: int,
) -> Contrast:
    """The paired differences from the reference value of the first swept parameter, the
    ties among its values, and the revoking provider whose own outcomes are shown."""
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
    table = reference_differences(outcomes, group, metrics, order[0], rest, seed=seed)
    tied = [sorted(t, key=order.index) for t in ties(outcomes, group, metrics, rest)]
    for m in metrics:
        at = table["metric"] == m
        cols = ["reference", "level", "difference", "ci_low", "ci_high"]
        table.loc[at, cols] = table.loc[at, cols] * display_scale(m)
    ranks = {"_g": table["group"].map(order.index), "_m": table["metric"].map(metrics.index)}
    table = table.assign(**ranks).sort_values(["_g", "_m"]).drop(columns=list(ranks))
    return Contrast(
        group,
        rest,
        order,
        metrics,
        table.reset_index(drop=True),
        tied,
        _no_revocations(results, group, tied),
        provider,
        int(outcomes["seed"].nunique()),
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
    c = contrast(results, events, config, swept, orders, seed)
    group, table, reference = c.group, c.table, value_label(c.group, c.reference)
    sentences = [
        {
            "id": g,
            "label": value_label(group, g),
            "rows": list(table[table["group"] == g].itertuples()),
            "tie": any(g in t and c.reference in t for t in c.tied),
        }
        for g in c.order[1:]
    ]
    html = render(
        "contrasts.html.j2",
        question=question,
        reference=reference,
        what=param_label(group),
        caveat=_caveat(table, c.seeds, c.rest, reference),
        ties=[
            {"names": [value_label(group, g) for g in t], "quiet": c.quiet[i]}
            for i, t in enumerate(c.tied)
        ],
        provider=labels.get(c.provider, c.provider),
        innovation=INNOVATION_WORDS,
        groups=sentences,
        names={m: metric_name(m, labels) for m in c.metrics},
        forest=_forest(c, figures, labels),
        table=_differences_table(c, figures, labels),
    )
    return html, c.tied


def _forest(c: Contrast, figures: FigureEmbedder, labels: Mapping[str, str]) -> Markup:
    what, reference = param_label(c.group), value_label(c.group, c.reference)
    return figures.embed(
        forest_figure(
            c.table,
            title=f"Each {what} against {reference}, on shared seeds",
            labels=labels,
            series="group",
            series_label="{}",
            baseline=f"the level under {reference}",
        ),
        "forest",
        f"Each {what} minus {reference}, as a change in % of the level "
        f"under {reference}, with its 95% CI; zero marks no difference.",
        data=c.table,
    )


def _differences_table(c: Contrast, figures: FigureEmbedder, labels: Mapping[str, str]) -> Markup:
    """The paired differences in words and display units, downloadable with raw ids."""
    table, what = c.table, param_label(c.group)
    shown = pd.DataFrame(
        {
            what: [value_label(c.group, g) for g in table["group"]],
            "outcome": [metric_name(str(m), labels) for m in table["metric"]],
            "unit": [metric_unit(str(m)) for m in table["metric"]],
            f"level under {value_label(c.group, c.reference)}": table["reference"],
            "level": table["level"],
            "difference": table["difference"],
            "CI low": table["ci_low"],
            "CI high": table["ci_high"],
            "change %": table["change_pct"],
            "pairs": table["n_pairs"].astype(int),
        }
    ).reset_index(drop=True)
    numeric = [col for col in shown.columns if col not in (what, "outcome", "unit", "pairs")]
    ids = table[["group", "metric"]].astype(str).reset_index(drop=True)
    return figures.table(shown, "differences", numeric, ids.add_prefix("id_"))


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
