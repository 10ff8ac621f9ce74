"""Running the model: one run, replicates, paired counterfactuals and the result store.

Imports :mod:`sim.config` and :mod:`sim.model`, never analysis, figures or reports.

- ``run``: run and simulate one config; plan and execute a sweep's runs;
- ``store``: the Parquet result store with provenance, resume and loading.
"""
