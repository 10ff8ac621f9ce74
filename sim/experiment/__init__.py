"""Running the model: one run, replicates, paired counterfactuals and the result store.

Imports :mod:`sim.config` and :mod:`sim.model`, never analysis, figures or reports.

- ``run``: run and simulate one config; plan and execute a sweep's runs;
- ``store``: the Parquet result store: what is finished, resume, loading;
- ``status``: how complete a sweep directory is (what a report says first);
- ``provenance``: run specs and ids, each file's provenance and its verification;
- ``manifest``: a sweep directory's identity (manifest, signature) and its lock;
- ``atomic``: whole-or-nothing writes with the user's permissions.
"""
