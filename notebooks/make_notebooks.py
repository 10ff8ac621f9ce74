"""Write the notebooks from these cell sources (stored without outputs).

    .venv/bin/python notebooks/make_notebooks.py

Keeping the source here makes reviews and diffs readable; the .ipynb files are what users
open, and the test suite executes them (nbmake).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

QUICKSTART = [
    (
        "md",
        """# accessrace quick-start for researchers

One run, a small paired sweep, tidy results, an effect with a confidence interval and a
figure, all from Python (no Hydra needed). Every number comes from the model's seeded
random streams, so re-running this notebook gives the same output.""",
    ),
    ("md", "## One run\n`sim.run(config)` returns tidy per-month metrics and the event log."),
    (
        "code",
        """import tempfile
from pathlib import Path

import sim
from sim.config import EventConfig, EventKind, PopulationConfig, ScenarioConfig

cutoff = ScenarioConfig(name="claude_cutoff", events=(
    EventConfig(kind=EventKind.revoke_access, at=24, provider="incumbent_api", lab="rival"),
    EventConfig(kind=EventKind.launch, at=25, lab="rival", capability_jump=0.1),
))
config = sim.Config(scenario=cutoff, population=PopulationConfig(n_developers=2000), seed=1)
result = sim.run(config)
columns = ["step", "capability__rival", "trust__incumbent_api", "share__self_host"]
result.timeseries[columns].iloc[::12]""",
    ),
    ("code", """result.events[result.events["kind"] != "detection"].head()"""),
    (
        "md",
        """## A small paired sweep
`plan` spawns replicate seeds from `SeedSequence(seed)`; with an intervention, each seed runs
with and without it (common random numbers). `sweep` runs them in parallel, writes one
Parquet file per run and skips runs already written.""",
    ),
    (
        "code",
        """from sim.experiment.run import plan, sweep

sweep_dir = Path(tempfile.mkdtemp()) / "cutoff"
specs = plan(config, replicates=6, intervention=[EventKind.revoke_access])
sweep(specs, sweep_dir, n_jobs=2)""",
    ),
    (
        "code",
        """from sim.experiment.store import load

ts = load(sweep_dir)                 # every month of every run, with run_id, arm, seed ...
summary = load(sweep_dir, "summary")  # one row per run
summary[["arm", "replicate", "seed", "capability__rival", "trust__incumbent_api"]]""",
    ),
    ("md", "## The effect of the cutoff, with a 95% bootstrap confidence interval"),
    (
        "code",
        """from sim.analysis.estimates import effects

trust_effect = effects(ts, "trust__incumbent_api", seed=0)
trust_effect[trust_effect["step"].isin([23, 24, 36, 48, 60])]""",
    ),
    (
        "code",
        """import matplotlib.pyplot as plt  # pyplot shows the figure under the cell

fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
ax.fill_between(trust_effect["step"], trust_effect["ci_low"], trust_effect["ci_high"],
                alpha=0.3, label="95% CI")
ax.plot(trust_effect["step"], trust_effect["effect"], label="mean paired difference")
ax.axhline(0, color="black", linewidth=0.8)
ax.axvline(24, color="grey", linestyle="--", label="cutoff (month 24)")
ax.set(title="Effect of the cutoff on developer trust in the revoking provider",
       xlabel="month", ylabel="trust difference (treated - control)")
ax.legend()
plt.show()""",
    ),
    (
        "code",
        """assert trust_effect.loc[trust_effect["step"] == 23, "effect"].item() == 0.0
assert trust_effect.loc[trust_effect["step"] == 30, "ci_high"].item() < 0""",
    ),
]

CLASSROOM = [
    (
        "md",
        """# Classroom: what happens when a lab cuts a rival off its API?

A frontier lab sells its coding model through its API. A rival lab has been using that
API to benchmark its own models while preparing a launch. On the eve of the launch, the
first lab revokes the rival's access, citing terms that forbid using the API to build or
benchmark competing models.

**Before you run anything, write down your predictions:**
1. Will the rival's models get noticeably worse?
2. Will developers trust the lab that cut its rival off more, less, or the same?
3. Will developers move to self-hosted open-weights models?""",
    ),
    (
        "code",
        """import sim
from sim.config import EventConfig, EventKind, PopulationConfig, ScenarioConfig

def world(with_cutoff: bool) -> sim.AccessModel:
    events = [EventConfig(kind=EventKind.launch, at=25, lab="rival", capability_jump=0.1)]
    if with_cutoff:
        events.append(EventConfig(kind=EventKind.revoke_access, at=24,
                                  provider="incumbent_api", lab="rival"))
    scenario = ScenarioConfig(name="classroom", events=tuple(events))
    return sim.AccessModel(sim.Config(scenario=scenario, seed=7,
                                      population=PopulationConfig(n_developers=3000)))

cut, twin = world(True), world(False)   # same seed: identical until the cutoff""",
    ),
    ("md", "## Step 1: two years of business as usual"),
    (
        "code",
        """import numpy as np

history = {"cut": [], "twin": []}       # one snapshot per month of each world
heard_at = np.full(cut.population.n, -1)  # month each developer heard of the cutoff

def snapshot(model: sim.AccessModel) -> dict[str, float]:
    i = [p.name for p in model.providers].index("incumbent_api")
    return {"month": model.steps,
            "rival capability": round(float(model.lab("rival").capability.mean()), 3),
            "trust in incumbent_api": round(float(model.population.trust[:, i].mean()), 3),
            "self-hosting share": round(float(model.population.shares()[-1]), 3)}

def advance(months: int) -> None:  # step both worlds, recording each month
    for _ in range(months):
        cut.step(); twin.step()
        history["cut"].append(snapshot(cut)); history["twin"].append(snapshot(twin))
        cutoffs = [n for n in cut.population.news if n.revoked_lab is not None]
        if cutoffs:
            heard_at[(heard_at < 0) & cutoffs[0].aware] = cut.steps

advance(23)
snapshot(cut), snapshot(twin)""",
    ),
    (
        "md",
        """**Question:** the two worlds are identical so far. Why does that matter for
judging the effect of the cutoff later?""",
    ),
    ("md", "## Step 2: month 24, the cutoff"),
    (
        "code",
        """advance(1)
i = [p.name for p in cut.providers].index("incumbent_api")
users = cut.population.choice == i   # on the incumbent's API in the month of the cutoff
[e for e in cut.event_log if e["kind"] == "revocation"]""",
    ),
    (
        "code",
        """advance(6)
snapshot(cut), snapshot(twin)""",
    ),
    (
        "md",
        """**Question:** compare developer trust in the two worlds six months after the
cutoff. Which developers heard the news first, and how did it reach the others?""",
    ),
    ("md", "## Step 3: three years later"),
    (
        "code",
        """advance(30)
after, before = snapshot(cut), snapshot(twin)
{k: (after[k], before[k]) for k in after}""",
    ),
    ("code", """assert after["trust in incumbent_api"] < before["trust in incumbent_api"]"""),
    ("md", "## The run and its twin, month by month"),
    (
        "code",
        """import matplotlib.pyplot as plt
import pandas as pd

runs = {name: pd.DataFrame(rows).set_index("month") for name, rows in history.items()}
fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), layout="constrained")
for ax, column in zip(axes, runs["cut"].columns):
    ax.plot(runs["cut"].index, runs["cut"][column], label="with the cutoff")
    ax.plot(runs["twin"].index, runs["twin"][column], linestyle="--", label="twin: no cutoff")
    ax.axvline(24, color="grey", linestyle=":", label="cutoff (month 24)")
    ax.set(title=column, xlabel="month")
axes[0].legend()
plt.show()""",
    ),
    ("md", "## Who heard the news, and when"),
    (
        "code",
        """months = np.arange(24, 37)  # the news has reached nearly everyone within a year
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4), layout="constrained")
for who, label in ((users, "its users at the cutoff"), (~users, "everyone else")):
    share = [np.mean((heard_at[who] >= 0) & (heard_at[who] <= m)) for m in months]
    left.plot(months, share, label=label)
left.set(title="Share who had heard of the cutoff", xlabel="month", ylabel="share")
left.legend()
right.hist(heard_at[heard_at >= 0], bins=np.arange(24, 38) - 0.5)
right.set(title="Month each developer heard", xlabel="month", ylabel="developers")
plt.show()
print(f"{np.mean(heard_at >= 0):.0%} of developers heard of the cutoff")""",
    ),
    (
        "md",
        """**Discuss:** were your predictions right? The rival lost one channel for
learning from its competitor, but the lab that cut it off paid in trust. What would change
if the rival could still reach the models through a cloud marketplace
(`providers.cloud.hosts`)? Try the dashboard (README) to replay this live.""",
    ),
]


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook(
        cells=[
            new_markdown_cell(src) if kind == "md" else new_code_cell(src) for kind, src in cells
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


if __name__ == "__main__":
    for name, cells in (("quickstart", QUICKSTART), ("classroom", CLASSROOM)):
        nbformat.write(build(cells), HERE / f"{name}.ipynb")
        print(f"wrote {HERE / name}.ipynb")
