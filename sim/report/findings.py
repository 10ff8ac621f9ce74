"""The key findings of a paired report, on its first screen: each headline effect in words
with the levels it moves between, its change in natural units and in %, its 95% interval,
what that interval covers, a forest plot of every horizon, and the table behind them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from sim.analysis.estimates import few_pairs_caveat, pair_counts
from sim.analysis.findings import key_findings
from sim.analysis.names import INNOVATION_WORDS, metric_name, metric_unit
from sim.report.html import FigureEmbedder, render
from sim.viz.forest import forest_figure

MAX_FORESTS = 6
"""A paired sweep over more parameter points than this gets no forest plot per point (the
table and its CSV hold every point)."""


@dataclass(frozen=True)
class Finding:
    """One effect for a sentence (template ``findings.html.j2``). The verdict says which
    sentence: raised or lowered (the interval excludes zero), unclear, none (identical
    arms) or unknown (one pair, no interval). Numbers are signed, on the shown scale."""

    metric: str
    step: int
    verdict: str
    name: str
    unit: str
    without: float
    with_: float
    effect: float
    low: float
    high: float
    pct: float
    pct_low: float
    pct_high: float


def finding(row: Any, labels: Mapping[str, str]) -> Finding:
    """The values of one effect's sentence, from a row of ``key_findings`` (its `with`
    column renamed `with_`, as `with` is a keyword)."""
    effect, low, high = float(row.effect), float(row.ci_low), float(row.ci_high)
    if not (np.isfinite(low) and np.isfinite(high)):
        verdict = "unknown"
    elif effect == 0 and low == 0 and high == 0:
        verdict = "none"
    elif low <= 0 <= high:
        verdict = "unclear"
    else:
        verdict = "raised" if effect > 0 else "lowered"
    return Finding(
        str(row.metric),
        int(row.step),
        verdict,
        metric_name(str(row.metric), labels),
        metric_unit(str(row.metric)),
        float(row.without),
        float(row.with_),
        effect,
        low,
        high,
        float(row.change_pct),
        float(row.change_pct_low),
        float(row.change_pct_high),
    )


def covers(table: pd.DataFrame, pooled: bool) -> str:
    """What the intervals of an effect table cover, and over how many pairs."""
    if pooled:
        draws, n_pairs = int(table["n_draws"].iloc[0]), int(table["n_pairs"].iloc[0])
        return (
            f"What the intervals cover: parameter uncertainty ({draws} worlds drawn from the "
            f"calibrated posterior) as well as seed noise ({n_pairs // draws} seed pairs in "
            f"each, {n_pairs} pairs in all); a two-stage bootstrap resamples the draws, then "
            "the pairs within each."
        )
    text = (
        f"What the intervals cover: seed noise only, the spread between {pair_counts(table)} "
        "pairs of runs that share their seeds at one set of parameter values (Setup). They "
        "do not cover uncertainty about the parameters themselves."
    )
    few = few_pairs_caveat(int(table["n_pairs"].min()))
    return f"{text} {few}" if few else text


def findings_html(
    table: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    pooled: bool,
    question: Markup,
    subject: str,
    labels: Mapping[str, str],
    point_labels: Mapping[str, str],
    figures: FigureEmbedder,
) -> Markup:
    """The key findings section: sentences at the longest horizon (per parameter point),
    the caveat, a forest plot per point and every horizon as a downloadable table."""
    found = key_findings(table, pairs, pooled=pooled)
    longest = found[found["months_after"] == found["months_after"].max()]
    points = [
        {
            "id": str(point_id),
            "label": point_labels.get(str(point_id), "") if len(point_labels) > 1 else "",
            "findings": [
                finding(r, labels) for r in block.rename(columns={"with": "with_"}).itertuples()
            ],
        }
        for point_id, block in longest.groupby("point_id", sort=False)
    ]
    forests = []
    if len(points) <= MAX_FORESTS:
        for i, p in enumerate(points):
            block = found[found["point_id"].astype(str) == p["id"]]
            title = f"{subject[:1].upper()}{subject[1:]}: change at each horizon"
            forests.append(
                figures.embed(
                    forest_figure(
                        block,
                        title=title + (f", {p['label']}" if p["label"] else ""),
                        labels=labels,
                    ),
                    "forest" if len(points) == 1 else f"forest_{i + 1}",
                    "Every headline effect at every horizon, as a change in % of the level "
                    "without the intervention, with its 95% CI; zero marks no effect.",
                    data=block,
                )
            )
    row = longest.iloc[0]
    return render(
        "findings.html.j2",
        question=question,
        subject=subject[:1].upper() + subject[1:],
        step=int(row["step"]),
        after=int(row["months_after"]),
        pairs=pair_counts(table),
        caveat=covers(table, pooled),
        innovation=INNOVATION_WORDS,
        points=points,
        forests=forests,
        table=figures.table(*_shown(found, table, labels, point_labels, pooled)),
    )


def _shown(
    found: pd.DataFrame,
    table: pd.DataFrame,
    labels: Mapping[str, str],
    point_labels: Mapping[str, str],
    pooled: bool,
) -> tuple[pd.DataFrame, str, Sequence[str], pd.DataFrame]:
    """The effects table as shown (readable names, the shown scale) and its raw ids."""
    shown = pd.DataFrame(
        {
            "outcome": [metric_name(str(m), labels) for m in found["metric"]],
            "unit": [metric_unit(str(m)) for m in found["metric"]],
            "point": found["point_id"].astype(str).map(point_labels).fillna(found["point_id"]),
            "months after": found["months_after"].astype(int),
            "month": found["step"].astype(int),
            "without": found["without"],
            "with": found["with"],
            "change": found["effect"],
            "CI low": found["ci_low"],
            "CI high": found["ci_high"],
            "change %": found["change_pct"],
            "% CI low": found["change_pct_low"],
            "% CI high": found["change_pct_high"],
            "pairs": found["n_pairs"].astype(int),
        }
    )
    if pooled:
        share = table.set_index(["metric", "step"])["parameter_share"]
        keys = list(zip(found["metric"], found["step"], strict=True))
        shown["parameter share"] = share.reindex(keys).to_numpy()
    if shown["point"].nunique() == 1:
        shown = shown.drop(columns="point")
    numeric = [c for c in shown.columns if c not in ("outcome", "unit", "point", "months after")]
    numeric = [c for c in numeric if c not in ("month", "pairs")]
    ids = found[["metric", "point_id"]].reset_index(drop=True)
    return shown, "effects", numeric, ids
