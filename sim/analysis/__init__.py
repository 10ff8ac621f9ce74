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

from sim.analysis.estimates import effects, group_estimates, paired_differences

__all__ = ["effects", "group_estimates", "paired_differences"]
