"""Statistics of results read from disk, never of live models. Imports config and
experiment (the store, and the runner for the designs that run their own sweeps).

- ``estimates``: paired effects and group estimates with bootstrap intervals;
- ``uncertainty``: effects pooled over posterior draws, the spread split between parameters
  and chance;
- ``factors``: numeric config parameters by dotted path, checked and applied;
- ``sensitivity``: Morris and Sobol designs and indices (SALib);
- ``discovery``: scenario discovery designs and their cases; ``prim``: PRIM (EMA Workbench);
- ``hypotheses``: the paired experiments of docs/HYPOTHESES.md;
- ``history``: a run's access network and lab trust rebuilt from its event log;
- ``summary``: one run in plain words;
- ``names``: metrics and parameters in words, with units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.analysis.estimates import effects, group_estimates, paired_differences


def __getattr__(name: str) -> Any:
    """The estimators, imported on first use: they bring SciPy's statistics, which the
    other modules of this room (names, kinds, summary) do not need."""
    if name in __all__:
        from sim.analysis import estimates

        return getattr(estimates, name)
    raise AttributeError(f"module 'sim.analysis' has no attribute {name!r}")


__all__ = ["effects", "group_estimates", "paired_differences"]
