"""Evolutionary game dynamics of a finite population, exact and agent-based.

The pairwise-comparison (Fermi) imitation process with mutation in a well-mixed population:
closed-form fixation probabilities and stationary distributions (:mod:`.process`), the same
Markov chain simulated with Mesa agents (:mod:`.montecarlo`), and the DSAIR model of the AI
development race used to dock them against the published results (:mod:`.dsair`).
:mod:`.docking` runs the same process through the revision rule the main model uses
(sim.model.strategies.revise); it is not re-exported here, so that importing the theory does
not import the model.
"""

from sim.theory.montecarlo import (
    ImitationModel,
    Player,
    simulate_fixation,
    simulate_time_average,
)
from sim.theory.process import (
    fixation_probability,
    log_fixation_probability,
    payoff_difference,
    stationary_distribution,
    stationary_distribution_mutation,
)

__all__ = [
    "ImitationModel",
    "Player",
    "fixation_probability",
    "log_fixation_probability",
    "payoff_difference",
    "simulate_fixation",
    "simulate_time_average",
    "stationary_distribution",
    "stationary_distribution_mutation",
]
