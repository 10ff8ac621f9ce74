"""Calibration to real data: observed targets, the instruments that measure the simulated
equivalents, ABC-SMC, predictions. May import sim.config, sim.model, sim.experiment,
sim.analysis."""
