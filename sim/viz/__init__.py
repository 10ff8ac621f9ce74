"""Figures (matplotlib): the shared style and labels, a run's figures, a sweep's figures and
the access-network picture. Reads result tables; imports config, experiment and analysis,
never a live model.

- ``style``: palette, metric and parameter labels, saving, the figures of one run;
- ``sweeps``: time series with CI bands, effects, heatmaps, frontiers, sensitivity, PRIM;
- ``network``: who may call whose API, and lab trust, at a month.
"""
