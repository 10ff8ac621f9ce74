"""The three agent types: one module each."""

from sim.agents.developer import Developer
from sim.agents.lab import Lab
from sim.agents.provider import AccessState, APIProvider

__all__ = ["APIProvider", "AccessState", "Developer", "Lab"]
