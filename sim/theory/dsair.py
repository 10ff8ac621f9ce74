"""The DSAIR model of an AI development race, for docking the evolutionary dynamics.

Two developers race for a prize B that needs W development rounds. SAFE moves at speed 1 and
pays c per round for safety; UNSAFE moves at speed s > 1 and avoids disaster only with
probability 1 - p_r. Payoffs and thresholds follow Han, Pereira, Santos & Lenaerts (2020),
"To Regulate or Not: A Social Dynamics Analysis of an Idealised AI Race", JAIR 69, 881-921,
and Han, Pereira, Lenaerts & Santos (2021), PLoS ONE 16(1), e0244592; the Fig.-1-style frequency
maps come from the small-mutation limit of the Fermi imitation process.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import QuadMesh
from matplotlib.figure import Figure

from sim.theory.process import FloatArray, _check_int, _check_real, stationary_distribution

SAFE, UNSAFE = 0, 1
"""Row/column indices of the strategies in :func:`payoffs`."""
EARLY_W, LATE_W = 100.0, 1e6
"""Rounds needed to win in the papers' early (B/W >> b) and late (B/W << b) regimes."""


def _positive(name: str, value: float) -> float:
    x = _check_real(name, value, 0.0)
    if x == 0.0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return x


def _check_game(b: float, c: float, s: float, B: float, W: float) -> tuple[float, ...]:
    return (
        _positive("b", b),
        _check_real("c", c, 0.0),
        _check_real("s", s, 1.0),
        _check_real("B", B, 0.0),
        _positive("W", W),
    )


def _label(w: float, ratio: float, b: float) -> str:
    power = math.log10(w)
    shown = f"10^{{{power:.0f}}}" if w >= 1e4 and power.is_integer() else f"{w:g}"
    regime = "" if math.isnan(ratio * b) else ("early regime, " if ratio > b else "late regime, ")
    return f"{regime}$W = {shown}$ ($B/W = {ratio:g}$)"


def payoffs(b: float, c: float, s: float, p_r: float, B: float, W: float) -> FloatArray:
    """Long-run payoff matrix, rows and columns in the order (SAFE, UNSAFE).

    Per round SAFE/SAFE share b and each pays c; against UNSAFE, SAFE gets b/(s+1) - c and
    UNSAFE s b/(s+1); UNSAFE/UNSAFE share b. The prize B is amortised over the W rounds of the
    race (B/(2W) each in SAFE/SAFE, sB/W to UNSAFE against SAFE, sB/(2W) each in
    UNSAFE/UNSAFE), and UNSAFE keeps anything only with probability p = 1 - p_r (Han et al.
    2020). Requires b > 0, c >= 0, s >= 1, 0 <= p_r <= 1, B >= 0, W > 0.
    """
    b, c, s, B, W = _check_game(b, c, s, B, W)
    p = 1.0 - _check_real("p_r", p_r, 0.0, 1.0)
    return np.array(
        [
            [b / 2 - c + B / (2 * W), b / (s + 1) - c],
            [p * (s * b / (s + 1) + s * B / W), p * (b / 2 + s * B / (2 * W))],
        ]
    )


def thresholds(b: float, c: float, s: float, B: float, W: float) -> tuple[float, float]:
    """(collective, risk-dominance) thresholds on p_r, clipped to [0, 1].

    Above the first, SAFE/SAFE earns more than UNSAFE/UNSAFE (society prefers SAFE):
    ((s-1)B + 2cW) / (bW + sB). Above the second, SAFE is risk-dominant,
    Pi_SS + Pi_SU > Pi_US + Pi_UU: (2bW(s-1) + 4cW(s+1) + B(s+1)(3s-1)) / (bW(3s+1) + 3sB(s+1)).
    Both solve the equalities of :func:`payoffs` for p_r. For B/W >> b, c they tend to 1 - 1/s
    and 1 - 1/(3s) (Han et al. 2020); for B/W -> 0 to 2c/b and 2((s-1)b + 2c(s+1)) / (b(3s+1)).
    A value clipped to 1 means that no p_r < 1 meets the condition.
    """
    b, c, s, B, W = _check_game(b, c, s, B, W)
    collective = ((s - 1) * B + 2 * c * W) / (b * W + s * B)
    risk = (2 * b * W * (s - 1) + 4 * c * W * (s + 1) + B * (s + 1) * (3 * s - 1)) / (
        b * W * (3 * s + 1) + 3 * s * B * (s + 1)
    )
    return min(max(collective, 0.0), 1.0), min(max(risk, 0.0), 1.0)


def unsafe_frequency_map(
    s_values: Sequence[float],
    pr_values: Sequence[float],
    *,
    b: float = 4.0,
    c: float = 1.0,
    B: float = 1e4,
    W: float | Sequence[float] = (EARLY_W, LATE_W),
    Z: int = 100,
    beta: float = 0.01,
) -> pd.DataFrame:
    """Long-run frequency of UNSAFE over a grid of speeds s and risks p_r, one block per W.

    Uses the small-mutation stationary distribution of the Fermi process in a population of Z
    (:func:`sim.evolution.stationary_distribution`). Tidy result: one row per (W, s, p_r) with
    columns s, p_r, W, unsafe_frequency, collective_threshold, risk_threshold; the parameters
    are kept in ``df.attrs``.
    """
    regimes: list[float] = np.atleast_1d(np.asarray(W, dtype=np.float64)).tolist()
    if not s_values or not pr_values or not regimes:
        raise ValueError("s_values, pr_values and W must each hold at least one value")
    Z = _check_int("Z", Z, 2)
    beta = _check_real("beta", beta, 0.0)
    rows = []
    for w in regimes:
        for s in s_values:
            collective, risk = thresholds(b, c, s, B, w)
            for p_r in pr_values:
                freq = stationary_distribution(payoffs(b, c, s, p_r, B, w), Z, beta)[UNSAFE]
                rows.append((float(s), float(p_r), float(w), float(freq), collective, risk))
    df = pd.DataFrame(
        rows,
        columns=["s", "p_r", "W", "unsafe_frequency", "collective_threshold", "risk_threshold"],
    )
    df.attrs.update(b=b, c=c, B=B, Z=Z, beta=beta)
    return df


def plot_maps(df: pd.DataFrame, path: str | Path) -> Path:
    """Draw one heat map of the UNSAFE frequency over (s, p_r) per W, with both thresholds.

    Reproduces the layout of Fig. 1 of Han et al. (2020): speed s on x, risk p_r on y.
    Writes a PNG with the Agg backend and returns its path.
    """
    missing = {"s", "p_r", "W", "unsafe_frequency", "collective_threshold", "risk_threshold"}
    missing -= set(df.columns)
    if missing or df.empty:
        raise ValueError(f"df must be a non-empty unsafe_frequency_map result; lacks {missing}")
    regimes = sorted(df["W"].unique())
    fig = Figure(figsize=(5.2 * len(regimes) + 1.2, 4.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, len(regimes), squeeze=False)[0]
    meshes: list[QuadMesh] = []
    for ax, w in zip(axes, regimes, strict=True):
        part = df[df["W"] == w]
        grid = part.pivot_table(index="p_r", columns="s", values="unsafe_frequency")
        mesh = ax.pcolormesh(
            grid.columns.to_numpy(),
            grid.index.to_numpy(),
            grid.to_numpy(),
            shading="nearest",
            cmap="RdYlBu_r",
            vmin=0.0,
            vmax=1.0,
        )
        meshes.append(mesh)
        lines = part.groupby("s")[["collective_threshold", "risk_threshold"]].first()
        ax.plot(
            lines.index,
            lines["collective_threshold"],
            "k-",
            lw=2,
            label="collective threshold ($\\Pi_{SS} = \\Pi_{UU}$)",
        )
        ax.plot(
            lines.index,
            lines["risk_threshold"],
            "k--",
            lw=2,
            label="risk-dominance threshold\n($\\Pi_{SS} + \\Pi_{SU} = \\Pi_{US} + \\Pi_{UU}$)",
        )
        ax.set_title(_label(w, df.attrs.get("B", math.nan) / w, df.attrs.get("b", math.nan)))
        ax.set_xlabel("speed advantage of UNSAFE, s")
        ax.set_ylabel("risk of disaster, $p_r$")
        ax.set_xlim(grid.columns.min(), grid.columns.max())
        ax.set_ylim(0.0, 1.0)
        ax.legend(loc="lower right", fontsize="small", framealpha=0.85)
    fig.colorbar(meshes[-1], ax=list(axes), label="frequency of UNSAFE")
    attrs = df.attrs
    names = {"b": "b", "c": "c", "B": "B", "Z": "Z", "beta": "β"}
    detail = ", ".join(f"{v} = {attrs[k]:g}" for k, v in names.items() if k in attrs)
    fig.suptitle(f"DSAIR: long-run frequency of UNSAFE developers ({detail})")
    out = Path(path)
    fig.savefig(out, dpi=120)
    return out
