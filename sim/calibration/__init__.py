"""Calibration to real data: observed targets, the instruments that measure the simulated
equivalents, ABC-SMC, predictions. May import sim.config, sim.model, sim.experiment,
sim.analysis.

- ``measures``: the measurements both sides share (records to date, the open-weights lag
  and gap, leader changes, the frontier's piecewise-linear growth);
- ``observed``: the record from ``data/`` (monthly ECI records, the targets and their
  scales, what is not compared and why);
- ``domains``: capability per domain from the benchmark scores (an item-response fit on
  the ECI scale), each lab's leader sequence and trajectory lines (the history cast's
  starting capability and research pace per domain);
- ``instruments``: the same quantities measured from a simulated run's monthly time series,
  and the out-of-sample prediction quantities.
"""
