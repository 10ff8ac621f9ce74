"""The model: agents, their decisions and the metrics recorded each month.

Imports only :mod:`sim.config` (and Mesa, numpy, networkx, scipy). One module per agent
type and one per mechanism, named as in ``docs/ODD.md``:

- ``model``: :class:`AccessModel`, whose ``step()`` runs the month's phases in order;
- ``lab``, ``provider``, ``developer``: the three agent types;
- ``population``: developers' state as numpy columns and their batched decisions;
- ``network``: the developers' small-world social graph;
- ``policies``: providers' access policies; ``strategies``: labs' strategy evolution;
- ``events``: scheduled scenario events; ``metrics``: the DataCollector's reporters.
"""

from sim.model.developer import Developer
from sim.model.lab import Lab
from sim.model.model import AccessModel
from sim.model.provider import AccessState, APIProvider

__all__ = ["APIProvider", "AccessModel", "AccessState", "Developer", "Lab"]
