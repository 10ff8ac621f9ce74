"""Figures of a calibration: the posterior predictive check (each target's data against the
model's band, in units of the target's scale) and each parameter's posterior against its
prior."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.calibration.posterior import Posterior, Prior
from sim.viz.style import PALETTE, panel_grid


def fit_figure(table: pd.DataFrame) -> Figure:
    """One row per target: the model's 90% band and median as misses from the data, in
    units of the target's scale (0 = the data; inside the band = a fit)."""
    n = len(table)
    fig = Figure(figsize=(7.5, 0.32 * n + 1.4), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(n)[::-1]
    lo = (table["lo90"] - table["data"]) / table["scale"]
    hi = (table["hi90"] - table["data"]) / table["scale"]
    mid = (table["median"] - table["data"]) / table["scale"]
    colours = [PALETTE[0] if inside else PALETTE[1] for inside in table["inside"]]
    ax.hlines(y, lo, hi, colors=colours, linewidth=4, alpha=0.6)
    ax.scatter(mid, y, color=colours, zorder=3, s=18)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [str(t) for t in table["target"]], fontsize=8)
    ax.set_xlabel("model minus data, in units of the target's scale (90% band, median)")
    ax.set_title("Posterior predictive check: blue contains the data, vermillion misses it")
    ax.grid(axis="x", alpha=0.3)
    return fig


def posterior_figure(posterior: Posterior, priors: tuple[Prior, ...]) -> Figure:
    """Each calibrated parameter: its weighted posterior particles against the prior range."""
    fig, axes = panel_grid(len(priors), ncols=3, size=(3.6, 2.4))
    particles, weights = posterior.particles, posterior.weights
    for ax, prior in zip(axes, priors, strict=False):
        values = particles[prior.name].to_numpy(dtype=float)
        if prior.log:
            bins = np.geomspace(prior.low, prior.high, 25)
            ax.set_xscale("log")
        else:
            bins = np.linspace(prior.low, prior.high, 25)
        ax.hist(values, bins=list(bins), weights=weights, density=True, color=PALETTE[0], alpha=0.7)
        ax.set_xlim(prior.low, prior.high)
        ax.set_title(prior.name, fontsize=9)
        ax.set_yticks([])
    for ax in axes[len(priors) :]:
        ax.set_visible(False)
    fig.suptitle("Posterior of each calibrated parameter, over its whole prior range")
    return fig
